"""MBG/NBD: the BG/NBD with a chance to drop out right after the first purchase too.

Batislam, E. P., Denizel, M. & Filiztekin, A. (2007), "Empirical validation and comparison of
models for customer base analysis", *International Journal of Research in Marketing* 24(3),
201-209 (also Hoppe & Wagner 2007). In the BG/NBD a customer without repeat purchases is alive for
sure; here the coin is flipped after *every* purchase, so one-time buyers can be gone too. The
likelihood (per customer, for any x ≥ 0) is

    L = Γ(r+x)α^r/Γ(r) · [B(a, b+x+1)/B(a,b)·(α+T)^−(r+x) + B(a+1, b+x)/B(a,b)·(α+t_x)^−(r+x)],

P(alive) = 1/(1 + a/(b+x)·((α+T)/(α+t_x))^(r+x)), and
E[Y(t)|·] = (a+b+x)/(a−1)·[1 − ((α+T)/(α+T+t))^(r+x)·₂F₁(r+x, b+x+1; a+b+x; z)]·P(alive),
z = t/(α+T+t); Euler's transformation turns the bracket's product into (1−z)^(a−1)·₂F₁(a+b−r, a−1;
a+b+x; z), stable for large x. Gradients are numerical (the model is used for building, where the
data is collapsed to few distinct rows).
"""

from __future__ import annotations

from typing import Self

import numpy as np
from scipy.special import betaln, expit, gammaln, hyp2f1

from onefold.value._base import ArrayLike, FittedModel, check_rfm


def _log_dead_odds(x: np.ndarray, tx: np.ndarray, T: np.ndarray, r: float, alpha: float, a: float,
                   b: float) -> np.ndarray:
    return np.log(a) - np.log(b + x) + (r + x) * (np.log(alpha + T) - np.log(alpha + tx))


def _loglik(params: np.ndarray, x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> np.ndarray:
    r, alpha, a, b = params
    head = gammaln(r + x) - gammaln(r) + r * np.log(alpha) - betaln(a, b)
    alive = betaln(a, b + x + 1) - (r + x) * np.log(alpha + T)
    dead = betaln(a + 1, b + x) - (r + x) * np.log(alpha + tx)
    return np.asarray(head + np.logaddexp(alive, dead))


class ModifiedBetaGeo(FittedModel):
    """MBG/NBD model (Batislam, Denizel & Filiztekin 2007). Parameters ``r, alpha, a, b``."""

    name = "ModifiedBetaGeo"
    param_names = ("r", "alpha", "a", "b")

    def fit(self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> Self:
        """Maximum-likelihood fit on collapsed rows (numerical gradients)."""
        return self._fit_rfm(_loglik, frequency, recency, T)

    def p_alive(self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> np.ndarray:
        r, alpha, a, b = self._p()
        x, tx, t = check_rfm(frequency, recency, T)
        return np.asarray(expit(-_log_dead_odds(x, tx, t, r, alpha, a, b)))

    def expected_purchases(self, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> np.ndarray:
        """E[Y(t) | x, t_x, T] (module docstring)."""
        return self._by_distinct_rows(t, frequency, recency, T)

    def _expected(self, ut: np.ndarray, ux: np.ndarray, utx: np.ndarray, uT: np.ndarray) -> np.ndarray:
        return self._time_part(ut, ux, uT) * self._alive_part(ux, utx, uT)

    def _alive_part(self, ux: np.ndarray, utx: np.ndarray, uT: np.ndarray) -> np.ndarray:
        r, alpha, a, b = self._p()
        return np.asarray(expit(-_log_dead_odds(ux, utx, uT, r, alpha, a, b)))

    def _time_part(self, ut: np.ndarray, ux: np.ndarray, uT: np.ndarray) -> np.ndarray:
        r, alpha, a, b = self._p()
        z = ut / (alpha + uT + ut)
        with np.errstate(all="ignore"):
            f = hyp2f1(a + b - r, a - 1, a + b + ux, z)
            k = (a - 1) * np.log1p(-z)
            body = -np.expm1(k) + np.exp(k) * (1 - f)
        return np.asarray((a + b + ux) / (a - 1) * body)
