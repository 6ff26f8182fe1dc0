"""Web and app events in Segment format (``events.jsonl``), tied to the web/app customer records.

Generating process (observed period only; the legacy platform had no tracking):
- devices: every web/app record has one device (an ``anonymousId``); 25 % of web records get a
  second browser later, and 5 % of web records also browse on a third device that never logs in
  (its anonymousId is in the truth but no event ties it to a user: unresolvable by design).
- sign-up: records created during the data have 1 + Poisson(0.6) anonymous sessions in the three
  weeks before; at creation the device is tied to the user by ``identify`` (userId + anonymousId +
  traits). Older records are tied at their first session. App installs use ``alias``
  (previousId = anonymousId) instead 30 % of the time, followed by an identify with traits only.
- orders: every web/app order has a session: page (web) or screen (app) 2-20 min before,
  ``Product Viewed`` 1-2 min before and ``Order Completed`` (order_id, totals, products) at the
  order time; 50 % of sessions after a second browser appears use it.
- browsing: Poisson(0.35 + 1.5 x the person's purchase rate (per year, 0 for non-buyers) per active
  year) sessions per record (buyers browse between purchases), each a page/screen and 1-2 Product
  Viewed; 30 % of them logged out (anonymousId only). After the person has left, only 5 % of
  these sessions (and of the third devices' ones) happen (fade.py).
- ``sentAt`` is 0-3 s after ``timestamp`` on the web and 0-90 s for apps (batched).
A web/app ``userId`` is the ``source_customer_id`` of that record (docs/entities.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from onefold.demo import timeline
from onefold.demo.behaviour import APP, CH_APP, CH_WEB, WEB
from onefold.demo.catalog import Catalog
from onefold.demo.events_json import Fragments, render_chunk
from onefold.demo.fade import still_engaged
from onefold.demo.orders import Lines, Orders
from onefold.demo.records import Records
from onefold.demo.writer import STR

# event kinds (type, event/name)
IDENTIFY, ALIAS, PAGE, SCREEN, VIEWED, COMPLETED, TRAITS_ONLY = range(7)
BROWSE_BASE_PER_YEAR = 0.35
BROWSE_PER_PURCHASE = 1.5
_NO_ANON = -1
_NO_USER = -1


@dataclass
class EventRows:
    """One row per event before rendering; ``anon``/``record`` index the device and record tables."""

    kind: np.ndarray
    at_s: np.ndarray
    record: np.ndarray  # record index or _NO_USER (logged out)
    anon: np.ndarray  # device index or _NO_ANON
    product: np.ndarray  # product index for page/view events, -1 otherwise
    order: np.ndarray  # order index for Order Completed, -1 otherwise


@dataclass
class Devices:
    uuid: np.ndarray
    record: np.ndarray
    app: np.ndarray  # bool: app install (else browser)


def _uuid_bytes(rng: np.random.Generator, n: int) -> np.ndarray:
    """(n, 36) ASCII bytes of version-4-looking UUIDs from the seeded generator (unlike uuid4())."""
    raw = rng.integers(0, 256, (n, 16), dtype=np.uint8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    hexed = np.frombuffer(raw.tobytes().hex().encode(), dtype=np.uint8).reshape(n, 32)
    out = np.full((n, 36), ord("-"), dtype=np.uint8)
    for lo, hi, at in ((0, 8, 0), (8, 12, 9), (12, 16, 14), (16, 20, 19), (20, 32, 24)):
        out[:, at:at + hi - lo] = hexed[:, lo:hi]
    return out


def uuids(rng: np.random.Generator, n: int) -> np.ndarray:
    """UUID strings as a numpy array (for ids that are also used in numpy, e.g. the truth file)."""
    return _uuid_bytes(rng, n).view("S36").ravel().astype(STR)


def uuids_arrow(rng: np.random.Generator, n: int) -> pa.Array:
    """UUID strings straight into Arrow (no Python objects): message ids of every event."""
    raw = np.ascontiguousarray(_uuid_bytes(rng, n))
    return pa.FixedSizeBinaryArray.from_buffers(pa.binary(36), n, [None, pa.py_buffer(raw)]).cast(pa.string())


def _rows(kind: int, at: np.ndarray, record: np.ndarray, anon: np.ndarray, product: np.ndarray | None = None,
          order: np.ndarray | None = None) -> EventRows:
    n = len(at)
    return EventRows(np.full(n, kind), at.astype(np.int64), record, anon,
                     np.full(n, -1) if product is None else product, np.full(n, -1) if order is None else order)


def _browse(rng: np.random.Generator, start: np.ndarray, record: np.ndarray, anon: np.ndarray, app: np.ndarray,
            n_products: int) -> list[EventRows]:
    """A page/screen then 1-2 Product Viewed, a few minutes apart, for each session start."""
    product = rng.integers(0, n_products, len(start))
    page = _rows(PAGE, start, record, anon, product)
    page.kind = np.where(app, SCREEN, PAGE)
    first = _rows(VIEWED, start + rng.integers(20, 300, len(start)), record, anon, product)
    again = rng.random(len(start)) < 0.5
    second = _rows(VIEWED, first.at_s[again] + rng.integers(30, 600, int(again.sum())), record[again], anon[again],
                   rng.integers(0, n_products, int(again.sum())))
    return [page, first, second]


def browsing_rate(purchases_per_year: np.ndarray) -> np.ndarray:
    """Browsing sessions per active year of a web/app record, for its person's purchase rate."""
    return BROWSE_BASE_PER_YEAR + BROWSE_PER_PURCHASE * purchases_per_year


