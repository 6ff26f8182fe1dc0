"""The retailer's commerce up to its returns, drawn in the generator's order.

``generate`` continues from here (tickets, records, engagement, events); benches that replay the
generator's own draws (``bench/value_pending.py``, ``bench/value_churn_ceiling.py``) stop here. One
function keeps the order of the draws in one place, so a replay cannot drift from what
``onefold demo generate`` writes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from onefold.demo.behaviour import Behaviour, make_behaviour
from onefold.demo.catalog import Catalog, Stores, make_catalog, make_stores
from onefold.demo.orders import Lines, Orders, make_orders, simulate_purchases
from onefold.demo.people import Persons, make_persons
from onefold.demo.returns import Returns, make_returns


@dataclass(frozen=True, slots=True)
class Commerce:
    persons: Persons
    catalog: Catalog
    stores: Stores
    beh: Behaviour
    left_day: np.ndarray
    """Day each person stops buying (the churn truth)."""
    orders: Orders
    lines: Lines
    returns: Returns


def draw_commerce(rng: np.random.Generator, customers: int,
                  step: Callable[[str], None] | None = None) -> Commerce:
    """People, catalog, stores, behaviour, orders and returns, drawn from ``rng`` in this order."""
    step = step or (lambda _name: None)
    step("people")
    persons = make_persons(rng, customers)
    catalog = make_catalog(rng, n_products=int(np.clip(customers // 40, 200, 1500)))
    stores = make_stores(rng, n_stores=16)
    beh = make_behaviour(rng, persons, stores)
    step("orders")
    person, day, left_day = simulate_purchases(rng, beh, persons.birth_day)
    orders, lines = make_orders(rng, beh, catalog, len(stores.store_id), person, day)
    step("returns")
    returns_ = make_returns(rng, beh, catalog, orders, lines)
    return Commerce(persons, catalog, stores, beh, left_day, orders, lines, returns_)
