"""BG/NBD: beta-geometric / negative binomial model of repeat buying.

Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005), "'Counting Your Customers' the Easy Way: An
Alternative to the Pareto/NBD Model", *Marketing Science* 24(2), 275-284.

Assumptions: while alive, a customer buys as a Poisson process with rate λ ~ Gamma(r, α); after each
purchase she drops out with probability p ~ Beta(a, b). Inputs are lifetimes' (frequency x,
recency t_x, T) in periods.
"""

from __future__ import annotations

from typing import Self

import numpy as np
from scipy.special import betaln, digamma, expit, gammaln, hyp2f1

from onefold.value._base import ArrayLike, FittedModel, as_array, check_rfm, collapse, fingerprint


def _log_dropout_odds(x: np.ndarray, tx: np.ndarray, T: np.ndarray, r: float, alpha: float, a: float,
                      b: float) -> np.ndarray:
    """log of δ(x>0)·a/(b+x-1)·((α+T)/(α+t_x))^(r+x), in logs so that huge x cannot overflow."""
    xs = np.maximum(x, 1.0)
    term = np.log(a) - np.log(b + xs - 1) + (r + xs) * (np.log(alpha + T) - np.log(alpha + tx))
    return np.where(x > 0, term, -np.inf)


def _loglik(theta: np.ndarray, x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """Per-row log-likelihood (FHL 2005 eq. 6) and its analytic derivatives in (r, α, a, b).

    log L = A1 + log(exp(A2) + δ(x>0) exp(A3)) with
    A1 = lnΓ(r+x) − lnΓ(r) + r ln α,
    A2 = ln B(a, b+x) − ln B(a, b) − (r+x) ln(α+T),
    A3 = ln B(a+1, b+x−1) − ln B(a, b) − (r+x) ln(α+t_x)   (log-sum-exp keeps it finite).
    """
    r, alpha, a, b = np.exp(theta)
    pos = x > 0
    xs = np.where(pos, x, 1.0)
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = betaln(a, b + x) - betaln(a, b) - (r + x) * np.log(alpha + T)
    a3 = np.where(pos, betaln(a + 1, b + xs - 1) - betaln(a, b) - (r + x) * np.log(alpha + tx), -np.inf)
    lse = np.logaddexp(a2, a3)
    ll = a1 + lse
    w2, w3 = np.exp(a2 - lse), np.exp(a3 - lse)
    d_ab = digamma(a + b)
    d_abx = digamma(a + b + x)
    g_r = digamma(r + x) - digamma(r) + np.log(alpha) - w2 * np.log(alpha + T) - w3 * np.log(alpha + tx)
    g_alpha = r / alpha - w2 * (r + x) / (alpha + T) - w3 * (r + x) / (alpha + tx)
    g_a = w2 * (d_ab - d_abx) + w3 * (1 / a + d_ab - d_abx)
    g_b = w2 * (d_ab + digamma(b + x) - digamma(b) - d_abx) + w3 * np.where(
        pos, digamma(b + xs - 1) - d_abx - digamma(b) + d_ab, 0.0
    )
    return ll, [g_r, g_alpha, g_a, g_b]


def _neg_ll(theta: np.ndarray, x: np.ndarray, tx: np.ndarray, T: np.ndarray, w: np.ndarray) -> tuple[float, np.ndarray]:
    """Weighted negative log-likelihood and its gradient with respect to the log-parameters."""
    ll, grads = _loglik(theta, x, tx, T)
    grad = np.array([g @ w for g in grads]) * np.exp(theta)
    return -float(ll @ w), -grad


class BetaGeo(FittedModel):
    """BG/NBD model (Fader, Hardie & Lee 2005). Parameters ``r, alpha, a, b``.

    Example:
        >>> m = BetaGeo().fit(frequency, recency, T)
        >>> m.expected_purchases(39, frequency, recency, T)
    """

    name = "BetaGeo"
    param_names = ("r", "alpha", "a", "b")

    def fit(self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> Self:
        """Maximum-likelihood fit (eq. 6) with analytic gradients on collapsed rows."""
        x, tx, t = check_rfm(frequency, recency, T)
        (ux, utx, ut), w, _ = collapse(x, tx, t)
        params = self._optimise(lambda th: _neg_ll(th, ux, utx, ut, w), n_obs=float(w.sum()), jac=True)
        ll, _ = _neg_ll(np.log(params), ux, utx, ut, w)
        self._set_fit(params, -ll, int(x.size), fingerprint(x, tx, t))
        return self

    def individual_log_likelihood(self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> np.ndarray:
        """Per-customer log-likelihood under the fitted parameters."""
        x, tx, t = check_rfm(frequency, recency, T)
        return _loglik(np.log(np.array(self._p())), x, tx, t)[0]

    def p_alive(self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> np.ndarray:
        """P(alive at T | x, t_x, T) = 1 / (1 + δ(x>0)·a/(b+x−1)·((α+T)/(α+t_x))^(r+x)) (FHL 2005 eq. 13)."""
        r, alpha, a, b = self._p()
        x, tx, t = check_rfm(frequency, recency, T)
        return expit(-_log_dropout_odds(x, tx, t, r, alpha, a, b))

    def expected_purchases(self, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> np.ndarray:
        """E[Y(t) | x, t_x, T]: expected purchases in the next ``t`` periods (FHL 2005 eq. 10).

        The factor ((α+T)/(α+T+t))^(r+x)·₂F₁(r+x, b+x; a+b+x−1; z), z = t/(α+T+t), is rewritten with
        Euler's transformation as (1−z)^(a−1)·₂F₁(a+b−1−r, a−1; a+b+x−1; z): its first two
        parameters no longer grow with x, so large frequencies neither overflow nor lose precision.
        """
        return self._by_distinct_rows(t, frequency, recency, T)

    def _expected(self, ut: np.ndarray, ux: np.ndarray, utx: np.ndarray, uT: np.ndarray) -> np.ndarray:
        # The ₂F₁ part depends on (x, T, t) but not t_x: evaluate it once per distinct triple.
        (fx, fT, ft), _, f_inv = collapse(ux, uT, ut)
        return self._time_part(ft, fx, fT)[f_inv] * self._alive_part(ux, utx, uT)

    def _alive_part(self, ux: np.ndarray, utx: np.ndarray, uT: np.ndarray) -> np.ndarray:
        r, alpha, a, b = self._p()
        return np.asarray(expit(-_log_dropout_odds(ux, utx, uT, r, alpha, a, b)))

    def _time_part(self, ut: np.ndarray, ux: np.ndarray, uT: np.ndarray) -> np.ndarray:
        r, alpha, a, b = self._p()
        z = ut / (alpha + uT + ut)
        with np.errstate(all="ignore"):
            f = hyp2f1(a + b - 1 - r, a - 1, a + b + ux - 1, z)
            k = (a - 1) * np.log1p(-z)
            body = -np.expm1(k) + np.exp(k) * (1 - f)  # = 1 − (1−z)^(a−1)·F without cancellation
            lead = (a + b + ux - 1) / (a - 1)
        return np.asarray(lead * body)

    def expected_purchases_new(self, t: ArrayLike) -> np.ndarray:
        """E[X(t)] for a randomly chosen new customer (FHL 2005 eq. 9)."""
        r, alpha, a, b = self._p()
        tt = as_array(t, "t")
        z = tt / (alpha + tt)
        return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + tt)) ** r * hyp2f1(r, b, a + b - 1, z))
