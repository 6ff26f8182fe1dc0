"""Customer lifetime value: discounted expected spend over a finite horizon.

Follows Fader, Hardie & Lee (2005), "RFM and CLV: Using Iso-Value Curves for Customer Base Analysis"
(JMR 42(4)), and lifetimes' ``customer_lifetime_value``: the horizon is cut into steps, each step's
expected purchases E[Y(t_k)] − E[Y(t_{k−1})] from the transaction model are multiplied by the expected
spend per purchase (Gamma-Gamma, or any per-customer array such as spend net of returns) and
discounted by (1 + d)^(−t_k), d being the discount rate per period.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from onefold.errors import InputError, Location
from onefold.value._base import ArrayLike, as_array, check_rfm, collapse

PERIODS_PER_YEAR = {"D": 365.25, "W": 365.25 / 7}


class TransactionModel(Protocol):
    """E[Y(t) | x, t_x, T] factorises as a part in (t, x, T) times P(alive | x, t_x, T)."""

    def _time_part(self, t: np.ndarray, x: np.ndarray, T: np.ndarray) -> np.ndarray: ...

    def _alive_part(self, x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> np.ndarray: ...


def periodic_rate(annual_rate: float, freq: str) -> float:
    """Per-period discount rate equivalent to an annual one: (1+annual)^(1/periods per year) − 1."""
    if freq not in PERIODS_PER_YEAR:
        raise InputError(f"freq {freq!r} is not supported", location=Location(field="freq"), remedy="use 'D' or 'W'")
    if annual_rate <= -1:
        raise InputError("the discount rate must be > -1", location=Location(field="discount_rate"))
    return float((1 + annual_rate) ** (1 / PERIODS_PER_YEAR[freq]) - 1)


def discounted_expected_purchases(model: TransactionModel, frequency: ArrayLike, recency: ArrayLike,
                                  T: ArrayLike, times: np.ndarray, discount: np.ndarray) -> np.ndarray:
    """Σ_k discount_k · (E[Y(t_k)] − E[Y(t_{k−1})]) per customer, E[Y(0)] = 0.

    P(alive) is computed once per distinct (frequency, recency, T) and the time-dependent part (the
    costly ₂F₁ of the BG/NBD family) once per distinct (frequency, T) and step; the sum is accumulated
    step by step, so memory stays linear in the customers whatever the horizon.
    """
    x, tx, t = check_rfm(frequency, recency, T)
    (ux, utx, uT), _, inverse = collapse(x, tx, t)
    (gx, gT), _, g_inv = collapse(ux, uT)
    alive = model._alive_part(ux, utx, uT)
    total = np.zeros(ux.size)
    previous = np.zeros(ux.size)
    for k, weight in zip(times, discount, strict=True):
        current = model._time_part(np.full(gx.shape, float(k)), gx, gT)[g_inv] * alive
        total += (current - previous) * weight
        previous = current
    return total[inverse]


def clv(
    model: TransactionModel,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    *,
    spend: ArrayLike,
    horizon: float = 52,
    discount_rate: float = 0.0,
    step: float = 1.0,
) -> np.ndarray:
    """Discounted value of each customer's expected purchases over ``horizon`` periods.

    Args:
        model: fitted BetaGeo or ParetoNBD.
        frequency, recency, T: the customers' summary, in the model's periods.
        spend: expected value per purchase per customer (e.g. ``GammaGamma.expected_spend``, or that
            times one minus the expected refund ratio for net CLV).
        horizon: periods ahead; step: periods per discounting step (1 = weekly for ``freq="W"``).
        discount_rate: per-period rate (see ``periodic_rate`` to convert an annual one).
    """
    if horizon <= 0 or step <= 0:
        raise InputError("horizon and step must be positive", location=Location(field="horizon"))
    value = as_array(spend, "spend")
    times = np.arange(step, horizon + step / 2, step)
    discount = (1 + discount_rate) ** (-times)
    return np.asarray(discounted_expected_purchases(model, frequency, recency, T, times, discount) * value)
