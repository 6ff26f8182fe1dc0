"""SQLite storage of the real-time identity graph (``stitch_*`` tables). Callers own transactions.

The graph is a set of profiles, each owning identifiers (kind, normalised value). Merging moves
the loser's identifiers to the survivor and records ``old → new`` so old ids keep resolving.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from onefold.store.sqlite import in_chunks

Key = tuple[str, str]
_CHUNK = 900


@dataclass(slots=True)
class ProfileRow:
    id: int
    traits: dict[str, Any]
    event_count: int
    first_seen: str | None
    last_seen: str | None
    created_seq: int


def lookup(conn: sqlite3.Connection, keys: Iterable[Key]) -> dict[Key, int]:
    """Profile id of each known key (unknown keys are absent)."""
    by_kind: dict[str, list[str]] = {}
    for kind, value in keys:
        by_kind.setdefault(kind, []).append(value)
    found: dict[Key, int] = {}
    for kind, values in by_kind.items():
        for chunk, marks in in_chunks(values, _CHUNK):
            for value, pid in conn.execute(
                f"SELECT value, profile_id FROM stitch_identifiers WHERE kind = ? AND value IN ({marks})",
                [kind, *chunk],
            ):
                found[(kind, value)] = pid
    return found


def load_profiles(conn: sqlite3.Connection, ids: Sequence[int]) -> dict[int, ProfileRow]:
    found: dict[int, ProfileRow] = {}
    for chunk, marks in in_chunks(ids, _CHUNK):
        for r in conn.execute(f"SELECT * FROM stitch_profiles WHERE id IN ({marks})", chunk):
            found[r["id"]] = _from_row(r)
    return found


def _from_row(r: sqlite3.Row) -> ProfileRow:
    return ProfileRow(r["id"], orjson.loads(r["traits"]), r["event_count"], r["first_seen"], r["last_seen"],
                      r["created_seq"])


def next_profile_id(conn: sqlite3.Connection) -> int:
    # AUTOINCREMENT keeps ids of merged-away profiles from being reused.
    row = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'stitch_profiles'").fetchone()
    return int(row[0]) + 1 if row else 1


def _params(p: ProfileRow) -> tuple[Any, ...]:
    return (orjson.dumps(p.traits).decode(), p.event_count, p.first_seen, p.last_seen, p.created_seq, p.id)


def save_profiles(conn: sqlite3.Connection, *, new: Sequence[ProfileRow], changed: Sequence[ProfileRow]) -> None:
    conn.executemany(
        "INSERT INTO stitch_profiles(traits, event_count, first_seen, last_seen, created_seq, id)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [_params(p) for p in new],
    )
    conn.executemany(
        "UPDATE stitch_profiles SET traits = ?, event_count = ?, first_seen = ?, last_seen = ?, created_seq = ?"
        " WHERE id = ?",
        [_params(p) for p in changed],
    )


def add_identifiers(conn: sqlite3.Connection, rows: Sequence[tuple[str, str, int, int]]) -> None:
    """Insert (kind, value, profile_id, first_seq) rows for keys not yet in the graph."""
    conn.executemany(
        "INSERT INTO stitch_identifiers(kind, value, profile_id, first_seq) VALUES (?, ?, ?, ?)", rows
    )


def merge(conn: sqlite3.Connection, *, loser: int, survivor: int, seq: int) -> None:
    """Fold profile ``loser`` into ``survivor`` (the caller already combined their aggregates)."""
    conn.execute("UPDATE stitch_identifiers SET profile_id = ? WHERE profile_id = ?", (survivor, loser))
    conn.execute("UPDATE stitch_merges SET new_id = ? WHERE new_id = ?", (survivor, loser))
    conn.execute("INSERT OR REPLACE INTO stitch_merges(old_id, new_id, seq) VALUES (?, ?, ?)", (loser, survivor, seq))
    conn.execute("DELETE FROM stitch_profiles WHERE id = ?", (loser,))


def resolve(conn: sqlite3.Connection, key: Key) -> int | None:
    row = conn.execute(
        "SELECT profile_id FROM stitch_identifiers WHERE kind = ? AND value = ?", key
    ).fetchone()
    return int(row[0]) if row else None


def get_profile(conn: sqlite3.Connection, profile_id: int) -> ProfileRow | None:
    row = conn.execute("SELECT * FROM stitch_profiles WHERE id = ?", (profile_id,)).fetchone()
    return _from_row(row) if row else None


def identifiers_of(conn: sqlite3.Connection, profile_id: int) -> list[Key]:
    return [
        (r[0], r[1])
        for r in conn.execute(
            "SELECT kind, value FROM stitch_identifiers WHERE profile_id = ? ORDER BY first_seq, kind, value",
            (profile_id,),
        )
    ]
