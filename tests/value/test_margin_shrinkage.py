"""Shrinking per-customer margin ratios must not move the total of a class of customers."""

from __future__ import annotations

import numpy as np
import pytest

from onefold.value.returns import shrunk_ratio, shrunk_ratio_by_class


def _base(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Occasional buyers keep 70 % of what they spend; frequent buyers, serial returners among them,
    keep 40 %. Returns (margin, gross, orders, true ratio)."""
    rng = np.random.default_rng(seed)
    n = 20_000
    orders = np.where(rng.random(n) < 0.8, rng.integers(1, 4, n), rng.integers(8, 40, n))
    true = np.where(orders >= 8, 0.4, 0.7)
    gross = np.array([rng.gamma(2.0, 40.0, k).sum() for k in orders])
    margin = gross * true + rng.normal(0.0, 25.0, n) * np.sqrt(orders)
    return margin, gross, orders, true


def test_occasional_buyers_are_not_shrunk_towards_the_serial_returners() -> None:
    margin, gross, orders, true = _base(3)
    kappa = 2.0 * gross.sum() / orders.sum()
    few = orders <= 3
    # weight as the margin ahead does: each customer's ratio times her (here: past) spend
    by_class = shrunk_ratio_by_class(margin, gross, orders, prior_weight=kappa)
    assert by_class[few] @ gross[few] / gross[few].sum() == pytest.approx(0.7, rel=0.01)
    whole_base = shrunk_ratio(margin, gross, prior_weight=kappa)
    assert whole_base[few] @ gross[few] / gross[few].sum() < 0.7 * 0.97


def test_class_shrinkage_keeps_each_class_total_and_handles_empty_input() -> None:
    margin, gross, orders, _ = _base(4)
    ratio = shrunk_ratio_by_class(margin, gross, orders, prior_weight=100.0)
    cls = np.floor(np.log2(np.maximum(orders, 1))).astype(int)
    for c in np.unique(cls):
        m = cls == c
        pooled = margin[m].sum() / gross[m].sum()
        # (num + κ p) / (den + κ) summed with weights (den + κ) gives back the class's margin + κ p n
        assert ratio[m] @ (gross[m] + 100.0) == pytest.approx(margin[m].sum() + 100.0 * pooled * m.sum())
    assert shrunk_ratio_by_class(np.zeros(0), np.zeros(0), np.zeros(0), prior_weight=1.0).size == 0
    # no spend at all: every customer gets 0 (nothing to pool)
    assert np.all(shrunk_ratio_by_class(np.zeros(3), np.zeros(3), np.array([0, 1, 5]), prior_weight=1.0) == 0.0)
