"""The identity graph: records joined by evidence edges, clustered under must-not-link constraints.

Deterministic edges (shared exact identifiers) and probabilistic edges (Fellegi–Sunter links) are
followed strongest first, as in `clustering.py`; among deterministic edges, those through the
higher-priority identifier type first (default user_id > loyalty_id > email > phone > anonymous_id,
the same order as real-time stitching), so when two claims conflict the stronger evidence wins.
An edge is refused — and kept in the ledger with the reason — when following it would
- put two records a user separated (`identity split` / `unmerge`) into one profile;
- give a profile more identifiers of a type than the per-type limit (default at most 1 user_id,
  1 loyalty_id, 5 emails, 5 phones: the same limits as real-time stitching);
- let a weak record (an anonymous id) bridge two profiles that each hold a strong one (a user id).
(Probabilistic edges arrive already filtered by the chaining guard of `clustering.cluster`.)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

DETERMINISTIC_WEIGHT = 1000.0
"""Sort key of deterministic edges: always followed before any probabilistic one."""


@dataclass
class Edge:
    """Evidence that records ``a`` and ``b`` (indexes into the node list) are the same person."""

    a: int
    b: int
    rule: str
    weight: float
    evidence: dict[str, object] = field(default_factory=dict)
    status: str = "pending"
    """merged | same_profile | refused_constraint | refused_conflict | refused_priority | refused_limit."""
    kind: str | None = None
    """Identifier type a deterministic edge goes through (orders edges by priority); None if probabilistic."""


Identifiers = Mapping[int, Iterable[tuple[str, str]]]
"""Limited identifiers (type, normalised value) each record holds, by record index."""


def limit_reason(kind: str, limit: int) -> str:
    """Why a merge was refused, worded the same in real time and in the build."""
    return f"limit: at most {limit} {kind} per profile"


class ConstrainedUnionFind:
    """Union-find whose sets remember which records they must never contain together."""

    def __init__(self, n: int, cannot_link: Iterable[tuple[int, int]]) -> None:
        self.parent = list(range(n))
        self.size = [1] * n
        self.forbidden: dict[int, set[int]] = {}
        for a, b in cannot_link:
            self.forbidden.setdefault(a, set()).add(b)
            self.forbidden.setdefault(b, set()).add(a)
        self.members: dict[int, set[int]] = {i: {i} for i in self.forbidden}

    def find(self, x: int) -> int:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def allowed(self, ra: int, rb: int) -> bool:
        left, right = self.members.get(ra, set()), self.members.get(rb, set())
        return not any(self.forbidden.get(m, set()) & right for m in left)

    def union(self, ra: int, rb: int) -> int:
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]
        if rb in self.members:
            self.members.setdefault(ra, set()).update(self.members.pop(rb))
        return ra


def resolve(
    n: int, edges: list[Edge], cannot_link: Iterable[tuple[int, int]], *, weak: Sequence[bool] | None = None,
    strong: Sequence[bool] | None = None, priority: Sequence[str] = (), limits: Mapping[str, int] | None = None,
    identifiers: Identifiers | None = None,
) -> list[int]:
    """Cluster label (root index) of each of ``n`` records; sets each edge's status.

    ``priority`` (strongest first) orders deterministic edges by their ``kind``. ``limits`` caps the
    distinct values of a type one profile may hold, counted over ``identifiers``; a refused edge
    gets ``evidence["refused"]`` naming the limit.

    Identifier priority: a *weak* record (an anonymous id: a shared family computer, a kiosk) may
    join a profile but never bridge two profiles that each hold a *strong* record (a user id) —
    such an edge is refused as ``refused_priority`` instead of fusing two known people.
    """
    uf = ConstrainedUnionFind(n, cannot_link)
    strong_in = [1 if strong and strong[i] else 0 for i in range(n)]
    held = _Held(limits or {}, identifiers or {})
    rank = {kind: i for i, kind in enumerate(priority)}
    order = sorted(range(len(edges)), key=lambda i: (-edges[i].weight, rank.get(edges[i].kind or "", len(rank)),
                                                     edges[i].a, edges[i].b, edges[i].rule))
    for i in order:
        edge = edges[i]
        if edge.status.startswith("refused"):
            continue  # refused before resolution (e.g. conflicting first names), kept for the ledger
        ra, rb = uf.find(edge.a), uf.find(edge.b)
        if ra == rb:
            edge.status = "same_profile"
        elif not uf.allowed(ra, rb):
            edge.status = "refused_constraint"
        elif weak and (weak[edge.a] or weak[edge.b]) and strong_in[ra] and strong_in[rb]:
            edge.status = "refused_priority"
        elif edge.kind is not None and (breach := held.breach(ra, rb)) is not None:
            edge.status = "refused_limit"
            edge.evidence["refused"] = breach
        else:
            root = uf.union(ra, rb)
            strong_in[root] = strong_in[ra] + strong_in[rb]
            held.merge(root, ra if root == rb else rb)
            edge.status = "merged"
    return [uf.find(i) for i in range(n)]


class _Held:
    """Distinct limited identifier values per cluster root (only for records that hold any)."""

    def __init__(self, limits: Mapping[str, int], identifiers: Identifiers) -> None:
        self.limits = dict(limits)
        self.values: dict[int, dict[str, set[str]]] = {}
        if not self.limits:
            return
        for record, pairs in identifiers.items():
            for kind, value in pairs:
                if kind in self.limits:
                    self.values.setdefault(record, {}).setdefault(kind, set()).add(value)

    def breach(self, ra: int, rb: int) -> str | None:
        a, b = self.values.get(ra), self.values.get(rb)
        if not a or not b:
            return None
        for kind, limit in self.limits.items():
            left, right = a.get(kind), b.get(kind)
            if left and right and len(left) + len(right) > limit and len(left | right) > limit:
                return limit_reason(kind, limit)
        return None

    def merge(self, root: int, other: int) -> None:
        gone = self.values.pop(other, None)
        if not gone:
            return
        mine = self.values.setdefault(root, {})
        for kind, values in gone.items():
            if kind in mine:
                small, large = sorted((mine[kind], values), key=len)
                large |= small
                mine[kind] = large
            else:
                mine[kind] = values


__all__ = ["DETERMINISTIC_WEIGHT", "ConstrainedUnionFind", "Edge", "Identifiers", "limit_reason", "resolve"]
