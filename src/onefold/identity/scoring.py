"""From per-field weights to one decision per pair, where Fellegi–Sunter's independence fails.

Fellegi–Sunter (1969) adds per-field log likelihood ratios. Customer data breaks the independence
behind that sum in two known ways, corrected here from the data itself rather than by tuning:
households (relatives share surname, address and phone — `household_cap`, `combine_weights`) and
families sharing identifiers while their given names differ (`name_conflict`). Nested address parts
are corrected earlier, in `dependence.py`.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from onefold.identity.comparisons import Gamma
from onefold.identity.fellegi_sunter import FloatArray
from onefold.identity.fields import FIELD_SPECS, FieldSpec, FieldType


def combine_weights(field_weights: FloatArray, specs: list[FieldSpec], *, cap: float) -> FloatArray:
    """Total log2 Bayes factor per pair: independent fields add; household fields are combined.

    Fellegi–Sunter adds field weights because it assumes fields agree independently given the match
    status. Surname, address, city, postcode and landline do not: relatives agree on all of them at
    once, and a move changes all of them at once (nested address parts are corrected before, in
    `dependence.adjust_nested_locations`). So:
    - the household agreements (surname, phone, location) add up to at most ``cap``: modelling
      non-matches as a mixture of unrelated pairs and relatives (a share h of all pairs), the
      likelihood ratio of household agreement saturates at 1/h, i.e. ``cap`` = log2(1/h);
    - a move is one event: the address parts' disagreements count as their strongest one.
    """
    household = np.array([spec.household for spec in specs], dtype=bool)
    location = np.array([spec.location for spec in specs], dtype=bool)
    total = field_weights[:, ~household].sum(axis=1)
    if household.any():
        agree = np.maximum(field_weights[:, household], 0.0).sum(axis=1)
        disagree = np.minimum(field_weights[:, household & ~location], 0.0).sum(axis=1)
        if location.any():
            disagree = disagree + np.minimum(field_weights[:, location].min(axis=1), 0.0)
        total = total + np.minimum(agree, cap) + disagree
    return total


def name_conflict(gamma: Gamma, specs: list[FieldSpec], *, households: bool) -> npt.NDArray[np.bool_]:
    """Pairs whose names clearly differ ("else" level) with no strong personal id agreeing.

    Such pairs are never linked, whatever else they share. Where the data holds households
    (``households``: `household_cap` found a population of relatives), a different *first* name
    at the same address, phone or even email is a relative (families share a mailbox), not the same
    person; elsewhere only a different first *and* last name is. Typos and nicknames fall in the fuzzy and nickname levels, swapped name fields in the
    crossed level, so they are not conflicts; and an exact birth date or national id lets the
    weights decide (Febrl replaces whole names but keeps them). Needs a first-name or full-name
    field; otherwise nothing is vetoed.
    """
    given = [k for k, spec in enumerate(specs) if spec.normalizer == "name" and spec.personal]
    if not given:
        return np.zeros(len(gamma), dtype=bool)
    names = given if households else [k for k, spec in enumerate(specs) if spec.normalizer == "name"]
    present = np.zeros(len(gamma), dtype=bool)
    conflict = np.ones(len(gamma), dtype=bool)
    for k in names:
        differs = gamma[:, k] == len(specs[k].levels)
        present |= gamma[:, k] >= 0
        conflict &= differs | (gamma[:, k] < 0)
    conflict &= present
    strong = [k for k, spec in enumerate(specs)
              if spec.personal and spec.normalizer not in ("name", "email")]
    if strong:
        conflict &= ~(gamma[:, strong] == 0).any(axis=1)
    return conflict


def household_cap(
    gamma: Gamma, types: list[FieldType], *, records: int, min_share: float = 0.01
) -> float:
    """log2(1/h), with h the share of all pairs that look like relatives, counted in the candidates.

    A candidate pair looks like relatives when it shares the surname and the dwelling (street
    address or landline) exactly, while every
    personal field present on both sides clearly disagrees (the "else" level) — e.g. a couple: same
    surname, address and phone, different first name and birth date. Data without households
    (Febrl) gives no cap: fewer such pairs than ``min_share`` of the records is chance, and the
    plain Fellegi–Sunter sum is kept.
    """
    pairs_total = max(records * (records - 1) / 2, 1.0)
    specs = [FIELD_SPECS[t] for t in types]
    surname = [k for k, t in enumerate(types) if t == "last_name"]
    household = [k for k, t in enumerate(types) if t in ("address", "phone")]
    personal = [k for k, spec in enumerate(specs) if spec.personal]
    if not surname or not household or not personal:
        return float("inf")
    agree = (gamma[:, surname] == 0).any(axis=1) & (gamma[:, household] == 0).any(axis=1)
    levels = np.array([len(specs[k].levels) for k in personal])
    sub = gamma[:, personal]
    present = sub >= 0
    conflict = present.any(axis=1) & ((sub == levels) | ~present).all(axis=1)
    relatives = int((agree & conflict).sum())
    if relatives < records * min_share:
        return float("inf")  # a few look-alikes by chance, not a population of households
    return float(np.log2(pairs_total / relatives))


__all__ = ["combine_weights", "household_cap", "name_conflict"]
