"""Returns still to come on placed orders: developed on old orders, applied by age and customer."""

from __future__ import annotations

import numpy as np
import pytest

from onefold.value.pending import loss_after, pending_order_loss, pending_return_loss


def _book(rng: np.random.Generator, n: int, returner: np.ndarray) -> tuple[np.ndarray, ...]:
    """Orders over 400 days; lines go back 0-30 days after delivery, 10 % (60 % for returners)."""
    profile = rng.integers(0, len(returner), n)
    age = rng.uniform(0, 400, n)
    total = rng.gamma(2.0, 30.0, n)
    back = rng.random(n) < np.where(returner[profile], 0.6, 0.1)
    lag = rng.uniform(0, 30, n)
    happened = back & (lag <= age)
    return profile, age, total, back, lag, happened


def test_expected_pending_loss_matches_what_comes_back_later() -> None:
    rng = np.random.default_rng(5)
    returner = rng.random(400) < 0.1
    profile, age, total, back, lag, seen = _book(rng, 60_000, returner)
    loss = 0.7 * total
    pending = pending_return_loss(400, profile, age, total, profile[seen], lag[seen], loss[seen], age[seen])
    still_to_come = back & ~seen
    truth = np.bincount(profile[still_to_come], loss[still_to_come], minlength=400)
    assert pending.sum() == pytest.approx(truth.sum(), rel=0.08)
    # returners are expected to send more back than others, per order still in its window
    assert pending[returner].sum() / truth[returner].sum() == pytest.approx(1.0, rel=0.2)
    assert pending[~returner].sum() / truth[~returner].sum() == pytest.approx(1.0, rel=0.2)


def test_share_falls_with_age_and_is_zero_once_developed() -> None:
    lag = np.array([1.0, 5.0, 10.0, 20.0])
    share, window = loss_after(np.array([0.0, 4.0, 15.0, 100.0, 500.0]), np.array([100.0] * 5),
                               lag, np.full(4, 10.0), np.full(4, 500.0))
    assert 19.5 < window <= 20.0
    assert share[0] > share[1] > share[2] > 0
    assert share[3] == 0 and share[4] == 0
    # all four returns belong to developed orders, whose total is 200 (ages 100 and 500)
    assert share[0] == pytest.approx(40.0 / 200.0)


def test_no_returns_means_nothing_pending() -> None:
    empty = np.zeros(0)
    got = pending_return_loss(2, np.array([0, 1]), np.array([1.0, 2.0]), np.array([5.0, 6.0]),
                              empty.astype(np.int64), empty, empty, empty)
    assert np.all(got == 0)


def test_late_parcels_are_developed_apart() -> None:
    """Late parcels go back three times as often: developed apart, the pending loss of young late
    parcels is right; pooled with on-time ones it would be far too low."""
    rng = np.random.default_rng(8)
    n = 200_000
    late = rng.random(n) < 0.2
    age, total, lag = rng.uniform(0, 300, n), np.full(n, 50.0), rng.uniform(0, 20, n)
    back = rng.random(n) < np.where(late, 0.3, 0.1)
    seen = back & (lag <= age)
    young = (age < 10) & late
    truth = total[young & back & (lag > age)].sum()
    split, _ = loss_after(age[late], total[late], lag[seen & late], total[seen & late], age[seen & late])
    pooled, _ = loss_after(age, total, lag[seen], total[seen], age[seen])
    assert abs((total[late] * split)[young[late]].sum() / truth - 1) < 0.2
    assert (total * pooled)[young].sum() / truth < 0.7


def test_fresh_orders_do_not_dilute_the_customers_ratio() -> None:
    """A customer whose orders are all too young to have come back has seen no return *yet*: her
    ratio must be judged against what her orders should have lost by now, not her whole spend. A
    rule diluting it by the fresh spend expects about a third too little from new buyers."""
    rng = np.random.default_rng(11)
    n_old, n_new = 3_000, 3_000
    old_profile = rng.integers(0, n_old, 40_000)
    profile = np.concatenate([old_profile, np.arange(n_old, n_old + n_new)])
    age = np.concatenate([rng.uniform(0, 400, len(old_profile)), rng.uniform(0, 25, n_new)])
    total = rng.gamma(2.0, 30.0, len(profile))
    back = rng.random(len(profile)) < 0.2
    lag = rng.uniform(0, 30, len(profile))
    seen = back & (lag <= age)
    pending = pending_return_loss(n_old + n_new, profile, age, total, profile[seen], lag[seen], total[seen], age[seen])
    to_come = back & ~seen
    truth = np.bincount(profile[to_come], total[to_come], minlength=n_old + n_new)
    new = np.arange(n_old + n_new) >= n_old
    assert pending[new].sum() / truth[new].sum() == pytest.approx(1.0, rel=0.1)
    assert pending.sum() / truth.sum() == pytest.approx(1.0, rel=0.08)


def test_per_order_loss_sums_to_the_profiles() -> None:
    rng = np.random.default_rng(3)
    profile, age, total, back, lag, seen = _book(rng, 5_000, rng.random(50) < 0.1)
    args = (50, profile, age, total, profile[seen], lag[seen], 0.5 * total[seen], age[seen])
    per_order = pending_order_loss(*args)
    assert np.all(per_order[age >= 31] == 0)
    assert np.bincount(profile, per_order, minlength=50) == pytest.approx(pending_return_loss(*args))


def test_loss_beyond_uses_the_same_development_and_customer_factor() -> None:
    """An order delivered ``a`` days before some date loses total × F(a) × k_i after it: F as for the
    orders seen (late and on-time pooled), k_i as ``pending_order_loss`` applies it."""
    from onefold.value.pending import loss_beyond

    rng = np.random.default_rng(4)
    n = 20_000
    profile, age, total = rng.integers(0, 500, n), rng.uniform(0, 400, n), rng.gamma(2.0, 40.0, n)
    returner = profile < 50
    goes_back = rng.random(n) < np.where(returner, 0.6, 0.1)
    lag = rng.uniform(0, 30, n)
    seen = goes_back & (lag <= age)
    args = (500, profile, age, total, profile[seen], lag[seen], total[seen], age[seen])
    ages = np.array([0.0, 3.0, 12.0, 29.0, 45.0])
    share, k = loss_beyond(*args, ages=ages)
    pooled, _ = loss_after(np.concatenate([age, ages]), np.concatenate([total, np.zeros(len(ages))]),
                           lag[seen], total[seen], age[seen])
    assert np.allclose(share, pooled[n:])
    assert share[0] > share[1] > share[2] > share[3] > 0 and share[4] == 0
    young = pending_order_loss(*args)
    some = young > 0
    after, _ = loss_after(age, total, lag[seen], total[seen], age[seen])
    assert np.allclose(young[some] / (total[some] * after[some]), k[profile[some]])
    assert k[:50].mean() > 2 * k[50:].mean()  # returners' fresh orders are expected to lose more
