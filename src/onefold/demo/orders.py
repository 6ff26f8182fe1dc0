"""Omnichannel orders and their lines: BG/NBD purchase times, baskets, prices, delivery and status.

Generating process:
- purchase times: per buyer a BG/NBD process in operational time (see behaviour.py and timeline.py),
  run from arrival to the end of the unseen 52-week horizon. Purchases before the data starts are
  dropped; purchases in the horizon are kept internally for the truth files and never written.
- channel from the person's channel mix; web orders before the legacy cut-over reference the
  ``ecom_legacy`` record. Store orders happen at the home store (90 %) or another store.
- lines: ``1 + Poisson(g)`` lines (max 8), category by taste, product at the person's price tier
  (+-0.18 noise) within the category; qty 1 (85 %), 2 (11 %), 3 (4 %); 8 % of lines sold at 25 % off.
- discount: promo code on 15 % of orders (35 % in November): 10, 15 or 20 % of the subtotal.
- shipping (online only): free from 75.00 after discount, else 5.99; 8 % expedited at 12.99.
- delivery: promised in 5 days (2 expedited) at 21:00; late on 7 % of orders (15 % in Nov-Dec),
  delivered 1-7 days after the promise. Store orders: delivered at once, no promise.
- status at the snapshot (2026-01-01): 3 % of online orders cancelled; online orders in the last 45
  days holding one of the 5 SKUs most ordered then are ``backordered`` (delivered 10-40 days after
  the data ends); others delivered when delivery came before the snapshot, else ``shipped`` (or
  ``placed`` in the final day).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from onefold.demo import timeline
from onefold.demo.behaviour import CH_CC, CH_STORE, CH_WEB, LEGACY, Behaviour, choose_rows
from onefold.demo.catalog import Catalog
from onefold.demo.writer import NO_TIME, arrow_ids


def order_ids(index: np.ndarray) -> pa.Array:
    """Order ids of order indices: orders are numbered by time, ``O000000001`` first."""
    return arrow_ids("O", index + 1, 9)


STATUSES = ("placed", "backordered", "shipped", "delivered", "cancelled")
PLACED, BACKORDERED, SHIPPED, DELIVERED, CANCELLED = range(5)
N_SCARCE = 5
BACKORDER_WINDOW_DAYS = 45


@dataclass
class Orders:
    """Orders over observation + horizon, sorted by time; ``observed`` marks the written ones."""

    person: np.ndarray
    channel: np.ndarray
    source: np.ndarray  # index into behaviour.SOURCES of the referenced customer record
    store: np.ndarray  # -1 for non-store orders
    ordered_s: np.ndarray
    promised_s: np.ndarray  # NO_TIME for store orders
    arrival_s: np.ndarray  # when goods actually arrive (even after the snapshot); NO_TIME if cancelled
    status: np.ndarray  # status at the snapshot, index into STATUSES
    subtotal: np.ndarray  # cents
    discount: np.ndarray
    shipping: np.ndarray
    total: np.ndarray
    observed: np.ndarray
    late: np.ndarray
    scarce: np.ndarray  # product indices that ran out (backordered) at the end of the data


@dataclass
class Lines:
    """Order lines; ``order`` indexes Orders, lines of one order are contiguous."""

    order: np.ndarray
    line_number: np.ndarray
    product: np.ndarray
    qty: np.ndarray
    unit_price: np.ndarray  # cents


def simulate_purchases(rng: np.random.Generator, beh: Behaviour,
                       birth_day: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """BG/NBD purchase days (calendar, float) per buyer from arrival to the horizon end, day >= 0,
    and each person's dropout day (calendar, float; ``inf`` when still alive at the horizon end or
    never a buyer). The dropout day is never written; engagement fades after it (fade.py)."""
    end_op = float(timeline.to_operational(timeline.HORIZON_END_DAY))
    idx = np.flatnonzero(beh.buyer)
    t = timeline.to_operational(birth_day[idx])
    people, times = [idx], [t]
    left_op = np.full(len(beh.buyer), np.inf)
    while len(idx):
        alive = rng.random(len(idx)) >= beh.p_drop[idx]
        left_op[idx[~alive]] = t[~alive]
        idx, t = idx[alive], t[alive]
        t = t + rng.exponential(1.0 / beh.lam[idx])
        keep = t < end_op
        idx, t = idx[keep], t[keep]
        people.append(idx)
        times.append(t)
    person = np.concatenate(people)
    day = timeline.to_calendar(np.concatenate(times))
    keep = (day >= 0) & (day < timeline.HORIZON_END_DAY)
    left_day = np.full(len(left_op), np.inf)
    gone = np.isfinite(left_op)
    left_day[gone] = timeline.to_calendar(left_op[gone])
    return person[keep], day[keep], left_day


def _month(seconds: np.ndarray) -> np.ndarray:
    return seconds.astype("datetime64[s]").astype("datetime64[M]").astype(np.int64) % 12 + 1


def _lines(rng: np.random.Generator, beh: Behaviour, catalog: Catalog, person: np.ndarray) -> Lines:
    n_lines = np.minimum(1 + rng.poisson(beh.basket[person]), 8)
    order = np.repeat(np.arange(len(person)), n_lines)
    starts = np.cumsum(n_lines) - n_lines
    line_number = np.arange(len(order)) - np.repeat(starts, n_lines) + 1
    who = person[order]
    cat = choose_rows(rng, beh.cat_cum[who])
    q = np.clip(beh.price_q[who] + rng.normal(0, 0.18, len(order)), 0, 0.999)
    product = catalog.cat_start[cat] + np.floor(q * catalog.cat_count[cat]).astype(np.int64)
    qty = rng.choice(np.array([1, 2, 3]), size=len(order), p=[0.85, 0.11, 0.04])
    price = catalog.price_cents[product]
    unit_price = np.where(rng.random(len(order)) < 0.08, np.round(price * 0.75).astype(np.int64), price)
    return Lines(order, line_number, product, qty, unit_price)


def make_orders(rng: np.random.Generator, beh: Behaviour, catalog: Catalog, n_stores: int,
                person: np.ndarray, day: np.ndarray) -> tuple[Orders, Lines]:
    """Orders and lines for the purchase events ``(person, day)``."""
    n = len(person)
    channel = choose_rows(rng, beh.chan_cum[person])
    store_order = channel == CH_STORE
    online = ~store_order
    ordered = np.where(store_order, timeline.at_hour(rng, day, "store"), timeline.at_hour(rng, day, "online"))
    ordered = np.where(channel == CH_CC, timeline.at_hour(rng, day, "phone"), ordered)
    order_sort = np.lexsort((person, ordered))
    person, channel, ordered, store_order, online = (a[order_sort] for a in (person, channel, ordered, store_order, online))
    source = channel.copy()  # web=0, app=1, store->pos=2, call_center=3 share indices with SOURCES
    legacy = (channel == CH_WEB) & (ordered < timeline.OBS_START_S + timeline.LEGACY_CUTOVER_DAY * timeline.DAY_S)
    source[legacy] = LEGACY
    home = beh.home_store[person]
    store = np.where(store_order, np.where((home >= 0) & (rng.random(n) < 0.9), home, rng.integers(0, n_stores, n)), -1)

    lines = _lines(rng, beh, catalog, person)
    subtotal = np.add.reduceat(lines.qty * lines.unit_price, np.flatnonzero(lines.line_number == 1)) if n else np.zeros(0, np.int64)
    month = _month(ordered)
    promo = rng.random(n) < np.where(month == 11, 0.35, 0.15)
    rate = rng.choice(np.array([10, 15, 20]), size=n)
    discount = np.where(promo, subtotal * rate // 100, 0)
    expedited = online & (rng.random(n) < 0.08)
    shipping = np.where(online, np.where(expedited, 1299, np.where(subtotal - discount >= 7500, 0, 599)), 0)
    total = subtotal - discount + shipping

    day_start = (ordered // timeline.DAY_S) * timeline.DAY_S
    lead_days = np.where(expedited, 2, 5)
    promised = np.where(online, day_start + lead_days * timeline.DAY_S + 21 * 3600, NO_TIME)
    late = online & (rng.random(n) < np.where(month >= 11, 0.15, 0.07))
    on_time = ordered + (rng.uniform(0.6, 1.0, n) * (promised - ordered)).astype(np.int64)
    late_at = promised + rng.integers(1 * timeline.DAY_S, 7 * timeline.DAY_S, n)
    arrival = np.where(store_order, ordered, np.where(late, late_at, on_time))

    cancelled = online & (rng.random(n) < 0.03)
    observed = ordered < timeline.OBS_END_S
    scarce = _scarce_products(lines, ordered, online & ~cancelled & observed)
    holds_scarce = np.zeros(n, dtype=bool)
    holds_scarce[lines.order[np.isin(lines.product, scarce)]] = True
    window = ordered >= timeline.OBS_END_S - BACKORDER_WINDOW_DAYS * timeline.DAY_S
    backordered = online & ~cancelled & observed & window & holds_scarce
    arrival = np.where(backordered, timeline.OBS_END_S + rng.integers(10, 40, n) * timeline.DAY_S + 15 * 3600, arrival)
    arrival = np.where(cancelled, NO_TIME, arrival)
    late |= backordered

    status = np.where(arrival < timeline.OBS_END_S, DELIVERED,
                      np.where(ordered >= timeline.OBS_END_S - timeline.DAY_S, PLACED, SHIPPED))
    status = np.where(backordered, BACKORDERED, np.where(cancelled, CANCELLED, status))
    orders = Orders(person, channel, source, store, ordered, promised, arrival, status,
                    subtotal, discount, shipping, total, observed, late & ~cancelled, scarce)
    return orders, lines


def _scarce_products(lines: Lines, ordered: np.ndarray, eligible: np.ndarray) -> np.ndarray:
    """The SKUs most ordered online in the final weeks: demand outran stock, so they are backordered."""
    window = ordered >= timeline.OBS_END_S - BACKORDER_WINDOW_DAYS * timeline.DAY_S
    in_window = (window & eligible)[lines.order]
    counts = np.bincount(lines.product[in_window])
    return np.argsort(-counts, kind="stable")[: min(N_SCARCE, int((counts > 0).sum()))]


__all__ = ["order_ids", "BACKORDERED", "CANCELLED", "DELIVERED", "PLACED", "SHIPPED", "STATUSES", "Lines", "Orders",
           "make_orders", "simulate_purchases"]
