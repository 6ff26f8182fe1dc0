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
from onefold.identity.records import FieldColumn, IntArray, ObjArray, RecordSet, encode

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
        todo = np.flatnonzero(undecided)
        if not len(todo):
            break
        hit = todo[metrics.satisfies(level, todo)]
        out[rows[hit]] = index
        undecided[hit] = False
    return out


class _Metrics:
    """String metrics of the fuzzy rows, computed on first use and kept for the other levels.

    A metric is computed only for the rows no better level has claimed yet (``todo``); later levels
    of the same kind ask about a subset of those, so the cached values always cover them.
    """

    def __init__(self, column: FieldColumn, partner: FieldColumn | None, left: IntArray, right: IntArray,
                 workers: int) -> None:
        self.column, self.partner, self.left, self.right, self.workers = column, partner, left, right, workers
        self._cache: dict[str, npt.NDArray[np.floating[Any]]] = {}

    def _loosest(self, kind: str) -> float:
        values = [lv.threshold for lv in self.column.spec.levels if lv.kind == kind]
        return max(values) if kind in _DISTANCES else min(values)

    def _score(self, kind: str, todo: IntArray) -> npt.NDArray[np.floating[Any]]:
        if kind not in self._cache:
            cut = self._loosest(kind)
            a, b = self.column.values[self.left[todo]], self.column.values[self.right[todo]]
            scores = np.full(len(self.left), np.inf if kind in _DISTANCES else -1.0, dtype=np.float32)
            if kind == "jaro_winkler":
                scores[todo] = _similarity(a, b, JaroWinkler.normalized_similarity, cut, self.workers)
            elif kind == "token_sort":
                scores[todo] = _similarity(a, b, fuzz.token_sort_ratio, cut * 100, self.workers) / 100
            else:  # an edit distance
                scores[todo] = _chunked(a, b, scorer=_DISTANCES[kind], score_cutoff=int(cut), dtype=np.int32,
                                        workers=self.workers)
            self._cache[kind] = scores
        return self._cache[kind][todo]

    def satisfies(self, level: Level, todo: IntArray) -> npt.NDArray[np.bool_]:
        """Whether each of the fuzzy rows ``todo`` is in ``level``."""
        if level.kind in ("jaro_winkler", "token_sort"):
            return self._score(level.kind, todo) >= level.threshold
        if level.kind in _DISTANCES:
            return self._score(level.kind, todo) <= level.threshold
        left, right = self.left[todo], self.right[todo]
        if level.kind == "crossed":
            return self._crossed(level.threshold, left, right)
        if level.kind == "date_swap":
            # YYYYMMDD with day and month transposed: a common keying error on forms.
            days = self.column.as_int()
            x, y = days[left], days[right]
            return (x // 10000 == y // 10000) & ((x // 100) % 100 == y % 100) & (x % 100 == (y // 100) % 100)
        return _exact_kinds(level, self.column, left, right)

    def _crossed(self, threshold: float, left: IntArray, right: IntArray) -> npt.NDArray[np.bool_]:
        ok = np.zeros(len(left), dtype=bool)
        if self.partner is None:
            return ok
        p, values = self.partner, self.column.values
        rows = np.flatnonzero((p.codes[left] >= 0) & (p.codes[right] >= 0))
        jw = JaroWinkler.normalized_similarity
        a_to_pb = _similarity(values[left[rows]], p.values[right[rows]], jw, threshold, self.workers)
        pa_to_b = _similarity(p.values[left[rows]], values[right[rows]], jw, threshold, self.workers)
        ok[rows] = (a_to_pb >= threshold) & (pa_to_b >= threshold)
        return ok


def _exact_kinds(level: Level, column: FieldColumn, left: IntArray, right: IntArray) -> npt.NDArray[np.bool_]:
    """Levels decided by equality of a value derived from each side; computed once per distinct value
    (through the column's codes), so the per-pair work is NumPy, not Python."""
    values = column.values[_first_rows(column)].tolist()
    if level.kind == "nickname":
        forms = canonical_forms(values)
        single = np.array([len(forms[v]) == 1 for v in values], dtype=bool)
        form_id, _, _ = encode(np.array([min(forms[v]) for v in values], dtype=object))
        cl, cr = column.codes[left], column.codes[right]
        out = form_id[cl] == form_id[cr]
        # A typo near several listed names has several possible formal names: compare those sets.
        mixed = np.flatnonzero(~out & ~(single[cl] & single[cr]))
        for row in mixed.tolist():
            out[row] = not forms[values[cl[row]]].isdisjoint(forms[values[cr[row]]])
        return out
    if level.kind == "email_local":
        derived = [v.split("@", 1)[0] for v in values]
    elif level.kind == "phone_tail":
        derived = [v[-int(level.threshold):] for v in values]
    else:
        raise ValueError(f"unknown comparison kind {level.kind!r}")
    derived_id, _, _ = encode(np.array(derived, dtype=object))
    return derived_id[column.codes[left]] == derived_id[column.codes[right]]


def _first_rows(column: FieldColumn) -> IntArray:
    """For each code, one record holding it."""
    first = np.zeros(len(column.counts), dtype=np.int64)
    present = np.flatnonzero(column.codes >= 0)
    first[column.codes[present]] = present
    return first


def _similarity(a: ObjArray, b: ObjArray, scorer: Any, cutoff: float, workers: int) -> npt.NDArray[np.float32]:
    # score_cutoff lets rapidfuzz stop early on clearly different strings (most random pairs).
    return _chunked(a, b, scorer=scorer, score_cutoff=cutoff, dtype=np.float32, workers=workers)


_CHUNK = 1 << 18


def _chunked(a: ObjArray, b: ObjArray, **options: Any) -> npt.NDArray[Any]:
    """``cpdist`` a chunk at a time: it copies every string it is given into its own buffers first,
    which for millions of pairs of addresses is hundreds of MB held at once."""
    parts = [cpdist(a[i:i + _CHUNK], b[i:i + _CHUNK], **options) for i in range(0, len(a), _CHUNK)]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=options.get("dtype", np.float32))


__all__ = ["NULL", "Gamma", "compare", "compare_field"]
