"""How each true person behaves: which sources they use, how often they buy, what and how they return.

Generating process (per person, drawn once):
- sources: web account 60 %, app account 35 %, POS/loyalty record 55 % when a store is in their
  city (else 8 %), call-center record 15 %; at least one. Web users who arrived before the legacy
  cut-over (2023-08-29) also have an ``ecom_legacy`` record, used for their web orders before it.
- buyers: 88 % ever buy. BG/NBD: while alive, purchases are Poisson with rate
  ``lambda ~ Gamma(0.9, scale 3.0)`` per year (capped at 40), and after every purchase the person
  drops out for good with probability ``p ~ Beta(1.3, 6.5)`` (mean 0.17). The dropout is never
  written, but the person's email opens, browsing visits and web/app sessions fade after it (fade.py).
- spend: a price tier ``q ~ Beta(2, 2)`` (where in each category's price range they buy), basket
  size ``1 + Poisson(g)``, ``g ~ Gamma(1, 0.6)``, category tastes ``Dirichlet``; together these give
  Gamma-Gamma-like heterogeneous order values.
- channel mix: Dirichlet(1) weights over the channels of the sources they own (call center x0.15).
- returns: line return probability = category base rate x ``Gamma(2, 0.5)`` (capped at 0.6);
  serial returners (about 9 % of buyers, more likely among frequent buyers; about 3-4 % of buyers end up flagged) return 90 % of lines.
- service: ticket propensity ``Gamma(1, 1)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from onefold.demo import timeline
from onefold.demo.catalog import CATEGORIES, Stores
from onefold.demo.names import CITIES
from onefold.demo.people import Persons

SOURCES = ("web", "app", "pos", "call_center", "ecom_legacy")
WEB, APP, POS, CALL_CENTER, LEGACY = range(5)
CHANNELS = ("web", "app", "store", "call_center")
CH_WEB, CH_APP, CH_STORE, CH_CC = range(4)


@dataclass
class Behaviour:
    """Per-person behaviour traits (parallel arrays, index = person)."""

    has: np.ndarray  # (n, 5) bool: owns a record in each of SOURCES
    primary: np.ndarray  # source created at arrival
    buyer: np.ndarray
    lam: np.ndarray  # purchases per day while alive
    p_drop: np.ndarray
    price_q: np.ndarray
    basket: np.ndarray
    cat_cum: np.ndarray  # (n, n_categories) cumulative taste weights
    chan_cum: np.ndarray  # (n, 4) cumulative channel weights
    home_store: np.ndarray  # index into stores, -1 if no store in their city
    return_factor: np.ndarray
    serial: np.ndarray
    ticket_rate: np.ndarray


def choose_rows(rng: np.random.Generator, cum: np.ndarray) -> np.ndarray:
    """One categorical draw per row of a cumulative-weights matrix (vectorised inverse CDF)."""
    u = rng.random(len(cum)) * cum[:, -1]
    return np.minimum((u[:, None] >= cum).sum(axis=1), cum.shape[1] - 1)


def make_behaviour(rng: np.random.Generator, persons: Persons, stores: Stores) -> Behaviour:
    n = persons.n
    store_in_city = np.full(len(CITIES), -1)
    for s, c in enumerate(stores.city):
        if store_in_city[c] < 0 or rng.random() < 0.5:
            store_in_city[c] = s
    home_store = store_in_city[persons.home.city]

    has = np.zeros((n, 5), dtype=bool)
    has[:, WEB] = rng.random(n) < 0.60
    has[:, APP] = rng.random(n) < 0.35
    has[:, POS] = rng.random(n) < np.where(home_store >= 0, 0.55, 0.08)
    has[:, CALL_CENTER] = rng.random(n) < 0.15
    none = ~has[:, :4].any(axis=1)
    has[none, WEB] = True
    has[:, LEGACY] = has[:, WEB] & (persons.birth_day < timeline.LEGACY_CUTOVER_DAY)
    owned = has[:, :4].astype(float) * rng.random((n, 4))
    owned[:, CALL_CENTER] *= 0.01  # owning a call-center record rarely makes it the first contact
    primary = np.where(has[:, LEGACY], LEGACY, owned.argmax(axis=1))

    buyer = rng.random(n) < 0.88
    lam = np.minimum(rng.gamma(0.9, 3.0, n), 40.0) / 365.25
    p_drop = rng.beta(1.3, 6.5, n)
    pop = np.array([c.popularity for c in CATEGORIES])
    tastes = rng.gamma(np.tile(0.8 * pop / pop.mean(), (n, 1)))
    chan = rng.gamma(1.0, 1.0, (n, 4)) * has[:, [WEB, APP, POS, CALL_CENTER]]
    chan[:, CH_CC] *= 0.15
    rank = np.argsort(np.argsort(lam)) / max(n - 1, 1)
    serial = buyer & (rng.random(n) < 0.03 + 0.14 * (rank > 0.5))
    return Behaviour(
        has=has, primary=primary, buyer=buyer, lam=lam, p_drop=p_drop,
        price_q=rng.beta(2.0, 2.0, n), basket=rng.gamma(1.0, 0.6, n),
        cat_cum=np.cumsum(tastes, axis=1), chan_cum=np.cumsum(chan, axis=1), home_store=home_store,
        return_factor=rng.gamma(2.0, 0.5, n), serial=serial, ticket_rate=rng.gamma(1.0, 1.0, n),
    )


__all__ = [
    "CHANNELS", "CH_APP", "CH_CC", "CH_STORE", "CH_WEB", "SOURCES", "APP", "CALL_CENTER", "LEGACY", "POS", "WEB",
    "Behaviour", "choose_rows", "make_behaviour",
]
