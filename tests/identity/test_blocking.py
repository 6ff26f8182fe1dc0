"""Blocking rules: chosen from the fields present, deduplicated across rules, big blocks skipped."""

from __future__ import annotations

from onefold.identity.blocking import BlockingRule, BlockKey, default_rules
from onefold.identity.duck import generate_pairs
from tests.identity.helpers import record_set


def test_rules_follow_the_fields_present() -> None:
    names = [r.name for r in default_rules({"fn": "first_name", "ln": "last_name", "mail": "email"})]
    assert names == ["same mail", "same name"]
    assert default_rules({"city": "city"}) == []


def test_pairs_are_unique_and_credited_to_the_first_rule() -> None:
    rows = [
        {"id": "a", "fn": "ann", "ln": "lee", "e": "ann@x.com"},
        {"id": "b", "fn": "ann", "ln": "lee", "e": "ann@x.com"},
        {"id": "c", "fn": "ann", "ln": "lee", "e": "c@x.com"},
        {"id": "d", "fn": "bob", "ln": "ray", "e": "d@x.com"},
    ]
    records, con = record_set(rows, {"fn": "first_name", "ln": "last_name", "e": "email"})
    rules = default_rules({"fn": "first_name", "ln": "last_name", "e": "email"})
    found = generate_pairs(con, records, rules, max_block_size=100)  # type: ignore[arg-type]
    pairs = list(zip(found.left.tolist(), found.right.tolist(), found.rule.tolist(), strict=True))
    assert pairs == [(0, 1, 0), (0, 2, 1), (1, 2, 1)]
    assert [(r.pairs, r.new_pairs) for r in found.reports] == [(1, 1), (3, 2)]


def test_blocks_larger_than_the_limit_are_skipped_and_reported() -> None:
    rows = [{"id": str(i), "c": "springfield" if i < 6 else "shelbyville"} for i in range(9)]
    records, con = record_set(rows, {"c": "city"})
    rule = BlockingRule("same city", (BlockKey("c"),))
    found = generate_pairs(con, records, [rule], max_block_size=5)  # type: ignore[arg-type]
    assert len(found.left) == 3  # only shelbyville's C(3,2)
    assert (found.reports[0].skipped_blocks, found.reports[0].skipped_records) == (1, 6)
