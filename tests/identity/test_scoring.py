"""Dependence corrections on per-field weights: household cap, moves, and given-name conflicts."""

from __future__ import annotations

import math

import numpy as np

from onefold.identity.fields import FIELD_SPECS, level_names
from onefold.identity.scoring import combine_weights, household_cap, name_conflict

TYPES = ["first_name", "last_name", "phone", "address", "city", "postcode", "date_of_birth"]
SPECS = [FIELD_SPECS[t] for t in TYPES]  # type: ignore[index]


def test_household_agreement_is_capped_and_a_move_counts_once() -> None:
    weights = np.array([
        [-4.0, 10.0, 12.0, 11.0, 8.0, 9.0, -7.0],   # a relative: surname, phone, address agree
        [6.0, 10.0, 12.0, -4.0, -5.0, -4.5, 12.0],  # the same person after a move
    ])
    total = combine_weights(weights, SPECS, cap=15.0)
    assert total[0] == -4.0 + 15.0 - 7.0
    assert total[1] == 6.0 + 12.0 + min(10.0 + 12.0, 15.0) - 5.0
    assert combine_weights(weights, SPECS, cap=math.inf)[0] == -4.0 + 50.0 - 7.0


def _gamma(first: int, last: int, dob: int) -> list[int]:
    return [first, last, -1, -1, -1, -1, dob]


def test_relatives_set_a_cap_only_when_there_are_many() -> None:
    else_first = len(FIELD_SPECS["first_name"].levels)
    else_dob = len(FIELD_SPECS["date_of_birth"].levels)
    relative = [else_first, 0, 0, 0, 0, 0, else_dob]  # same surname and phone, different person
    gamma = np.array([relative] * 50 + [[0] * 7] * 50, dtype=np.int8)
    cap = household_cap(gamma, TYPES, records=1000)  # type: ignore[arg-type]
    assert cap == np.log2(1000 * 999 / 2 / 50)
    assert household_cap(gamma[:5], TYPES, records=1000) == math.inf  # type: ignore[arg-type]


def test_given_name_conflicts_are_vetoed_unless_a_strong_id_agrees() -> None:
    e_first, e_last = len(FIELD_SPECS["first_name"].levels), len(FIELD_SPECS["last_name"].levels)
    gamma = np.array([
        _gamma(e_first, 0, -1),       # different first name, same surname: a relative
        _gamma(e_first, 0, 0),        # ... but the same birth date: left to the weights
        _gamma(e_first, e_last, -1),  # both names differ
        _gamma(level_names("first_name").index("nickname"), 0, -1),  # a nickname is not a conflict
    ], dtype=np.int8)
    assert name_conflict(gamma, SPECS, households=True).tolist() == [True, False, True, False]
    assert name_conflict(gamma, SPECS, households=False).tolist() == [False, False, True, False]
