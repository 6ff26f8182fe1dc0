"""Pairwise precision, recall and F1 of a clustering against true entity labels.

Pairwise scores count record pairs placed together (predicted) versus pairs that are truly the same
entity, the usual measure for deduplication (Christen 2012, "Data Matching", ch. 7). Computed from
cluster-size contingency counts, so it never enumerates pairs: Σ C(n_ij, 2) over the intersection of
predicted and true clusters gives the true positives.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PairScores:
    true_positives: int
    predicted_pairs: int
    true_pairs: int

    @property
    def precision(self) -> float:
        return self.true_positives / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.true_pairs if self.true_pairs else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def pairwise_scores(predicted: Sequence[Hashable], truth: Sequence[Hashable]) -> PairScores:
    """Scores of ``predicted[i]`` (cluster of record i) against ``truth[i]`` (its true entity)."""
    if len(predicted) != len(truth):
        raise ValueError(f"{len(predicted)} predicted labels for {len(truth)} true labels")

    def pairs(counts: Counter[Hashable]) -> int:
        return sum(n * (n - 1) // 2 for n in counts.values())

    both: Counter[Hashable] = Counter(zip(predicted, truth, strict=True))
    return PairScores(pairs(both), pairs(Counter(predicted)), pairs(Counter(truth)))


__all__ = ["PairScores", "pairwise_scores"]
