"""The random pairs u is estimated from stay the same when records are added (incremental agreement)."""

from __future__ import annotations

import numpy as np

from onefold.identity.training import stable_random_pairs


def _pairs(ids: np.ndarray, count: int) -> set[tuple[str, str]]:
    left, right = stable_random_pairs(ids, count)
    assert len(left) == count and (left != right).all()
    return {(str(ids[a]), str(ids[b])) for a, b in zip(left, right, strict=True)}


def test_pairs_are_distinct_records_spread_evenly_and_stable_under_appends() -> None:
    ids = np.array([f"rec{i}" for i in range(2_000)], dtype=object)
    before = _pairs(ids, 6_000)
    assert len(before) == 6_000  # three neighbours each, no repeats
    shuffled = _pairs(ids[::-1].copy(), 6_000)
    assert shuffled == before  # named by id, not by row number
    grown = _pairs(np.concatenate([ids, np.array([f"new{i}" for i in range(20)], dtype=object)]), 6_000)
    assert len(before & grown) >= 0.95 * len(before)  # 1 % more records: the sample barely moves
    assert stable_random_pairs(ids[:1], 10)[0].size == 0
