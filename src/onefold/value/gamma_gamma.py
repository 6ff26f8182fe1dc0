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

from typing import Self

import numpy as np
from scipy.special import digamma, gammaln

from onefold.errors import InputError, Location
from onefold.value._base import ArrayLike, FittedModel, as_array, collapse, fingerprint
from onefold.value._columns import first_bad_row


def _loglik(theta: np.ndarray, x: np.ndarray, m: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """log f(m | p, q, γ; x) = lnΓ(px+q) − lnΓ(px) − lnΓ(q) + q ln γ + (px−1) ln m + px ln x − (px+q) ln(γ+mx)
    and its derivatives in (p, q, γ)."""
    p, q, v = np.exp(theta)
    px = p * x
    log_vmx = np.log(v + m * x)
    ll = (gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(v) + (px - 1) * np.log(m)
          + px * np.log(x) - (px + q) * log_vmx)
    d_pxq = digamma(px + q)
    g_p = x * (d_pxq - digamma(px) + np.log(m) + np.log(x) - log_vmx)
    g_q = d_pxq - digamma(q) + np.log(v) - log_vmx
    g_v = q / v - (px + q) / (v + m * x)
    return ll, [g_p, g_q, g_v]


def _check(frequency: ArrayLike, monetary_value: ArrayLike, *, fitting: bool) -> tuple[np.ndarray, np.ndarray]:
    x, m = np.broadcast_arrays(as_array(frequency, "frequency"), as_array(monetary_value, "monetary_value"))
    bad = (x > 0) & (m <= 0)
    if bad.any():
        raise InputError(
            f"monetary_value must be positive when frequency > 0 ({int(bad.sum())} customer(s); the first is here)",
            location=Location(row=first_bad_row(bad), field="monetary_value"),
        )
    if fitting and not (x > 0).any():
        raise InputError(
            "no repeat customers to fit spend on", location=Location(field="frequency"),
            remedy="the Gamma-Gamma model needs customers with frequency > 0",
        )
    return x, m


class GammaGamma(FittedModel):
    """Gamma-Gamma spend model (Fader, Hardie & Lee 2005). Parameters ``p, q, v``."""

    name = "GammaGamma"
    param_names = ("p", "q", "v")

    def fit(self, frequency: ArrayLike, monetary_value: ArrayLike) -> Self:
        """Maximum-likelihood fit on customers with frequency > 0 (others carry no spend information)."""
        x, m = _check(frequency, monetary_value, fitting=True)
        keep = x > 0
        (ux, um), w, _ = collapse(x[keep], m[keep])

        def neg_ll(theta: np.ndarray) -> tuple[float, np.ndarray]:
            ll, grads = _loglik(theta, ux, um)
            return -float(ll @ w), -np.array([g @ w for g in grads]) * np.exp(theta)

        params = self._optimise(neg_ll, n_obs=float(w.sum()), jac=True)
        self._set_fit(params, -neg_ll(np.log(params))[0], int(keep.sum()), fingerprint(x, m))
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
