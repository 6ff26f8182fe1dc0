"""Deterministic real-time stitching of collected events into profiles.

Evidence used (exact, never fuzzy — the batch identity build makes it robust later):

- an event's ``userId`` and ``anonymousId`` belong to the same person;
- ``alias`` links ``previousId`` to ``userId``;
- ``identify`` traits ``email`` / ``phone`` (normalised by :mod:`onefold.identity.normalize`).

Junk values on the identity blocklist (``test@test.com``, ``0000000000``, ``null``…) are never used
as evidence, so one junk value cannot glue thousands of strangers together.

Runs once per group commit over the whole batch: one lookup of every identifier in the batch,
union-find in memory, then a handful of set-based writes. When two profiles merge, the older one
(the smaller id) survives.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from onefold.identity.normalize import Blocklist, normalize_identifier
from onefold.schema.events import ValidEvent
from onefold.store import stitch_graph as graph
from onefold.store.stitch_graph import Key, ProfileRow

if TYPE_CHECKING:  # engines are imported only by store/ at run time
    import sqlite3

TRAIT_IDENTIFIERS = ("email", "phone")


class _Allowed:
    """Blocklist checks memoised for one batch: the same ids repeat across a user's events."""

    def __init__(self, blocklist: Blocklist) -> None:
        self._blocklist = blocklist
        self._seen: dict[Key, bool] = {}

    def __call__(self, key: Key) -> bool:
        ok = self._seen.get(key)
        if ok is None:
            ok = self._seen[key] = not self._blocklist.blocks(*key)
        return ok


def event_keys(event: ValidEvent, allowed: _Allowed) -> list[Key]:
    """Identifiers an event proves belong together (alias ``previousId`` is resolved separately)."""
    keys: list[Key] = []
    if event.user_id is not None and allowed(key := ("user_id", event.user_id)):
        keys.append(key)
    if event.anonymous_id is not None and allowed(key := ("anonymous_id", event.anonymous_id)):
        keys.append(key)
    if event.traits:
        for kind in TRAIT_IDENTIFIERS:
            value = normalize_identifier(kind, event.traits.get(kind))
            if value is not None and allowed(key := (kind, value)):
                keys.append(key)
    return keys


def _keys_per_event(events: Sequence[tuple[int, ValidEvent]], allowed: _Allowed) -> list[list[Key]]:
    # Most events carry no traits and repeat their sender's (userId, anonymousId): memoise on that pair.
    memo: dict[tuple[str | None, str | None], list[Key]] = {}
    out: list[list[Key]] = []
    for _, e in events:
        if e.traits or e.type == "alias":
            out.append(event_keys(e, allowed))
            continue
        pair = (e.user_id, e.anonymous_id)
        keys = memo.get(pair)
        if keys is None:
            keys = memo[pair] = event_keys(e, allowed)
        out.append(keys)  # shared, never mutated: alias events (which get a key appended) are not memoised
    return out


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[object, object] = {}

    def find(self, node: object) -> object:
        parent = self.parent.get(node)
        if parent is None:
            self.parent[node] = node
            return node
        if parent == node:
            return node
        root = parent
        while (up := self.parent[root]) != root:
            root = up
        while node != root:  # path compression
            self.parent[node], node = root, self.parent[node]
        return root

    def union(self, a: object, b: object) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[ra] = rb


def stitch(conn: sqlite3.Connection, events: Sequence[tuple[int, ValidEvent]], *, blocklist: Blocklist) -> None:
    """Fold a batch of newly stored events (seq, event) into the profile graph (caller's transaction)."""
    allowed = _Allowed(blocklist)
    per_event = _keys_per_event(events, allowed)
    aliases = {
        e.previous_id
        for _, e in events
        if e.type == "alias" and e.previous_id and allowed(("user_id", e.previous_id))
    }
    wanted = {k for keys in per_event for k in keys}
    wanted.update(("user_id", p) for p in aliases)
    wanted.update(("anonymous_id", p) for p in aliases)
    known = graph.lookup(conn, wanted)
    if aliases:
        in_batch = {k for keys in per_event for k in keys}
        for i, (_, e) in enumerate(events):
            if e.type == "alias" and e.previous_id in aliases:
                per_event[i].append(_alias_key(e.previous_id, known, in_batch))

    uf = _UnionFind()
    for key, pid in known.items():
        uf.union(key, ("#profile", pid))
    for keys in {tuple(k) for k in per_event if len(k) > 1}:  # a user's events repeat the same ids
        for key in keys[1:]:
            uf.union(keys[0], key)

    survivors, profiles, new_rows = _assign_profiles(conn, uf, per_event, known, events)
    _apply(conn, events, per_event, uf, known, survivors=survivors, profiles=profiles, new_rows=new_rows)


