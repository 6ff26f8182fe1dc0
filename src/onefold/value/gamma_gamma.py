"""Gamma-Gamma model of spend per transaction.

Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005), "RFM and CLV: Using Iso-Value Curves for Customer
Base Analysis", *Journal of Marketing Research* 42(4), 415-430; equations as in Fader & Hardie (2013),
"The Gamma-Gamma Model of Monetary Value": the density of a customer's mean spend m over x repeat
transactions (eq. 1) and the conditional expectation of spend (eq. 5).

Spend per transaction z ~ Gamma(p, ν) with ν ~ Gamma(q, γ); the parameter called γ in the papers is
``v`` here, as in lifetimes. Assumes spend is independent of purchase frequency: check the
correlation of frequency and monetary value before relying on it.
"""

from __future__ import annotations

import logging
from typing import Self

import numpy as np
from scipy.special import digamma, gammaln

from onefold.errors import InputError, Location
from onefold.value._base import ArrayLike, FittedModel, as_array, fingerprint

log = logging.getLogger(__name__)


class _SpendData:
    """Fitting data arranged so that each likelihood evaluation costs one log per customer.

    Every term except (px+q)·ln(γ+mx) depends on x alone or on sums fixed by the data, so those are
    computed per distinct x and from precomputed sums Σ ln m, Σ x ln m.
    """

    def __init__(self, x: np.ndarray, m: np.ndarray) -> None:
        self.x, self.m = x, m
        self.ux, inverse, self.count = np.unique(x, return_inverse=True, return_counts=True)
        self.inverse = inverse.reshape(-1)
        self.sum_logm = float(np.log(m).sum())
        self.sum_xlogm = float((x * np.log(m)).sum())
        self.sum_xlogx_by_x = self.count * self.ux * np.log(self.ux)

    def loglik(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """Σ log f(m | p, q, γ; x) (Fader & Hardie 2013 eq. 1) and its gradient in log-parameters:
        log f = lnΓ(px+q) − lnΓ(px) − lnΓ(q) + q ln γ + (px−1) ln m + px ln x − (px+q) ln(γ+mx)."""
        p, q, v = np.exp(theta)
        ux, w = self.ux, self.count
        pux = p * ux
        log_vmx = np.log(v + self.m * self.x)
        pxq = p * self.x + q
        by_x = (gammaln(pux + q) - gammaln(pux) - gammaln(q) + q * np.log(v)) @ w
        ll = by_x + p * self.sum_xlogm - self.sum_logm + p * self.sum_xlogx_by_x.sum() - float(pxq @ log_vmx)
        d_pxq = digamma(pux + q)
        sum_log_vmx_by_x = np.bincount(self.inverse, weights=log_vmx, minlength=ux.shape[0])
        g_p = ((d_pxq - digamma(pux)) * ux) @ w + self.sum_xlogm + self.sum_xlogx_by_x.sum() - float(
            ux @ sum_log_vmx_by_x)
        g_q = (d_pxq - digamma(q) + np.log(v)) @ w - float(log_vmx.sum())
        g_v = q / v * w.sum() - float((pxq / (v + self.m * self.x)).sum())
        return float(ll), np.array([g_p, g_q, g_v]) * np.array([p, q, v])


def _check(frequency: ArrayLike, monetary_value: ArrayLike, *, fitting: bool) -> tuple[np.ndarray, np.ndarray]:
    x, m = np.broadcast_arrays(as_array(frequency, "frequency"), as_array(monetary_value, "monetary_value"))
    if fitting and not ((x > 0) & (m > 0)).any():
        raise InputError(
            "no repeat customers to fit spend on", location=Location(field="frequency"),
            remedy="the Gamma-Gamma model needs customers with frequency > 0 and monetary_value > 0",
        )
    return x, m


class GammaGamma(FittedModel):
    """Gamma-Gamma spend model (Fader, Hardie & Lee 2005). Parameters ``p, q, v``."""

    name = "GammaGamma"
    param_names = ("p", "q", "v")

    def fit(self, frequency: ArrayLike, monetary_value: ArrayLike) -> Self:
        """Maximum-likelihood fit on customers with frequency > 0 and a positive mean spend.

        Others carry no information the Gamma density can use (repeat purchases worth 0, e.g. free
        items, have zero density); they are left out of the fit and logged, and still get a prediction.
        """
        x, m = _check(frequency, monetary_value, fitting=True)
        keep = (x > 0) & (m > 0)
        zero = int(((x > 0) & (m <= 0)).sum())
        if zero:
            log.info("GammaGamma: %d repeat customer(s) with zero mean spend left out of the fit", zero)
        data = _SpendData(x[keep], m[keep])

        def neg_ll(theta: np.ndarray) -> tuple[float, np.ndarray]:
            ll, grad = data.loglik(theta)
            return -ll, -grad

        params = self._optimise(neg_ll, n_obs=float(keep.sum()), jac=True)
        self._set_fit(params, data.loglik(np.log(params))[0], int(keep.sum()), fingerprint(x, m))
        return self

    def expected_spend(self, frequency: ArrayLike, monetary_value: ArrayLike) -> np.ndarray:
        """E[Z | x, m] = (q−1)/(px+q−1)·pγ/(q−1) + px/(px+q−1)·m (Fader & Hardie 2013 eq. 5):
        a weighted mean of the population mean pγ/(q−1) and the customer's own mean; customers
        without repeat purchases get the population mean. Needs q > 1 (finite population mean)."""
        p, q, v = self._p()
        x, m = _check(frequency, monetary_value, fitting=False)
        if q <= 1:
            raise InputError(
                f"fitted q={q:.3g} <= 1: mean spend is infinite under this fit",
                remedy="check monetary values for extreme outliers",
            )
        px = p * x
        return (p * v + px * m) / (px + q - 1)

    def population_mean_spend(self) -> float:
        p, q, v = self._p()
        return p * v / (q - 1)
