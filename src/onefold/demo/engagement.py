"""Store visits, consents and the inventory snapshot.

Generating process:
- store visits (POS/loyalty card holders, observed period only): every store order is a visit (the
  card scanned a few minutes before paying), plus browsing visits without a purchase: Poisson with
  1.5 x (store orders + 1) over the card's life, at the usual store hours, 85 % at the order's store;
  after the person has left, only 5 % of browsing visits happen (fade.py).
- consents: email marketing granted at subscription and withdrawn at unsubscribe (emails.py);
  SMS marketing for 20 % of card holders with a real phone; push (personalization) for 60 % of app
  accounts and web analytics for 70 % of web accounts, each withdrawn later by 10 %; service calls
  recorded for call-center records (identifier_type ``customer``, identifier ``source:id``).
- inventory at the snapshot: backordered SKUs have ``on_hand`` 0 and ``backordered_qty`` equal to
  the units on open backordered orders; other SKUs hold about six weeks of their sales (Poisson).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from onefold.demo import timeline
from onefold.demo.behaviour import APP, CALL_CENTER, CH_STORE, POS, SOURCES, WEB
from onefold.demo.emails import EmailActivity
from onefold.demo.fade import still_engaged
from onefold.demo.names import JUNK_PHONES
from onefold.demo.orders import BACKORDERED, Lines, Orders
from onefold.demo.records import Records
from onefold.demo.writer import STR

IDENTIFIER_TYPES = ("email", "phone", "user_id", "customer")
PURPOSES = ("marketing", "analytics", "personalization", "service")
CONSENT_CHANNELS = ("email", "sms", "push", "web", "phone", "all")


@dataclass
class Visits:
    store: np.ndarray
    record: np.ndarray  # index into Records (a pos record)
    at_s: np.ndarray


def make_visits(rng: np.random.Generator, records: Records, orders: Orders, home_store: np.ndarray,
                n_stores: int, engaged_until_s: np.ndarray) -> Visits:
    sel = np.flatnonzero(orders.observed & (orders.channel == CH_STORE))
    buy_record = records.lookup[orders.person[sel], POS]
    buy_at = orders.ordered_s[sel] - rng.integers(120, 1800, len(sel))
    cards = np.flatnonzero((records.source == POS) & ~records.duplicate)
    n_buys = np.bincount(buy_record, minlength=len(records.person))[cards]
    life_days = (timeline.OBS_END_S - records.created_s[cards]) / timeline.DAY_S
    extra = rng.poisson(1.5 * (n_buys + 1) * np.clip(life_days / timeline.OBS_DAYS, 0, 1.7))
    rec = np.repeat(cards, extra)
    start = np.maximum(records.created_s[rec], timeline.OBS_START_S)
    day = timeline.seconds_to_day(start + (rng.random(len(rec)) * (timeline.OBS_END_S - start)).astype(np.int64))
    at = np.maximum(timeline.at_hour(rng, day, "store"), records.created_s[rec] + 60)
    kept = still_engaged(rng, at, engaged_until_s[records.person[rec]])
    rec, at = rec[kept], at[kept]
    home = home_store[records.person[rec]]
    store = np.where((home >= 0) & (rng.random(len(rec)) < 0.85), home, rng.integers(0, n_stores, len(rec)))
    all_store = np.concatenate([orders.store[sel], store])
    all_rec = np.concatenate([buy_record, rec])
    all_at = np.concatenate([np.maximum(buy_at, records.created_s[buy_record]), at])
    keep = all_at < timeline.OBS_END_S
    order = np.lexsort((all_rec, all_at))
    order = order[keep[order]]
    return Visits(all_store[order], all_rec[order], all_at[order])


@dataclass
class Consents:
    identifier_type: np.ndarray
    identifier: np.ndarray
    purpose: np.ndarray
    channel: np.ndarray
    granted: np.ndarray  # bool: granted (True) or withdrawn
    source: np.ndarray  # index into SOURCES
    at_s: np.ndarray


def _record_consents(rng: np.random.Generator, records: Records, source: int, share: float, kind: int,
                     identifier: np.ndarray, purpose: int, channel: int) -> list[tuple[np.ndarray, ...]]:
    sel = np.flatnonzero((records.source == source) & ~records.duplicate & (identifier != ""))
    sel = sel[rng.random(len(sel)) < share]
    granted_at = records.created_s[sel] + rng.integers(0, 3 * timeline.DAY_S, len(sel))
    out = [(np.full(len(sel), kind), identifier[sel], np.full(len(sel), purpose), np.full(len(sel), channel),
            np.ones(len(sel), bool), np.full(len(sel), source), granted_at)]
    gone = rng.random(len(sel)) < 0.10
    withdrawn_at = granted_at[gone] + rng.integers(7, 700, int(gone.sum())) * timeline.DAY_S
    out.append((np.full(int(gone.sum()), kind), identifier[sel][gone], np.full(int(gone.sum()), purpose),
                np.full(int(gone.sum()), channel), np.zeros(int(gone.sum()), bool), np.full(int(gone.sum()), source),
                withdrawn_at))
    return out


def make_consents(rng: np.random.Generator, records: Records, email: EmailActivity) -> Consents:
    ids = records.record_id
    phones = records.fields["phone"]
    digits = np.strings.replace(np.strings.replace(np.strings.replace(np.strings.replace(
        np.strings.replace(np.strings.replace(phones, " ", ""), "-", ""), "(", ""), ")", ""), ".", ""), "+1", "")
    real_phone = np.where(np.isin(digits, np.array(JUNK_PHONES, dtype=STR)), "", phones).astype(STR)
    customer_ref = np.strings.add(np.strings.add(np.array(SOURCES, dtype=STR)[records.source],
                                                 np.array(":", dtype=STR)), ids)
    parts = _record_consents(rng, records, POS, 0.2, 1, real_phone, 0, 1)
    parts += _record_consents(rng, records, APP, 0.6, 2, ids, 2, 2)
    parts += _record_consents(rng, records, WEB, 0.7, 2, ids, 1, 3)
    parts += _record_consents(rng, records, CALL_CENTER, 0.5, 3, customer_ref, 3, 4)
    n_sub = len(email.subscriber)
    parts.append((np.zeros(n_sub, np.int64), email.subscriber_email, np.zeros(n_sub, np.int64), np.zeros(n_sub, np.int64),
                  np.ones(n_sub, bool), email.subscriber_source, email.subscribed_s))
    left = email.unsubscribed_s < np.iinfo(np.int64).max
    k = int(left.sum())
    parts.append((np.zeros(k, np.int64), email.subscriber_email[left], np.zeros(k, np.int64), np.zeros(k, np.int64),
                  np.zeros(k, bool), email.subscriber_source[left], email.unsubscribed_s[left]))
    cols = [np.concatenate([p[i] for p in parts]) for i in range(7)]
    keep = cols[6] < timeline.OBS_END_S
    order = np.lexsort((cols[0], cols[6]))
    order = order[keep[order]]
    cols = [c[order] for c in cols]
    return Consents(cols[0], cols[1], cols[2], cols[3], cols[4], cols[5], cols[6])


@dataclass
class Inventory:
    on_hand: np.ndarray
    backordered_qty: np.ndarray
    updated_s: int


def make_inventory(rng: np.random.Generator, n_products: int, orders: Orders, lines: Lines,
                   scarce: np.ndarray) -> Inventory:
    recent = orders.observed & (orders.ordered_s >= timeline.OBS_END_S - 42 * timeline.DAY_S)
    sold = np.bincount(lines.product[recent[lines.order]], weights=lines.qty[recent[lines.order]], minlength=n_products)
    on_hand = rng.poisson(sold + 3)
    waiting = (orders.status[lines.order] == BACKORDERED) & np.isin(lines.product, scarce)
    backordered = np.bincount(lines.product[waiting], weights=lines.qty[waiting], minlength=n_products).astype(np.int64)
    on_hand[scarce] = 0
    return Inventory(on_hand.astype(np.int64), backordered, timeline.OBS_END_S - 3600)


__all__ = ["CONSENT_CHANNELS", "IDENTIFIER_TYPES", "PURPOSES", "Consents", "Inventory", "Visits", "make_consents",
           "make_inventory", "make_visits"]
