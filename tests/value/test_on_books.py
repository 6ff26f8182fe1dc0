"""The on-books summary (value/on_books.py) on a hand-checked example, calendar clock."""

from __future__ import annotations

import datetime as dt

import numpy as np

from onefold.value.on_books import AGE_STEP_WEEKS, on_books_summary
from onefold.value.seasonality import SeasonalClock


def test_weeks_from_the_data_start_count_the_first_purchase_and_keep_silent_accounts() -> None:
    clock = SeasonalClock(np.ones(12), np.datetime64("2024-01-01"))
    start = np.datetime64("2024-01-01")
    opened = np.array(["2023-01-02", "2022-07-04", "2023-12-25"], dtype="datetime64[D]")
    # account 0: two orders in week 0, one in week 10; account 1: nothing; account 2: one in week 3
    rows = np.array([0, 0, 0, 2])
    days = np.array(["2024-01-01", "2024-01-05", "2024-03-12", "2024-01-22"], dtype="datetime64[D]")
    s = on_books_summary(clock, start, dt.date(2024, 12, 29), opened, rows, days)
    np.testing.assert_array_equal(s.frequency, [2, 0, 1])  # weeks with an order, the first one included
    np.testing.assert_array_equal(s.recency, [10.5, 0.0, 3.5])  # middle of the last such week
    np.testing.assert_allclose(s.T, 52.0)  # the data start to the end of the cutoff day (364 days)
    np.testing.assert_array_equal(s.age, AGE_STEP_WEEKS * np.round(np.array([52.0, 78.0, 1.0]) / AGE_STEP_WEEKS))
