"""Model behaviour away from the reference data: independent numerical checks, stability, errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy import integrate

from onefold.errors import ConvergenceError, InputError, NotFittedError
from onefold.value import BetaGeo, GammaGamma, ModifiedBetaGeo, ParetoNBD, clv, periodic_rate
from onefold.value._base import fingerprint

BG = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PNBD = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}


def _with(cls: type, params: dict[str, float], tmp_path: Path) -> object:
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / f"{cls.__name__}.json"
    path.write_text(json.dumps({"model": cls.name, "format_version": 1, "params": params, "log_likelihood": 0.0}))
    return cls.load(path)


def _pareto_by_quadrature(t: float, x: int, tx: float, T: float) -> tuple[float, float]:
    """E[Y(t)] and P(alive) by integrating over the posterior of (λ, μ) (Schmittlein et al. 1987)."""
    r, alpha, s, beta = PNBD.values()

    def prior(lam: float, mu: float) -> float:
        return lam ** (r - 1) * np.exp(-alpha * lam) * mu ** (s - 1) * np.exp(-beta * mu)

    def alive(lam: float, mu: float) -> float:
        return lam**x * np.exp(-(lam + mu) * T)

    def lik(lam: float, mu: float) -> float:
        return alive(lam, mu) + lam**x * mu / (lam + mu) * (np.exp(-(lam + mu) * tx) - np.exp(-(lam + mu) * T))

    opts = {"epsabs": 0, "epsrel": 1e-9}
    den = integrate.dblquad(lambda mu, lam: prior(lam, mu) * lik(lam, mu), 0, 50, 0, 50, **opts)[0]
    pa = integrate.dblquad(lambda mu, lam: prior(lam, mu) * alive(lam, mu), 0, 50, 0, 50, **opts)[0]
    ey = integrate.dblquad(
        lambda mu, lam: prior(lam, mu) * alive(lam, mu) * lam / mu * -np.expm1(-mu * t), 0, 50, 0, 50, **opts
    )[0]
    return ey / den, pa / den


@pytest.mark.filterwarnings("ignore::scipy.integrate.IntegrationWarning")
@pytest.mark.parametrize(("x", "tx", "T"), [(2, 30.43, 38.86), (0, 0.0, 20.0), (7, 10.0, 38.0)])
def test_pareto_matches_posterior_quadrature(tmp_path: Path, x: int, tx: float, T: float) -> None:
    m = _with(ParetoNBD, PNBD, tmp_path)
    ey, pa = _pareto_by_quadrature(39.0, x, tx, T)
    assert m.p_alive(x, tx, T)[0] == pytest.approx(pa, rel=1e-4)  # type: ignore[attr-defined]
    assert m.expected_purchases(39, x, tx, T)[0] == pytest.approx(ey, rel=1e-4)  # type: ignore[attr-defined]


def test_pareto_handles_alpha_below_beta(tmp_path: Path) -> None:
    # Same model with α < β exercises the other branch of A₀; compare against the α ≥ β case swapped
    # through a tiny perturbation across α = β (the likelihood is continuous there).
    lo = _with(ParetoNBD, {**PNBD, "alpha": 11.669 - 1e-7, "beta": 11.669}, tmp_path / "a")
    hi = _with(ParetoNBD, {**PNBD, "alpha": 11.669 + 1e-7, "beta": 11.669}, tmp_path / "b")
    args = ([3, 0, 12], [20.0, 0.0, 30.0], [38.0, 38.0, 31.0])
    np.testing.assert_allclose(lo.p_alive(*args), hi.p_alive(*args), rtol=1e-5)  # type: ignore[attr-defined]


@pytest.mark.parametrize("cls,params", [(BetaGeo, BG), (ParetoNBD, PNBD)])
def test_huge_frequencies_stay_finite(tmp_path: Path, cls: type, params: dict[str, float]) -> None:
    m = _with(cls, params, tmp_path)
    x = np.array([0, 1e3, 1e5, 1e6, 1e6])
    tx = np.array([0, 38.0, 38.86, 38.86, 1.0])
    T = np.full(5, 38.86)
    pa = m.p_alive(x, tx, T)  # type: ignore[attr-defined]
    ey = m.expected_purchases(39, x, tx, T)  # type: ignore[attr-defined]
    assert np.all(np.isfinite(pa)) and np.all(np.isfinite(ey))
    # Buying up to T means alive and buying at about x/T per week ahead, less some dropout on the way.
    assert pa[3] == pytest.approx(1.0, abs=1e-6)
    assert 0.5 * 1e6 / 38.86 * 39 < ey[3] < 1e6 / 38.86 * 39
    assert pa[4] < 1e-10  # a million purchases then silence: gone


@pytest.mark.parametrize("cls", [BetaGeo, ParetoNBD])
def test_not_fitted_errors(cls: type) -> None:
    with pytest.raises(NotFittedError):
        _ = cls().params
    with pytest.raises(NotFittedError, match="fit"):
        cls().p_alive(1, 1, 2)


@pytest.mark.parametrize(
    ("x", "tx", "T", "field"),
    [
        ([1, -1], [1, 1], [2, 2], "frequency"),
        ([1, 1], [3, 1], [2, 2], "recency"),
        ([0, 1], [1, 1], [2, 2], "recency"),
        ([1.5], [1], [2], "frequency"),
        ([1, 1], [1, np.nan], [2, 2], "recency"),
        ([], [], [], "frequency"),
    ],
)
def test_bad_rfm_input_names_the_column(x: list, tx: list, T: list, field: str) -> None:
    with pytest.raises(InputError) as info:
        BetaGeo().fit(x, tx, T)
    assert info.value.location is not None and info.value.location.field == field


def test_gamma_gamma_rejects_negative_spend_and_no_repeaters() -> None:
    with pytest.raises(InputError, match="monetary_value"):
        GammaGamma().fit([1, 2], [10.0, -1.0])
    with_zero = GammaGamma().fit([1, 2, 3, 4, 2], [10.0, 0.0, 12.0, 30.0, 8.0])
    without = GammaGamma().fit([1, 3, 4, 2], [10.0, 12.0, 30.0, 8.0])
    assert with_zero.params == pytest.approx(without.params)
    assert with_zero.n_ == 4
    with pytest.raises(InputError, match="repeat"):
        GammaGamma().fit([0, 0], [0.0, 0.0])


def test_bgnbd_stable_form_equals_textbook_formula(tmp_path: Path) -> None:
    """Eq. 10 written directly with ₂F₁(r+x, b+x; a+b+x−1; z) agrees where it is still computable."""
    from scipy.special import hyp2f1

    m = _with(BetaGeo, BG, tmp_path)
    r, alpha, a, b = BG.values()
    x, tx, T, t = np.array([1.0, 5, 40]), np.array([5.0, 20, 38]), np.array([38.86] * 3), 39.0
    z = t / (alpha + T + t)
    top = 1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z)
    bottom = 1 + a / (b + x - 1) * ((alpha + T) / (alpha + tx)) ** (r + x)
    textbook = (a + b + x - 1) / (a - 1) * top / bottom
    np.testing.assert_allclose(m.expected_purchases(t, x, tx, T), textbook, rtol=1e-9)  # type: ignore[attr-defined]


def test_convergence_error_on_degenerate_data() -> None:
    # Everyone buys exactly once a period for ever: the likelihood grows without bound as b → ∞.
    x = np.full(50, 20.0)
    with pytest.raises(ConvergenceError):
        BetaGeo().fit(x, x, x)


def test_save_load_round_trip_checks_model_and_data(tmp_path: Path) -> None:
    x, tx, T = _simulate_bgnbd(2000, seed=1)
    m = BetaGeo().fit(x, tx, T)
    path = tmp_path / "fit.json"
    m.save(path)
    doc = json.loads(path.read_text())
    assert doc["model"] == "BetaGeo" and set(doc["params"]) == {"r", "alpha", "a", "b"}
    again = BetaGeo.load(path, expect_fingerprint=fingerprint(x, tx, T))
    np.testing.assert_allclose(again.p_alive(x, tx, T), m.p_alive(x, tx, T))
    with pytest.raises(InputError, match="different data"):
        BetaGeo.load(path, expect_fingerprint=fingerprint(x + 1, tx, T))
    with pytest.raises(InputError, match="BetaGeo"):
        ParetoNBD.load(path)


def _simulate_bgnbd(n: int, *, seed: int, T: float = 52.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The BG/NBD story with r=0.8, α=3, a=1.2, b=4."""
    rng = np.random.default_rng(seed)
    lam = rng.gamma(0.8, 1 / 3.0, n)  # r=0.8, α=3
    p = rng.beta(1.2, 4.0, n)  # a=1.2, b=4
    x = np.zeros(n)
    tx = np.zeros(n)
    alive = np.ones(n, dtype=bool)
    t = np.zeros(n)
    while alive.any():
        t = t + rng.exponential(1 / lam)
        buy = alive & (t <= T)
        x[buy] += 1
        tx[buy] = t[buy]
        alive = buy & (rng.uniform(size=n) >= p)
    return x, tx, np.full(n, T)


