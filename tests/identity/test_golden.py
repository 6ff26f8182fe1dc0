"""Survivorship strategies, stable profile ids and constrained graph resolution (pure logic)."""

from __future__ import annotations

import pytest

from onefold.identity.graph import DETERMINISTIC_WEIGHT, Edge, resolve
from onefold.identity.profile_ids import assign_ids, new_profile_id
from onefold.identity.survivorship import Candidate, survive

VALUES = [Candidate("Kate", "web", "2024-03-01"), Candidate("Katherine", "pos", "2023-01-01"),
          Candidate("Kate", "app", "2022-05-05"), Candidate("", "loyalty", "2025-01-01")]


@pytest.mark.parametrize(("strategy", "expected"), [
    ("most_recent", "Kate"), ("most_frequent", "Kate"), ("longest", "Katherine"), ("source_priority", "Katherine"),
])
def test_survivorship(strategy: str, expected: str) -> None:
    assert survive(VALUES, strategy, source_priority=["loyalty", "pos", "web"]) == expected  # type: ignore[arg-type]


def test_survivorship_without_values_and_bad_strategy() -> None:
    assert survive([Candidate("", "web", "")], "most_recent") is None
    with pytest.raises(ValueError, match="unknown survivorship strategy"):
        survive(VALUES, "loudest")  # type: ignore[arg-type]


KEYS = [("customer", "web", "w1"), ("customer", "pos", "p1"), ("user_id", "events", "w1"), ("customer", "app", "a1")]
SEEN = ["2024-01-01", "2023-01-01", "2024-02-01", "2022-01-01"]


def test_new_ids_come_from_the_oldest_record_not_run_order() -> None:
    first = assign_ids([[0, 1, 2], [3]], KEYS, SEEN, {}, {})
    again = assign_ids([[3], [2, 0, 1]], KEYS, SEEN, {}, {})
    assert first[0].profile_id == new_profile_id(KEYS[1]) == again[1].profile_id
    assert first[1].profile_id == again[0].profile_id


def test_merge_keeps_the_older_id_and_retires_the_other() -> None:
    previous = {KEYS[0]: "prof_young", KEYS[3]: "prof_old"}
    created = {"prof_young": "2024-01-01", "prof_old": "2022-01-01"}
    (merged,) = assign_ids([[0, 1, 2, 3]], KEYS, SEEN, previous, created)
    assert merged.profile_id == "prof_old" and merged.retired == ("prof_young",)


def test_split_leaves_the_id_with_the_larger_part_and_never_reuses_it() -> None:
    previous = {k: "prof_a" for k in KEYS}
    big, small = assign_ids([[0, 2, 3], [1]], KEYS, SEEN, previous, {"prof_a": "2022-01-01"})
    assert big.profile_id == "prof_a" and small.profile_id not in ("prof_a",) and small.retired == ()


def test_constraints_refuse_edges_that_would_join_separated_records() -> None:
    edges = [Edge(0, 1, "same email", DETERMINISTIC_WEIGHT), Edge(1, 2, "probabilistic", 20.0),
             Edge(0, 2, "probabilistic", 10.0)]
    labels = resolve(3, edges, cannot_link=[(0, 2)])
    assert labels[0] == labels[1] != labels[2]
    assert [e.status for e in edges] == ["merged", "refused_constraint", "refused_constraint"]


def test_an_anonymous_id_cannot_bridge_two_known_users() -> None:
    # records: 0 user u1, 1 user u2, 2 anonymous id seen with both (a shared computer), 3 customer of u1
    edges = [Edge(0, 3, "user_id is the web/app customer id", DETERMINISTIC_WEIGHT),
             Edge(2, 0, "anonymousId and userId on one event", DETERMINISTIC_WEIGHT),
             Edge(2, 1, "anonymousId and userId on one event", DETERMINISTIC_WEIGHT)]
    labels = resolve(4, edges, [], weak=[False, False, True, False], strong=[True, True, False, False])
    assert labels[0] == labels[2] == labels[3] != labels[1]
    assert edges[2].status == "refused_priority"
