"""Correcting Fellegi–Sunter's independence assumption where the data shows nested fields.

Fellegi–Sunter (1969) multiplies per-field likelihood ratios, assuming fields agree independently.
Address parts often do not: a postcode nearly fixes its city and state, so two records in the same
postcode agree on the city almost surely, whether or not they are the same person. Summing the
three weights then counts one fact three times. Rather than assume either way, onefold measures it:
for location fields A (more specific) and B, r(B|A) = P(B agrees | A agrees) over all record pairs,
from value counts. Where A agrees, B's agreement weight becomes log2(m_B / r(B|A)) — the chain rule
with the measured conditional instead of the unconditional u_B. Independent fields (Febrl draws
each address part separately) give r ≈ u and keep their full weight; nested ones give r ≈ 1 and
add almost nothing.
"""

from __future__ import annotations

import numpy as np

from onefold.identity.comparisons import Gamma
from onefold.identity.fellegi_sunter import FloatArray
from onefold.identity.records import FieldColumn, RecordSet


def conditional_agreement(a: FieldColumn, b: FieldColumn) -> float:
    """P(b agrees | a agrees) over record pairs where both fields are present on both records."""
    both = (a.codes >= 0) & (b.codes >= 0)
    if not both.any():
        return 0.0
    ca, cb = a.codes[both], b.codes[both]
    _, a_counts = np.unique(ca, return_counts=True)
    _, ab_counts = np.unique(ca * (int(cb.max()) + 1) + cb, return_counts=True)
    pairs_a = float((a_counts * (a_counts - 1)).sum())
    return float((ab_counts * (ab_counts - 1)).sum()) / pairs_a if pairs_a else 0.0


def nesting_rates(records: RecordSet, u: list[FloatArray]) -> dict[tuple[int, int], float]:
    """r(B|A) for each location field B and each more specific location field A, by field position:
    what `adjust_nested_locations` needs from the whole data set (stored with a trained model)."""
    columns = records.columns
    order = sorted((k for k, col in enumerate(columns) if col.spec.location), key=lambda k: u[k][0])
    return {(j, k): conditional_agreement(columns[j], columns[k])
            for position, k in enumerate(order) for j in order[:position]}


def adjust_nested_locations(
    field_weights: FloatArray, gamma: Gamma, records: RecordSet, m: list[FloatArray], u: list[FloatArray],
    rates: dict[tuple[int, int], float] | None = None,
) -> FloatArray:
    """Replace the exact-agreement weight of each location field by its weight given a more specific
    location field's outcome (see module docstring). Changes ``field_weights`` in place (a million
    records give millions of pairs) and returns it; other cells are unchanged.

    Where the more specific field A agrees, B's weight is log2(m_B / r(B|A)). Where A is present on
    both sides but differs (a move, or two people in one town), agreeing on B is weaker evidence
    than B's marginal weight says: most matches that agree on B do so *because* they agree on A. By
    the chain rule, with ρ = (r − u_B) / (1 − u_B) the measured nesting (0 independent, 1 nested) and
    P(A, B | match) = m_A (m_B + (1 − m_B) ρ):
        P(B | ¬A, match) = (m_B − P(A, B | match)) / (1 − m_A),   P(B | ¬A, non-match) = (u_B − u_A r) / (1 − u_A).
    Independent fields (ρ = 0) keep their weight; for nested ones, same town but another postcode
    counts only as much as the data's matches actually move within a town.

    ``rates`` (from `nesting_rates`) are measured over ``records`` when not given; incremental
    matching passes the whole data set's, as its ``records`` hold only the new records' neighbours.
    """
    columns = records.columns
    location = [k for k, col in enumerate(columns) if col.spec.location]
    order = sorted(location, key=lambda k: u[k][0])  # most specific (rarest agreement) first
    out = field_weights
    for position, k in enumerate(order):
        m_b, u_b = max(float(m[k][0]), 1e-9), float(u[k][0])
        for j in order[:position]:
            r = rates[(j, k)] if rates is not None else conditional_agreement(columns[j], columns[k])
            if r <= u_b:
                continue
            both = (gamma[:, j] == 0) & (gamma[:, k] == 0)
            conditional = float(np.log2(m_b / r))
            out[both, k] = np.minimum(out[both, k], conditional)
            m_a, u_a = float(m[j][0]), float(u[j][0])
            nesting = (r - u_b) / (1 - u_b) if u_b < 1 else 0.0
            m_b_not_a = (m_b - m_a * (m_b + (1 - m_b) * nesting)) / max(1 - m_a, 1e-9)
            u_b_not_a = (u_b - u_a * r) / max(1 - u_a, 1e-9)
            if u_b_not_a <= 0:
                continue
            # No term-frequency bonus here: a rare town says the records are the same person only when
            # they agree on it because they live there, and after a move that is no longer why.
            moved = (gamma[:, j] > 0) & (gamma[:, k] == 0)
            out[moved, k] = np.minimum(out[moved, k], float(np.log2(max(m_b_not_a, 1e-9) / u_b_not_a)))
    return out


__all__ = ["adjust_nested_locations", "conditional_agreement", "nesting_rates"]