def test_fit_recovers_simulated_parameters() -> None:
    """Simulate the BG/NBD story and check the fit finds the truth (a test that can fail)."""
    m = BetaGeo().fit(*_simulate_bgnbd(20000, seed=7))
    got = m.params
    assert got["r"] == pytest.approx(0.8, rel=0.1)
    assert got["alpha"] == pytest.approx(3.0, rel=0.15)
    assert got["a"] == pytest.approx(1.2, rel=0.3)
    assert got["b"] == pytest.approx(4.0, rel=0.3)


def test_clv_discounting_and_spend(tmp_path: Path) -> None:
    m = _with(BetaGeo, BG, tmp_path)
    x, tx, T = [2, 0], [30.43, 0.0], [38.86, 38.86]
    undiscounted = clv(m, x, tx, T, spend=[10.0, 10.0], horizon=39)  # type: ignore[arg-type]
    np.testing.assert_allclose(undiscounted, 10 * m.expected_purchases(39, x, tx, T))  # type: ignore[attr-defined]
    d = periodic_rate(0.10, "W")
    assert (1 + d) ** (365.25 / 7) == pytest.approx(1.10)
    discounted = clv(m, x, tx, T, spend=[10.0, 10.0], horizon=39, discount_rate=d)  # type: ignore[arg-type]
    assert np.all(discounted < undiscounted) and np.all(discounted > 0.9 * undiscounted)


