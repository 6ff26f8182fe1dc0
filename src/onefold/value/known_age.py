"""MBG/NBD for customers who were already on the books when the data starts.

A retailer's export rarely goes back to its first customer: people whose account was opened before
the data starts bought before it too, unseen. Starting their clock at their first purchase *in the
data* treats that purchase as their first, and a late first purchase after a silent stretch (the mark
of a slow buyer) is lost; people with no purchase in the data get no future at all. On the demo
retailer that over-forecast this cohort's buyers by 6-10 % and missed 1 % of the horizon's gross
(bench/README.md, "## Value").

Here observation starts at the data start, and the account's age there, ``age``, is known. Under the
MBG/NBD (mbgnbd.py: a purchase when the account opens, a dropout coin after every purchase, λ ~
Gamma(r, α), p ~ Beta(a, b)) a customer is still alive at the data start with probability
(1 − p)·exp(−λ·p·age) (the first coin, then Poisson(λ·age) unseen purchases each survived), and after
that the process is memoryless. A share ``pi`` of the accounts never buys at all. Per customer, with
x purchase periods in the data, the last at t_x, observed for T:

    L = (1 − π)·E[(1 − p)^(x+1)·G(p·age + T) + 1{x>0}·(1 − p)^x·p·G(p·age + t_x)]
        + 1{x=0}·(π + (1 − π)·E[1 − (1 − p)·(α/(α + p·age))^r])   (x = 0: the alive term as above)

with G(c) = Γ(r+x)/Γ(r)·α^r·(α + c)^−(r+x) (λ integrated out) and the expectation over p by
Gauss-Jacobi quadrature on Beta(a, b). With age = 0 and π = 0 it is the MBG/NBD's likelihood and
predictions exactly (tests/value/test_known_age.py). Expected purchases in the next t:

    E[Y(t)] = (1 − π)/L · E[(1 − p)^(x+1)·(G(p·age + T) − G(p·age + T + p·t))/p].
"""

from __future__ import annotations

from typing import Self

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit, gammaln, logsumexp, roots_jacobi

from onefold.errors import ConvergenceError, InputError, Location
from onefold.value._base import ArrayLike, FittedModel, as_array, check_rfm, collapse, fingerprint

#: quadrature nodes over p: exact for the MBG/NBD's polynomial terms up to x ≈ 2·N_NODES; with an
#: account age, within 1e-7 of 64 nodes at x = 80, age ≤ 104 weeks (32 nodes: 0.2 %), and 2.5e-3 of 300
#: nodes in the worst case a review found (x = 148 of 156 weeks, age 520, a = 3, b = 0.3)
N_NODES = 48
#: above this, scipy's Gauss-Jacobi weights turn NaN (from a or b ≈ 1030 at 48 nodes); a Beta(a, b)
#: that tight is a single dropout probability, so the bound costs nothing
MAX_BETA_PARAM = 1000.0


