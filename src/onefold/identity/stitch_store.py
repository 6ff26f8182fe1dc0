"""SQL for the rules half of real-time stitching: merge ledger, refused merges, key claims, hot keys.

The profile/identifier tables themselves are read and written through ``onefold.store.stitch_graph``;
this module adds the tables of migration ``stitch_0002_rules.sql``. Callers own transactions; every
value is a bound parameter. Functions take any DB-API connection (typed loosely on purpose: engines
are imported only by ``store/``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from onefold.store.sqlite import in_chunks

if TYPE_CHECKING:
    import sqlite3

Key = tuple[str, str]
_CHUNK = 900


@dataclass(frozen=True, slots=True)
class Refusal:
    """One refused merge/attach as the stitcher saw it in a batch."""

    profile_id: int
    other_profile_id: int
    kind: str
    value: str
    rule: str
    message_id: str
    seq: int


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    survivor_id: int
    retired_id: int
    kind: str
    value: str
    message_id: str
    seq: int


def lookup(conn: sqlite3.Connection, keys: Iterable[Key]) -> tuple[dict[Key, int], set[Key]]:
    """Owner profile of each known key, and which of them are hot (no longer merge evidence)."""
    by_kind: dict[str, list[str]] = {}
    for kind, value in keys:
        by_kind.setdefault(kind, []).append(value)
    found: dict[Key, int] = {}
    hot: set[Key] = set()
    for kind, values in by_kind.items():
        for chunk, marks in in_chunks(values, _CHUNK):
            for value, pid, is_hot in conn.execute(
                "SELECT i.value, i.profile_id, h.kind IS NOT NULL FROM stitch_identifiers i"
                " LEFT JOIN stitch_hot_keys h ON h.kind = i.kind AND h.value = i.value"
                f" WHERE i.kind = ? AND i.value IN ({marks})",
                [kind, *chunk],
            ):
                found[(kind, value)] = pid
                if is_hot:
                    hot.add((kind, value))
    return found, hot


def limited_counts(conn: sqlite3.Connection, profile_id: int, kinds: Sequence[str]) -> dict[str, int]:
    """How many identifiers of each limited type a stored profile holds (uses the profile_id index)."""
    marks = ",".join("?" * len(kinds))
    return {
        kind: n
        for kind, n in conn.execute(
            f"SELECT kind, count(*) FROM stitch_identifiers WHERE profile_id = ? AND kind IN ({marks}) GROUP BY kind",
            [profile_id, *kinds],
        )
    }


def claims(conn: sqlite3.Connection, key: Key) -> set[int]:
    """Profiles an identifier has tried to link so far (at most the hot threshold + 1 rows)."""
    return {r[0] for r in conn.execute(
        "SELECT profile_id FROM stitch_key_claims WHERE kind = ? AND value = ?", key)}


def save(
    conn: sqlite3.Connection,
    *,
    at: str,
    claims: dict[Key, set[int]],
    refusals: Sequence[Refusal],
    ledger: Sequence[LedgerEntry],
    hot: dict[Key, tuple[int, str, int]],
) -> None:
    """Write one batch's rule outcomes. ``hot`` maps key → (profiles, message id, seq)."""
    conn.executemany(
        "INSERT OR IGNORE INTO stitch_key_claims(kind, value, profile_id) VALUES (?, ?, ?)",
        [(k, v, pid) for (k, v), pids in claims.items() for pid in pids],
    )
    conn.executemany(
        "INSERT INTO stitch_refused_merges(profile_id, other_profile_id, kind, value, rule, message_id, first_seq,"
        " refused_at, last_message_id, last_refused_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (profile_id, other_profile_id, kind, value, rule) DO UPDATE SET times = times + 1,"
        " last_message_id = excluded.last_message_id, last_refused_at = excluded.last_refused_at",
        [(r.profile_id, r.other_profile_id, r.kind, r.value, r.rule, r.message_id, r.seq, at, r.message_id, at)
         for r in refusals],
    )
    conn.executemany(
        "INSERT INTO stitch_merge_ledger(survivor_id, retired_id, kind, value, message_id, seq, merged_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(e.survivor_id, e.retired_id, e.kind, e.value, e.message_id, e.seq, at) for e in ledger],
    )
    conn.executemany(
        "INSERT OR IGNORE INTO stitch_hot_keys(kind, value, profiles, message_id, seq, detected_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [(k, v, n, mid, seq, at) for (k, v), (n, mid, seq) in hot.items()],
    )


