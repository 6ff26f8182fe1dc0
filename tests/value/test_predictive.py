from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from onefold.errors import InputError
from onefold.value import ParetoNBD
from onefold.value.predictive import purchases_cdf, purchases_quantile

PNBD = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}


@pytest.fixture
def model(tmp_path: Path) -> ParetoNBD:
    path = tmp_path / "fit.json"
    path.write_text(json.dumps({"model": "ParetoNBD", "format_version": 1, "params": PNBD, "log_likelihood": 0}))
    return ParetoNBD.load(path)


def test_cdf_matches_simulating_the_story(model: ParetoNBD) -> None:
    """Simulate alive → λ, μ posteriors → lifetime → Poisson purchases, and compare the CDF."""
    r, alpha, s, beta = PNBD.values()
    x, tx, T, t, draws = 5.0, 30.0, 38.0, 39.0, 200_000
    rng = np.random.default_rng(3)
    alive = rng.uniform(size=draws) < model.p_alive(x, tx, T)[0]
    lam = rng.gamma(r + x, 1 / (alpha + T), draws)
    mu = rng.gamma(s, 1 / (beta + T), draws)
    n = rng.poisson(lam * np.minimum(rng.exponential(1 / mu), t)) * alive
    for k in range(6):
        assert purchases_cdf(model, k, t, x, tx, T)[0] == pytest.approx((n <= k).mean(), abs=4e-3)
    assert n.mean() == pytest.approx(model.expected_purchases(t, x, tx, T)[0], rel=0.02)


def test_quantiles_are_monotone_and_consistent(model: ParetoNBD) -> None:
    x, tx, T = np.array([0, 2, 10, 40]), np.array([0, 30.43, 35, 38]), np.full(4, 38.86)
    med = purchases_quantile(model, 39, x, tx, T)
    p90 = purchases_quantile(model, 39, x, tx, T, q=0.9)
    assert med[0] == 0 and np.all(p90 >= med) and np.all(np.diff(med) >= 0)
    # The defining property: F(n) ≥ q > F(n − 1).
    assert np.all(purchases_cdf(model, med, 39, x, tx, T) >= 0.5)
    assert np.all(purchases_cdf(model, med - 1, 39, x, tx, T) < 0.5)
    with pytest.raises(InputError, match="q"):
        purchases_quantile(model, 39, x, tx, T, q=1.0)
