"""Clusters from pairwise match decisions, guarded against chaining.

Plain connected components over links above the threshold (single linkage) let one false link
fuse two large, unrelated clusters — "chaining". onefold adds records greedily by descending match
weight, like Kruskal's algorithm: a single record joins the cluster it links to best; two clusters of
two or more records merge only when at least half of the smaller one's members link across
(``support``), so one weak link between two big clusters is kept as a refused edge instead.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from onefold.identity.records import IntArray


@dataclass
class Clusters:
    """``labels[i]``: the cluster of record i, the smallest record index in it (stable, order-free)."""

    labels: IntArray
    refused: int
    """Links above the threshold not followed because of the chaining guard."""


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))
        self.size = [1] * n

    def find(self, x: int) -> int:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        if self.size[a] < self.size[b]:
            a, b = b, a
        self.parent[b] = a
        self.size[a] += self.size[b]


def cluster(
    n: int,
    left: IntArray,
    right: IntArray,
    weight: npt.NDArray[np.float64],
    *,
    min_weight: float,
    support: float = 0.5,
) -> Clusters:
    """Cluster ``n`` records from pairs (left, right) with total match weight ``weight`` (log2 odds).

    Only pairs with ``weight >= min_weight`` are links. Links are visited strongest first (ties by
    record index), so the outcome does not depend on input order.
    """
    keep = np.flatnonzero(weight >= min_weight)
    uf = _UnionFind(n)
    # Components are independent, and one of two records has nothing to guard: join those at once
    # and walk only the links of larger components (most of a CDP's people have two or three records).
    graph = coo_matrix((np.ones(len(keep)), (left[keep], right[keep])), shape=(n, n))
    _, component = connected_components(graph, directed=False)
    sizes = np.bincount(component)
    pair = sizes[component[left[keep]]] == 2
    for a, b in zip(left[keep[pair]].tolist(), right[keep[pair]].tolist(), strict=True):
        ra, rb = uf.find(a), uf.find(b)
        if ra != rb:
            uf.union(ra, rb)
    keep = keep[~pair]
    order = keep[np.lexsort((right[keep], left[keep], -weight[keep]))]
    deferred: list[tuple[int, int]] = []
    for a, b in zip(left[order].tolist(), right[order].tolist(), strict=True):
        ra, rb = uf.find(a), uf.find(b)
        if ra == rb:
            continue
        if uf.size[ra] == 1 or uf.size[rb] == 1:
            uf.union(ra, rb)
        else:
            deferred.append((a, b))
    changed = True
    while changed and deferred:
        changed = False
        links: dict[tuple[int, int], set[int]] = defaultdict(set)
        for a, b in deferred:
            ra, rb = uf.find(a), uf.find(b)
            if ra != rb:
                key = (ra, rb) if ra < rb else (rb, ra)
                # Count distinct members of either side that link across.
                links[key].update((a, b))
        remaining: list[tuple[int, int]] = []
        for a, b in deferred:
            ra, rb = uf.find(a), uf.find(b)
            if ra == rb:
                continue
            key = (ra, rb) if ra < rb else (rb, ra)
            members = links.get(key)
            if members is not None and len(members) >= support * 2 * min(uf.size[ra], uf.size[rb]):
                uf.union(ra, rb)
                changed = True
            else:
                remaining.append((a, b))
        deferred = remaining
    roots = np.asarray(uf.parent, dtype=np.int64)
    while True:  # pointer jumping: every record's root, vectorised
        up = roots[roots]
        if np.array_equal(up, roots):
            break
        roots = up
    # Label by the smallest member index so labels do not depend on union order.
    smallest = np.full(n, n, dtype=np.int64)
    np.minimum.at(smallest, roots, np.arange(n, dtype=np.int64))
    return Clusters(smallest[roots], len(deferred))


__all__ = ["Clusters", "cluster"]
