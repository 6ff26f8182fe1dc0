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
from rapidfuzz.distance import OSA, JaroWinkler, Levenshtein
from rapidfuzz.process import cpdist

from onefold.identity.fields import PARTNERS, Level
from onefold.identity.nicknames import canonical_forms
from onefold.identity.records import FieldColumn, IntArray, ObjArray, RecordSet

Gamma = npt.NDArray[np.int8]
NULL = -1
_DISTANCES: dict[str, Any] = {"levenshtein": Levenshtein.distance, "osa": OSA.distance}


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
    """Level index per pair on one field; ``partner`` is the field a "crossed" level looks across to.

    Specs list the exact level first, so only the non-null, non-equal pairs ("fuzzy rows") need string
    metrics; each metric is computed once per field at its loosest threshold and reused by every
    level of that kind.
    """
    levels = column.spec.levels
    out = np.full(len(left), len(levels), dtype=np.int8)
    cl, cr = column.codes[left], column.codes[right]
    null = (cl < 0) | (cr < 0)
    out[null] = NULL
    exact = ~null & (cl == cr)
    rows = np.flatnonzero(~null & ~exact)
    metrics = _Metrics(column, partner, left[rows], right[rows], workers)
    undecided = np.ones(len(rows), dtype=bool)
    for index, level in enumerate(levels):
        if level.kind == "exact":
            out[exact] = index
            continue
        if not undecided.any():
            break
        hit = undecided & metrics.satisfies(level)
        out[rows[hit]] = index
        undecided &= ~hit
    return out


class _Metrics:
    """String metrics of the fuzzy rows, computed on first use and kept for the other levels."""

    def __init__(self, column: FieldColumn, partner: FieldColumn | None, left: IntArray, right: IntArray,
                 workers: int) -> None:
        self.column, self.partner, self.left, self.right, self.workers = column, partner, left, right, workers
        self.a, self.b = column.values[left], column.values[right]
        self._cache: dict[str, npt.NDArray[np.floating[Any]]] = {}

    def _loosest(self, kind: str) -> float:
        values = [lv.threshold for lv in self.column.spec.levels if lv.kind == kind]
        return max(values) if kind in _DISTANCES else min(values)

    def _score(self, kind: str) -> npt.NDArray[np.floating[Any]]:
        if kind not in self._cache:
            cut = self._loosest(kind)
            if kind == "jaro_winkler":
                self._cache[kind] = _similarity(self.a, self.b, JaroWinkler.normalized_similarity, cut, self.workers)
            elif kind == "token_sort":
                self._cache[kind] = _similarity(self.a, self.b, fuzz.token_sort_ratio, cut * 100, self.workers) / 100
            else:  # an edit distance
                self._cache[kind] = cpdist(self.a, self.b, scorer=_DISTANCES[kind], score_cutoff=int(cut),
                                           dtype=np.int32, workers=self.workers)
        return self._cache[kind]

    def satisfies(self, level: Level) -> npt.NDArray[np.bool_]:
        if level.kind in ("jaro_winkler", "token_sort"):
            return self._score(level.kind) >= level.threshold
        if level.kind in _DISTANCES:
            return self._score(level.kind) <= level.threshold
        if level.kind == "crossed":
            return self._crossed(level.threshold)
        if level.kind == "date_swap":
            # YYYYMMDD with day and month transposed: a common keying error on forms.
            days = self.column.as_int()
            x, y = days[self.left], days[self.right]
            return (x // 10000 == y // 10000) & ((x // 100) % 100 == y % 100) & (x % 100 == (y // 100) % 100)
        return _exact_kinds(level, self.a, self.b)

    def _crossed(self, threshold: float) -> npt.NDArray[np.bool_]:
        ok = np.zeros(len(self.a), dtype=bool)
        if self.partner is None:
            return ok
        p = self.partner
        rows = np.flatnonzero((p.codes[self.left] >= 0) & (p.codes[self.right] >= 0))
        jw = JaroWinkler.normalized_similarity
        a_to_pb = _similarity(self.a[rows], p.values[self.right[rows]], jw, threshold, self.workers)
        pa_to_b = _similarity(p.values[self.left[rows]], self.b[rows], jw, threshold, self.workers)
        ok[rows] = (a_to_pb >= threshold) & (pa_to_b >= threshold)
        return ok


def _exact_kinds(level: Level, a: ObjArray, b: ObjArray) -> npt.NDArray[np.bool_]:
    """Levels decided by equality of a derived value; all values are non-null strings."""
    if level.kind == "nickname":
        forms = canonical_forms(np.unique(np.concatenate([a, b])).tolist())
        return np.fromiter((not forms[x].isdisjoint(forms[y]) for x, y in zip(a, b, strict=True)), dtype=bool,
                           count=len(a))
    if level.kind == "email_local":
        return _tail_equal([s.split("@", 1)[0] for s in a], [s.split("@", 1)[0] for s in b])
    if level.kind == "phone_tail":
        n = int(level.threshold)
        return _tail_equal([s[-n:] for s in a], [s[-n:] for s in b])
    raise ValueError(f"unknown comparison kind {level.kind!r}")


def _similarity(a: ObjArray, b: ObjArray, scorer: Any, cutoff: float, workers: int) -> npt.NDArray[np.float32]:
    # score_cutoff lets rapidfuzz stop early on clearly different strings (most random pairs).
    return cpdist(a, b, scorer=scorer, score_cutoff=cutoff, dtype=np.float32, workers=workers)


def _tail_equal(a: list[str], b: list[str]) -> npt.NDArray[np.bool_]:
    return np.fromiter((x == y for x, y in zip(a, b, strict=True)), dtype=bool, count=len(a))


__all__ = ["NULL", "Gamma", "compare", "compare_field"]