def make_events(rng: np.random.Generator, records: Records, orders: Orders, lines: Lines,
                catalog: Catalog, engaged_until_s: np.ndarray,
                purchases_per_year: np.ndarray) -> tuple[EventRows, Devices]:
    recs = np.flatnonzero(np.isin(records.source, (WEB, APP)))
    is_app = records.source[recs] == APP
    created = records.created_s[recs]
    n_p = len(catalog.sku)
    start_s = np.maximum(created, timeline.OBS_START_S)
    active = timeline.OBS_END_S - start_s

    second = (~is_app) & (rng.random(len(recs)) < 0.25)
    third = (~is_app) & (rng.random(len(recs)) < 0.05)
    n_dev = len(recs)
    dev_record = np.concatenate([recs, recs[second], recs[third]])
    dev_app = np.concatenate([is_app, np.zeros(int(second.sum() + third.sum()), bool)])
    devices = Devices(uuids(rng, len(dev_record)), dev_record, dev_app)
    dev_of = np.arange(n_dev)
    second_dev = np.full(len(recs), -1)
    second_dev[second] = n_dev + np.arange(int(second.sum()))
    second_from = start_s + (rng.random(len(recs)) * active).astype(np.int64)
    parts: list[EventRows] = []

    # Sign-up: anonymous sessions, then identify (or alias + identify) at creation or first session.
    new = created >= timeline.OBS_START_S
    k = np.where(new, 1 + rng.poisson(0.6, len(recs)), 0)
    who = np.repeat(np.arange(len(recs)), k)
    pre = created[who] - rng.integers(600, 21 * timeline.DAY_S, len(who))
    parts += _browse(rng, pre, np.full(len(who), _NO_USER), dev_of[who], is_app[who], n_p)
    tie_at = np.where(new, created + rng.integers(5, 120, len(recs)),
                      start_s + rng.integers(0, 60 * timeline.DAY_S, len(recs)))
    tie_at = np.minimum(tie_at, timeline.OBS_END_S - 60)
    alias = is_app & (rng.random(len(recs)) < 0.3)
    parts.append(_rows(IDENTIFY, tie_at[~alias], recs[~alias], dev_of[~alias]))
    parts.append(_rows(ALIAS, tie_at[alias], recs[alias], dev_of[alias]))
    parts.append(_rows(TRAITS_ONLY, tie_at[alias] + 1, recs[alias], np.full(int(alias.sum()), _NO_ANON)))
    sec = np.flatnonzero(second & (second_from < timeline.OBS_END_S - 60))
    parts.append(_rows(IDENTIFY, second_from[sec], recs[sec], second_dev[sec]))

    # Orders: page/screen, Product Viewed, Order Completed, on the record's device.
    sel = np.flatnonzero(orders.observed & np.isin(orders.channel, (CH_WEB, CH_APP))
                         & np.isin(orders.source, (WEB, APP)))
    rec = records.lookup[orders.person[sel], orders.source[sel]]
    pos = np.searchsorted(recs, rec)
    use_second = (second_dev[pos] >= 0) & (orders.ordered_s[sel] >= second_from[pos]) & (rng.random(len(sel)) < 0.5)
    dev = np.where(use_second, second_dev[pos], dev_of[pos])
    first_line = np.searchsorted(lines.order, sel)
    product = lines.product[first_line]
    t = orders.ordered_s[sel]
    page = _rows(PAGE, t - rng.integers(120, 1200, len(sel)), rec, dev, product)
    page.kind = np.where(is_app[pos], SCREEN, PAGE)
    parts += [page, _rows(VIEWED, t - rng.integers(30, 119, len(sel)), rec, dev, product),
              _rows(COMPLETED, t, rec, dev, order=sel)]

    # Browsing sessions (some logged out), and the never-identified third devices.
    rate = browsing_rate(purchases_per_year[records.person[recs]])
    n_b = rng.poisson(rate * active / (365.25 * timeline.DAY_S))
    who = np.repeat(np.arange(len(recs)), n_b)
    b_at = start_s[who] + (rng.random(len(who)) * active[who]).astype(np.int64)
    kept = still_engaged(rng, b_at, engaged_until_s[records.person[recs[who]]])
    who, b_at = who[kept], b_at[kept]
    logged_in = rng.random(len(who)) < 0.7
    parts += _browse(rng, b_at, np.where(logged_in, recs[who], _NO_USER), dev_of[who], is_app[who], n_p)
    t3 = np.flatnonzero(third)
    k3 = 1 + rng.poisson(1.0, len(t3))
    who3 = np.repeat(t3, k3)
    t3_at = start_s[who3] + (rng.random(len(who3)) * active[who3]).astype(np.int64)
    dev3 = n_dev + int(second.sum()) + np.repeat(np.arange(len(t3)), k3)
    kept = still_engaged(rng, t3_at, engaged_until_s[records.person[recs[who3]]])
    who3, t3_at, dev3 = who3[kept], t3_at[kept], dev3[kept]
    parts += _browse(rng, t3_at, np.full(len(who3), _NO_USER), dev3, np.zeros(len(who3), bool), n_p)

    rows = EventRows(*(np.concatenate([getattr(p, f) for p in parts]) for f in EventRows.__dataclass_fields__))
    keep = (rows.at_s >= timeline.OBS_START_S) & (rows.at_s < timeline.OBS_END_S)
    order = np.lexsort((rows.kind, rows.at_s))
    order = order[keep[order]]
    return EventRows(*(getattr(rows, f)[order] for f in EventRows.__dataclass_fields__)), devices


