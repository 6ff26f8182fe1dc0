"""Blocking rules: which record pairs are worth comparing at all.

Comparing every pair is O(n²); Fellegi–Sunter (1969) already noted that practical linkage compares
only pairs sharing a "blocking" key. A single key misses true matches whose key holds a typo, so
onefold unions several rules, each over different fields (a pair found by any rule is compared once,
and remembers the first rule that found it, for explanations). Rules are data here; `sql.py` renders
them for DuckDB.

Keys too common to be useful (a block larger than ``max_block_size`` records) are skipped and
reported, not compared: they would add millions of pairs and almost no matches.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from onefold.identity.fields import FieldType

Transform = Literal["exact", "first_char", "prefix3", "year", "last4"]


@dataclass(frozen=True, slots=True)
class BlockKey:
    """One key part: the column's normalised value, or a transform of it."""

    column: str
    transform: Transform = "exact"


@dataclass(frozen=True, slots=True)
class BlockingRule:
    """Pairs whose key parts are all equal (and non-null) are candidates."""

    name: str
    keys: tuple[BlockKey, ...]

    def describe(self) -> str:
        return " AND ".join(k.column if k.transform == "exact" else f"{k.transform}({k.column})" for k in self.keys)


# Templates over field types, most specific first. Each is used when all its field types are present.
# Together they catch a duplicate that has a typo in any one or two fields: names, date of birth,
# address and identifiers each appear in a rule without the others.
_TEMPLATES: tuple[tuple[str, tuple[tuple[FieldType, Transform], ...]], ...] = (
    ("same name", (("first_name", "exact"), ("last_name", "exact"))),
    ("same full name", (("full_name", "exact"),)),
    ("same last name and postcode", (("last_name", "exact"), ("postcode", "exact"))),
    ("same first name and postcode", (("first_name", "exact"), ("postcode", "exact"))),
    ("same birth date and first initial", (("date_of_birth", "exact"), ("first_name", "first_char"))),
    ("same birth date and last initial", (("date_of_birth", "exact"), ("last_name", "first_char"))),
    ("same birth date and postcode", (("date_of_birth", "exact"), ("postcode", "exact"))),
    ("same birth date and full-name initial", (("date_of_birth", "exact"), ("full_name", "first_char"))),
    ("same birth date and city", (("date_of_birth", "exact"), ("city", "exact"))),
    ("same birth date and street number", (("date_of_birth", "exact"), ("street_number", "exact"))),
    ("same street number and postcode", (("street_number", "exact"), ("postcode", "exact"))),
    ("same street number and address start", (("street_number", "exact"), ("address", "prefix3"))),
    ("same address start and postcode", (("address", "prefix3"), ("postcode", "exact"))),
    ("same street number and city", (("street_number", "exact"), ("city", "exact"))),
    ("same address and city", (("address", "exact"), ("city", "exact"))),
    ("same address and last name", (("address", "exact"), ("last_name", "prefix3"))),
    ("same phone tail and first initial", (("phone", "last4"), ("first_name", "first_char"), ("last_name", "first_char"))),
)
# Fields that identify a person on their own: one rule each, per column.
_IDENTIFIER_TYPES: tuple[FieldType, ...] = ("national_id", "email", "phone", "identifier")


def default_rules(fields: dict[str, FieldType]) -> list[BlockingRule]:
    """Rules for the given columns (name → type), in a fixed order so runs are reproducible."""
    by_type: dict[FieldType, str] = {}
    for column, field_type in fields.items():
        by_type.setdefault(field_type, column)
    rules: list[BlockingRule] = []
    for column, field_type in fields.items():
        if field_type in _IDENTIFIER_TYPES:
            rules.append(BlockingRule(f"same {column}", (BlockKey(column),)))
    for name, parts in _TEMPLATES:
        if all(t in by_type for t, _ in parts):
            rules.append(BlockingRule(name, tuple(BlockKey(by_type[t], tr) for t, tr in parts)))
    return rules


__all__ = ["BlockKey", "BlockingRule", "Transform", "default_rules"]
