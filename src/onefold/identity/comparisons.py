"""Vectorised comparison of record pairs into Fellegi–Sunter agreement levels.

For each field, every pair gets a level index: 0 = best level of the field's spec (exact), then the
fuzzier ones, ``len(levels)`` = "else", and -1 when either side is missing (missing values carry no
evidence either way, as in Fellegi–Sunter 1969). String similarities come from rapidfuzz's
``cpdist`` over whole arrays (Jaro-Winkler per Winkler 1990, Levenshtein) — no per-pair Python.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz
from rapidfuzz.distance import JaroWinkler, Levenshtein
from rapidfuzz.process import cpdist

from onefold.identity.fields import PARTNERS, Level
from onefold.identity.records import FieldColumn, IntArray, ObjArray, RecordSet

Gamma = npt.NDArray[np.int8]
NULL = -1


def compare(records: RecordSet, left: IntArray, right: IntArray, *, workers: int = 1) -> Gamma:
    """Levels of every pair (rows) on every field (columns)."""
    gamma = np.empty((len(left), len(records.columns)), dtype=np.int8)
    by_type = {}
    for column in records.columns:
        by_type.setdefault(column.field_type, column)
    for j, column in enumerate(records.columns):
        partner_type = PARTNERS.get(column.field_type)
        partner = by_type.get(partner_type) if partner_type else None
        gamma[:, j] = compare_field(column, left, right, partner=partner, workers=workers)
    return gamma


def compare_field(
    column: FieldColumn,
    left: IntArray,
    right: IntArray,
    *,
    partner: FieldColumn | None = None,
    workers: int = 1,
) -> npt.NDArray[np.int8]:
    """Level index per pair on one field; ``partner`` is the field a "crossed" level looks across to."""
    levels = column.spec.levels
    out = np.full(len(left), len(levels), dtype=np.int8)
    cl, cr = column.codes[left], column.codes[right]
    null = (cl < 0) | (cr < 0)
    out[null] = NULL
    undecided = ~null
    for index, level in enumerate(levels):
        if not undecided.any():
            break
        if level.kind == "exact":
            hit = undecided & (cl == cr)
        elif level.kind == "crossed":
            hit = np.zeros(len(left), dtype=bool)
            if partner is not None:
                rows = np.flatnonzero(undecided & (partner.codes[left] >= 0) & (partner.codes[right] >= 0))
                a, b = column.values[left[rows]], column.values[right[rows]]
                pa, pb = partner.values[left[rows]], partner.values[right[rows]]
                jw, cut = JaroWinkler.normalized_similarity, level.threshold
                ok = (_similarity(a, pb, jw, cut, workers) >= cut) & (_similarity(pa, b, jw, cut, workers) >= cut)
                hit[rows[ok]] = True
        else:
            rows = np.flatnonzero(undecided)
            ok = _fuzzy(level, column.values[left[rows]], column.values[right[rows]], workers=workers)
            hit = np.zeros(len(left), dtype=bool)
            hit[rows[ok]] = True
        out[hit] = index
        undecided &= ~hit
    return out


def _fuzzy(level: Level, a: ObjArray, b: ObjArray, *, workers: int) -> npt.NDArray[np.bool_]:
    """Whether each (a[i], b[i]) satisfies ``level``; all values are non-null strings."""
    if level.kind == "jaro_winkler":
        return _similarity(a, b, JaroWinkler.normalized_similarity, level.threshold, workers) >= level.threshold
    if level.kind == "levenshtein":
        cutoff = int(level.threshold)
        dist = cpdist(a, b, scorer=Levenshtein.distance, score_cutoff=cutoff, dtype=np.int32, workers=workers)
        return dist <= cutoff
    if level.kind == "token_sort":
        return _similarity(a, b, fuzz.token_sort_ratio, level.threshold * 100, workers) >= level.threshold * 100
    if level.kind == "email_local":
        return _tail_equal([s.split("@", 1)[0] for s in a], [s.split("@", 1)[0] for s in b])
    if level.kind == "phone_tail":
        n = int(level.threshold)
        return _tail_equal([s[-n:] for s in a], [s[-n:] for s in b])
    if level.kind == "date_swap":
        # YYYYMMDD with day and month transposed: a common keying error on forms.
        return np.fromiter(
            (x[:4] == y[:4] and x[4:6] == y[6:8] and x[6:8] == y[4:6] for x, y in zip(a, b, strict=True)),
            dtype=bool,
            count=len(a),
        )
    raise ValueError(f"unknown comparison kind {level.kind!r}")


def _similarity(a: ObjArray, b: ObjArray, scorer: Any, cutoff: float, workers: int) -> npt.NDArray[np.float32]:
    # score_cutoff lets rapidfuzz stop early on clearly different strings (most random pairs).
    return cpdist(a, b, scorer=scorer, score_cutoff=cutoff, dtype=np.float32, workers=workers)


def _tail_equal(a: list[str], b: list[str]) -> npt.NDArray[np.bool_]:
    return np.fromiter((x == y for x, y in zip(a, b, strict=True)), dtype=bool, count=len(a))


__all__ = ["NULL", "Gamma", "compare", "compare_field"]
