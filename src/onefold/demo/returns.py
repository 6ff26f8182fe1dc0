"""Returns of order lines, including serial returners.

Generating process: every line of a non-cancelled order is returned with probability
``category base rate x person factor`` (capped at 0.6), plus 0.10 when the order came late; serial
returners return 90 % of lines. A return happens 2-30 days after the goods arrive (3-14 for serial
returners); 75 % of multi-unit returns send back every unit, the rest part of them. The refund is the
returned units' price less the order's discount share, in whole cents rounded down, so it never
exceeds ``qty x unit_price``. Returns falling after the data ends are kept for the horizon truth only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from onefold.demo import timeline
from onefold.demo.behaviour import Behaviour
from onefold.demo.catalog import CATEGORIES, Catalog
from onefold.demo.orders import Lines, Orders
from onefold.demo.writer import NO_TIME

REASONS = ("wrong_size", "not_as_described", "defective", "changed_mind", "late_delivery", "damaged", "wrong_item")
_SIZE_CATEGORIES = ("apparel", "footwear")


@dataclass
class Returns:
    """Returned lines, sorted by time (return ``R000000001`` first); ``line`` indexes Lines."""

    line: np.ndarray
    qty: np.ndarray
    reason: np.ndarray  # index into REASONS
    returned_s: np.ndarray
    refund: np.ndarray  # cents
    observed: np.ndarray


def make_returns(rng: np.random.Generator, beh: Behaviour, catalog: Catalog, orders: Orders, lines: Lines) -> Returns:
    order = lines.order
    person = orders.person[order]
    base = np.array([c.return_rate for c in CATEGORIES])[catalog.category[lines.product]]
    prob = np.minimum(base * beh.return_factor[person], 0.6) + 0.10 * orders.late[order]
    prob = np.where(beh.serial[person], 0.9, prob)
    arrived = orders.arrival_s[order]
    chosen = np.flatnonzero((arrived != NO_TIME) & (rng.random(len(order)) < prob))

    serial = beh.serial[person[chosen]]
    delay = np.where(serial, rng.uniform(3, 14, len(chosen)), rng.uniform(2, 30, len(chosen)))
    returned = arrived[chosen] + (delay * timeline.DAY_S).astype(np.int64)
    qty = lines.qty[chosen]
    partial = (qty > 1) & (rng.random(len(chosen)) < 0.25)
    ret_qty = np.where(partial, rng.integers(1, np.maximum(qty, 2)), qty)

    cat = np.array([c.name for c in CATEGORIES])[catalog.category[lines.product[chosen]]]
    sized = np.isin(cat, _SIZE_CATEGORIES)
    other = rng.choice(np.array([1, 2, 3, 5, 6]), size=len(chosen), p=[0.3, 0.2, 0.3, 0.1, 0.1])
    reason = np.where(sized & (rng.random(len(chosen)) < 0.6), 0, other)
    reason = np.where(orders.late[order[chosen]] & (rng.random(len(chosen)) < 0.5), 4, reason)

    o = order[chosen]
    net = orders.subtotal[o] - orders.discount[o]
    refund = ret_qty * lines.unit_price[chosen] * net // np.maximum(orders.subtotal[o], 1)

    keep = returned < timeline.OBS_START_S + timeline.HORIZON_END_DAY * timeline.DAY_S
    by_time = np.lexsort((chosen, returned))
    by_time = by_time[keep[by_time]]
    returned = returned[by_time]
    return Returns(chosen[by_time], ret_qty[by_time], reason[by_time], returned, refund[by_time],
                   returned < timeline.OBS_END_S)


__all__ = ["REASONS", "Returns", "make_returns"]