def _nodes(a: float, b: float) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights of E[f(p)], p ~ Beta(a, b)."""
    z, w = roots_jacobi(N_NODES, b - 1.0, a - 1.0)
    return (1.0 + z) / 2.0, w / w.sum()


def _log_g(params: np.ndarray, x: np.ndarray, c: np.ndarray) -> np.ndarray:
    r, alpha = params[0], params[1]
    head = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    return np.asarray(head[:, None] - (r + x)[:, None] * np.log(alpha + c))


def _loglik(params: np.ndarray, x: np.ndarray, tx: np.ndarray, T: np.ndarray, age: np.ndarray) -> np.ndarray:
    r, alpha, a, b, pi = params
    p, w = _nodes(a, b)
    out = np.empty(len(x))
    bought = x > 0
    xb, shift = x[bought], p[None, :] * age[bought, None]
    lw = np.log(w)[None, :]
    stay = lw + (xb[:, None] + 1) * np.log1p(-p)[None, :] + _log_g(params, xb, shift + T[bought, None])
    gone = lw + xb[:, None] * np.log1p(-p)[None, :] + np.log(p)[None, :] + _log_g(params, xb, shift + tx[bought, None])
    out[bought] = np.log1p(-pi) + np.logaddexp(logsumexp(stay, axis=1), logsumexp(gone, axis=1))
    shift = p[None, :] * age[~bought, None]
    start = (alpha / (alpha + shift)) ** r
    silent_alive = (w[None, :] * (1 - p)[None, :] * (start - (alpha / (alpha + shift + T[~bought, None])) ** r)).sum(axis=1)
    out[~bought] = np.log(pi + (1 - pi) * (1 - silent_alive))
    return out


def _params_from(theta: np.ndarray) -> np.ndarray:
    return np.concatenate([np.exp(theta[:4]), [expit(theta[4])]])


class KnownAgeModifiedBetaGeo(FittedModel):
    """MBG/NBD observed from the data start for accounts of known age (module docstring).
    Parameters ``r, alpha, a, b`` (as the MBG/NBD) and ``pi``, the share of accounts that never buy."""

    name = "KnownAgeModifiedBetaGeo"
    param_names = ("r", "alpha", "a", "b", "pi")

    def fit(self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike, age: ArrayLike) -> Self:
        """Maximum likelihood on collapsed rows. ``frequency``: purchase periods in the data (the first
        one counts: it was not the customer's first); ``recency``: the last one's time since the data
        start; ``T``: the data start to the cutoff; ``age``: the account's age at the data start."""
        x, tx, t, ages = self._check(frequency, recency, T, age)
        if x.size == 0:
            raise InputError("no customers to fit", location=Location(field="frequency"))
        (ux, utx, ut, ua), w, _ = collapse(x, tx, t, ages)

        def objective(theta: np.ndarray) -> float:
            with np.errstate(all="ignore"):
                value = -float(_loglik(_params_from(theta), ux, utx, ut, ua) @ w) / float(w.sum())
            return value if np.isfinite(value) else 1e300

        big = np.log(1e6)
        bounds = [(-big, big), (-big, big), (np.log(1e-3), np.log(MAX_BETA_PARAM)), (np.log(1e-3), np.log(MAX_BETA_PARAM)),
                  (-30.0, 30.0)]
        start = np.array([0.0, np.log(max(float(t.mean()), 1.0)), 0.0, 0.0, -1.0])
        res = minimize(objective, start, method="L-BFGS-B", bounds=bounds, options={"maxiter": 2000})
        params = _params_from(res.x)
        settled = bool(res.success) or float(np.max(np.abs(res.jac))) < 1e-4
        if not (np.isfinite(res.fun) and res.fun < 1e299 and settled) or np.any(params[:2] <= 1.0001e-6) \
                or np.any(params[:2] >= 0.9999e6):
            raise ConvergenceError(f"{self.name} fit did not converge ({res.message}; {np.round(params, 4).tolist()})",
                                   remedy="check the on-books summary (frequency, recency, T, age in weeks)")
        self.converged_ = True
        self._set_fit(params, float(_loglik(params, ux, utx, ut, ua) @ w), int(x.size), fingerprint(x, tx, t, ages))
        return self

    def individual_log_likelihood(self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike,
                                  age: ArrayLike) -> np.ndarray:
        return _loglik(np.array(self._p()), *self._check(frequency, recency, T, age))

    def p_alive(self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike, age: ArrayLike) -> np.ndarray:
        """P(alive at T): a buyer who survived every coin so far."""
        x, tx, t, ages = self._check(frequency, recency, T, age)
        params = np.array(self._p())
        p, w = _nodes(params[2], params[3])
        stay = (np.log(w)[None, :] + (x[:, None] + 1) * np.log1p(-p)[None, :]
                + _log_g(params, x, p[None, :] * ages[:, None] + t[:, None]))
        return np.asarray(np.exp(np.log1p(-params[4]) + logsumexp(stay, axis=1) - _loglik(params, x, tx, t, ages)))

    def expected_purchases(self, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike,
                           age: ArrayLike) -> np.ndarray:
        """E[Y(t)] over the next ``t`` periods (module docstring)."""
        x, tx, big_t, ages = self._check(frequency, recency, T, age)
        x, tx, big_t, ages, tt = np.broadcast_arrays(x, tx, big_t, ages, as_array(t, "t"))
        (ux, utx, uT, ua, ut), _, inverse = collapse(x, tx, big_t, ages, tt)
        return np.asarray(self._expected(ut, ux, utx, uT, ua, _loglik(np.array(self._p()), ux, utx, uT, ua))[inverse])

    def discounted_purchases(self, times: np.ndarray, discount: np.ndarray, frequency: ArrayLike,
                             recency: ArrayLike, T: ArrayLike, age: ArrayLike) -> np.ndarray:
        """Σ_k discount_k·(E[Y(t_k)] − E[Y(t_{k−1})]) per customer (as clv.py for the other models)."""
        x, tx, big_t, ages = self._check(frequency, recency, T, age)
        (ux, utx, uT, ua), _, inverse = collapse(x, tx, big_t, ages)
        loglik = _loglik(np.array(self._p()), ux, utx, uT, ua)
        total, previous = np.zeros(ux.size), np.zeros(ux.size)
        for k, weight in zip(times, discount, strict=True):
            current = self._expected(np.full(ux.shape, float(k)), ux, utx, uT, ua, loglik)
            total += (current - previous) * weight
            previous = current
        return np.asarray(total[inverse])

    def _expected(self, t: np.ndarray, x: np.ndarray, tx: np.ndarray, T: np.ndarray, age: np.ndarray,
                  loglik: np.ndarray) -> np.ndarray:
        params = np.array(self._p())
        p, w = _nodes(params[2], params[3])
        c = p[None, :] * age[:, None] + T[:, None]
        scale = np.log(w)[None, :] + (x[:, None] + 1) * np.log1p(-p)[None, :] - np.log(p)[None, :]
        now = logsumexp(scale + _log_g(params, x, c), axis=1)
        later = logsumexp(scale + _log_g(params, x, c + p[None, :] * t[:, None]), axis=1)
        with np.errstate(divide="ignore"):
            body = now + np.log(-np.expm1(np.minimum(later - now, 0.0)))
        return np.asarray(np.exp(np.log1p(-params[4]) + body - loglik))

    @staticmethod
    def _check(frequency: ArrayLike, recency: ArrayLike, T: ArrayLike,
               age: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        x, tx, t = check_rfm(frequency, recency, T)
        x, tx, t, ages = np.broadcast_arrays(x, tx, t, as_array(age, "age"))  # as_array refuses NaN and < 0
        return x, tx, t, ages


__all__ = ["KnownAgeModifiedBetaGeo"]
