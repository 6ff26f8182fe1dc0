"""Service cost ahead: a rate per week a customer is on the books, not a share of their spend.

Part of a customer's service cost follows her orders (where is my parcel, a return), but much of it
does not: account, billing and product questions keep coming whether or not she buys, and people who
stopped buying still call. Treating service as a fixed share of future spend (as net-margin ratios
do) projects almost nothing for lapsed customers and under-states the cost of the base. So service is
projected on its own: each profile's cost per week since it was first seen (record created, first
order or first ticket, not before the data starts), shrunk towards the population's rate with a prior
worth ``prior_weeks`` of exposure, times the horizon (discounted week by week for CLV).
"""

from __future__ import annotations

import numpy as np

from onefold.value.returns import shrunk_ratio

PRIOR_WEEKS = 52.0


def weekly_service_rate(cost: np.ndarray, weeks: np.ndarray, *, prior_weeks: float = PRIOR_WEEKS) -> np.ndarray:
    """Shrunk service cost per week of exposure (weeks < 0 count as 0)."""
    return shrunk_ratio(np.asarray(cost, dtype=np.float64), np.maximum(np.asarray(weeks, dtype=np.float64), 0.0),
                        prior_weight=prior_weeks)


def discounted_weeks(horizon: float, weekly_discount_rate: float) -> float:
    """Σ (1 + d)^-k over the weeks k = 1..horizon: the present value of 1 per week."""
    weeks = np.arange(1.0, horizon + 0.5)
    return float(np.sum((1 + weekly_discount_rate) ** -weeks))


__all__ = ["PRIOR_WEEKS", "discounted_weeks", "weekly_service_rate"]