def write_events(rng: np.random.Generator, path: Path, rows: EventRows, devices: Devices, records: Records,
                 orders: Orders, lines: Lines, catalog: Catalog, *, chunk: int = 100_000) -> int:
    """Render and write ``events.jsonl`` in chunks (bounded memory); returns the event count."""
    n = len(rows.kind)
    message_ids = uuids_arrow(rng, n)
    app = np.where(rows.record >= 0, records.source[np.maximum(rows.record, 0)] == APP,
                   devices.app[np.maximum(rows.anon, 0)])
    sent_delay = np.where(app, rng.integers(0, 90, n), rng.integers(0, 3, n))
    frags = Fragments.build(rows, records, devices, orders, lines, catalog)
    with open(path, "wb") as fh:
        for lo in range(0, n, chunk):
            sl = slice(lo, lo + chunk)
            part = EventRows(*(getattr(rows, f)[sl] for f in EventRows.__dataclass_fields__))
            fh.write(render_chunk(part, message_ids[lo:lo + chunk], sent_delay[sl], devices, records, frags))
    return n


__all__ = ["ALIAS", "COMPLETED", "IDENTIFY", "PAGE", "SCREEN", "TRAITS_ONLY", "VIEWED", "Devices", "EventRows",
           "browsing_rate", "make_events", "uuids", "write_events"]
