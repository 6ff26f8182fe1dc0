"""Expected future net value per person: the generating process's mean over the horizon.

``future_net_value`` in ``truth/net_value.csv`` is *one* random draw of each person's next 52 weeks,
while a CLV model estimates its expectation; at a few thousand persons the draw alone spreads the
aggregate by several percent. ``expected_future_net_value`` is the mean the process itself gives,
conditional on each person's latent traits (rate, dropout probability, basket, price tier, tastes,
channel mix, return factor, serial flag, ticket propensity) and their state at the cutoff (the end
of the data): alive or not (the dropout is latent) and the orders already placed, together with what
the generator decided for them when they were placed (which lines go back, which tickets open).

It has three parts, summed in cents:

1. *Orders placed in the horizon.* A person alive at the cutoff buys as a Poisson process of rate
   ``lam`` in operational time and leaves for good after each purchase with probability ``p``.
   Splitting the process into "last" purchases (rate ``lam p``) and the others, a purchase at
   operational time ``u`` after the cutoff is counted when no last purchase came before it, so the
   counted intensity is ``lam exp(-lam p u)`` and the expected count over the horizon's operational
   length ``L`` is ``(1 - exp(-lam p L)) / p`` (analytic). What one such order adds to the horizon's
   net (total less discount, shipping cost and cost of goods, less the refunds and tickets it causes
   before the horizon ends, cancellations included) depends on the person and on the season; it is
   the mean over orders (48 per expected order, at least 8) simulated by the generator's own
   ``make_orders``, ``make_returns`` and ``make_tickets`` on days drawn exactly from that intensity
   (Monte Carlo, with its own random stream so the written data do not change; the aggregate's
   Monte Carlo error is about 0.16 % at 10,000 persons).
2. *Background tickets.* Poisson and memoryless: ``0.25 x propensity x 364 / 365.25`` tickets at the
   expected handling cost (analytic).
3. *Carry-over.* Refunds, returned goods and tickets dated in the horizon that belong to orders
   placed before it are counted as realised: the generator fixed them when the order was placed.

Persons who never buy or left before the cutoff get parts 2 and 3 only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from onefold.demo import timeline, truth
from onefold.demo.behaviour import Behaviour
from onefold.demo.catalog import Catalog
from onefold.demo.orders import CANCELLED, Lines, Orders, make_orders
from onefold.demo.returns import Returns, make_returns
from onefold.demo.tickets import BACKGROUND_PER_YEAR, Tickets, expected_handling_cents, make_tickets

#: simulated orders per expected order of a person alive at the cutoff (at least MIN_DRAWS each): the
#: aggregate's Monte Carlo variance grows with sum(count^2 / draws), so draws follow the count
DRAWS_PER_ORDER = 48
MIN_DRAWS = 8
#: the Monte Carlo stream is seeded with (seed, this), apart from the stream that writes the data
STREAM = 52


@dataclass
class Expected:
    """Per-person expectations over the horizon (index = person)."""

    orders: np.ndarray  # expected non-cancelled orders placed in the horizon
    net_cents: np.ndarray  # expected future net value in cents (float)
    alive: np.ndarray  # still a buyer at the cutoff (latent; never written)


def counted_purchases(lam: np.ndarray, p_drop: np.ndarray, length: float) -> np.ndarray:
    """Expected purchases in ``length`` operational days for persons alive at its start."""
    return -np.expm1(-lam * p_drop * length) / p_drop


def draw_offsets(rng: np.random.Generator, lam: np.ndarray, p_drop: np.ndarray, length: float) -> np.ndarray:
    """Operational days after the cutoff drawn from the density ``lam exp(-lam p u)`` on ``[0, length)``
    (inverse CDF of an exponential truncated at ``length``)."""
    k = lam * p_drop
    return np.minimum(-np.log1p(rng.random(len(k)) * np.expm1(-k * length)) / k, length * (1 - 1e-12))


def _carry_over(n: int, catalog: Catalog, orders: Orders, lines: Lines, returns_: Returns,
                tickets: Tickets) -> np.ndarray:
    """Net cents in the horizon from orders placed before it (refunds, goods back, tickets)."""
    r_line = returns_.line
    r_in = ~returns_.observed & orders.observed[lines.order[r_line]]
    who = orders.person[lines.order[r_line[r_in]]]
    goods_back = returns_.qty[r_in] * catalog.cost_cents[lines.product[r_line[r_in]]]
    t_in = ~tickets.observed & (tickets.order >= 0)
    t_in[t_in] = orders.observed[tickets.order[t_in]]
    return (np.bincount(who, goods_back - returns_.refund[r_in], minlength=n)
            - np.bincount(tickets.person[t_in], tickets.cost[t_in], minlength=n))


def expected_future(seed: int, beh: Behaviour, catalog: Catalog, n_stores: int, left_day: np.ndarray,
                    orders: Orders, lines: Lines, returns_: Returns, tickets: Tickets, *,
                    draws_per_order: int = DRAWS_PER_ORDER) -> Expected:
    """Expected orders and net value of each person over the horizon (see the module docstring)."""
    n = len(beh.buyer)
    rng = np.random.default_rng([seed, STREAM])
    alive = beh.buyer & (left_day >= timeline.OBS_DAYS)
    start_op = float(timeline.to_operational(timeline.OBS_DAYS))
    length = float(timeline.to_operational(timeline.HORIZON_END_DAY)) - start_op
    count = np.where(alive, counted_purchases(beh.lam, beh.p_drop, length), 0.0)

    draws = np.where(alive, np.maximum(MIN_DRAWS, np.ceil(draws_per_order * count)), 0).astype(np.int64)
    who = np.repeat(np.arange(n), draws)
    day = timeline.to_calendar(start_op + draw_offsets(rng, beh.lam[who], beh.p_drop[who], length))
    day = np.clip(day, timeline.OBS_DAYS, np.nextafter(timeline.HORIZON_END_DAY, 0))
    sim_orders, sim_lines = make_orders(rng, beh, catalog, n_stores, who, day)
    sim_returns = make_returns(rng, beh, catalog, sim_orders, sim_lines)
    never = np.full(n, float(timeline.HORIZON_END_DAY))  # no background tickets in the simulated world
    sim_tickets = make_tickets(rng, beh, never, sim_orders, sim_returns, sim_lines.order)
    per_order = truth.money(n, catalog, sim_orders, sim_lines, sim_returns, sim_tickets, observed=False)
    per_draw = count / np.maximum(draws, 1)
    kept = np.bincount(sim_orders.person[sim_orders.status != CANCELLED], minlength=n) * per_draw

    background = BACKGROUND_PER_YEAR * beh.ticket_rate * timeline.HORIZON_DAYS / 365.25 * expected_handling_cents()
    carry = _carry_over(n, catalog, orders, lines, returns_, tickets)
    net = per_order.net * per_draw - background + carry
    return Expected(orders=kept, net_cents=net, alive=alive)


__all__ = ["DRAWS_PER_ORDER", "MIN_DRAWS", "STREAM", "Expected", "counted_purchases", "draw_offsets", "expected_future"]
