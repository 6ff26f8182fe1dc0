"""Service cost ahead: a shrunk rate per week of exposure."""

from __future__ import annotations

import numpy as np
import pytest

from onefold.value.service import discounted_weeks, weekly_service_rate


def test_rate_is_shrunk_towards_the_population_by_exposure() -> None:
    cost = np.array([0.0, 520.0, 0.0, 10.0])
    weeks = np.array([156.0, 52.0, 0.0, -3.0])  # negative exposure (bad clock) counts as none
    rate = weekly_service_rate(cost, weeks, prior_weeks=52.0)
    pop = 530.0 / 208.0
    assert rate[2] == pytest.approx(pop)
    assert rate[3] == pytest.approx((10.0 + 52 * pop) / 52)
    assert rate[0] == pytest.approx(52 * pop / 208)
    assert rate[1] == pytest.approx((520 + 52 * pop) / 104)
    assert rate[0] < rate[2] < rate[1]


def test_discounted_weeks() -> None:
    assert discounted_weeks(52, 0.0) == pytest.approx(52.0)
    d = 0.002
    assert discounted_weeks(52, d) == pytest.approx(sum((1 + d) ** -k for k in range(1, 53)))


def test_split_service_recovers_per_week_and_per_spend_parts() -> None:
    from onefold.value.service import split_service

    rng = np.random.default_rng(2)
    weeks = rng.uniform(10, 156, 5000)
    gross = rng.gamma(1.0, 300.0, 5000) * (rng.random(5000) < 0.8)
    background = rng.gamma(2.0, 0.05, 5000)
    cost = background * weeks + 0.01 * gross + rng.normal(0, 0.5, 5000)
    per_spend, weekly = split_service(cost, weeks, gross)
    assert per_spend == pytest.approx(0.01, rel=0.1)
    assert weekly.mean() == pytest.approx(background.mean(), rel=0.1)
    # the order-driven part no longer rides on the weekly rate of big past spenders
    assert np.corrcoef(weekly, gross)[0, 1] < 0.1


def test_split_service_without_spend_is_the_weekly_rate() -> None:
    from onefold.value.service import split_service

    cost, weeks = np.array([10.0, 0.0, 5.0]), np.array([52.0, 52.0, 10.0])
    per_spend, weekly = split_service(cost, weeks, np.zeros(3))
    assert per_spend == 0.0 and np.allclose(weekly, weekly_service_rate(cost, weeks))
