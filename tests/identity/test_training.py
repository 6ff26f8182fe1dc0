"""Term-frequency and nested-location corrections, on values run through the real normalisation."""

from __future__ import annotations

import numpy as np

from onefold.identity.comparisons import compare
from onefold.identity.dependence import adjust_nested_locations
from onefold.identity.fields import level_names
from onefold.identity.training import tf_adjustments
from tests.identity.helpers import record_set


def test_near_agreement_on_a_common_name_is_never_stronger_than_exact_agreement() -> None:
    names = ["richard"] * 40 + ["rick", "zabrinski", "zabrinsky", "ann"] + [f"n{i}x" for i in range(56)]
    records, _ = record_set([{"id": f"{i:03d}", "fn": n} for i, n in enumerate(names)], {"fn": "first_name"})
    left, right = np.array([0, 40, 41]), np.array([1, 0, 42])  # richard=richard, rick~richard, zabrinski~y
    gamma = compare(records, left, right)
    assert [level_names("first_name")[g] for g in gamma[:, 0]] == ["exact", "nickname", "jaro_winkler>=0.92"]
    u = [np.array([0.05, 0.01, 0.01, 0.01, 0.01, 0.01, 0.91])]
    adjust = tf_adjustments(records, gamma, left, right, u)[:, 0]
    assert adjust[0] == np.log2(0.05 / 0.40)  # exact on a value 40 % of records hold
    assert adjust[1] == adjust[0]  # the nickname counts as the more common of its two values
    assert adjust[2] == 0.0  # rare on both sides: never raised above the level's own weight


def test_same_town_after_a_move_counts_only_as_often_as_matches_move_within_a_town() -> None:
    # Postcode nests in city: two towns of two postcodes each.
    rows = [{"id": f"{i:02d}", "pc": f"{1000 + i % 4}", "city": "alpha" if i % 4 < 2 else "beta"} for i in range(40)]
    records, _ = record_set(rows, {"pc": "postcode", "city": "city"})
    left, right = np.array([0, 0, 0]), np.array([4, 1, 2])  # same postcode; same town only; neither
    gamma = compare(records, left, right)
    weights = np.array([[5.0, 1.0], [-3.0, 1.0], [-3.0, -2.0]])
    m = [np.array([0.9, 0.02, 0.08]), np.array([0.92, 0.02, 0.06])]
    u = [np.array([0.24, 0.01, 0.75]), np.array([0.48, 0.01, 0.51])]
    out = adjust_nested_locations(weights, gamma, records, m, u)
    r = 1.0  # P(city agrees | postcode agrees): every postcode lies in one town
    assert out[0, 1] == min(1.0, np.log2(0.92 / r))
    # ρ = 1: P(city | other postcode, match) = (0.92 - 0.9) / 0.1; non-match (0.48 - 0.24) / 0.76.
    assert np.isclose(out[1, 1], np.log2((0.02 / 0.1) / (0.24 / 0.76)))
    assert out[2, 1] == -2.0 and out[:, 0].tolist() == [5.0, -3.0, -3.0]