def _alias_key(previous_id: str, known: dict[Key, int], in_batch: set[Key]) -> Key:
    # previousId may be an earlier userId or an anonymousId: link whichever the graph (or this batch)
    # already knows, preferring userId; an unknown previousId is most often an anonymousId.
    for kind in ("user_id", "anonymous_id"):
        key = (kind, previous_id)
        if key in known or key in in_batch:
            return key
    return ("anonymous_id", previous_id)


def _assign_profiles(
    conn: sqlite3.Connection,
    uf: _UnionFind,
    per_event: list[list[Key]],
    known: dict[Key, int],
    events: Sequence[tuple[int, ValidEvent]],
) -> tuple[dict[object, int], dict[int, ProfileRow], list[ProfileRow]]:
    """Map each component root to its surviving profile id, merging and creating profiles as needed.

    Returns (root → profile id, the loaded/created profile rows by id, the new rows among them).
    """
    existing_by_root: dict[object, set[int]] = {}
    for key, pid in known.items():
        existing_by_root.setdefault(uf.find(key), set()).add(pid)
    roots: dict[object, int] = {}
    for i, keys in enumerate(per_event):
        if keys:
            roots.setdefault(uf.find(keys[0]), events[i][0])
    profiles = graph.load_profiles(conn, sorted({p for ids in existing_by_root.values() for p in ids}))
    new_rows: list[ProfileRow] = []
    next_id = graph.next_profile_id(conn)
    survivors: dict[object, int] = {}
    for root, first_seq in roots.items():
        ids = sorted(existing_by_root.get(root, ()))
        if not ids:
            row = ProfileRow(next_id, {}, 0, None, None, first_seq)
            next_id += 1
            new_rows.append(row)
            profiles[row.id] = row
            survivors[root] = row.id
            continue
        survivor = profiles[ids[0]]
        # Older traits first so the most recently active profile's values win.
        for loser_id in sorted(ids[1:], key=lambda pid: profiles[pid].last_seen or ""):
            loser = profiles.pop(loser_id)
            _combine(survivor, loser)
            graph.merge(conn, loser=loser_id, survivor=survivor.id, seq=first_seq)
        survivors[root] = survivor.id
    return survivors, profiles, new_rows


def _combine(survivor: ProfileRow, loser: ProfileRow) -> None:
    if (loser.last_seen or "") > (survivor.last_seen or ""):
        survivor.traits = {**survivor.traits, **loser.traits}
    else:
        survivor.traits = {**loser.traits, **survivor.traits}
    survivor.event_count += loser.event_count
    survivor.first_seen = min(filter(None, (survivor.first_seen, loser.first_seen)), default=None)
    survivor.last_seen = max(filter(None, (survivor.last_seen, loser.last_seen)), default=None)


def _apply(
    conn: sqlite3.Connection,
    events: Sequence[tuple[int, ValidEvent]],
    per_event: list[list[Key]],
    uf: _UnionFind,
    known: dict[Key, int],
    *,
    survivors: dict[object, int],
    profiles: dict[int, ProfileRow],
    new_rows: list[ProfileRow],
) -> None:
    new_keys: dict[Key, tuple[str, str, int, int]] = {}
    for (seq, e), keys in zip(events, per_event, strict=True):
        if not keys:
            continue
        profile = profiles[survivors[uf.find(keys[0])]]
        profile.event_count += 1
        ts = e.timestamp  # canonical UTC text: string order is time order
        if profile.first_seen is None or ts < profile.first_seen:
            profile.first_seen = ts
        if profile.last_seen is None or ts > profile.last_seen:
            profile.last_seen = ts
        if e.traits:
            profile.traits.update(_plain_traits(e.traits))
        for key in keys:
            if key not in known and key not in new_keys:
                new_keys[key] = (key[0], key[1], profile.id, seq)
    new_ids = {p.id for p in new_rows}
    graph.save_profiles(conn, new=new_rows, changed=[p for p in profiles.values() if p.id not in new_ids])
    graph.add_identifiers(conn, list(new_keys.values()))


def _plain_traits(traits: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in traits.items() if v is not None}
