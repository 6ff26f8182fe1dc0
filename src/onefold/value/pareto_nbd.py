"""Pareto/NBD: Poisson purchasing with an exponential lifetime, both heterogeneous.

Schmittlein, D. C., Morrison, D. G. & Colombo, R. (1987), "Counting Your Customers: Who Are They and
What Will They Do Next?", *Management Science* 33(1), 1-24; likelihood as derived in Fader, P. S. &
Hardie, B. G. S. (2005), "A Note on Deriving the Pareto/NBD Model and Related Expressions", eq. (22);
P(alive) eq. (18) of that note; conditional expectation Schmittlein et al. (1987) eq. (22).

Purchase rate λ ~ Gamma(r, α), dropout rate μ ~ Gamma(s, β).
"""

from __future__ import annotations

from typing import Self

import numpy as np
from scipy.special import expit, gammaln, hyp2f1

from onefold.value._base import ArrayLike, FittedModel, check_rfm, collapse


def _log_a0(x: np.ndarray, tx: np.ndarray, T: np.ndarray, r: float, alpha: float, s: float,
            beta: float) -> np.ndarray:
    """log A₀ = log[F(t_x)/(m+t_x)^(r+s+x) − F(T)/(m+T)^(r+s+x)], m = max(α, β).

    F(t) = ₂F₁(r+s+x, b'; r+s+x+1; |α−β|/(m+t)) with b' = s+1 (α ≥ β) or r+x (α < β). Euler's
    transformation gives F = (1−z)^(c−a−b')·₂F₁(1, c−b'; c; z), whose first parameter is 1, so the
    series stays bounded however large x is; the difference is taken in log space with log1p.
    """
    n = r + s + x
    if alpha >= beta:
        m, diff, second, power = alpha, alpha - beta, r + x, -s
    else:
        m, diff, second, power = beta, beta - alpha, s + 1.0, 1.0 - r - x

    def log_term(t: np.ndarray) -> np.ndarray:
        z = diff / (m + t)
        return power * np.log1p(-z) + np.log(hyp2f1(1.0, second, n + 1, z)) - n * np.log(m + t)

    hi, lo = log_term(tx), log_term(T)
    with np.errstate(divide="ignore"):
        return hi + np.log(-np.expm1(np.minimum(lo - hi, 0.0)))


def _loglik(params: np.ndarray, x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> np.ndarray:
    r, alpha, s, beta = params
    head = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    dead = np.log(s / (r + s + x)) + _log_a0(x, tx, T, r, alpha, s, beta)
    return head + np.logaddexp(alive, dead)


class ParetoNBD(FittedModel):
    """Pareto/NBD model (Schmittlein, Morrison & Colombo 1987). Parameters ``r, alpha, s, beta``."""

    name = "ParetoNBD"
    param_names = ("r", "alpha", "s", "beta")

    def fit(self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> Self:
        """Maximum-likelihood fit on collapsed rows (numerical gradients: ₂F₁ has no cheap parameter
        derivatives)."""
        return self._fit_rfm(_loglik, frequency, recency, T)

    def individual_log_likelihood(self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> np.ndarray:
        x, tx, t = check_rfm(frequency, recency, T)
        return _loglik(np.array(self._p()), x, tx, t)

    def _log_dead_odds(self, x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> np.ndarray:
        r, alpha, s, beta = self._p()
        return (np.log(s / (r + s + x)) + (r + x) * np.log(alpha + T) + s * np.log(beta + T)
                + _log_a0(x, tx, T, r, alpha, s, beta))

    def p_alive(self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> np.ndarray:
        """P(alive | x, t_x, T) = 1 / (1 + s/(r+s+x)·(α+T)^(r+x)(β+T)^s·A₀) (Fader & Hardie 2005 eq. 18)."""
        x, tx, t = check_rfm(frequency, recency, T)
        (ux, utx, ut), _, inverse = collapse(x, tx, t)
        return np.asarray(expit(-self._log_dead_odds(ux, utx, ut))[inverse])

    def expected_purchases(self, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> np.ndarray:
        """E[Y(t) | x, t_x, T] = (r+x)(β+T)/((α+T)(s−1))·[1 − ((β+T)/(β+T+t))^(s−1)]·P(alive)
        (Schmittlein et al. 1987 eq. 22; the s → 1 limit is handled by expm1)."""
        return self._by_distinct_rows(t, frequency, recency, T)

    def _expected(self, ut: np.ndarray, ux: np.ndarray, utx: np.ndarray, uT: np.ndarray) -> np.ndarray:
        return self._time_part(ut, ux, uT) * self._alive_part(ux, utx, uT)

    def _alive_part(self, ux: np.ndarray, utx: np.ndarray, uT: np.ndarray) -> np.ndarray:
        return np.asarray(expit(-self._log_dead_odds(ux, utx, uT)))

    def _time_part(self, ut: np.ndarray, ux: np.ndarray, uT: np.ndarray) -> np.ndarray:
        r, alpha, s, beta = self._p()
        log_ratio = np.log(beta + uT + ut) - np.log(beta + uT)
        # (1 − e^{−(s−1)L})/(s−1) → L as s → 1.
        factor = -np.expm1(-(s - 1) * log_ratio) / (s - 1) if abs(s - 1) > 1e-9 else log_ratio
        return np.asarray((r + ux) * (beta + uT) / (alpha + uT) * factor)
