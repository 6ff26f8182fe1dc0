"""Scored pairs of customer records → links (at or above the threshold) and borderline review pairs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import orjson
import pyarrow as pa

from onefold.identity.graph import Edge

REVIEW_FLOOR = 0.5
"""Pairs this likely but below the threshold are listed by `onefold identity review`."""


@dataclass
class Decisions:
    links: list[Edge]
    """Pairs at or above the threshold, before the chaining guard (node numbers, weight, evidence)."""
    review: pa.Table
    """a, b (node numbers), probability, evidence (JSON) of borderline pairs."""


def review_pairs_of(a: list[int], b: list[int], probability: list[float], evidence: list[str]) -> pa.Table:
    return pa.table({"a": pa.array(a, pa.int64()), "b": pa.array(b, pa.int64()),
                     "probability": pa.array(probability, pa.float64()), "evidence": pa.array(evidence, pa.string())})


def decide_pairs(a: npt.NDArray[np.int64], b: npt.NDArray[np.int64], weight: npt.NDArray[np.float64],
                 probability: npt.NDArray[np.float64], field_weights: npt.NDArray[np.float64], names: list[str],
                 threshold: float) -> Decisions:
    links: list[Edge] = []
    review: tuple[list[int], list[int], list[float], list[str]] = ([], [], [], [])
    for i in np.flatnonzero((probability >= REVIEW_FLOOR) & np.isfinite(weight)).tolist():
        p = float(probability[i])
        evidence = {n: round(float(w), 2) for n, w in zip(names, field_weights[i], strict=True) if w}
        if p >= threshold:
            links.append(Edge(int(a[i]), int(b[i]), "probabilistic", float(weight[i]),
                              {"fields": evidence, "probability": round(p, 6)}))
        else:
            for column, value in zip(review, (int(a[i]), int(b[i]), p, orjson.dumps(evidence).decode()), strict=True):
                column.append(value)  # type: ignore[attr-defined]
    return Decisions(links, review_pairs_of(*review))


__all__ = ["REVIEW_FLOOR", "Decisions", "decide_pairs", "review_pairs_of"]
