"""Service-center tickets and their handling cost.

Generating process: each order opens a ticket with probability 0.03, +0.30 when late, +0.50 when
backordered (topics order_status / late_delivery / backorder), 1-6 days after the promise (or
order). Each returned line opens a ``return`` ticket with probability 0.15. On top, every person
opens background tickets (account, billing, product_question, complaint) as a Poisson process with
``0.25 x propensity`` per year from arrival. Channel: phone 45 %, email 25 %, chat 20 %, store 10 %.
Handling cost in cents: phone 3.00 + 0.85/min x lognormal minutes (median 7), email 3.50,
chat 2.00 + 0.25/min, store 4.00. Tickets still open at the snapshot have no ``closed_at``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from onefold.demo import timeline
from onefold.demo.behaviour import Behaviour
from onefold.demo.orders import BACKORDERED, Orders
from onefold.demo.returns import Returns
from onefold.demo.writer import NO_TIME

TICKET_CHANNELS = ("phone", "email", "chat", "store")
TOPICS = ("order_status", "late_delivery", "backorder", "return", "account", "billing", "product_question", "complaint")


@dataclass
class Tickets:
    """Tickets over observation + horizon, sorted by time (``T00000001`` first)."""

    person: np.ndarray
    channel: np.ndarray
    opened_s: np.ndarray
    closed_s: np.ndarray  # NO_TIME while open at the snapshot
    topic: np.ndarray
    cost: np.ndarray  # cents
    observed: np.ndarray


def make_tickets(rng: np.random.Generator, beh: Behaviour, birth_day: np.ndarray, orders: Orders,
                 returns_: Returns, return_person: np.ndarray) -> Tickets:
    no = len(orders.person)
    backordered = orders.status == BACKORDERED
    p_order = 0.03 + 0.30 * orders.late + 0.50 * backordered
    o = np.flatnonzero(rng.random(no) < p_order)
    anchor = np.where(orders.promised_s[o] != NO_TIME, orders.promised_s[o], orders.ordered_s[o])
    o_open = anchor + rng.integers(1 * timeline.DAY_S, 6 * timeline.DAY_S, len(o))
    o_topic = np.where(backordered[o], 2, np.where(orders.late[o], 1, 0))

    r = np.flatnonzero(rng.random(len(returns_.line)) < 0.15)
    r_open = returns_.returned_s[r] - rng.integers(0, 2 * timeline.DAY_S, len(r))

    years = (timeline.HORIZON_END_DAY - np.maximum(birth_day, 0)) / 365.25
    n_bg = rng.poisson(0.25 * beh.ticket_rate * years)
    bg_person = np.repeat(np.arange(len(n_bg)), n_bg)
    start = np.maximum(birth_day[bg_person], 0)
    bg_day = start + rng.random(len(bg_person)) * (timeline.HORIZON_END_DAY - start)
    bg_open = timeline.at_hour(rng, bg_day, "phone")

    person = np.concatenate([orders.person[o], return_person[r], bg_person])
    opened = np.concatenate([o_open, r_open, bg_open])
    topic = np.concatenate([o_topic, np.full(len(r), 3), rng.integers(4, 8, len(bg_person))])
    n = len(person)
    channel = rng.choice(4, size=n, p=[0.45, 0.25, 0.20, 0.10])
    minutes = rng.lognormal(np.log(7), 0.6, n)
    cost = np.select([channel == 0, channel == 1, channel == 2],
                     [300 + np.round(85 * minutes), np.full(n, 350), 200 + np.round(25 * minutes)],
                     default=400).astype(np.int64)
    closed = opened + (rng.lognormal(np.log(6), 1.2, n) * 3600).astype(np.int64)
    sort = np.lexsort((person, opened))
    person, channel, opened, closed, topic, cost = (a[sort] for a in (person, channel, opened, closed, topic, cost))
    closed = np.where((opened < timeline.OBS_END_S) & (closed >= timeline.OBS_END_S), NO_TIME, closed)
    keep = opened < timeline.OBS_START_S + timeline.HORIZON_END_DAY * timeline.DAY_S
    person, channel, opened, closed, topic, cost = (a[keep] for a in (person, channel, opened, closed, topic, cost))
    return Tickets(person, channel, opened, closed, topic, cost,
                   opened < timeline.OBS_END_S)


__all__ = ["TICKET_CHANNELS", "TOPICS", "Tickets", "make_tickets"]
