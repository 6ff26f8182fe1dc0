"""Netting returns out of customer value.

CLV libraries model gross spend. A customer's refunds are noisy for small spenders (one returned
jacket on one order makes a 100 % return rate), so the per-customer refund ratio is shrunk towards
the population's, as a beta-binomial credibility estimate with the prior worth ``prior_weight``
currency units of spend:

    ρ̂_i = (R_i + κ·ρ_pop) / (G_i + κ),   ρ_pop = ΣR / ΣG,   κ = prior_orders × mean order value,

where G_i is the customer's gross spend and R_i her refunds over the same period. Net expected spend
per future purchase is then ``expected_spend × (1 − ρ̂_i)`` and, because the ratio scales every
future period alike, ``net_clv = clv × (1 − ρ̂_i)``. The same estimator shrinks any ratio of two
per-customer sums (the build step uses it for the net-margin ratio).
"""

from __future__ import annotations

import numpy as np

from onefold.errors import InputError, Location


def shrunk_ratio(numerator: np.ndarray, denominator: np.ndarray, *, prior_weight: float) -> np.ndarray:
    """(num_i + κ·pop) / (den_i + κ) with pop = Σnum / Σden and κ = ``prior_weight`` (> 0)."""
    if prior_weight <= 0:
        raise InputError("prior_weight must be positive", location=Location(field="prior_weight"))
    total = float(np.sum(denominator))
    pop = float(np.sum(numerator)) / total if total > 0 else 0.0
    return np.asarray((numerator + prior_weight * pop) / (denominator + prior_weight))


def shrunk_ratio_by_class(numerator: np.ndarray, denominator: np.ndarray, orders: np.ndarray, *,
                          prior_weight: float) -> np.ndarray:
    """(num_i + κ·pop_c) / (den_i + κ), where pop_c is the pooled ratio of the customers with as many
    orders (classes 1, 2–3, 4–7, … by log2 of the order count; 0 orders with 1).

    Shrinking everybody towards the whole base's ratio is biased when the ratio depends on how often a
    customer buys: on the demo retailer the frequent buyers (serial returners among them) pull the base's
    margin ratio down, so customers with 1–3 orders got ratios 4–10 % under their own class's, and the
    margin ahead came out 1.2–2.2 % low (bench/README.md, "## Value"). A class of customers' pooled ratio
    is what their shrunk ratios average to, so the shrinkage no longer moves a class's total.
    """
    if prior_weight <= 0:
        raise InputError("prior_weight must be positive", location=Location(field="prior_weight"))
    numerator, denominator = np.asarray(numerator, dtype=np.float64), np.asarray(denominator, dtype=np.float64)
    group = np.floor(np.log2(np.maximum(np.asarray(orders, dtype=np.float64), 1.0))).astype(np.int64)
    total = float(denominator.sum())
    pooled = float(numerator.sum()) / total if total > 0 else 0.0
    den = np.bincount(group, denominator)
    prior = np.divide(np.bincount(group, numerator), den, out=np.full(len(den), pooled), where=den > 0)
    return np.asarray((numerator + prior_weight * prior[group]) / (denominator + prior_weight))


def refund_ratio(gross: np.ndarray, refunds: np.ndarray, *, mean_order: float, prior_orders: float = 2.0) -> np.ndarray:
    """Shrunk refund ratio per customer, clipped to [0, 1] (refunds above spend are data errors)."""
    ratio = shrunk_ratio(refunds, gross, prior_weight=max(prior_orders * mean_order, 1e-9))
    return np.clip(ratio, 0.0, 1.0)
