"""I/O module: one profile id space for real-time stitching and the batch build (state.sqlite).

A person gets one id, minted by whichever part of onefold sees them first:

- real-time stitching mints ``rt_<n>`` on the first event (the id ``GET /v1/profiles/...`` returns);
- ``onefold build`` adopts those ids: every event identifier (user_id, anonymous_id) claims its
  real-time profile's id, exactly like a record claims its id from the previous build
  (`profile_ids.assign_ids`), so a cluster holding real-time identifiers keeps the real-time id.
  It mints ``prof_<hash>`` only for profiles no event has touched (back-office customers);
- when the build merges profiles the older id survives (warehouse ``profile_aliases``) and the
  build publishes where each real-time profile ended up (tables of ``identity_0002``), so the
  real-time API answers with the warehouse id and every retired id, of either kind, still resolves.

Only differences are published: a real-time profile whose warehouse id is its own ``rt_<n>`` needs no
row, so the tables stay small and a lookup costs at most two primary-key reads.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from onefold.identity.profile_ids import RecordKey
from onefold.store.sqlite import transaction

EVENT_KINDS = ("user_id", "anonymous_id")
"""Identifier kinds that are nodes of both graphs (batch record key ``(kind, 'events', value)``)."""
RT_PREFIX = "rt_"


def rt_public_id(rt_id: int) -> str:
    return f"{RT_PREFIX}{rt_id}"


@dataclass
class RealtimeClaims:
    """What the real-time graph says about the build's event nodes."""

    owner: dict[RecordKey, str]
    """Event node → the public id of its real-time profile (as the last build published it)."""
    rt_of: dict[RecordKey, int]
    """Event node → its live real-time profile."""
    created: dict[str, str]
    """Public id → first event time of the real-time profile (for "the older id survives")."""
    retired: dict[str, str]
    """``rt_<old>`` merged away in real time → public id of the real-time survivor."""


def realtime_claims(state: sqlite3.Connection, keys: Iterable[RecordKey]) -> RealtimeClaims:
    """Read the real-time graph for the event nodes among ``keys``."""
    wanted = {k for k in keys if k[0] in EVENT_KINDS and k[1] == "events"}
    published = dict(state.execute("SELECT rt_id, profile_id FROM identity_rt_profiles").fetchall())
    overrides = {(k, v): p for k, v, p in state.execute(
        "SELECT kind, value, profile_id FROM identity_identifier_profiles").fetchall()}
    owner: dict[RecordKey, str] = {}
    rt_of: dict[RecordKey, int] = {}
    marks = ",".join("?" * len(EVENT_KINDS))
    for kind, value, rt_id in state.execute(
            f"SELECT kind, value, profile_id FROM stitch_identifiers WHERE kind IN ({marks})", EVENT_KINDS):
        key = (kind, "events", value)
        if key in wanted:
            rt_of[key] = rt_id
            owner[key] = overrides.get((kind, value)) or published.get(rt_id) or rt_public_id(rt_id)
    live = set(rt_of.values())
    # Event time as the warehouse writes timestamps ("2024-02-01 10:00:00"), so ages compare across kinds.
    created = {rt_public_id(i): (first or "").replace("T", " ").removesuffix("Z") for i, first in state.execute(
        "SELECT id, first_seen FROM stitch_profiles").fetchall() if i in live}
    retired = {rt_public_id(old): published.get(new) or rt_public_id(new)
               for old, new in state.execute("SELECT old_id, new_id FROM stitch_merges").fetchall()}
    return RealtimeClaims(owner, rt_of, created, retired)


def publish(state: sqlite3.Connection, claims: RealtimeClaims, profile_of: dict[RecordKey, str],
            aliases: dict[str, str]) -> None:
    """Record where the build put each real-time profile (only where it differs from ``rt_<n>``),
    which event identifiers it placed apart from their real-time profile, and every retired id."""
    nodes_of: dict[int, list[RecordKey]] = {}
    for key, rt_id in claims.rt_of.items():
        nodes_of.setdefault(rt_id, []).append(key)
    moved: list[tuple[int, str]] = []
    apart: list[tuple[str, str, str]] = []
    for rt_id, keys in nodes_of.items():
        where = Counter(profile_of[k] for k in keys if k in profile_of)
        if not where:
            continue
        home = min(where, key=lambda p: (-where[p], p))
        if home != rt_public_id(rt_id):
            moved.append((rt_id, home))
        apart.extend((k[0], k[2], profile_of[k]) for k in keys if k in profile_of and profile_of[k] != home)
    with transaction(state):
        state.execute("DELETE FROM identity_rt_profiles")
        state.executemany("INSERT INTO identity_rt_profiles(rt_id, profile_id) VALUES (?, ?)", moved)
        state.execute("DELETE FROM identity_identifier_profiles")
        state.executemany("INSERT INTO identity_identifier_profiles(kind, value, profile_id) VALUES (?, ?, ?)",
                          apart)
        state.execute("DELETE FROM identity_profile_aliases")
        state.executemany("INSERT INTO identity_profile_aliases(retired_id, profile_id) VALUES (?, ?)",
                          sorted(aliases.items()))


# --- read side (API) ---------------------------------------------------------------------------


def public_id(conn: sqlite3.Connection, rt_id: int, key: tuple[str, str] | None = None) -> str:
    """The id a real-time profile (reached through identifier ``key``) has in the one id space."""
    if key is not None and key[0] in EVENT_KINDS:
        row = conn.execute("SELECT profile_id FROM identity_identifier_profiles WHERE kind = ? AND value = ?",
                           key).fetchone()
        if row:
            return str(row[0])
    row = conn.execute("SELECT profile_id FROM identity_rt_profiles WHERE rt_id = ?", (rt_id,)).fetchone()
    return str(row[0]) if row else rt_public_id(rt_id)


def current_id(conn: sqlite3.Connection, profile_id: str) -> str:
    """A retired id (merged by a build) → the id that absorbed it; other ids unchanged."""
    row = conn.execute("SELECT profile_id FROM identity_profile_aliases WHERE retired_id = ?",
                       (profile_id,)).fetchone()
    return str(row[0]) if row else profile_id


def realtime_parts(conn: sqlite3.Connection, profile_id: str) -> tuple[list[int], list[tuple[str, str]]]:
    """The real-time profiles and single identifiers the last build put on warehouse ``profile_id``."""
    rt_ids = [int(r[0]) for r in conn.execute(
        "SELECT rt_id FROM identity_rt_profiles WHERE profile_id = ? ORDER BY rt_id", (profile_id,))]
    keys = [(r[0], r[1]) for r in conn.execute(
        "SELECT kind, value FROM identity_identifier_profiles WHERE profile_id = ? ORDER BY kind, value",
        (profile_id,))]
    return rt_ids, keys


def retired_for(conn: sqlite3.Connection, profile_ids: Sequence[str]) -> list[str]:
    """Ids a build retired into any of ``profile_ids``."""
    out: list[str] = []
    for pid in profile_ids:
        out.extend(r[0] for r in conn.execute(
            "SELECT retired_id FROM identity_profile_aliases WHERE profile_id = ? ORDER BY retired_id", (pid,)))
    return out


__all__ = ["RealtimeClaims", "current_id", "public_id", "publish", "realtime_claims", "realtime_parts",
           "retired_for", "rt_public_id"]
