"""SQLite connections for operational state (keys, dedup, quarantine, identity graph, outboxes).

WAL mode lets the server and CLI commands (e.g. `keys create`) use the same file at once; writers
wait up to ``busy_timeout`` for each other instead of failing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from onefold.errors import InputError, Location

BUSY_TIMEOUT_MS = 10_000
T = TypeVar("T")


def connect(path: Path, *, synchronous: str = "FULL", check_same_thread: bool = True) -> sqlite3.Connection:
    """Open a connection tuned for onefold: WAL, foreign keys, row factory by name.

    ``synchronous=FULL`` makes each commit durable; hot paths whose durability comes from another
    log (e.g. the event index rebuilt from the event log) may pass ``NORMAL``.
    """
    if synchronous not in {"OFF", "NORMAL", "FULL", "EXTRA"}:
        raise ValueError(f"synchronous must be OFF, NORMAL, FULL or EXTRA, not {synchronous!r}")
    conn = sqlite3.connect(
        path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=check_same_thread
    )
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={synchronous}")  # validated literal above, not user text
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    return conn


@contextmanager
def transaction(conn: sqlite3.Connection, *, immediate: bool = True) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any exception.

    IMMEDIATE takes the write lock up front so two writers never deadlock upgrading read locks.
    """
    conn.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


SQLITE_MAX_INT = 2**63 - 1


def sqlite_int(text: str | int, *, field: str) -> int:
    """Parse an id or position from a request into an int SQLite can bind.

    Python ints are unbounded but SQLite's are 64-bit (binding a bigger one raises OverflowError),
    and ``str.isdigit`` accepts characters such as '²' that ``int`` rejects; both would otherwise
    surface as a 500 instead of a 400 naming the field.
    """
    raw = str(text)
    if not (raw.isascii() and raw.isdigit()) or int(raw) > SQLITE_MAX_INT:
        raise InputError(f"{raw[:40]!r} is not a valid {field} (expected a whole number below 2^63)",
                         location=Location(field=field))
    return int(raw)


IN_CHUNK = 500
"""Values bound per ``IN (...)``: well under SQLite's default limit of 32,766 host parameters."""


def in_chunks(values: Sequence[T], size: int = IN_CHUNK) -> Iterator[tuple[list[T], str]]:
    """Split ``values`` for ``col IN (...)`` queries: yields (chunk, "?,?,…") pairs."""
    for start in range(0, len(values), size):
        chunk = list(values[start : start + size])
        yield chunk, ",".join("?" * len(chunk))


def where_equal(
    equals: Sequence[tuple[str, object]], *, below: tuple[str, object] | None = None
) -> tuple[str, list[object]]:
    """``WHERE a = ? AND b = ? AND key < ?`` for the pairs whose value is not None.

    Column names must be onefold's own (callers pass literals); values are always bound.
    """
    clauses, params = [], []
    for column, value in equals:
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    if below is not None and below[1] is not None:
        clauses.append(f"{below[0]} < ?")
        params.append(below[1])
    return (f"WHERE {' AND '.join(clauses)}" if clauses else ""), params


MAX_PAGE = 1000
"""Largest page any list endpoint returns; page on with its cursor beyond that."""


def check_page_limit(limit: int, *, maximum: int = MAX_PAGE) -> int:
    """A request's page size, or an InputError naming the ``limit`` field."""
    if not 1 <= limit <= maximum:
        raise InputError(f"limit must be between 1 and {maximum}, not {limit}", location=Location(field="limit"))
    return limit
