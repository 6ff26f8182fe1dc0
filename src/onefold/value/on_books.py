"""The on-books cohort's summary for known_age.py: customers whose account opened before the data starts.

Their clock starts at the data start, on the seasonal clock (seasonality.py), in weeks: ``frequency``
counts the weeks with an order in the data (the first one too: it was not their first), ``recency`` is
the middle of the last such week, ``T`` the data start to the cutoff and ``age`` the account's age at
the data start. Profiles without an order are in it (frequency 0): they may still buy.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from onefold.value._base import collapse
from onefold.value.seasonality import SeasonalClock

#: account ages are rounded to this many weeks: age enters only through the unseen purchases before the
#: data, exp(−λ·p·age), and coarser ages collapse the fit's rows (12,000 instead of 15,000 at 100,000 persons)
AGE_STEP_WEEKS = 4.0


@dataclass(frozen=True)
class OnBooksSummary:
    frequency: np.ndarray
    recency: np.ndarray
    T: np.ndarray
    age: np.ndarray


def _weeks(clock: SeasonalClock, days: np.ndarray, start: np.datetime64) -> np.ndarray:
    op = clock.operational_day(np.concatenate([np.asarray(days, dtype="datetime64[D]"), [np.datetime64(start, "D")]]))
    return np.asarray((op[:-1] - op[-1]) / 7.0)


def on_books_summary(clock: SeasonalClock, data_start: np.datetime64, end: dt.date, opened: np.ndarray,
                     order_rows: np.ndarray, order_days: np.ndarray) -> OnBooksSummary:
    """Summary of ``len(opened)`` on-books profiles; ``opened``: each account's opening date (before
    ``data_start``); ``order_rows``/``order_days``: each order's profile (index into ``opened``) and day."""
    n = len(opened)
    T = float(_weeks(clock, np.array([np.datetime64(end, "D") + 1]), data_start)[0])
    week = np.floor(_weeks(clock, order_days, data_start)).astype(np.int64)
    (row, row_week), _, _ = collapse(np.asarray(order_rows, dtype=np.int64), week)  # one per profile and week
    frequency = np.bincount(row, minlength=n).astype(np.float64)
    last = np.full(n, -1, dtype=np.int64)
    np.maximum.at(last, row, row_week)
    recency = np.where(frequency > 0, np.minimum(np.maximum(last, 0) + 0.5, T), 0.0)
    age = np.maximum(AGE_STEP_WEEKS * np.round(-_weeks(clock, opened, data_start) / AGE_STEP_WEEKS), 0.0)
    return OnBooksSummary(frequency, recency, np.full(n, T), age)


__all__ = ["AGE_STEP_WEEKS", "OnBooksSummary", "on_books_summary"]
