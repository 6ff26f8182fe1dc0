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
CHANNEL_SHARES = (0.45, 0.25, 0.20, 0.10)
BACKGROUND_PER_YEAR = 0.25  # background tickets a year per unit of ticket propensity
_MINUTES_MEDIAN, _MINUTES_SIGMA = 7.0, 0.6
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
    order: np.ndarray  # the order a ticket is about (its own, or the returned line's); -1 for background


def _handling_cents(channel: np.ndarray, minutes: np.ndarray, *, whole: bool = True) -> np.ndarray:
    cents = np.round if whole else np.asarray
    return np.select([channel == 0, channel == 1, channel == 2],
                     [300 + cents(85 * minutes), np.full(len(channel), 350), 200 + cents(25 * minutes)],
                     default=400)


def expected_handling_cents() -> float:
    """Mean handling cost of one ticket in cents: cost is linear in the lognormal minutes, whose mean is
    ``median x exp(sigma^2 / 2)`` (rounding to whole cents moves the mean by far less than a cent)."""
    mean_minutes = _MINUTES_MEDIAN * float(np.exp(_MINUTES_SIGMA**2 / 2))
    per_channel = _handling_cents(np.arange(4), np.full(4, mean_minutes), whole=False)
    return float(np.dot(CHANNEL_SHARES, per_channel))


def make_tickets(rng: np.random.Generator, beh: Behaviour, birth_day: np.ndarray, orders: Orders,
                 returns_: Returns, lines_order: np.ndarray) -> Tickets:
    """Tickets of ``orders``, of ``returns_`` (``lines_order`` maps a line to its order) and background
    tickets from each person's arrival (``birth_day``) to the horizon end."""
    return_order = lines_order[returns_.line]
    return_person = orders.person[return_order]
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
    n_bg = rng.poisson(BACKGROUND_PER_YEAR * beh.ticket_rate * years)
    bg_person = np.repeat(np.arange(len(n_bg)), n_bg)
    start = np.maximum(birth_day[bg_person], 0)
    bg_day = start + rng.random(len(bg_person)) * (timeline.HORIZON_END_DAY - start)
    bg_open = timeline.at_hour(rng, bg_day, "phone")

    person = np.concatenate([orders.person[o], return_person[r], bg_person])
    about = np.concatenate([o, return_order[r], np.full(len(bg_person), -1)])
    opened = np.concatenate([o_open, r_open, bg_open])
    topic = np.concatenate([o_topic, np.full(len(r), 3), rng.integers(4, 8, len(bg_person))])
    n = len(person)
    channel = rng.choice(4, size=n, p=list(CHANNEL_SHARES))
    cost = _handling_cents(channel, rng.lognormal(np.log(_MINUTES_MEDIAN), _MINUTES_SIGMA, n)).astype(np.int64)
    closed = opened + (rng.lognormal(np.log(6), 1.2, n) * 3600).astype(np.int64)
    sort = np.lexsort((person, opened))
    person, channel, opened, closed, topic, cost, about = (
        a[sort] for a in (person, channel, opened, closed, topic, cost, about))
    closed = np.where((opened < timeline.OBS_END_S) & (closed >= timeline.OBS_END_S), NO_TIME, closed)
    keep = opened < timeline.OBS_START_S + timeline.HORIZON_END_DAY * timeline.DAY_S
    person, channel, opened, closed, topic, cost, about = (
        a[keep] for a in (person, channel, opened, closed, topic, cost, about))
    return Tickets(person, channel, opened, closed, topic, cost, opened < timeline.OBS_END_S, about)


__all__ = ["BACKGROUND_PER_YEAR", "CHANNEL_SHARES", "TICKET_CHANNELS", "TOPICS", "Tickets", "expected_handling_cents",
           "make_tickets"]
