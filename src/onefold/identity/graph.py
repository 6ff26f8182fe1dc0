"""The identity graph: records joined by evidence edges, clustered under must-not-link constraints.

Deterministic edges (shared exact identifiers) and probabilistic edges (Fellegi–Sunter links) are
followed strongest first, as in `clustering.py`. An edge is refused — and kept in the ledger with the
reason — when following it would put two records a user separated (`identity split` / `unmerge`)
into one profile. (Probabilistic edges arrive already filtered by the chaining guard of
`clustering.cluster`.)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
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
    """merged | same_profile | refused_constraint | refused_conflict | refused_priority."""


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
    strong: Sequence[bool] | None = None,
) -> list[int]:
    """Cluster label (root index) of each of ``n`` records; sets each edge's status.

    Identifier priority: a *weak* record (an anonymous id: a shared family computer, a kiosk) may
    join a profile but never bridge two profiles that each hold a *strong* record (a user id) —
    such an edge is refused as ``refused_priority`` instead of fusing two known people.
    """
    uf = ConstrainedUnionFind(n, cannot_link)
    strong_in = [1 if strong and strong[i] else 0 for i in range(n)]
    order = sorted(range(len(edges)), key=lambda i: (-edges[i].weight, edges[i].a, edges[i].b, edges[i].rule))
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
        else:
            root = uf.union(ra, rb)
            strong_in[root] = strong_in[ra] + strong_in[rb]
            edge.status = "merged"
    return [uf.find(i) for i in range(n)]


__all__ = ["DETERMINISTIC_WEIGHT", "ConstrainedUnionFind", "Edge", "resolve"]
