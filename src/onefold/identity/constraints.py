"""I/O module: must-not-link constraints in state.sqlite (`identity split`, `identity unmerge`).

They live in the operational state, not the warehouse, so they survive every rebuild and are read
by the next one: an undone merge does not come back.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import UTC, datetime

from onefold.identity.profile_ids import RecordKey
from onefold.store.sqlite import transaction


def add_cannot_link(conn: sqlite3.Connection, pairs: Iterable[tuple[RecordKey, RecordKey]], *, reason: str) -> int:
    """Record that each pair of records must never share a profile. Returns how many were added."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    rows = [(*a, *b, reason, now) for a, b in pairs]
    with transaction(conn):
        conn.executemany(
            "INSERT INTO identity_constraints (a_type, a_source, a_id, b_type, b_source, b_id, reason, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    return len(rows)


def cannot_link(conn: sqlite3.Connection) -> list[tuple[RecordKey, RecordKey]]:
    rows = conn.execute(
        "SELECT a_type, a_source, a_id, b_type, b_source, b_id FROM identity_constraints ORDER BY id"
    ).fetchall()
    return [((r[0], r[1], r[2]), (r[3], r[4], r[5])) for r in rows]


__all__ = ["add_cannot_link", "cannot_link"]
