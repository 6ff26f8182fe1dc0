"""Survivorship strategies, stable profile ids and constrained graph resolution (pure logic)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onefold.identity.graph import DETERMINISTIC_WEIGHT, Edge, resolve
from onefold.identity.profile_ids import assign_ids, new_profile_id
from onefold.identity.survivorship import STRATEGIES, Candidate, survive

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


def _survivor_by_the_documented_order(candidates: list[Candidate], strategy: str, priority: list[str]) -> str | None:
    """The rule as the module states it, every candidate ranked (no short cuts)."""
    present = [c for c in candidates if c.value]
    if not present:
        return None
    trust = {s: len(priority) - i for i, s in enumerate(priority)}
    ties = {id(c): (trust.get(c.source, 0), c.created_at, c.value) for c in present}
    counts = {v: sum(c.value == v for c in present) for v in (c.value for c in present)}
    first = {"most_recent": lambda c: (c.created_at, trust.get(c.source, 0), c.value),
             "most_frequent": lambda c: (counts[c.value], ties[id(c)]),
             "longest": lambda c: (len(c.value), ties[id(c)]), "source_priority": lambda c: ties[id(c)]}[strategy]
    return sorted(present, key=first)[-1].value  # equal keys hold equal values: which one is last does not matter


CANDIDATES = st.lists(st.builds(Candidate, st.sampled_from(["", "Kate", "Katherine", "Kat"]),
                                st.sampled_from(["web", "pos", "app", "loyalty"]),
                                st.sampled_from(["", "2023-01-01", "2024-03-01"])), max_size=6)


@given(CANDIDATES, st.sampled_from(STRATEGIES), st.lists(st.sampled_from(["web", "pos", "loyalty"]), max_size=3))
def test_survivor_follows_the_documented_order(candidates: list[Candidate], strategy: str, priority: list[str]) -> None:
    # Including the single-valued profiles the short cut answers without ranking.
    assert survive(candidates, strategy, source_priority=priority) == _survivor_by_the_documented_order(  # type: ignore[arg-type]
        candidates, strategy, priority)


def test_bad_strategy_is_refused_even_when_every_record_agrees() -> None:
    with pytest.raises(ValueError, match="unknown survivorship strategy"):
        survive([Candidate("Kate", "web", "")], "loudest")  # type: ignore[arg-type]


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


def test_limits_refuse_the_merge_that_would_exceed_them_and_say_why() -> None:
    # records 0..5 share a loyalty id with record 6; each holds its own email: the sixth email is refused
    identifiers = {i: [("email", f"e{i}@x.org"), ("loyalty_id", "L1")] for i in range(6)} | {6: [("loyalty_id", "L1")]}
    edges = [Edge(6, i, "same loyalty_id", DETERMINISTIC_WEIGHT, kind="loyalty_id") for i in range(6)]
    labels = resolve(7, edges, [], limits={"email": 5}, identifiers=identifiers)
    assert len({labels[i] for i in range(7)}) == 2
    assert [e.status for e in edges] == ["merged"] * 5 + ["refused_limit"]
    assert edges[5].evidence["refused"] == "limit: at most 5 email per profile"


def test_priority_decides_which_identifier_wins_a_conflict() -> None:
    # customer 2 shares an email with user 0 and is the web customer of user 1: the user_id evidence
    # is followed first, so the email edge (joining two user ids) is the one refused
    identifiers = {0: [("user_id", "u0")], 1: [("user_id", "u1")]}
    edges = [Edge(0, 2, "same email", DETERMINISTIC_WEIGHT, kind="email"),
             Edge(1, 2, "user_id is the web/app customer id", DETERMINISTIC_WEIGHT, kind="user_id")]
    labels = resolve(3, edges, [], priority=["user_id", "email"], limits={"user_id": 1}, identifiers=identifiers)
    assert labels[1] == labels[2] != labels[0]
    assert [e.status for e in edges] == ["refused_limit", "merged"]
    flipped = [Edge(e.a, e.b, e.rule, e.weight, kind=e.kind) for e in edges]
    labels = resolve(3, flipped, [], priority=["email", "user_id"], limits={"user_id": 1}, identifiers=identifiers)
    assert labels[0] == labels[2] != labels[1]


def test_golden_traits_break_ties_by_trusted_source_and_settings_override_defaults() -> None:
    from onefold.identity.survivorship import DEFAULT_RULES, trait_rules

    typo = [Candidate("Williams", "web", "2023-01-01"), Candidate("Willaims", "call_center", "2024-06-01")]
    assert survive(typo, DEFAULT_RULES["last_name"], source_priority=["web", "call_center"]) == "Williams"
    assert survive(typo, "most_recent", source_priority=["web", "call_center"]) == "Willaims"
    assert trait_rules({"last_name": "longest"})["last_name"] == "longest"
    with pytest.raises(ValueError, match="unknown trait.*nickname"):
        trait_rules({"nickname": "longest"})
