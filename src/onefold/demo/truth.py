"""Ground truth: who is behind each record, serial returners, net value and churn.

Definitions (exact, recomputable from the written CSVs for the observed period):
- money per person in a window, over non-cancelled orders *ordered* in it and returns/tickets
  *dated* in it: gross_revenue = sum of order ``total``; refunds = sum of ``refund_amount``;
  cogs = sum(qty x unit_cost) of those order lines minus sum(returned qty x unit_cost) of the
  returns (returned goods go back to stock); shipping_cost = sum of order ``shipping_cost``;
  service_cost = sum of ticket ``handling_cost``;
  net_value = gross_revenue - refunds - cogs - shipping_cost - service_cost.
- future_net_value: the same in the 52 weeks after the data ends (orders never written): one random
  draw; future_orders counts its non-cancelled orders. Their expectations under the generating process
  (expected_future_net_value, expected_future_orders) come from expected.py.
- return_rate: returned merchandise value (returned qty x unit_price) / purchased merchandise value
  (qty x unit_price) over non-cancelled observed orders; serial returner when >= 0.75 with >= 4
  such orders. Persons without an observed order have rate 0.
- churned (only persons with an observed non-cancelled order): 1 when they place no non-cancelled
  order in the horizon.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from onefold.demo import timeline
from onefold.demo.catalog import Catalog
from onefold.demo.orders import CANCELLED, Lines, Orders
from onefold.demo.returns import Returns
from onefold.demo.tickets import Tickets

SERIAL_MIN_ORDERS = 4
SERIAL_MIN_RATE = 0.75


@dataclass
class Money:
    """Per-person cents for one window."""

    gross: np.ndarray
    refunds: np.ndarray
    cogs: np.ndarray
    shipping: np.ndarray
    service: np.ndarray

    @property
    def net(self) -> np.ndarray:
        return self.gross - self.refunds - self.cogs - self.shipping - self.service


def _sum(n: int, who: np.ndarray, cents: np.ndarray) -> np.ndarray:
    out = np.zeros(n, dtype=np.int64)
    np.add.at(out, who, cents.astype(np.int64))
    return out


def money(n: int, catalog: Catalog, orders: Orders, lines: Lines, returns_: Returns, tickets: Tickets, *,
          observed: bool) -> Money:
    """Money per person in the observed period (``observed=True``) or the horizon."""
    o_in = (orders.observed == observed) & (orders.status != CANCELLED)
    l_in = o_in[lines.order]
    r_in = returns_.observed == observed
    t_in = tickets.observed == observed
    l_who = orders.person[lines.order]
    r_line = returns_.line
    cost = catalog.cost_cents
    sold_cost = _sum(n, l_who[l_in], lines.qty[l_in] * cost[lines.product[l_in]])
    back_cost = _sum(n, l_who[r_line[r_in]], returns_.qty[r_in] * cost[lines.product[r_line[r_in]]])
    return Money(
        gross=_sum(n, orders.person[o_in], orders.total[o_in]),
        refunds=_sum(n, l_who[r_line[r_in]], returns_.refund[r_in]),
        cogs=sold_cost - back_cost,
        shipping=_sum(n, orders.person[o_in], orders.shipping[o_in]),
        service=_sum(n, tickets.person[t_in], tickets.cost[t_in]),
    )


@dataclass
class ReturnTruth:
    return_rate: np.ndarray
    orders: np.ndarray
    is_serial: np.ndarray


def serial_returners(n: int, orders: Orders, lines: Lines, returns_: Returns) -> ReturnTruth:
    o_in = orders.observed & (orders.status != CANCELLED)
    l_in = o_in[lines.order]
    l_who = orders.person[lines.order]
    bought = _sum(n, l_who[l_in], lines.qty[l_in] * lines.unit_price[l_in])
    r_in = returns_.observed
    r_line = returns_.line[r_in]
    returned = _sum(n, l_who[r_line], returns_.qty[r_in] * lines.unit_price[r_line])
    n_orders = np.bincount(orders.person[o_in], minlength=n)
    rate = np.where(bought > 0, returned / np.maximum(bought, 1), 0.0)
    return ReturnTruth(rate, n_orders, (rate >= SERIAL_MIN_RATE) & (n_orders >= SERIAL_MIN_ORDERS))


def churn(n: int, orders: Orders) -> tuple[np.ndarray, np.ndarray]:
    """(earlier buyers' person indices, churned flag) for the horizon after the data ends."""
    live = orders.status != CANCELLED
    before = np.bincount(orders.person[live & orders.observed], minlength=n) > 0
    after = np.bincount(orders.person[live & ~orders.observed], minlength=n) > 0
    buyers = np.flatnonzero(before)
    return buyers, (~after[buyers]).astype(np.int64)


def meta(*, seed: int, customers: int) -> dict[str, object]:
    def stamp(seconds: int) -> str:
        return str(np.datetime64(seconds, "s")) + "Z"

    return {
        "seed": seed,
        "customers": customers,
        "observation_start": stamp(timeline.OBS_START_S),
        "observation_end": stamp(timeline.OBS_END_S),
        "horizon_end": stamp(timeline.OBS_START_S + timeline.HORIZON_END_DAY * timeline.DAY_S),
        "horizon_weeks": timeline.HORIZON_DAYS // 7,
        "serial_returner_rule": {"min_rate": SERIAL_MIN_RATE, "min_orders": SERIAL_MIN_ORDERS},
    }


__all__ = ["Money", "ReturnTruth", "churn", "meta", "money", "serial_returners"]
