"""Stable profile ids across builds.

- Same data, same ids: a new profile's id is a hash of its oldest record's key (record type,
  source, id; oldest by first-seen time, ties by key), never of run order.
- Ids survive growth: a cluster holding records of previous profiles keeps the previous id of the
  oldest of them; adding 1 % of records changes only the profiles those records touch.
- A merge keeps the older id and retires the others (recorded so lookups by a retired id resolve).
- A split leaves the old id with the part holding the old profile's oldest record.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

RecordKey = tuple[str, str, str]
"""(record_type, source, record_id)."""


def new_profile_id(oldest: RecordKey) -> str:
    digest = hashlib.sha256("\x1f".join(oldest).encode()).hexdigest()
    return f"prof_{digest[:20]}"


@dataclass(frozen=True, slots=True)
class Assignment:
    profile_id: str
    retired: tuple[str, ...]
    """Previous profile ids merged into this one."""


def assign_ids(
    clusters: Sequence[Sequence[int]],
    keys: Sequence[RecordKey],
    first_seen: Sequence[str],
    previous: dict[RecordKey, str],
    previous_created: dict[str, str],
) -> list[Assignment]:
    """One assignment per cluster (lists of record indexes).

    ``previous`` maps a record to its profile id in the last build; ``previous_created`` gives each
    previous profile's creation time (its oldest record's first-seen time), used to pick the older
    id on a merge. Each previous id goes to at most one cluster: where a profile was split, the part
    with the most of its records (ties: the oldest record) keeps it.
    """
    def age(i: int) -> tuple[str, RecordKey]:
        return (first_seen[i] or "\uffff", keys[i])

    claims: dict[str, tuple[int, tuple[str, RecordKey], int]] = {}
    for c, members in enumerate(clusters):
        counts: dict[str, list[int]] = {}
        for i in members:
            pid = previous.get(keys[i])
            if pid is not None:
                counts.setdefault(pid, []).append(i)
        for pid, held in counts.items():
            claim = (-len(held), min(age(i) for i in held), c)
            if pid not in claims or claim < claims[pid]:
                claims[pid] = claim
    won: dict[int, list[str]] = {}
    for pid, (_, _, c) in claims.items():
        won.setdefault(c, []).append(pid)
    used = set(previous.values())
    out = []
    for c, members in enumerate(clusters):
        ids = sorted(won.get(c, []), key=lambda pid: (previous_created.get(pid, "\uffff"), pid))
        if ids:
            out.append(Assignment(ids[0], tuple(ids[1:])))
            continue
        oldest = keys[min(members, key=age)]
        pid, salt = new_profile_id(oldest), 0
        while pid in used:  # a split-off part whose oldest record named the old profile
            salt += 1
            pid = new_profile_id((*oldest[:2], f"{oldest[2]}#{salt}"))
        used.add(pid)
        out.append(Assignment(pid, ()))
    return out


__all__ = ["Assignment", "RecordKey", "assign_ids", "new_profile_id"]
