"""Read side of collection: stored events (newest first, cursor-paged) and real-time profiles.

Events are listed from the SQLite index and their bodies read from the event log by position,
so what the API returns is exactly what was stored. Results are visible as soon as the request
that sent them was acknowledged (the writer indexes before it acks).
"""

from __future__ import annotations

import base64
import binascii
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from onefold.errors import InputError, Location, NotFoundError
from onefold.identity.normalize import IDENTIFIER_TYPES, normalize_identifier
from onefold.store import event_index
from onefold.store import stitch_graph as graph
from onefold.store.event_index import IndexedEvent
from onefold.store.eventlog import read_lines
from onefold.store.sqlite import check_page_limit, sqlite_int

if TYPE_CHECKING:  # engines are imported only by store/ at run time
    import sqlite3

MAX_LIMIT = 1000
PROFILE_RECENT_EVENTS = 20


def encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"v1:{seq}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        version, seq = text.split(":")
        if version != "v1":
            raise ValueError(version)
        return sqlite_int(seq, field="cursor")
    except (ValueError, binascii.Error, UnicodeDecodeError, InputError) as exc:
        raise InputError("cursor is not one this server issued", location=Location(field="cursor"),
                         remedy="pass next_cursor from the previous page unchanged") from exc


def _bodies(events_dir: Path, rows: list[IndexedEvent]) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in read_lines(events_dir, [r.position for r in rows])]


def list_events(
    conn: sqlite3.Connection,
    events_dir: Path,
    *,
    user_id: str | None = None,
    anonymous_id: str | None = None,
    type: str | None = None,
    event: str | None = None,
    limit: int = 100,
    cursor: str | None = None,
) -> dict[str, Any]:
    """One page: ``{"events": [...stored events, newest first], "next_cursor": str | None}``."""
    check_page_limit(limit, maximum=MAX_LIMIT)
    rows = event_index.query(
        conn, user_id=user_id, anonymous_id=anonymous_id, type=type, event=event,
        before_seq=decode_cursor(cursor) if cursor else None, limit=limit + 1,
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "events": _bodies(events_dir, rows),
        "next_cursor": encode_cursor(rows[-1].seq) if more and rows else None,
    }


def parse_profile_ref(ref: str) -> tuple[str, str]:
    """``user_id:42`` → (``user_id``, ``42``), normalised as stitching stores it."""
    kind, sep, raw = ref.partition(":")
    if not sep or not raw:
        raise InputError(f"profile reference {ref!r} must look like type:value, e.g. user_id:42",
                         location=Location(field="profile"))
    if kind not in IDENTIFIER_TYPES:
        raise InputError(f"identifier type {kind!r} is not one of {', '.join(IDENTIFIER_TYPES)}",
                         location=Location(field="profile"))
    value = normalize_identifier(kind, raw)
    if value is None:
        raise InputError(f"{raw!r} is not a valid {kind}", location=Location(field="profile"))
    return kind, value


def profile_view(conn: sqlite3.Connection, events_dir: Path, ref: str) -> dict[str, Any]:
    """The real-time profile an identifier belongs to, with its identifiers, traits and recent events."""
    key = parse_profile_ref(ref)
    profile_id = graph.resolve(conn, key)
    profile = graph.get_profile(conn, profile_id) if profile_id is not None else None
    if profile is None:
        raise NotFoundError(f"no profile has the identifier {key[0]}={key[1]!r}",
                            remedy="check the value, or send an event carrying it")
    identifiers = graph.identifiers_of(conn, profile.id)
    recent = event_index.for_identities(
        conn,
        user_ids=[v for k, v in identifiers if k == "user_id"],
        anonymous_ids=[v for k, v in identifiers if k == "anonymous_id"],
        limit=PROFILE_RECENT_EVENTS,
    )
    return {
        "profile_id": f"rt_{profile.id}",
        "identifiers": [{"type": k, "value": v} for k, v in identifiers],
        "traits": profile.traits,
        "event_count": profile.event_count,
        "first_seen": profile.first_seen,
        "last_seen": profile.last_seen,
        "recent_events": _bodies(events_dir, recent),
    }
