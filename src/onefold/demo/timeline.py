"""The retailer's clock: observation window, unseen horizon, seasonality and time of day.

Times are float days since ``OBS_START`` (2023-01-01T00:00Z) while simulating, and integer epoch
seconds once fixed. Purchases are simulated in *operational time* (a clock that runs faster in busy
months) and mapped back to calendar days through the cumulative seasonal intensity, so a Poisson
process in operational time becomes a seasonal one in calendar time with a Q4 peak (November 1.45x,
December 1.7x the average month) while the BG/NBD structure stays intact.
"""

from __future__ import annotations

import numpy as np

DAY_S = 86_400
OBS_START_S = int(np.datetime64("2023-01-01T00:00:00", "s").astype(np.int64))
OBS_END_S = int(np.datetime64("2026-01-01T00:00:00", "s").astype(np.int64))
OBS_DAYS = (OBS_END_S - OBS_START_S) // DAY_S  # 1096: the observed period
HORIZON_DAYS = 364  # 52 weeks after the observed period, simulated but never written as data
HORIZON_END_DAY = OBS_DAYS + HORIZON_DAYS
PRE_DAYS = 730  # people may have been customers for up to two years before the data starts
#: web orders before this day went through the legacy e-commerce platform (source ecom_legacy)
LEGACY_CUTOVER_DAY = 240

_MONTH_FACTOR = np.array([0.80, 0.80, 0.90, 0.95, 1.00, 0.95, 0.95, 1.00, 0.95, 1.05, 1.45, 1.70])

# Hour-of-day weights per channel (UTC is treated as shop-local time for simplicity).
_HOURS = np.arange(24)
HOUR_WEIGHTS: dict[str, np.ndarray] = {
    "online": 0.3 + np.exp(-0.5 * ((_HOURS - 20.5) / 2.5) ** 2) + 0.5 * np.exp(-0.5 * ((_HOURS - 12.5) / 1.5) ** 2),
    "store": np.where((_HOURS >= 9) & (_HOURS <= 20), 1.0 + 0.6 * np.exp(-0.5 * ((_HOURS - 17) / 2) ** 2), 0.0),
    "phone": np.where((_HOURS >= 8) & (_HOURS <= 19), 1.0, 0.0),
}


def _calendar_grid() -> tuple[np.ndarray, np.ndarray]:
    """Day grid from -PRE_DAYS to the horizon end and the cumulative seasonal intensity on it."""
    days = np.arange(-PRE_DAYS, HORIZON_END_DAY + 1, dtype=np.int64)
    months = (days.astype("timedelta64[D]") + np.datetime64("2023-01-01")).astype("datetime64[M]").astype(np.int64) % 12
    factor = _MONTH_FACTOR[months] / _MONTH_FACTOR.mean()
    cumulative = np.concatenate([[0.0], np.cumsum(factor[:-1])]) - PRE_DAYS
    return days.astype(np.float64), cumulative


def to_operational(day: np.ndarray | float) -> np.ndarray:
    """Calendar day -> operational time (same units, busier months stretched)."""
    days, cumulative = _calendar_grid()
    return np.interp(day, days, cumulative)


def to_calendar(op: np.ndarray | float) -> np.ndarray:
    """Operational time -> calendar day; the inverse of :func:`to_operational`."""
    days, cumulative = _calendar_grid()
    return np.interp(op, cumulative, days)


def at_hour(rng: np.random.Generator, day: np.ndarray, kind: str) -> np.ndarray:
    """Epoch seconds on the (floored) calendar day with an hour drawn from the channel's profile."""
    weights = HOUR_WEIGHTS[kind] / HOUR_WEIGHTS[kind].sum()
    hour = rng.choice(24, size=len(day), p=weights)
    second = rng.integers(0, 3600, size=len(day))
    return OBS_START_S + np.floor(day).astype(np.int64) * DAY_S + hour * 3600 + second


def seconds_to_day(seconds: np.ndarray) -> np.ndarray:
    """Epoch seconds -> float day since OBS_START."""
    return (seconds - OBS_START_S) / DAY_S


__all__ = [
    "DAY_S",
    "HORIZON_DAYS",
    "HORIZON_END_DAY",
    "LEGACY_CUTOVER_DAY",
    "OBS_DAYS",
    "OBS_END_S",
    "OBS_START_S",
    "PRE_DAYS",
    "at_hour",
    "seconds_to_day",
    "to_calendar",
    "to_operational",
]
