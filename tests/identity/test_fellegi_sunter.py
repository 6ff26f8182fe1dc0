"""EM recovers known m probabilities and the prior from simulated agreement patterns."""

from __future__ import annotations

import numpy as np
import pytest

from onefold.errors import NotFittedError
from onefold.identity.fellegi_sunter import FellegiSunter, probability


def _simulate(rng: np.random.Generator, n: int, prior: float, m: list[np.ndarray], u: list[np.ndarray]) -> np.ndarray:
    is_match = rng.random(n) < prior
    gamma = np.empty((n, len(m)), dtype=np.int8)
    for k, (mk, uk) in enumerate(zip(m, u, strict=True)):
        gamma[is_match, k] = rng.choice(len(mk), size=is_match.sum(), p=mk)
        gamma[~is_match, k] = rng.choice(len(uk), size=(~is_match).sum(), p=uk)
    return gamma


def test_em_recovers_m_and_prior() -> None:
    rng = np.random.default_rng(7)
    m = [np.array([0.85, 0.1, 0.05]), np.array([0.9, 0.1]), np.array([0.7, 0.2, 0.05, 0.05])]
    u = [np.array([0.01, 0.04, 0.95]), np.array([0.2, 0.8]), np.array([0.005, 0.01, 0.05, 0.935])]
    gamma = _simulate(rng, 200_000, 0.3, m, u)
    model = FellegiSunter().fit(gamma, u)
    assert model.converged_
    assert model.params.prior == pytest.approx(0.3, abs=0.01)
    for fitted, true in zip(model.params.m, m, strict=True):
        np.testing.assert_allclose(fitted, true, atol=0.02)


def test_missing_values_carry_no_weight() -> None:
    u = [np.array([0.01, 0.99]), np.array([0.01, 0.99])]
    gamma = np.array([[0, 0], [1, 1], [0, -1]], dtype=np.int8)
    model = FellegiSunter().fit(np.repeat(gamma, 100, axis=0), u)
    weights = model.field_weights(np.array([[0, -1], [-1, -1]], dtype=np.int8))
    assert weights[0, 1] == 0 and weights[1].sum() == 0 and weights[0, 0] > 0
    assert probability(np.array([0.0]))[0] == pytest.approx(0.5)


def test_unfitted_model_raises() -> None:
    with pytest.raises(NotFittedError):
        _ = FellegiSunter().params
