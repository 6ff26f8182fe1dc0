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
import numpy.typing as npt
import orjson

from onefold.identity.blocking import BlockingRule, default_rules
from onefold.identity.clustering import Clusters, cluster
from onefold.identity.comparisons import Gamma, compare
from onefold.identity.dependence import adjust_nested_locations, nesting_rates
from onefold.identity.duck import RECORDS_TABLE, Candidates, generate_pairs
from onefold.identity.fellegi_sunter import FellegiSunter, FloatArray, FSParams, probability
from onefold.identity.records import RecordSet
from onefold.identity.scoring import combine_weights, household_cap, name_conflict
from onefold.identity.training import estimate_m_by_rule, estimate_u, tf_adjustments

if TYPE_CHECKING:
    import duckdb

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class MatchOptions:
    """Knobs with documented defaults; the defaults are what the Febrl and CDP tests use."""

    threshold: float = 0.95
    """Posterior match probability at or above which a pair is a link (IdentitySettings.match_threshold)."""
    max_block_size: int = 100
    """Blocks with more records are skipped (reported): too common to separate people. A key that
    b records share is worth about log2(n / b) bits (its term frequency) against a prior of about
    log2(k / n) for k true partners per record, so a pair found only through it needs
    log2(b / k) + 4.25 bits from fields that did *not* agree exactly (else another rule finds it):
    near-agreements rarely give more than ~10, hence b ≲ 100. On 1M synthetic records, 500 → 100
    cut the candidates from 13.3M to 3.7M pairs and lost 0.08 % of the links."""
    hot_key_records: int = 25
    """An email/phone/id on more records than this is treated as shared junk, not evidence."""
    u_sample_pairs: int = 30_000
    """Random pairs used to estimate u."""
    duckdb_memory_limit: str = "512MB"
    """DuckDB's buffer pool for `identity match` (blocking, pair generation). Left at DuckDB's default
    (80 % of RAM) it keeps caching while NumPy holds the comparisons; on 1M synthetic records 768MB
    took the process peak from 2,131 to 1,930 MB for ~15 % more time, and 512MB to 1,644–1,652 MB for
    ~10 % more again (27.4 → 30.8–31.7 s on an idle machine; bench/README.md, Identity)."""
    chain_support: float = 0.5
    """Share of the smaller cluster that must link across before two clusters merge."""
    workers: int = -1
    """Threads for rapidfuzz string metrics (-1: all cores, as DuckDB uses for blocking)."""
    seed: int = 0


@dataclass
class Trained:
    """What a full run learnt and an incremental run reuses: m and u per field and level, the prior
    weight and the household cap. Stored as JSON with the build (never pickled)."""

    fields: list[str]
    m: list[list[float]]
    u: list[list[float]]
    prior_weight: float
    cap: float
    nesting: list[tuple[int, int, float]] | None = None
    """r(B|A) of nested location fields over the whole data set (`dependence.nesting_rates`), so
    pairs can be scored without the whole data set at hand; None in models stored before it."""

    def to_json(self) -> str:
        return orjson.dumps({"fields": self.fields, "m": self.m, "u": self.u, "prior_weight": self.prior_weight,
                             "cap": self.cap if math.isfinite(self.cap) else None,
                             "nesting": self.nesting}).decode()

    @classmethod
    def from_json(cls, text: str) -> Trained:
        data = orjson.loads(text)
        nesting = data.get("nesting")
        return cls(data["fields"], data["m"], data["u"], data["prior_weight"],
                   math.inf if data["cap"] is None else data["cap"],
                   None if nesting is None else [(int(j), int(k), float(r)) for j, k, r in nesting])

    def rates(self) -> dict[tuple[int, int], float] | None:
        return None if self.nesting is None else {(j, k): r for j, k, r in self.nesting}


@dataclass
class Scores:
    """Per-pair outcome of scoring compared pairs with a fitted model."""

    field_weights: FloatArray
    weight: FloatArray
    probability: FloatArray


