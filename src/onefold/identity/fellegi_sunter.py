"""The Fellegi–Sunter model with m probabilities estimated by EM, without labels.

Fellegi & Sunter (1969, "A theory for record linkage", JASA 64:1183) score a pair by the log
likelihood ratio Σ_k log2(m_k(γ_k) / u_k(γ_k)), where γ_k is the agreement level on field k,
m = P(γ | match) and u = P(γ | non-match), fields assumed conditionally independent. Winkler (1988,
"Using the EM algorithm for weight computation in the Fellegi–Sunter model of record linkage")
estimates m and the match prior λ by EM over the candidate pairs. As in Splink, u is estimated
beforehand from random pairs (almost all non-matches; `training.estimate_u`) and held fixed, which
keeps EM identifiable and fast. EM runs over distinct agreement patterns with counts, so its cost
depends on the number of patterns (thousands), not of pairs (millions).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Self

import numpy as np
import numpy.typing as npt

from onefold.errors import NotFittedError
from onefold.identity.comparisons import Gamma

log = logging.getLogger(__name__)
FloatArray = npt.NDArray[np.float64]
_FLOOR = 1e-9


@dataclass
class FSParams:
    """Fitted parameters. ``m[k][l]``/``u[k][l]``: probability of level l on field k (last = else)."""

    prior: float
    m: list[FloatArray]
    u: list[FloatArray]
    iterations: int

    def bayes_factors(self) -> list[FloatArray]:
        """log2(m/u) per field and level: the match weight each level contributes."""
        return [np.log2(np.maximum(m, _FLOOR) / np.maximum(u, _FLOOR)) for m, u in zip(self.m, self.u, strict=True)]

    @property
    def prior_weight(self) -> float:
        return float(np.log2(self.prior / (1 - self.prior)))


class FellegiSunter:
    """EM for m and λ given fixed u.

    Args:
        max_iter: EM iterations at most; EM usually converges in 10–30 on person data.
        tol: stop when no m probability or λ moves more than this.
    """

    def __init__(self, *, max_iter: int = 100, tol: float = 1e-6) -> None:
        self.max_iter = max_iter
        self.tol = tol
        self.params_: FSParams | None = None
        self.converged_ = False

    def fit(self, gamma: Gamma, u: list[FloatArray], *, prior: float = 0.1, m: list[FloatArray] | None = None) -> Self:
        """Estimate m and λ from the candidate pairs' levels (``gamma``: pairs × fields, -1 = null).

        With ``m`` given, only λ is estimated (m held fixed).
        """
        patterns, counts = _patterns(gamma)
        fixed_m = m is not None
        m = [np.asarray(x, dtype=np.float64) for x in m] if m is not None else [_initial_m(len(uk)) for uk in u]
        lam = prior
        total = counts.sum()
        iterations = 0
        for iterations in range(1, self.max_iter + 1):  # noqa: B007 - kept for the fitted record
            weight = _pattern_weights(patterns, m, u) + np.log2(lam / (1 - lam))
            post = 1.0 / (1.0 + np.exp2(-np.clip(weight, -60, 60)))
            mass = post * counts
            new_lam = float(np.clip(mass.sum() / total, 1e-6, 1 - 1e-6))
            new_m = m if fixed_m else []
            for k, uk in enumerate([] if fixed_m else u):
                col = patterns[:, k]
                present = col >= 0
                sums = np.bincount(col[present], weights=mass[present], minlength=len(uk))
                mk = np.maximum(sums / max(sums.sum(), _FLOOR), 1e-6)
                new_m.append(mk / mk.sum())
            delta = max([abs(new_lam - lam)] + [float(np.abs(a - b).max()) for a, b in zip(new_m, m, strict=True)])
            m, lam = new_m, new_lam
            if delta < self.tol:
                self.converged_ = True
                break
        log.info("EM: %d iterations, λ=%.5f, converged=%s", iterations, lam, self.converged_)
        self.params_ = FSParams(lam, m, [np.asarray(x, dtype=np.float64) for x in u], iterations)
        return self

    @classmethod
    def fitted(cls, m: list[FloatArray], u: list[FloatArray], *, prior: float = 0.5) -> FellegiSunter:
        """A model with known parameters (from an earlier fit), for scoring without EM."""
        model = cls()
        model.params_ = FSParams(prior, [np.asarray(x, dtype=np.float64) for x in m],
                                 [np.asarray(x, dtype=np.float64) for x in u], 0)
        model.converged_ = True
        return model

    @property
    def params(self) -> FSParams:
        if self.params_ is None:
            raise NotFittedError("the Fellegi–Sunter model is not fitted", remedy="call fit() first")
        return self.params_

    def field_weights(self, gamma: Gamma) -> FloatArray:
        """log2 Bayes factor of each pair on each field (0 where a value is missing)."""
        factors = self.params.bayes_factors()
        out = np.zeros(gamma.shape, dtype=np.float64)
        for k, bf in enumerate(factors):
            col = gamma[:, k].astype(np.int64)
            present = col >= 0
            out[present, k] = bf[col[present]]
        return out


def probability(match_weight: FloatArray) -> FloatArray:
    """Posterior match probability from a total match weight (log2 odds, prior included)."""
    return 1.0 / (1.0 + np.exp2(-np.clip(match_weight, -60, 60)))


def _patterns(gamma: Gamma) -> tuple[npt.NDArray[np.int64], FloatArray]:
    base = int(gamma.max(initial=0)) + 2
    if base ** gamma.shape[1] >= 2**62:
        rows, counts = np.unique(gamma, axis=0, return_counts=True)
        return rows.astype(np.int64), counts.astype(np.float64)
    key = np.zeros(len(gamma), dtype=np.int64)
    for k in range(gamma.shape[1]):
        key = key * base + (gamma[:, k].astype(np.int64) + 1)
    _, first, counts = np.unique(key, return_index=True, return_counts=True)
    return gamma[first].astype(np.int64), counts.astype(np.float64)


def _initial_m(levels: int) -> FloatArray:
    # Matches mostly agree exactly; the rest spread geometrically over the fuzzier levels.
    m = np.array([0.5**i for i in range(levels)], dtype=np.float64) * 0.2
    m[0] = 0.8
    return m / m.sum()


def _pattern_weights(patterns: npt.NDArray[np.int64], m: list[FloatArray], u: list[FloatArray]) -> FloatArray:
    weight = np.zeros(len(patterns), dtype=np.float64)
    for k, (mk, uk) in enumerate(zip(m, u, strict=True)):
        col = patterns[:, k]
        present = col >= 0
        weight[present] += np.log2(np.maximum(mk[col[present]], _FLOOR) / np.maximum(uk[col[present]], _FLOOR))
    return weight


__all__ = ["FSParams", "FellegiSunter", "probability"]
