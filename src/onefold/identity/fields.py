"""Field types and their comparison levels, as dialect-free data.

Each field type names how a column is normalised and which ordered comparison levels a pair of
values falls into (best first, the last is "else"). Levels are data (kind + threshold), turned into
vectorised rapidfuzz/NumPy code only in `comparisons.py`, the way Splink keeps comparison specs
independent of the SQL dialect until execution.

Why levels instead of one similarity score: Fellegi–Sunter (1969) models each field's agreement
pattern as a discrete outcome with its own m (P(outcome | match)) and u (P(outcome | non-match))
probabilities; a few ordered levels per field keep those estimable by EM without labels (Winkler 1988).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

FieldType = Literal[
    "first_name",
    "last_name",
    "full_name",
    "email",
    "phone",
    "street_number",
    "address",
    "address2",
    "city",
    "postcode",
    "state",
    "country",
    "date_of_birth",
    "national_id",
    "identifier",
]
FIELD_TYPES: tuple[FieldType, ...] = FieldType.__args__  # type: ignore[attr-defined]

LevelKind = Literal["exact", "crossed", "nickname", "jaro_winkler", "levenshtein", "osa", "token_sort", "date_swap",
                    "email_local", "phone_tail"]
Normalizer = Literal["text", "name", "email", "phone", "digits", "date"]


@dataclass(frozen=True, slots=True)
class Level:
    """One comparison level: a pair is in this level when ``kind`` holds at ``threshold``.

    ``jaro_winkler``/``token_sort``: similarity in [0, 1] at least ``threshold``;
    ``levenshtein``: edit distance at most ``threshold``; ``osa``: the same counting a transposition of
    neighbours as one edit (optimal string alignment) — the typo level of short names, where
    Jaro-Winkler's match window is too narrow to see "tom"/"tmo" or "sue"/"se"; ``date_swap``: day and
    month transposed;
    ``crossed``: the value is similar (Jaro-Winkler ≥ ``threshold``) to the other record's partner
    field (first ↔ last name, address ↔ address2) — fields typed into the wrong box;
    ``nickname``: the same given name in formal and short form, tolerating one typo on either side
    (``nicknames.canonical_forms``);
    ``email_local``: same mailbox name (text before @); ``phone_tail``: same last ``threshold`` digits.
    """

    name: str
    kind: LevelKind
    threshold: float = 0.0


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """How one field type is normalised, compared and used as evidence.

    Attributes:
        levels: agreement levels best first; a pair matching none is in the implicit "else" level.
        tf_adjust: scale the exact-match weight by how rare the value is (Winkler's term-frequency
            adjustment): agreeing on "zabrinski" is stronger evidence than agreeing on "smith".
        identifier: the value is meant to be unique per person (email, phone, ids), so a value shared
            by implausibly many records is junk (hot key) and is treated as missing.
        household: people living together share it (surname, address, landline). These fields agree
            or disagree together (a household, a move), which breaks Fellegi–Sunter's conditional
            independence; their weights are combined, not summed (see `matcher.combine_weights`).
        location: a household field that is part of the address hierarchy (street, postcode, city,
            state): agreeing on the postcode nearly implies agreeing on city and state, so only the
            strongest location agreement counts.
        personal: it belongs to one person (first name, birth date, email, ids). Only blocking rules
            using a personal field train m, because pairs found on household fields alone are full of
            relatives whose agreement would be learnt as "what matches look like".
    """

    normalizer: Normalizer
    levels: tuple[Level, ...]
    tf_adjust: bool = False
    identifier: bool = False
    household: bool = False
    location: bool = False
    personal: bool = False


_EXACT = Level("exact", "exact")
_NAME_LEVELS = (
    _EXACT,
    Level("jaro_winkler>=0.92", "jaro_winkler", 0.92),
    Level("one_typo", "osa", 1),
    Level("swapped_with_partner", "crossed", 0.92),
    Level("jaro_winkler>=0.80", "jaro_winkler", 0.80),
)
_FIRST_NAME_LEVELS = (*_NAME_LEVELS[:3], Level("nickname", "nickname"), *_NAME_LEVELS[3:])
_ADDRESS_LEVELS = (
    _EXACT,
    Level("levenshtein<=2", "levenshtein", 2),
    Level("token_sort>=0.80", "token_sort", 0.80),
    Level("swapped_with_partner", "crossed", 0.90),
    Level("jaro_winkler>=0.80", "jaro_winkler", 0.80),
)
# Field pairs people (and data-entry forms) swap; the "crossed" level compares across them.
PARTNERS: dict[FieldType, FieldType] = {
    "first_name": "last_name",
    "last_name": "first_name",
    "address": "address2",
    "address2": "address",
}
_CODE_LEVELS = (_EXACT, Level("levenshtein<=1", "levenshtein", 1), Level("levenshtein<=2", "levenshtein", 2))

FIELD_SPECS: dict[FieldType, FieldSpec] = {
    "first_name": FieldSpec("name", _FIRST_NAME_LEVELS, tf_adjust=True, personal=True),
    "last_name": FieldSpec("name", _NAME_LEVELS, tf_adjust=True, household=True),
    "full_name": FieldSpec(
        "name",
        (_EXACT, Level("token_sort>=0.92", "token_sort", 0.92), Level("token_sort>=0.80", "token_sort", 0.80)),
        tf_adjust=True,
        personal=True,
    ),
    # Only exact agreement: a near-equal mailbox ("nancyjordan@yahoo" vs "nancyjordan@gmail",
    # "michael.harris" vs "michael_harris") is mostly derived from the name, which is compared already.
    "email": FieldSpec(
        "email",
        (_EXACT,),
        identifier=True,
        personal=True,
    ),
    "phone": FieldSpec(
        "phone",
        (_EXACT, Level("same_last_7", "phone_tail", 7), Level("levenshtein<=1", "levenshtein", 1)),
        identifier=True,
        household=True,
    ),
    "street_number": FieldSpec("digits", (_EXACT, Level("levenshtein<=1", "levenshtein", 1)), household=True, location=True),
    "address": FieldSpec("text", _ADDRESS_LEVELS, tf_adjust=True, household=True, location=True),
    "address2": FieldSpec("text", _ADDRESS_LEVELS, tf_adjust=True, household=True, location=True),
    "city": FieldSpec("text", (_EXACT, Level("jaro_winkler>=0.90", "jaro_winkler", 0.90)), tf_adjust=True,
                      household=True, location=True),
    "postcode": FieldSpec("text", (_EXACT, Level("levenshtein<=1", "levenshtein", 1)), tf_adjust=True,
                          household=True, location=True),
    "state": FieldSpec("text", (_EXACT,), household=True, location=True),
    "country": FieldSpec("text", (_EXACT,), household=True, location=True),
    "date_of_birth": FieldSpec(
        "date",
        (_EXACT, Level("day_month_swapped", "date_swap"), Level("levenshtein<=1", "levenshtein", 1),
         Level("levenshtein<=2", "levenshtein", 2)),
        personal=True,
    ),
    "national_id": FieldSpec("digits", _CODE_LEVELS, identifier=True, personal=True),
    "identifier": FieldSpec("text", (_EXACT,), identifier=True, personal=True),
}


def level_names(field_type: FieldType) -> list[str]:
    """Names of a field type's levels, best first, ending with "else"."""
    return [level.name for level in FIELD_SPECS[field_type].levels] + ["else"]


__all__ = ["PARTNERS", "FIELD_SPECS", "FIELD_TYPES", "FieldSpec", "FieldType", "Level", "level_names"]
