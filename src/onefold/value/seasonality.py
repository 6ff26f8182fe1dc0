"""Seasonal clock: purchase models in "operational time", where busy months last longer.

BG/NBD-type models assume a constant purchase rate while a customer is alive. Retail is seasonal
(Q4 peaks), and a customer who joined in November is observed only in the busy weeks: in calendar
time the model reads her December pace as her rate and over-predicts the quiet year ahead. The
remedy (time deformation, as in Jerath, Fader & Hardie's and Zhang et al.'s seasonal BG/NBD
variants) is to measure time in units of expected store activity: a day in a month whose purchase
intensity is f × the average counts as f days. Customer-level models are then fitted and projected
on that clock, and a horizon of 52 calendar weeks maps to its seasonal length.

The month-of-year factors come from the transactions themselves by the classical ratio-to-moving-
average decomposition: daily purchase counts per calendar month divided by their centred 2×12
moving average (which removes the trend of a growing or shrinking customer base), averaged per
month of year, normalised to a day-weighted mean of 1. This needs 24 whole months of data; with less
the clock is the calendar (all factors 1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MIN_MONTHS = 24
_MONTH_DAYS = np.array([31, 28.25, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def _month_index(days: np.ndarray) -> np.ndarray:
    """Months since 1970-01 of ``datetime64[D]`` values."""
    return days.astype("datetime64[M]").astype(np.int64)


def monthly_factors(days: np.ndarray) -> np.ndarray:
    """Twelve month-of-year purchase-intensity factors (January first) from purchase dates.

    Only whole calendar months take part (a partial first or last month would look quiet).
    """
    days = np.asarray(days, dtype="datetime64[D]")
    ones = np.ones(12)
    if days.size == 0:
        return ones
    first, last = days.min(), days.max()
    start = _month_index(first) + (first != first.astype("datetime64[M]").astype("datetime64[D]"))
    last_whole = (last + 1).astype("datetime64[M]") != last.astype("datetime64[M]")
    stop = _month_index(last) + (1 if last_whole else 0)  # exclusive
    n_months = int(stop - start)
    if n_months < MIN_MONTHS:
        return ones
    months = np.arange(start, stop)
    index = _month_index(days) - start
    index = index[(index >= 0) & (index < n_months)]
    counts = np.bincount(index, minlength=n_months).astype(np.float64)
    lengths = (np.array(months + 1, dtype="datetime64[M]").astype("datetime64[D]")
               - np.array(months, dtype="datetime64[M]").astype("datetime64[D]")).astype(np.float64)
    rate = counts / lengths
    # Centred 2x12 moving average: weights 1/24 at both ends, 1/12 in between.
    weights = np.r_[0.5, np.ones(11), 0.5] / 12.0
    trend = np.convolve(rate, weights, mode="valid")  # aligned with months[6:-6]
    ratio = rate[6:n_months - 6] / np.where(trend > 0, trend, np.nan)
    moy = (months[6:n_months - 6] % 12).astype(np.int64)
    sums = np.bincount(moy, weights=np.nan_to_num(ratio), minlength=12)
    seen = np.bincount(moy, weights=np.isfinite(ratio).astype(np.float64), minlength=12)
    if np.any(seen == 0) or not np.all(sums > 0):
        return ones
    factors = sums / seen
    return factors / (factors @ _MONTH_DAYS / _MONTH_DAYS.sum())


@dataclass(frozen=True)
class SeasonalClock:
    """Maps calendar dates to operational days (float days since ``origin``, weighted by ``factors``)."""

    factors: np.ndarray
    origin: np.datetime64

    @classmethod
    def from_purchases(cls, days: np.ndarray) -> SeasonalClock:
        days = np.asarray(days, dtype="datetime64[D]")
        origin = days.min() if days.size else np.datetime64("1970-01-01")
        return cls(monthly_factors(days), origin)

    @property
    def is_calendar(self) -> bool:
        return bool(np.all(self.factors == 1.0))

    def operational_day(self, days: np.ndarray) -> np.ndarray:
        """Operational days since ``origin`` at the start of each date (origin = 0)."""
        days = np.asarray(days, dtype="datetime64[D]")
        if days.size == 0:
            return np.zeros(0)
        lo = min(days.min(), self.origin)
        grid = np.arange(lo, max(days.max(), self.origin) + 1)
        weight = self.factors[(grid.astype("datetime64[M]").astype(np.int64) % 12)]
        cum = np.concatenate([[0.0], np.cumsum(weight)[:-1]])
        cum -= cum[int((self.origin - lo).astype(np.int64))]
        return np.asarray(cum[(days - lo).astype(np.int64)])

    def warp(self, days: np.ndarray) -> np.ndarray:
        """Dates on the operational clock (``origin`` + operational days, rounded down), for models
        that take dates."""
        days = np.asarray(days, dtype="datetime64[D]")
        return self.origin + np.floor(self.operational_day(days)).astype("timedelta64[D]")

    def weeks_after(self, end: np.datetime64, weeks: float) -> float:
        """Operational length, in weeks, of the ``weeks`` calendar weeks following ``end``."""
        stop = np.datetime64(end, "D") + int(round(7 * weeks))
        span = self.operational_day(np.array([np.datetime64(end, "D"), stop]))
        return float(span[1] - span[0]) / 7.0


__all__ = ["SeasonalClock", "monthly_factors"]