def score_pairs(records: RecordSet, left: npt.NDArray[np.int64], right: npt.NDArray[np.int64], gamma: Gamma,
                trained: Trained) -> Scores:
    """Weights and probabilities of compared pairs under a trained model: term frequencies from the
    records' value counts, nested locations, the household cap, name-conflict vetoes, the prior."""
    specs = [col.spec for col in records.columns]
    u = [np.asarray(x, dtype=np.float64) for x in trained.u]
    m = [np.asarray(x, dtype=np.float64) for x in trained.m]
    model = FellegiSunter.fitted(m, u)
    field_weights = tf_adjustments(records, gamma, left, right, u, add_to=model.field_weights(gamma))
    field_weights = adjust_nested_locations(field_weights, gamma, records, model.params.m, u, trained.rates())
    # A million rows at a time: combining makes several pairs × fields temporaries.
    step = 1 << 20
    weight = np.concatenate([combine_weights(field_weights[i:i + step], specs, cap=trained.cap)
                             for i in range(0, len(field_weights), step)] or [np.zeros(0)]) + trained.prior_weight
    weight[name_conflict(gamma, specs, households=math.isfinite(trained.cap))] = -np.inf
    return Scores(field_weights, weight, probability(weight))


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
    household_cap: float
    """Most evidence the household fields together may add (log2), see `combine_weights`."""
    clusters: Clusters
    threshold: float
    trained: Trained | None = None
    """Parameters to store for incremental runs."""

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
    trained: Trained | None = None,
    new: npt.NDArray[np.bool_] | None = None,
) -> MatchResult:
    """Resolve ``records`` (already normalised into the DuckDB records table) into clusters.

    Incremental use: pass the ``trained`` parameters of an earlier full run and the ``new`` records;
    only pairs touching a new record are compared and scored with the stored m, u and prior (no EM).
    """
    opts = options or MatchOptions()
    report = progress or (lambda _m, _f: None)
    fields = {col.name: col.field_type for col in records.columns}
    rules = rules if rules is not None else default_rules(fields)
    report("blocking", 0.1)
    candidates = generate_pairs(con, records, rules, max_block_size=opts.max_block_size, new=new)
    con.execute(f"DROP TABLE IF EXISTS {RECORDS_TABLE}")  # the RecordSet holds all later steps need
    report(f"comparing {len(candidates.left):,} pairs", 0.3)
    gamma = compare(records, candidates.left, candidates.right, workers=opts.workers)
    names = [col.name for col in records.columns]
    specs = [col.spec for col in records.columns]
    n = len(records)
    params: FSParams | None = None
    if trained is not None:
        if trained.fields != names:
            raise ValueError(f"trained on fields {trained.fields}, not {names}")
        if trained.nesting is None:
            u_stored = [np.asarray(x, dtype=np.float64) for x in trained.u]
            trained.nesting = [(j, k, r) for (j, k), r in nesting_rates(records, u_stored).items()]
    else:
        report("estimating u from random pairs", 0.6)
        u = estimate_u(records, sample_pairs=opts.u_sample_pairs, seed=opts.seed, workers=opts.workers)
        report("EM for m", 0.75)
        m, _ = estimate_m_by_rule(gamma, candidates.found_by, rules, names, u, specs)
        model = FellegiSunter().fit(gamma, u, m=m)
        params = model.params
        # The prior for scoring is P(match) over all n(n-1)/2 pairs, not over the candidates: blocking
        # is treated as carrying no evidence (as Splink does), so links need field evidence strong
        # enough to single a pair out of the whole table. EM's λ over candidates gives the count.
        expected_matches = model.params.prior * len(candidates.left)
        prior = min(max(expected_matches, 1.0) / max(n * (n - 1) / 2, 1.0), 0.5)
        prior_weight = math.log2(prior / (1 - prior))
        cap = household_cap(gamma, [col.field_type for col in records.columns], records=n)
        trained = Trained(names, [x.tolist() for x in model.params.m], [x.tolist() for x in u], prior_weight, cap,
                          [(j, k, r) for (j, k), r in nesting_rates(records, u).items()])
    scores = score_pairs(records, candidates.left, candidates.right, gamma, trained)
    field_weights, weight, prob = scores.field_weights, scores.weight, scores.probability
    if params is None:
        params = FellegiSunter.fitted([np.asarray(x, dtype=np.float64) for x in trained.m],
                                      [np.asarray(x, dtype=np.float64) for x in trained.u]).params
    prior_weight, cap = trained.prior_weight, trained.cap
    report("clustering", 0.9)
    min_weight = math.log2(opts.threshold / (1 - opts.threshold))
    clusters = cluster(
        len(records), candidates.left, candidates.right, weight, min_weight=min_weight, support=opts.chain_support
    )
    return MatchResult(records, rules, candidates, gamma, field_weights, weight, prob, params, prior_weight, cap,
                       clusters, opts.threshold, trained)


__all__ = ["MatchOptions", "MatchResult", "Scores", "Trained", "match_records", "score_pairs"]