def reserve_profile_ids(conn: sqlite3.Connection, last_id: int) -> None:
    """Make AUTOINCREMENT skip ids handed out in a batch even if that profile was merged away before
    it was ever inserted: every id ever shown in the ledger must keep resolving to one profile."""
    cur = conn.execute("UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = 'stitch_profiles'", (last_id,))
    if cur.rowcount == 0:
        conn.execute("INSERT INTO sqlite_sequence(name, seq) VALUES ('stitch_profiles', ?)", (last_id,))


# --- read side (API) ---------------------------------------------------------------------------


def survivor_of(conn: sqlite3.Connection, profile_id: int) -> int:
    """The live profile a (possibly retired) id resolves to; stitch_merges is kept path-compressed."""
    row = conn.execute("SELECT new_id FROM stitch_merges WHERE old_id = ?", (profile_id,)).fetchone()
    return int(row[0]) if row else profile_id


def retired_ids(conn: sqlite3.Connection, profile_id: int) -> list[int]:
    return [r[0] for r in conn.execute(
        "SELECT old_id FROM stitch_merges WHERE new_id = ? ORDER BY old_id", (profile_id,))]


def ledger_for(conn: sqlite3.Connection, profile_id: int) -> list[dict[str, Any]]:
    """Every real-time merge that built this profile (its own and those of ids merged into it)."""
    ids = [profile_id, *retired_ids(conn, profile_id)]
    rows: list[dict[str, Any]] = []
    for chunk, marks in in_chunks(ids, _CHUNK):
        rows.extend(dict(zip(("survivor_id", "retired_id", "kind", "value", "message_id", "seq", "merged_at"), r,
                             strict=True))
                    for r in conn.execute(
                        "SELECT survivor_id, retired_id, kind, value, message_id, seq, merged_at"
                        f" FROM stitch_merge_ledger WHERE survivor_id IN ({marks})", chunk))
    return sorted(rows, key=lambda r: r["seq"])


def hot_identifiers_of(conn: sqlite3.Connection, profile_id: int) -> list[Key]:
    """This profile's identifiers that turned hot (still shown on it, no longer merge evidence)."""
    return [(r[0], r[1]) for r in conn.execute(
        "SELECT h.kind, h.value FROM stitch_identifiers i JOIN stitch_hot_keys h ON h.kind = i.kind"
        " AND h.value = i.value WHERE i.profile_id = ? ORDER BY h.kind, h.value", (profile_id,))]


def hot_keys(conn: sqlite3.Connection, *, limit: int) -> list[dict[str, Any]]:
    cols = ("kind", "value", "profiles", "message_id", "seq", "detected_at")
    return [dict(zip(cols, r, strict=True)) for r in conn.execute(
        f"SELECT {', '.join(cols)} FROM stitch_hot_keys ORDER BY seq DESC LIMIT ?", (limit,))]


def refused_merges(conn: sqlite3.Connection, *, limit: int, profile_id: int | None = None) -> list[dict[str, Any]]:
    cols = ("profile_id", "other_profile_id", "kind", "value", "rule", "message_id", "first_seq", "refused_at",
            "last_message_id", "last_refused_at", "times")
    where, params = "", [limit]
    if profile_id is not None:
        where, params = "WHERE profile_id = ? OR other_profile_id = ?", [profile_id, profile_id, limit]
    return [dict(zip(cols, r, strict=True)) for r in conn.execute(
        f"SELECT {', '.join(cols)} FROM stitch_refused_merges {where} ORDER BY id DESC LIMIT ?", params)]
