"""The expected future (truth/net_value.csv ``expected_*``) agrees with the realised draws of the process."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from onefold.demo import generate, timeline
from onefold.demo.behaviour import make_behaviour
from onefold.demo.catalog import make_stores
from onefold.demo.expected import counted_purchases, draw_offsets
from onefold.demo.orders import simulate_purchases
from onefold.demo.people import make_persons
from onefold.value.demo_truth import read_truth


def _z(diff: np.ndarray) -> float:
    """Sum of independent mean-zero differences over its standard error (estimated from the differences)."""
    return float(diff.sum() / np.sqrt((diff**2).sum()))


def _horizon_op_length() -> tuple[float, float]:
    start = float(timeline.to_operational(timeline.OBS_DAYS))
    return start, float(timeline.to_operational(timeline.HORIZON_END_DAY)) - start


def test_analytic_count_matches_replayed_purchase_processes() -> None:
    """Same persons, 60 independent purchase histories: whoever is alive at the cutoff buys in the horizon
    as many times as the analytic count says (|z| < 4), and nobody who left buys at all."""
    rng = np.random.default_rng(3)
    persons = make_persons(rng, 2000)
    beh = make_behaviour(rng, persons, make_stores(rng, n_stores=16))
    _, length = _horizon_op_length()
    count = counted_purchases(beh.lam, beh.p_drop, length)
    diffs = []
    for k in range(60):
        person, day, left = simulate_purchases(np.random.default_rng([9, k]), beh, persons.birth_day)
        alive = beh.buyer & (left >= timeline.OBS_DAYS)
        bought = np.bincount(person[day >= timeline.OBS_DAYS], minlength=persons.n)
        assert not bought[~alive].any()
        diffs.append((bought - count)[alive])
    assert abs(_z(np.concatenate(diffs))) < 4


def test_offsets_follow_the_counted_intensity() -> None:
    """Drawn offsets stay in the horizon and their mean is the density's (checked by numeric integration)."""
    lam, p_drop, length = 0.02, 0.3, 364.0
    u = draw_offsets(np.random.default_rng(1), np.full(200_000, lam), np.full(200_000, p_drop), length)
    assert u.min() >= 0 and u.max() < length
    grid = np.linspace(0, length, 100_001)
    density = np.exp(-lam * p_drop * grid)
    mean = np.trapezoid(grid * density, grid) / np.trapezoid(density, grid)
    assert abs(u.mean() - mean) < 4 * u.std() / np.sqrt(len(u))


@pytest.mark.slow
def test_realised_future_is_consistent_with_its_expectation(tmp_path: Path) -> None:
    """Over several seeds, realised future orders and net value scatter around their expectations:
    per-person differences sum to within 4 standard errors of zero, per seed and pooled."""
    net, orders = [], []
    for seed in range(8):
        generate(tmp_path / str(seed), customers=4000, seed=seed)
        rows = read_truth(tmp_path / str(seed), "net_value")
        col = {k: np.array([float(r[k]) for r in rows]) for k in rows[0] if k != "person_id"}
        net.append(col["future_net_value"] - col["expected_future_net_value"])
        orders.append(col["future_orders"] - col["expected_future_orders"])
        assert abs(_z(net[-1])) < 4 and abs(_z(orders[-1])) < 4, seed
        # the expectation is a mean, not a copy of the draw
        assert np.corrcoef(col["future_net_value"], col["expected_future_net_value"])[0, 1] < 0.95
    assert abs(_z(np.concatenate(net))) < 4
    assert abs(_z(np.concatenate(orders))) < 4


def test_expectation_is_deterministic_and_leaves_the_other_columns_alone(tmp_path: Path) -> None:
    generate(tmp_path / "a", customers=300, seed=4)
    generate(tmp_path / "b", customers=300, seed=4)
    a, b = read_truth(tmp_path / "a", "net_value"), read_truth(tmp_path / "b", "net_value")
    assert a == b
    assert sum(float(r["expected_future_orders"]) for r in a) > 0
