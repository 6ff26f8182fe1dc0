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


def test_split_service_recovers_per_week_and_per_purchase_parts() -> None:
    from onefold.value.service import split_service

    rng = np.random.default_rng(2)
    weeks = rng.uniform(10, 156, 5000)
    purchases = rng.poisson(weeks / 52 * rng.gamma(0.9, 2.0, 5000))
    background = rng.gamma(2.0, 0.05, 5000)
    cost = background * weeks + 0.7 * purchases + rng.normal(0, 0.5, 5000)
    per_purchase, weekly = split_service(cost, weeks, purchases)
    assert per_purchase == pytest.approx(0.7, rel=0.1)
    assert weekly.mean() == pytest.approx(background.mean(), rel=0.1)
    # the order-driven part no longer rides on the weekly rate of frequent past buyers
    assert np.corrcoef(weekly, purchases)[0, 1] < 0.1


def test_contacts_per_order_are_not_a_share_of_spend() -> None:
    """Contacts come per order whatever the basket: regressed on spend, big baskets pull the
    order-driven cost down and the weekly rate carries the rest into the future (service.py)."""
    from onefold.value.service import split_service

    rng = np.random.default_rng(3)
    weeks = rng.uniform(10, 156, 20000)
    purchases = rng.poisson(weeks / 52 * rng.gamma(0.9, 2.0, 20000))
    basket = rng.gamma(2.0, 40.0, 20000) * rng.lognormal(0.0, 0.8, 20000)
    gross = purchases * basket
    background = rng.gamma(1.0, 0.05, 20000)
    cost = rng.poisson(background * weeks) + rng.binomial(purchases, 0.1) * 7.0
    per_purchase, weekly = split_service(cost, weeks, purchases)
    per_spend, weekly_by_spend = split_service(cost, weeks, gross)
    true_order_cost = 0.7 * purchases.sum()
    true_background = float((background * weeks).sum())
    assert per_purchase * purchases.sum() == pytest.approx(true_order_cost, rel=0.1)
    assert float((weekly * weeks).sum()) == pytest.approx(true_background, rel=0.05)
    assert per_spend * gross.sum() < 0.85 * true_order_cost
    assert float((weekly_by_spend * weeks).sum()) > 1.05 * true_background


def test_split_service_without_purchases_is_the_weekly_rate() -> None:
    from onefold.value.service import split_service

    cost, weeks = np.array([10.0, 0.0, 5.0]), np.array([52.0, 52.0, 10.0])
    per_purchase, weekly = split_service(cost, weeks, np.zeros(3))
    assert per_purchase == 0.0 and np.allclose(weekly, weekly_service_rate(cost, weeks))


def test_order_and_return_costs_recover_both_parts() -> None:
    from onefold.value.service import order_and_return_costs

    rng = np.random.default_rng(5)
    n = 100_000
    weeks = rng.uniform(10, 156, n)
    orders = rng.poisson(weeks / 52 * rng.gamma(0.9, 2.0, n))
    serial = rng.random(n) < 0.05
    returns = rng.binomial(orders * 2, np.where(serial, 0.8, 0.1))
    background = rng.gamma(1.0, 0.05, n)
    cost = rng.poisson(background * weeks) * 6.0 + rng.binomial(orders, 0.05) * 6.0 + rng.binomial(returns, 0.15) * 6.0
    per_order, per_return = order_and_return_costs(cost, weeks, orders, returns)
    assert per_order == pytest.approx(0.3, rel=0.2)
    assert per_return == pytest.approx(0.9, rel=0.15)
    assert order_and_return_costs(np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0)) == (0.0, 0.0)
    # nobody returned anything: no per-return cost to split off
    assert order_and_return_costs(cost, weeks, orders, np.zeros(n)) == (0.0, 0.0)


def test_contacts_still_to_come_on_placed_orders() -> None:
    """Parcels not yet delivered and returns still to come bring contacts after the cutoff; a customer
    with nothing in the pipeline gets none."""
    from onefold.value.service import service_still_to_come

    ahead = service_still_to_come(4, np.array([0, 0, 2]), np.array([0.0, 1.5, 0.5, 0.0]), per_order=0.3, per_return=0.9)
    assert ahead == pytest.approx([0.6, 1.35, 0.3 + 0.45, 0.0])


def test_return_contacts_do_not_take_the_background_into_the_cost_per_purchase() -> None:
    """Serial returners buy more often and each return may bring a contact: regressed on purchases
    alone the cost per purchase grows with purchases and the background rate comes out low."""
    from onefold.value.service import split_service

    rng = np.random.default_rng(1)
    n = 20_000
    weeks = rng.uniform(10, 156, n)
    serial = rng.random(n) < 0.05
    purchases = rng.poisson(weeks / 52 * rng.gamma(0.9, 2.0, n) * np.where(serial, 3.0, 1.0))
    returns = rng.binomial(purchases * 2, np.where(serial, 0.8, 0.1))
    background = rng.gamma(1.0, 0.05, n)
    cost = (rng.poisson(background * weeks) + rng.binomial(purchases, 0.05) + rng.binomial(returns, 0.15)) * 6.0
    true_weekly = 6.0 * background.mean()
    per_purchase, weekly = split_service(cost, weeks, purchases, returns)
    assert weekly.mean() == pytest.approx(true_weekly, rel=0.025)
    assert per_purchase == pytest.approx((cost.sum() - 6.0 * (background * weeks).sum()) / purchases.sum(), rel=0.15)
    _, weekly_purchases_only = split_service(cost, weeks, purchases)
    assert weekly_purchases_only.mean() < 0.97 * true_weekly
