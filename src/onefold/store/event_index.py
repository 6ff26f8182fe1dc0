"""SQLite index of the event log (table ``collect_events``): dedup by messageId and read queries.

The index is derived data: the fsynced log is the truth, and :func:`high_water` tells the server
where re-indexing must resume after a crash. Callers own transactions.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from onefold.schema.events import ValidEvent
from onefold.store.eventlog import LogPosition
from onefold.store.sqlite import in_chunks, where_equal

_CHUNK = 900  # stay under SQLite's bound-parameter limit

INDEXER_CACHE_KIB = 64 * 1024
INDEXER_WAL_AUTOCHECKPOINT_PAGES = 10_000

MESSAGE_KEY_SQL_FUNCTION = "onefold_message_key"
"""Name under which :func:`message_key` is callable from SQL (migration collect_0002 uses it)."""

MessageKey = Callable[[str], int]


def message_key(message_id: str) -> int:
    """The indexed stand-in for a messageId: its 8-byte BLAKE2b digest as a signed 64-bit integer.

    Stable across processes and versions (unlike ``hash()``), and an 8-byte key keeps the index a
    quarter of the size of one on the 36-character UUID text, so random inserts touch fewer pages.
    Two messageIds may share a key: every look-up confirms a hit on the stored ``message_id``.
    """
    return int.from_bytes(hashlib.blake2b(message_id.encode(), digest_size=8).digest(), "big", signed=True)


def register_sql_functions(conn: sqlite3.Connection) -> None:
    conn.create_function(MESSAGE_KEY_SQL_FUNCTION, 1, lambda m: message_key(m), deterministic=True)


def tune_for_indexing(conn: sqlite3.Connection) -> None:
    """Settings for the one connection that indexes the log.

    SDK messageIds are random UUIDs, so every indexed event dirties a different leaf of the
    messageId index (then UNIQUE(message_id), now the smaller index on its 64-bit key): with SQLite's defaults (2 MB page cache, a checkpoint each 1,000 WAL
    pages) the indexer spent most of its time spilling the cache, writing WAL frames and
    checkpointing, and its cost per event grew with the table (29 → 41 µs/event over the first
    200k bench events; 16 without that index). A 64 MB cache and a checkpoint every 10,000 pages
    (≈ 40 MB of WAL; a page dirtied again before the checkpoint is copied to the database once)
    cut it by 13–28 % in back-to-back runs on the shared machine (bench/README.md, Ingest).
    """
    conn.execute(f"PRAGMA cache_size=-{INDEXER_CACHE_KIB:d}")
    conn.execute(f"PRAGMA wal_autocheckpoint={INDEXER_WAL_AUTOCHECKPOINT_PAGES:d}")


@dataclass(frozen=True, slots=True)
class IndexedEvent:
    seq: int
    message_id: str
    type: str
    event: str | None
    user_id: str | None
    anonymous_id: str | None
    timestamp: str
    received_at: str
    position: LogPosition


def high_water(conn: sqlite3.Connection) -> int:
    """Highest indexed seq (0 when empty). Everything in the log above it needs indexing."""
    row = conn.execute("SELECT max(seq) FROM collect_events").fetchone()
    return int(row[0] or 0)


def existing_message_ids(
    conn: sqlite3.Connection, message_ids: Sequence[str], *, key: MessageKey | None = None
) -> set[str]:
    """The ones among ``message_ids`` the index holds: found by key, then confirmed on the text, so a
    key shared by two messageIds never makes a new event look stored. ``key`` defaults to
    :func:`message_key` (looked up at call time, so a test can substitute one that collides)."""
    key = key or message_key
    wanted = set(message_ids)
    keys = list({key(m) for m in wanted})
    found: set[str] = set()
    for chunk, marks in in_chunks(keys, _CHUNK):
        rows = conn.execute(f"SELECT message_id FROM collect_events WHERE message_key IN ({marks})", chunk)
        found.update(r[0] for r in rows if r[0] in wanted)
    return found


def add(
    conn: sqlite3.Connection, rows: Iterable[tuple[int, ValidEvent, LogPosition]], *, key: MessageKey | None = None
) -> None:
    key = key or message_key
    conn.executemany(
        "INSERT INTO collect_events(seq, message_key, message_id, type, event, user_id, anonymous_id, timestamp,"
        " received_at, segment, offset, length) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (seq, key(e.message_id), e.message_id, e.type, e.event, e.user_id, e.anonymous_id, e.timestamp,
             e.received_at, p.segment, p.offset, p.length)
            for seq, e, p in rows
        ],
    )


def _from_row(row: sqlite3.Row) -> IndexedEvent:
    return IndexedEvent(
        row["seq"], row["message_id"], row["type"], row["event"], row["user_id"], row["anonymous_id"],
        row["timestamp"], row["received_at"], LogPosition(row["segment"], row["offset"], row["length"]),
    )


def query(
    conn: sqlite3.Connection,
    *,
    user_id: str | None = None,
    anonymous_id: str | None = None,
    type: str | None = None,
    event: str | None = None,
    before_seq: int | None = None,
    limit: int = 100,
) -> list[IndexedEvent]:
    """Newest first (by arrival). Page with ``before_seq`` = the last seq of the previous page."""
    where, params = where_equal(
        (("user_id", user_id), ("anonymous_id", anonymous_id), ("type", type), ("event", event)),
        below=("seq", before_seq),
    )
    rows = conn.execute(f"SELECT * FROM collect_events {where} ORDER BY seq DESC LIMIT ?", [*params, limit])
    return [_from_row(r) for r in rows]


def for_identities(
    conn: sqlite3.Connection, *, user_ids: Sequence[str], anonymous_ids: Sequence[str], limit: int
) -> list[IndexedEvent]:
    """Most recent events carrying any of these user or anonymous ids (a profile's events)."""
    found: dict[int, IndexedEvent] = {}
    for column, values in (("user_id", user_ids), ("anonymous_id", anonymous_ids)):
        for chunk, marks in in_chunks(values, _CHUNK):
            rows = conn.execute(
                f"SELECT * FROM collect_events WHERE {column} IN ({marks}) ORDER BY seq DESC LIMIT ?", [*chunk, limit]
            )
            for r in rows:
                found[r["seq"]] = _from_row(r)
    return [found[s] for s in sorted(found, reverse=True)[:limit]]
