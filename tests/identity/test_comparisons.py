"""Comparison levels, checked on values (not on code paths), through the real normalisation."""

from __future__ import annotations

import numpy as np
import pytest

from onefold.identity.comparisons import NULL, compare
from onefold.identity.fields import FieldType, level_names
from tests.identity.helpers import record_set

CASES: list[tuple[FieldType, str | None, str | None, str]] = [
    ("first_name", "Jon", "jon ", "exact"),
    ("first_name", "jonathan", "jonathon", "jaro_winkler>=0.92"),
    ("first_name", "katherine", "katharina", "jaro_winkler>=0.80"),
    ("first_name", "Bob", "robert", "nickname"),
    ("first_name", "kathy", "katherine", "nickname"),
    ("first_name", "tom", "tmo", "one_typo"),  # Jaro-Winkler sees no transposition in 3 letters
    ("first_name", "sue", "se", "one_typo"),
    ("first_name", "bil", "william", "nickname"),  # a typo in the short form
    ("first_name", "margcaret", "maggie", "nickname"),  # ... or in the formal one
    ("first_name", "mark", "william", "else"),
    ("first_name", "alice", "zoe", "else"),
    ("first_name", None, "zoe", "null"),
    ("last_name", "O'Brien", "obrien", "exact"),
    ("email", "Ann.Lee@Example.com", "ann.lee@example.com", "exact"),
    ("email", "ann.lee@example.com", "ann.lee@work.org", "else"),
    ("email", "not-an-email", "ann@x.com", "null"),
    ("phone", "(415) 555-0100", "+1 415 555 0100", "exact"),
    ("phone", "415-555-0100", "212-555-0100", "same_last_7"),
    ("date_of_birth", "1980-03-07", "19800307", "exact"),
    ("date_of_birth", "1980-03-07", "1980-07-03", "day_month_swapped"),
    ("date_of_birth", "1980-03-07", "1980-03-01", "levenshtein<=1"),
    ("date_of_birth", "1980-03-07", "1955-11-23", "else"),
    ("national_id", "1234567", "1234576", "levenshtein<=2"),
    ("postcode", "2000", "2001", "levenshtein<=1"),
    ("address", "12 high street", "high street 12", "token_sort>=0.80"),
    ("city", "melbourne", "melborne", "jaro_winkler>=0.90"),
]


@pytest.mark.parametrize(("field_type", "a", "b", "expected"), CASES)
def test_level(field_type: FieldType, a: str | None, b: str | None, expected: str) -> None:
    records, _ = record_set([{"id": "1", "f": a}, {"id": "2", "f": b}], {"f": field_type})
    gamma = compare(records, np.array([0]), np.array([1]))
    level = int(gamma[0, 0])
    assert ("null" if level == NULL else level_names(field_type)[level]) == expected


def test_swapped_names_use_the_crossed_level() -> None:
    rows = [{"id": "1", "fn": "anika", "ln": "spicer"}, {"id": "2", "fn": "spicer", "ln": "anika"}]
    records, _ = record_set(rows, {"fn": "first_name", "ln": "last_name"})
    gamma = compare(records, np.array([0]), np.array([1]))
    assert [level_names(t)[g] for t, g in zip(("first_name", "last_name"), gamma[0], strict=True)] == [
        "swapped_with_partner"] * 2


def test_hot_identifier_is_dropped_and_reported() -> None:
    rows = [{"id": str(i), "e": "shared@shop.com" if i < 30 else f"p{i}@x.com"} for i in range(40)]
    records, _ = record_set(rows, {"e": "email"}, hot_key_records=25)
    column = records.column("e")
    assert column.hot_values == [("shared@shop.com", 30)]
    shared = np.array([int(i) < 30 for i in records.ids])  # records are numbered in id order
    assert (column.codes[shared] == -1).all() and (column.codes[~shared] >= 0).all()


def test_blocklisted_values_are_missing() -> None:
    rows = [{"id": "1", "p": "000-000-0000"}, {"id": "2", "p": "0000000000"}, {"id": "3", "p": "415 555 0100"}]
    records, _ = record_set(rows, {"p": "phone"}, blocklist=["0000000000"])
    assert records.column("p").values.tolist() == [None, None, "4155550100"]
