"""Allocating scarce stock: which customers waiting for a backordered SKU get the units first.

Customers waiting are the open orders with status ``backordered`` holding that SKU (docs/entities.md).
They are ranked by the strategic score of a use case (built by the "value" step, see scores.py),
first-ordered first among equals, and served whole lines while units last (the last one may be
partial). Each choice carries its explanation: rank, score and the components behind it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from onefold.errors import InputError, Location, NotFoundError, WorkspaceError
from onefold.store.build import connect_duckdb

_WAITING = """
WITH key AS (
  SELECT o.order_id, {profile} AS profile_id
  FROM orders o {join_profiles}
)
SELECT o.order_id, o.customer_source, o.customer_id, k.profile_id, o.ordered_at, SUM(i.qty) AS qty,
       s.score, s.explanation
FROM orders o
JOIN order_items i ON i.order_id = o.order_id AND i.sku = $sku
JOIN key k ON k.order_id = o.order_id
LEFT JOIN strategic_scores s ON s.profile_id = k.profile_id AND s.use_case = $use_case
WHERE o.status = 'backordered'
GROUP BY ALL
ORDER BY s.score DESC NULLS LAST, o.ordered_at, o.order_id
"""
_WITH_PROFILES = _WAITING.format(
    profile="COALESCE(rp.profile_id, o.customer_source || ':' || o.customer_id)",
    join_profiles="LEFT JOIN record_profile rp ON rp.record_type = 'customer' AND rp.source = o.customer_source"
                  " AND rp.record_id = o.customer_id",
)
_WITHOUT_PROFILES = _WAITING.format(profile="o.customer_source || ':' || o.customer_id", join_profiles="")


@dataclass(frozen=True)
class Allocation:
    rank: int
    order_id: str
    customer: str
    profile_id: str
    waiting: int
    allocated: int
    score: float | None
    why: str

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def allocate(warehouse: Path, *, sku: str, units: int, use_case: str = "backorder") -> list[Allocation]:
    """Rank every waiting order for ``sku`` and allocate ``units``; orders left without stock are
    listed too (allocated 0) so the user sees who waits and why."""
    if units <= 0:
        raise InputError("units must be positive", location=Location(field="units"))
    if not warehouse.exists():
        raise WorkspaceError("no warehouse yet", remedy="run `onefold build` first")
    con = connect_duckdb(warehouse, read_only=True)
    try:
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        if "strategic_scores" not in tables:
            raise WorkspaceError("the warehouse has no strategic scores", remedy="run `onefold build` with the value step")
        cases = [r[0] for r in con.execute("SELECT DISTINCT use_case FROM strategic_scores ORDER BY 1").fetchall()]
        if use_case not in cases:
            raise InputError(f"unknown use case {use_case!r}", location=Location(field="use_case"),
                             remedy=f"configured: {', '.join(cases)}")
        query = _WITH_PROFILES if "record_profile" in tables else _WITHOUT_PROFILES
        rows = con.execute(query, {"sku": sku, "use_case": use_case}).fetchall()
    finally:
        con.close()
    if not rows:
        raise NotFoundError(f"no backordered order holds SKU {sku!r}", location=Location(field="sku"))
    left = units
    result = []
    for rank, (order_id, source, cid, profile, _at, qty, score, expl) in enumerate(rows, start=1):
        give = min(int(qty), left)
        left -= give
        reason = f"score {score:.2f}: {expl}" if score is not None else "no value profile (no scored history)"
        result.append(Allocation(rank, order_id, f"{source}:{cid}", profile, int(qty), give, score, reason))
    return result
