"""Parameter estimation that needs no labels: u from random pairs, term frequencies from counts.

u = P(level | non-match). Two records drawn at random are almost never the same person, so the
level frequencies over random pairs estimate u (Winkler 1988; Splink's
``estimate_u_using_random_sampling``). The exact-agreement u is computed exactly from value counts,
Σ c(c-1) / n(n-1), because sampling rarely hits equal identifiers.

Term-frequency adjustment (Winkler's frequency-based matching): on exact agreement the generic
u_exact is replaced by the value's own frequency, so "smith = smith" weighs less than
"zabrinski = zabrinski".
"""

from __future__ import annotations

import numpy as np

from onefold.identity.comparisons import Gamma, compare
from onefold.identity.fellegi_sunter import FloatArray
from onefold.identity.records import RecordSet


def estimate_u(records: RecordSet, *, sample_pairs: int = 300_000, seed: int = 0, workers: int = 1) -> list[FloatArray]:
    """u probabilities per field and level (last = else), from ``sample_pairs`` random pairs."""
    n = len(records)
    rng = np.random.default_rng(seed)
    count = min(sample_pairs, n * (n - 1) // 2)
    left = rng.integers(0, n, size=count)
    right = rng.integers(0, n - 1, size=count)
    right = right + (right >= left)  # uniform over j != i
    gamma = compare(records, left, right, workers=workers)
    result = []
    for k, column in enumerate(records.columns):
        levels = len(column.spec.levels) + 1
        col = gamma[:, k].astype(np.int64)
        col = col[col >= 0]
        counts = np.bincount(col, minlength=levels).astype(np.float64)
        fuzzy = counts[1:] + 0.5  # a pseudo-count keeps unseen levels finite
        nn = column.non_null
        exact = float((column.counts * (column.counts - 1)).sum()) / max(nn * (nn - 1), 1)
        exact = max(exact, 1.0 / max(nn * (nn - 1), 1))
        u = np.concatenate([[exact], fuzzy / fuzzy.sum() * (1 - exact)])
        result.append(u)
    return result


def tf_adjustments(records: RecordSet, gamma: Gamma, left: np.ndarray, u: list[FloatArray]) -> FloatArray:
    """Extra log2 weight per pair and field: log2(u_exact / frequency of the agreed value).

    Applied only where the pair agrees exactly on a field whose spec asks for it; zero elsewhere.
    """
    out = np.zeros(gamma.shape, dtype=np.float64)
    for k, column in enumerate(records.columns):
        if not column.spec.tf_adjust or column.non_null == 0:
            continue
        exact = gamma[:, k] == 0
        codes = column.codes[left[exact]]
        freq = column.counts[codes] / column.non_null
        out[exact, k] = np.log2(u[k][0] / freq)
    return out


__all__ = ["estimate_u", "tf_adjustments"]
