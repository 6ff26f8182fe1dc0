"""Read side of real-time stitching: profile ids (live or retired), merge explanations, hot keys.

Real-time profiles are minted as ``rt_<n>``; after ``onefold build`` a profile is shown with the id the
warehouse uses (`profile_space`: the build adopts real-time ids, so that is usually the same
``rt_<n>``, or an older id it was merged into). Every id ever shown keeps resolving: a real-time id
merged into an older profile, and an id a build retired.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from onefold.errors import InputError, Location, NotFoundError
from onefold.identity import profile_space
from onefold.identity import stitch_store as store
from onefold.store import stitch_graph as graph
from onefold.store.sqlite import check_page_limit, sqlite_int

if TYPE_CHECKING:  # engines are imported only by store/ at run time
    import sqlite3

MAX_LIMIT = 1000
PROFILE_REF = "profile_id"


def public_id(profile_id: int) -> str:
    return profile_space.rt_public_id(profile_id)


def parse_profile_id(text: str) -> int:
    """``rt_42`` (or ``42``) → 42."""
    digits = text.removeprefix(profile_space.RT_PREFIX)
    try:
        return sqlite_int(digits, field="profile")
    except InputError:
        raise InputError(f"{text[:40]!r} is not a profile id (ids look like rt_42 or prof_…)",
                         location=Location(field="profile")) from None


def live_profile(conn: sqlite3.Connection, text: str) -> int:
    """The live real-time profile any profile id (real-time or warehouse, live or retired) resolves to;
    NotFoundError if it never existed or has no real-time part (a back-office-only profile)."""
    current = profile_space.current_id(conn, text)
    if current.startswith(profile_space.RT_PREFIX) or current.isdigit():
        pid = store.survivor_of(conn, parse_profile_id(current))
    else:
        rt_ids, keys = profile_space.realtime_parts(conn, current)
        found = rt_ids[0] if rt_ids else next((p for p in (graph.resolve(conn, k) for k in keys) if p), None)
        if found is None:
            raise NotFoundError(f"profile {text} has no real-time part (no event carried its identifiers)",
                                remedy="its golden record is in the warehouse: GET /v1/identity/profiles/{id}")
        pid = store.survivor_of(conn, found)
    if graph.get_profile(conn, pid) is None:
        raise NotFoundError(f"no profile {text}", remedy="check the id (ids look like rt_42 or prof_…)")
    return pid


def canonical_ref(conn: sqlite3.Connection, ref: str) -> str:
    """``profile_id:ID`` → ``type:value`` of one identifier of the (surviving) real-time profile; other
    refs unchanged. Lets the profile endpoint serve ids and identifiers through one view of the profile.
    """
    kind, _, raw = ref.partition(":")
    if kind != PROFILE_REF:
        return ref
    pid = live_profile(conn, raw)
    identifiers = graph.identifiers_of(conn, pid)
    if not identifiers:  # every profile is created with an identifier; kept for a hand-edited database
        raise NotFoundError(f"real-time profile {raw} has no identifiers left")
    return f"{identifiers[0][0]}:{identifiers[0][1]}"


def unified_view(conn: sqlite3.Connection, view: dict[str, Any], ref: str) -> dict[str, Any]:
    """A real-time profile view (``profile_id`` rt_N) in the one id space: ``profile_id`` becomes the
    id the warehouse uses, ``realtime_profile_id`` keeps rt_N, ``retired_ids`` lists every id that
    resolves here, ``hot_identifiers`` the identifiers too many people share to be trusted."""
    rt_id = parse_profile_id(view["profile_id"])
    kind, _, value = ref.partition(":")
    pid = profile_space.public_id(conn, rt_id, None if kind == PROFILE_REF else (kind, value))
    retired = {public_id(i) for i in store.retired_ids(conn, rt_id)} | set(profile_space.retired_for(conn, [pid]))
    retired.add(view["profile_id"])
    retired.discard(pid)
    return {
        **view,
        "profile_id": pid,
        "realtime_profile_id": view["profile_id"],
        "retired_ids": sorted(retired),
        "hot_identifiers": [{"type": k, "value": v} for k, v in store.hot_identifiers_of(conn, rt_id)],
    }


def explain(conn: sqlite3.Connection, profile: str) -> dict[str, Any]:
    """Why this profile is one: every merge (identifier, event messageId, time) and every refused one."""
    pid = live_profile(conn, profile)
    merges = [{**m, "survivor_id": public_id(m["survivor_id"]), "retired_id": public_id(m["retired_id"])}
              for m in store.ledger_for(conn, pid)]
    return {
        "profile_id": profile_space.public_id(conn, pid),
        "realtime_profile_id": public_id(pid),
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
    pid = live_profile(conn, profile) if profile is not None else None
    rows = store.refused_merges(conn, limit=limit, profile_id=pid)
    return [{**r, "profile_id": profile_space.public_id(conn, r["profile_id"]),
             "other_profile_id": profile_space.public_id(conn, r["other_profile_id"]) if r["other_profile_id"] else None}
            for r in rows]
