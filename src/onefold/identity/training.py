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
import numpy.typing as npt

from onefold.identity.blocking import BlockingRule
from onefold.identity.comparisons import Gamma, compare
from onefold.identity.fellegi_sunter import FellegiSunter, FloatArray
from onefold.identity.fields import FieldSpec
from onefold.identity.records import RecordSet


def estimate_u(records: RecordSet, *, sample_pairs: int = 300_000, seed: int = 0, workers: int = 1) -> list[FloatArray]:
    """u probabilities per field and level (last = else), from ``sample_pairs`` random pairs."""
    left, right = stable_random_pairs(records.ids, min(sample_pairs, len(records) * (len(records) - 1) // 2),
                                      seed=seed)
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


def stable_random_pairs(ids: np.ndarray, count: int, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``count`` pairs of distinct records, random but stable when records are added.

    Records are put in a pseudo-random order by a hash of their id (and ``seed``), and each is paired
    with its next neighbours in that order. Adding 1 % of records changes only the pairs around the
    newcomers, about 2 % of the sample: drawing pairs of row numbers instead changes the whole sample,
    and the resulting noise in the rare fuzzy levels' u (a few dozen hits each) moved weights by up
    to 0.3 bits between a build and its rerun with 1 % more records — enough to flip pairs near the
    threshold, so an incremental build disagreed with a full rerun on ~0.2 % of records.
    """
    n = len(ids)
    if n < 2 or count <= 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    order = np.lexsort((np.arange(n), _id_hash(ids, seed))).astype(np.int64)
    offsets = np.arange(1, -(-count // n) + 1, dtype=np.int64)  # enough neighbours for ``count`` pairs
    offsets = offsets[offsets < n] if n > 1 else offsets
    position = np.tile(np.arange(n, dtype=np.int64), len(offsets))[:count]
    step = np.repeat(offsets, n)[:count]
    return order[position], order[(position + step) % n]


def _id_hash(ids: np.ndarray, seed: int) -> npt.NDArray[np.uint64]:
    """A 64-bit hash of each id's text (FNV-1a over its characters, then a splitmix64 finaliser),
    vectorised over fixed-width UTF-32 so a million ids take a fraction of a second."""
    text = np.asarray([str(i) for i in ids], dtype=np.str_)
    chars = text.view(np.uint32).reshape(len(text), -1).astype(np.uint64)
    with np.errstate(over="ignore"):
        h = np.full(len(text), np.uint64(0xCBF29CE484222325) ^ np.uint64(seed), dtype=np.uint64)
        for column in chars.T:
            h = (h ^ column) * np.uint64(0x100000001B3)
        h ^= h >> np.uint64(30)
        h *= np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(27)
        h *= np.uint64(0x94D049BB133111EB)
        h ^= h >> np.uint64(31)
    return h


def estimate_m_by_rule(
    gamma: Gamma,
    found_by: np.ndarray,
    rules: list[BlockingRule],
    columns: list[str],
    u: list[FloatArray],
    specs: list[FieldSpec],
    *,
    min_pairs: int = 50,
) -> tuple[list[FloatArray], float]:
    """m per field, from one EM session per blocking rule with that rule's fields left out.

    A pair found by "same last name and postcode" agrees on both by construction, not by chance; left
    in, that agreement looks like overwhelming evidence under u (random pairs) and EM drifts towards
    "every candidate is a match". So, as Splink does, each session trains on the pairs one rule found
    and estimates m only for the fields that rule did not look at; a field's m is the average over
    the sessions that estimated it (weighted by their expected matches). Only rules using a personal
    field train (see `FieldSpec.personal`), unless there are none. Returns the m list and the
    expected number of matching candidate pairs (from the session finding the most).
    """
    fields = len(columns)
    sums = [np.zeros_like(uk) for uk in u]
    weights = np.zeros(fields)
    trainers = [r for r, rule in enumerate(rules) if any(specs[columns.index(k.column)].personal for k in rule.keys)]
    for r in trainers or range(len(rules)):
        rule = rules[r]
        in_rule = ((found_by >> r) & 1).astype(bool)
        if in_rule.sum() < min_pairs:
            continue
        hidden = [columns.index(key.column) for key in rule.keys]
        session = gamma[in_rule].copy()
        session[:, hidden] = -1
        model = FellegiSunter().fit(session, u)
        matches = model.params.prior * int(in_rule.sum())
        for k in range(fields):
            if k not in hidden and (session[:, k] >= 0).any():
                sums[k] += model.params.m[k] * matches
                weights[k] += matches
    m = [sums[k] / weights[k] if weights[k] > 0 else _fallback(len(u[k])) for k in range(fields)]
    return m, float(weights.max(initial=0.0))


def _fallback(levels: int) -> FloatArray:
    m = np.full(levels, 0.05 / max(levels - 1, 1))
    m[0] = 0.95
    return m


def tf_adjustments(records: RecordSet, gamma: Gamma, left: np.ndarray, right: np.ndarray,
                   u: list[FloatArray], *, add_to: FloatArray | None = None) -> FloatArray:
    """Extra log2 weight per pair and field from the frequency of the values compared.

    Exact agreement: log2(u_exact / frequency of the agreed value), up or down. Near agreement (a
    typo, a nickname): log2(u_exact / frequency of the more common of the two values), only ever
    down — "rick" and "richard" agree about as often by chance as "richard" does, so a nickname or a
    typo of a common name is never stronger evidence than agreeing exactly on it (Splink applies
    the more common value's frequency to fuzzy levels the same way). Only fields whose spec asks
    for it; zero elsewhere. With ``add_to`` (pairs × fields), the adjustments are added to it in
    place and it is returned: millions of pairs need no second array.
    """
    out = add_to if add_to is not None else np.zeros(gamma.shape, dtype=np.float64)
    for k, column in enumerate(records.columns):
        if not column.spec.tf_adjust or column.non_null == 0:
            continue
        exact = gamma[:, k] == 0
        freq = column.counts[column.codes[left[exact]]] / column.non_null
        out[exact, k] += np.log2(u[k][0] / freq)
        fuzzy_levels = [i for i, level in enumerate(column.spec.levels) if i > 0 and level.kind != "crossed"]
        near = np.flatnonzero(np.isin(gamma[:, k], fuzzy_levels))
        common = np.maximum(column.counts[column.codes[left[near]]], column.counts[column.codes[right[near]]])
        out[near, k] += np.minimum(np.log2(u[k][0] * column.non_null / common), 0.0)
    return out


__all__ = ["estimate_m_by_rule", "estimate_u", "tf_adjustments"]
