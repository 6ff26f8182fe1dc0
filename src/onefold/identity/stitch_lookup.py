"""Read side of real-time stitching: profile ids (live or retired), merge explanations, hot keys.

Profile ids are shown as ``rt_<n>`` (real-time, unlike the batch build's ids). A retired id — one
merged into an older profile — keeps resolving to the survivor, so links stored elsewhere never break.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from onefold.errors import InputError, Location, NotFoundError
from onefold.identity import stitch_store as store
from onefold.store import stitch_graph as graph
from onefold.store.sqlite import check_page_limit, sqlite_int

if TYPE_CHECKING:  # engines are imported only by store/ at run time
    import sqlite3

MAX_LIMIT = 1000
PROFILE_REF = "profile_id"


def public_id(profile_id: int) -> str:
    return f"rt_{profile_id}"


def parse_profile_id(text: str) -> int:
    """``rt_42`` (or ``42``) → 42."""
    digits = text.removeprefix("rt_")
    try:
        return sqlite_int(digits, field="profile")
    except InputError:
        raise InputError(f"{text[:40]!r} is not a real-time profile id (expected rt_<number>, e.g. rt_42)",
                         location=Location(field="profile")) from None


def live_profile(conn: sqlite3.Connection, text: str) -> int:
    """The live profile a live or retired id resolves to; NotFoundError if it never existed."""
    pid = store.survivor_of(conn, parse_profile_id(text))
    if graph.get_profile(conn, pid) is None:
        raise NotFoundError(f"no real-time profile {text}", remedy="check the id (ids look like rt_42)")
    return pid


def canonical_ref(conn: sqlite3.Connection, ref: str) -> str:
    """``profile_id:rt_N`` → ``type:value`` of one identifier of the (surviving) profile; other refs unchanged.

    Lets the profile endpoint serve ids and identifiers through one view of the profile.
    """
    kind, _, raw = ref.partition(":")
    if kind != PROFILE_REF:
        return ref
    pid = live_profile(conn, raw)
    identifiers = graph.identifiers_of(conn, pid)
    if not identifiers:  # every profile is created with an identifier; kept for a hand-edited database
        raise NotFoundError(f"real-time profile {raw} has no identifiers left")
    return f"{identifiers[0][0]}:{identifiers[0][1]}"


def history(conn: sqlite3.Connection, profile: str) -> dict[str, Any]:
    """What a profile view adds about the graph: ids merged into this live profile (which all resolve
    to it) and its identifiers that turned hot (shared by too many people to be trusted)."""
    pid = parse_profile_id(profile)
    return {
        "retired_ids": [public_id(i) for i in store.retired_ids(conn, pid)],
        "hot_identifiers": [{"type": k, "value": v} for k, v in store.hot_identifiers_of(conn, pid)],
    }


def explain(conn: sqlite3.Connection, profile: str) -> dict[str, Any]:
    """Why this profile is one: every merge (identifier, event messageId, time) and every refused one."""
    pid = live_profile(conn, profile)
    merges = [{**m, "survivor_id": public_id(m["survivor_id"]), "retired_id": public_id(m["retired_id"])}
              for m in store.ledger_for(conn, pid)]
    return {
        "profile_id": public_id(pid),
        "retired_ids": [public_id(i) for i in store.retired_ids(conn, pid)],
        "merges": merges,
        "refused_merges": refused_merges(conn, limit=MAX_LIMIT, profile=public_id(pid)),
    }


def _check_limit(limit: int) -> None:
    check_page_limit(limit, maximum=MAX_LIMIT)


def hot_keys(conn: sqlite3.Connection, *, limit: int = 100) -> list[dict[str, Any]]:
    """Identifiers no longer used as merge evidence because they linked too many profiles, newest first."""
    _check_limit(limit)
    return store.hot_keys(conn, limit=limit)


def refused_merges(conn: sqlite3.Connection, *, limit: int = 100, profile: str | None = None) -> list[dict[str, Any]]:
    """Merges the per-type limits or hot keys refused, newest first (optionally those touching one profile)."""
    _check_limit(limit)
    pid = store.survivor_of(conn, parse_profile_id(profile)) if profile is not None else None
    rows = store.refused_merges(conn, limit=limit, profile_id=pid)
    return [{**r, "profile_id": public_id(r["profile_id"]),
             "other_profile_id": public_id(r["other_profile_id"]) if r["other_profile_id"] else None} for r in rows]
