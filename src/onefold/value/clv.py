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
    def _expected(self, t: np.ndarray, x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> np.ndarray: ...


def periodic_rate(annual_rate: float, freq: str) -> float:
    """Per-period discount rate equivalent to an annual one: (1+annual)^(1/periods per year) − 1."""
    if freq not in PERIODS_PER_YEAR:
        raise InputError(f"freq {freq!r} is not supported", location=Location(field="freq"), remedy="use 'D' or 'W'")
    if annual_rate <= -1:
        raise InputError("the discount rate must be > -1", location=Location(field="discount_rate"))
    return float((1 + annual_rate) ** (1 / PERIODS_PER_YEAR[freq]) - 1)


def expected_purchases_path(model: TransactionModel, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike,
                            times: np.ndarray) -> np.ndarray:
    """E[Y(t)] for each customer (rows) at each time in ``times`` (columns), computed once per distinct
    (frequency, recency, T) so the cost does not grow with duplicate customers."""
    x, tx, t = check_rfm(frequency, recency, T)
    (ux, utx, ut), _, inverse = collapse(x, tx, t)
    path = np.column_stack([model._expected(np.full(ux.shape, float(k)), ux, utx, ut) for k in times])
    return path[inverse]


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
    path = expected_purchases_path(model, frequency, recency, T, np.concatenate([[0.0], times]))
    increments = np.diff(path, axis=1)
    discount = (1 + discount_rate) ** (-times)
    return np.asarray((increments @ discount) * value)