@pytest.mark.parametrize(("cls", "params"), [(BetaGeo, BG), (ParetoNBD, PNBD), (ModifiedBetaGeo, BG)])
def test_clv_is_the_discounted_sum_of_weekly_expected_purchases(cls: type, params: dict[str, float],
                                                                 tmp_path: Path) -> None:
    """clv() factorises E[Y(t)] into a time part and P(alive) and accumulates step by step; it must
    equal the definition written with the public expected_purchases, duplicates and all."""
    m = _with(cls, params, tmp_path)
    x = np.array([0, 2, 2, 7, 0, 30, 2])
    tx = np.array([0.0, 30.43, 30.43, 35.0, 0.0, 38.0, 12.0])
    T = np.array([38.86, 38.86, 38.86, 38.86, 20.0, 38.86, 38.86])
    spend = np.array([10.0, 12.0, 12.0, 5.0, 7.0, 3.0, 12.0])
    d = periodic_rate(0.10, "W")
    weeks = np.arange(1, 53)
    path = np.column_stack([m.expected_purchases(k, x, tx, T) for k in weeks])  # type: ignore[attr-defined]
    expected = (np.diff(path, axis=1, prepend=0.0) @ (1 + d) ** -weeks) * spend
    got = clv(m, x, tx, T, spend=spend, horizon=52, discount_rate=d)  # type: ignore[arg-type]
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    assert got[1] == got[2] and got[0] != got[4]
