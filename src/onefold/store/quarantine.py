"""The quarantine: every record that failed validation, with where and why.

Shared by the collection API (source ``api``) and the importer (source = file name). Rows are
released (never deleted) when a corrected record is accepted, so counts always reconcile.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from onefold.errors import NotFoundError
from onefold.store.sqlite import in_chunks, where_equal


@dataclass(frozen=True, slots=True)
class QuarantineRecord:
    source: str
    entity: str
    reason: str
    payload: Any
    row_number: int | None = None
    field: str | None = None
    record_key: str | None = None
    id: int | None = None
    status: str = "open"
    created_at: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "source": self.source,
            "entity": self.entity,
            "row": self.row_number,
            "field": self.field,
            "reason": self.reason,
            "record_key": self.record_key,
            "status": self.status,
            "created_at": self.created_at,
            "payload": self.payload,
        }


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _encode(payload: Any) -> str:
    return orjson.dumps(payload, default=str).decode()


def add(conn: sqlite3.Connection, records: Iterable[QuarantineRecord]) -> int:
    """Insert records (the caller owns the transaction). Returns how many were written."""
    now = _now()
    rows = [
        (r.source, r.entity, r.row_number, r.field, r.reason, r.record_key, _encode(r.payload), now)
        for r in records
    ]
    conn.executemany(
        "INSERT INTO quarantine(source, entity, row_number, field, reason, record_key, payload, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    return len(rows)


def _from_row(row: sqlite3.Row) -> QuarantineRecord:
    return QuarantineRecord(
        id=row["id"],
        source=row["source"],
        entity=row["entity"],
        row_number=row["row_number"],
        field=row["field"],
        reason=row["reason"],
        record_key=row["record_key"],
        payload=orjson.loads(row["payload"]),
        status=row["status"],
        created_at=row["created_at"],
    )


def list_records(
    conn: sqlite3.Connection,
    *,
    entity: str | None = None,
    source: str | None = None,
    status: str | None = "open",
    limit: int = 100,
    before_id: int | None = None,
) -> list[QuarantineRecord]:
    """Newest first; page with ``before_id`` (the smallest id of the previous page)."""
    where, params = where_equal((("entity", entity), ("source", source), ("status", status)),
                                below=("id", before_id))
    params.append(limit)
    rows = conn.execute(f"SELECT * FROM quarantine {where} ORDER BY id DESC LIMIT ?", params).fetchall()
    return [_from_row(r) for r in rows]


def get(conn: sqlite3.Connection, record_id: int) -> QuarantineRecord:
    row = conn.execute("SELECT * FROM quarantine WHERE id = ?", (record_id,)).fetchone()
    if row is None:
        raise NotFoundError(f"no quarantined record with id {record_id}", remedy="see `onefold quarantine list`")
    return _from_row(row)


def release(conn: sqlite3.Connection, *, entity: str, record_keys: Sequence[str]) -> int:
    """Mark open records of ``entity`` with these natural keys released (a corrected row was accepted)."""
    now = _now()
    released = 0
    for chunk, marks in in_chunks(record_keys):
        cur = conn.execute(
            f"UPDATE quarantine SET status='released', released_at=? WHERE status='open' AND entity=?"
            f" AND record_key IN ({marks})",
            [now, entity, *chunk],
        )
        released += cur.rowcount
    return released


def release_ids(conn: sqlite3.Connection, ids: Sequence[int]) -> int:
    now = _now()
    released = 0
    for chunk, marks in in_chunks(ids):
        cur = conn.execute(
            f"UPDATE quarantine SET status='released', released_at=? WHERE status='open' AND id IN ({marks})",
            [now, *chunk],
        )
        released += cur.rowcount
    return released


def counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Open quarantined records per entity."""
    return {
        r[0]: r[1]
        for r in conn.execute("SELECT entity, count(*) FROM quarantine WHERE status='open' GROUP BY entity")
    }
