"""Probabilistic record matching end to end: block, compare, estimate, score, cluster.

The steps follow Fellegi–Sunter (1969) with Winkler's (1988) unsupervised EM: no labels are needed.
1. candidate pairs from several blocking rules (DuckDB, `duck.generate_pairs`);
2. agreement levels per field, vectorised (`comparisons.compare`);
3. u from random pairs, m and the prior by EM over the candidates (`training`, `fellegi_sunter`);
4. match weight per pair, with term-frequency adjustment, and posterior probability;
5. clusters of links above the threshold, with the chaining guard (`clustering.cluster`).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from onefold.identity.blocking import BlockingRule, default_rules
from onefold.identity.clustering import Clusters, cluster
from onefold.identity.comparisons import Gamma, compare
from onefold.identity.duck import Candidates, generate_pairs
from onefold.identity.fellegi_sunter import FellegiSunter, FloatArray, FSParams, probability
from onefold.identity.records import RecordSet
from onefold.identity.training import estimate_u, tf_adjustments

if TYPE_CHECKING:
    import duckdb

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class MatchOptions:
    """Knobs with documented defaults; the defaults are what the Febrl and CDP tests use."""

    threshold: float = 0.95
    """Posterior match probability at or above which a pair is a link (IdentitySettings.match_threshold)."""
    max_block_size: int = 500
    """Blocks with more records are skipped (reported): too common to separate people."""
    hot_key_records: int = 25
    """An email/phone/id on more records than this is treated as shared junk, not evidence."""
    u_sample_pairs: int = 300_000
    """Random pairs used to estimate u."""
    chain_support: float = 0.5
    """Share of the smaller cluster that must link across before two clusters merge."""
    workers: int = 1
    """Threads for rapidfuzz; 1 keeps a shared machine fair."""
    seed: int = 0


@dataclass
class MatchResult:
    records: RecordSet
    rules: list[BlockingRule]
    candidates: Candidates
    gamma: Gamma
    field_weights: FloatArray
    """log2 Bayes factor per pair and field, term-frequency adjustment included."""
    weight: FloatArray
    """Total match weight per pair (log2 odds, prior included)."""
    probability: FloatArray
    params: FSParams
    prior_weight: float
    """log2 odds that two records drawn at random match, added to every pair's weight."""
    clusters: Clusters
    threshold: float

    @property
    def links(self) -> int:
        return int((self.probability >= self.threshold).sum())

    @property
    def cluster_count(self) -> int:
        return len(np.unique(self.clusters.labels))


def match_records(
    con: duckdb.DuckDBPyConnection,
    records: RecordSet,
    *,
    rules: list[BlockingRule] | None = None,
    options: MatchOptions | None = None,
    progress: Callable[[str, float], None] | None = None,
) -> MatchResult:
    """Resolve ``records`` (already normalised into the DuckDB records table) into clusters."""
    opts = options or MatchOptions()
    report = progress or (lambda _m, _f: None)
    fields = {col.name: col.field_type for col in records.columns}
    rules = rules if rules is not None else default_rules(fields)
    report("blocking", 0.1)
    candidates = generate_pairs(con, records, rules, max_block_size=opts.max_block_size)
    report(f"comparing {len(candidates.left):,} pairs", 0.3)
    gamma = compare(records, candidates.left, candidates.right, workers=opts.workers)
    report("estimating u from random pairs", 0.6)
    u = estimate_u(records, sample_pairs=opts.u_sample_pairs, seed=opts.seed, workers=opts.workers)
    report("EM for m", 0.75)
    model = FellegiSunter().fit(gamma, u)
    params = model.params
    field_weights = model.field_weights(gamma) + tf_adjustments(records, gamma, candidates.left, u)
    # The prior for scoring is P(match) over all n(n-1)/2 pairs, not over the candidates: blocking is
    # treated as carrying no evidence (as Splink does), so links need field evidence strong enough to
    # single a pair out of the whole table. EM's λ over candidates gives the expected match count.
    n = len(records)
    expected_matches = params.prior * len(candidates.left)
    prior = min(max(expected_matches, 1.0) / max(n * (n - 1) / 2, 1.0), 0.5)
    prior_weight = math.log2(prior / (1 - prior))
    weight = field_weights.sum(axis=1) + prior_weight
    prob = probability(weight)
    report("clustering", 0.9)
    min_weight = math.log2(opts.threshold / (1 - opts.threshold))
    clusters = cluster(
        len(records), candidates.left, candidates.right, weight, min_weight=min_weight, support=opts.chain_support
    )
    return MatchResult(records, rules, candidates, gamma, field_weights, weight, prob, params, prior_weight, clusters,
                       opts.threshold)


__all__ = ["MatchOptions", "MatchResult", "match_records"]
