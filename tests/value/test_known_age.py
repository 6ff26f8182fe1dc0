"""The on-books model (value/known_age.py): it is the MBG/NBD at age 0, and it recovers the parameters
of the process it describes, accounts opened before the data start with their early purchases unseen."""

from __future__ import annotations

import numpy as np
import pytest

from onefold.errors import InputError
from onefold.value.known_age import MAX_BETA_PARAM, KnownAgeModifiedBetaGeo, _nodes
from onefold.value.mbgnbd import ModifiedBetaGeo, _loglik

TRUE = {"r": 0.9, "alpha": 17.0, "a": 1.3, "b": 6.5, "pi": 0.12}


def _with_params(model: KnownAgeModifiedBetaGeo | ModifiedBetaGeo, params: dict[str, float]):
    model.params_ = dict(params)
    model.log_likelihood_ = 0.0
    return model


def simulate(rng: np.random.Generator, age: np.ndarray, T: float,
             ahead: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Accounts opened ``age`` weeks before the data start with a purchase, a coin after every purchase.
    Returns (purchases seen from the start to ``T``, the last one's time, purchases in the ``ahead`` after)."""
    n = len(age)
    lam = rng.gamma(TRUE["r"], 1 / TRUE["alpha"], n)
    p = rng.beta(TRUE["a"], TRUE["b"], n)
    never = rng.random(n) < TRUE["pi"]
    x, tx, future = np.zeros(n), np.zeros(n), np.zeros(n)
    for i in np.flatnonzero(~never):
        t = -age[i]
        while rng.random() >= p[i]:
            t += rng.exponential(1 / lam[i])
            if t >= T + ahead:
                break
            if t >= T:
                future[i] += 1
            elif t >= 0:
                x[i], tx[i] = x[i] + 1, t
    return x, tx, future


def test_age_zero_without_never_buyers_is_the_mbgnbd() -> None:
    rng = np.random.default_rng(0)
    x = rng.integers(0, 40, 300).astype(float)
    T = rng.uniform(5, 150, 300)
    tx = np.where(x > 0, rng.uniform(0, 1, 300) * T, 0.0)
    mbg = {k: TRUE[k] for k in ("r", "alpha", "a", "b")}
    known = _with_params(KnownAgeModifiedBetaGeo(), {**mbg, "pi": 1e-15})
    plain = _with_params(ModifiedBetaGeo(), mbg)
    np.testing.assert_allclose(known.individual_log_likelihood(x, tx, T, 0.0),
                               _loglik(np.array(list(mbg.values())), x, tx, T), rtol=1e-9)
    np.testing.assert_allclose(known.expected_purchases(52, x, tx, T, 0.0), plain.expected_purchases(52, x, tx, T),
                               rtol=1e-8)
    np.testing.assert_allclose(known.p_alive(x, tx, T, 0.0), plain.p_alive(x, tx, T), rtol=1e-8)


def test_recovers_the_process_and_forecasts_its_next_year() -> None:
    rng = np.random.default_rng(7)
    n = 12_000
    age = rng.uniform(0, 104, n)
    x, tx, future = simulate(rng, age, 156.0, 52.0)
    model = KnownAgeModifiedBetaGeo().fit(x, np.round(tx, 1), 156.0, np.round(age))
    for name, value in TRUE.items():
        assert model.params[name] == pytest.approx(value, rel=0.2), name
    forecast = model.expected_purchases(52.0, x, np.round(tx, 1), 156.0, np.round(age))
    assert forecast.sum() == pytest.approx(future.sum(), rel=0.04)
    silent = x == 0  # the accounts a model started at their first purchase in the data cannot see
    assert forecast[silent].sum() == pytest.approx(future[silent].sum(), rel=0.15)
    assert future[silent].sum() > 0.01 * future.sum()


def test_bad_age_is_refused_with_its_field() -> None:
    model = _with_params(KnownAgeModifiedBetaGeo(), TRUE)
    with pytest.raises(InputError) as err:
        model.expected_purchases(52, [1.0], [2.0], [10.0], [-1.0])
    assert "age" in str(err.value)


def test_the_beta_bound_stays_below_where_the_quadrature_breaks() -> None:
    """scipy's Gauss-Jacobi weights turn NaN from a or b ≈ 1030 (48 nodes): the fit's bound must stay below."""
    for a, b in ((0.05, MAX_BETA_PARAM), (1.0, MAX_BETA_PARAM), (MAX_BETA_PARAM, 1.0), (MAX_BETA_PARAM, MAX_BETA_PARAM)):
        p, w = _nodes(a, b)
        assert np.all(np.isfinite(p)) and np.all(np.isfinite(w)) and w.sum() == pytest.approx(1.0)


def test_a_population_that_never_drops_out_is_forecast() -> None:
    rng = np.random.default_rng(3)
    n = 4_000
    age = rng.uniform(0, 104, n)
    lam = rng.gamma(0.9, 1 / 17.0, n)
    x = rng.poisson(lam * 156.0).astype(float)
    tx = np.where(x > 0, 156.0 * rng.beta(np.maximum(x, 1), 1), 0.0)
    model = KnownAgeModifiedBetaGeo().fit(x, np.round(tx, 1), 156.0, np.round(age))
    forecast = model.expected_purchases(52.0, x, np.round(tx, 1), 156.0, np.round(age))
    assert np.all(np.isfinite(forecast)) and forecast.sum() == pytest.approx((lam * 52.0).sum(), rel=0.1)
