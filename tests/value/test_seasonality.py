"""The seasonal clock: month-of-year factors from purchase dates, and the warp they define."""

from __future__ import annotations

import numpy as np
import pytest

from onefold.value.seasonality import SeasonalClock, monthly_factors

TRUE = np.array([0.8, 0.8, 0.9, 0.95, 1.0, 0.95, 0.95, 1.0, 0.95, 1.05, 1.45, 1.7])


def _purchases(rng: np.random.Generator, start: str, months: int, per_day: float, growth: float) -> np.ndarray:
    """Poisson purchases per day with a seasonal profile on a growing base (``growth`` per year)."""
    days = np.arange(np.datetime64(start), np.datetime64(start, "M") + months)
    moy = days.astype("datetime64[M]").astype(np.int64) % 12
    years = (days - days[0]).astype(np.float64) / 365.25
    rate = per_day * TRUE[moy] / TRUE.mean() * (1 + growth) ** years
    return np.repeat(days, rng.poisson(rate))


def test_factors_recover_the_seasonal_profile_despite_a_trend() -> None:
    days = _purchases(np.random.default_rng(3), "2023-01-01", 36, per_day=400, growth=0.3)
    factors = monthly_factors(days)
    expected = TRUE / (TRUE @ np.array([31, 28.25, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]) / 365.25)
    assert factors == pytest.approx(expected, rel=0.04)


def test_partial_first_and_last_months_are_left_out() -> None:
    days = _purchases(np.random.default_rng(4), "2022-12-20", 38, per_day=400, growth=0.1)
    days = days[days <= np.datetime64("2026-01-12")]
    assert monthly_factors(days)[11] == pytest.approx(1.7 / TRUE.mean(), rel=0.06)


def test_short_history_keeps_the_calendar() -> None:
    days = _purchases(np.random.default_rng(1), "2024-03-10", 20, per_day=50, growth=0.0)
    assert np.all(monthly_factors(days) == 1.0)
    assert SeasonalClock.from_purchases(days).is_calendar
    assert monthly_factors(np.array([], dtype="datetime64[D]")).tolist() == [1.0] * 12


def test_warp_stretches_busy_months_and_a_year_keeps_its_length() -> None:
    clock = SeasonalClock(TRUE / TRUE.mean(), np.datetime64("2023-01-01"))
    nov, feb = clock.operational_day(np.array(["2023-11-01", "2023-12-01", "2023-02-01", "2023-03-01"],
                                              dtype="datetime64[D]")).reshape(2, 2)
    assert nov[1] - nov[0] == pytest.approx(30 * TRUE[10] / TRUE.mean())
    assert feb[1] - feb[0] == pytest.approx(28 * TRUE[1] / TRUE.mean())
    assert clock.weeks_after(np.datetime64("2025-12-31"), 52) == pytest.approx(52, rel=0.01)
    assert clock.weeks_after(np.datetime64("2025-10-31"), 8) > 8 * 1.3  # November-December run fast
    warped = clock.warp(np.array(["2022-12-01", "2023-01-01", "2024-06-01"], dtype="datetime64[D]"))
    assert warped[1] == np.datetime64("2023-01-01")
    assert np.all(np.diff(warped.astype(np.int64)) > 0)
