"""Ranks and scores: RFM quintiles and the configurable strategic score per use case.

The strategic score of a use case is Σ weight × percentile rank of each component (net_clv,
net_margin, loyalty = order count, churn_risk = churn probability), so it lies within the sum of
negative and positive weights and is comparable across builds. Each score comes with a one-line
explanation listing the components by contribution, e.g. "net_clv top 4% (+0.48), loyalty ...".
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from scipy.stats import rankdata

from onefold.errors import ConfigError, Location

COMPONENTS = ("net_clv", "net_margin", "loyalty", "churn_risk")


def percentile(values: np.ndarray) -> np.ndarray:
    """Percentile rank in [0, 1] (ties share the mean rank); NaN counts as the lowest value."""
    v = np.where(np.isnan(values), -np.inf, values.astype(np.float64))
    if v.size <= 1:
        return np.ones_like(v)
    return np.asarray((rankdata(v, method="average") - 1) / (v.size - 1))


def _quintile(values: np.ndarray) -> np.ndarray:
    return np.minimum(5, 1 + np.floor(percentile(values) * 5)).astype(np.int64)


def rfm_scores(money: pa.Table, cols: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Quintile scores 1..5 (5 = best): recent, frequent, high-spending."""
    gap = cols["T"] - cols["recency"]  # periods since the last purchase; NaN for non-buyers
    return {
        "r_score": _quintile(np.where(np.isnan(gap), np.nan, -gap)),
        "f_score": _quintile(money.column("orders").to_numpy(zero_copy_only=False).astype(np.float64)),
        "m_score": _quintile(money.column("gross_revenue").to_numpy(zero_copy_only=False).astype(np.float64)),
    }


def strategic_scores(model: pa.Table, use_cases: dict[str, dict[str, float]]) -> pa.Table:
    """Long table (profile_id, use_case, score, explanation) from the ``pct_*`` columns of ``model``."""
    profiles = model.column("profile_id").to_numpy(zero_copy_only=False)
    pct = {c: model.column(f"pct_{c}").to_numpy(zero_copy_only=False) for c in COMPONENTS}
    out: dict[str, list[object]] = {"profile_id": [], "use_case": [], "score": [], "explanation": []}
    for use_case, weights in use_cases.items():
        unknown = set(weights) - set(COMPONENTS)
        if unknown:
            raise ConfigError(
                f"unknown score component(s) {', '.join(sorted(unknown))}",
                location=Location(field=f"value.use_cases.{use_case}"), remedy=f"use {', '.join(COMPONENTS)}",
            )
        parts = {c: w * pct[c] for c, w in weights.items()}
        score = np.sum(list(parts.values()), axis=0) if parts else np.zeros(len(profiles))
        out["profile_id"].extend(profiles.tolist())
        out["use_case"].extend([use_case] * len(profiles))
        out["score"].extend(score.tolist())
        out["explanation"].extend(_explain(i, parts, pct) for i in range(len(profiles)))
    return pa.table(out)


def _explain(i: int, parts: dict[str, np.ndarray], pct: dict[str, np.ndarray]) -> str:
    ranked = sorted(parts, key=lambda c: -abs(parts[c][i]))
    return "; ".join(f"{c} top {max(1, round(100 * (1 - pct[c][i])))}% ({parts[c][i]:+.2f})" for c in ranked)
