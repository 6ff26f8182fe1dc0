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
