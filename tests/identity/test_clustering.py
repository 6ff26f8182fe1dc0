"""The chaining guard, and labels that do not depend on input order."""

from __future__ import annotations

import itertools

import numpy as np

from onefold.identity.clustering import cluster


def _clique(members: range, weight: float) -> list[tuple[int, int, float]]:
    return [(a, b, weight) for a, b in itertools.combinations(members, 2)]


def _run(edges: list[tuple[int, int, float]], n: int) -> np.ndarray:
    left = np.array([e[0] for e in edges])
    right = np.array([e[1] for e in edges])
    weight = np.array([e[2] for e in edges], dtype=np.float64)
    return cluster(n, left, right, weight, min_weight=4.0).labels


def test_one_weak_link_does_not_fuse_two_large_clusters() -> None:
    edges = _clique(range(0, 5), 30.0) + _clique(range(5, 10), 30.0) + [(4, 5, 5.0)]
    labels = _run(edges, 10)
    assert set(labels[:5]) == {0} and set(labels[5:]) == {5}


def test_many_links_do_merge_clusters() -> None:
    cross = [(a, b, 6.0) for a in range(0, 5) for b in range(5, 10)]
    labels = _run(_clique(range(0, 5), 30.0) + _clique(range(5, 10), 30.0) + cross, 10)
    assert set(labels) == {0}


def test_a_single_record_joins_its_best_cluster_and_links_below_threshold_are_ignored() -> None:
    labels = _run(_clique(range(0, 3), 30.0) + [(3, 1, 8.0), (4, 0, 3.9)], 5)
    assert labels.tolist() == [0, 0, 0, 0, 4]


def test_labels_are_independent_of_edge_order() -> None:
    edges = _clique(range(0, 4), 20.0) + _clique(range(4, 7), 12.0) + [(3, 4, 9.0), (2, 8, 7.0)]
    rng = np.random.default_rng(1)
    first = _run(edges, 9)
    for _ in range(5):
        shuffled = [edges[i] for i in rng.permutation(len(edges))]
        assert _run(shuffled, 9).tolist() == first.tolist()
