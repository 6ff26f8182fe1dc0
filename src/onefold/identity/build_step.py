"""Build step "identity": customers and event identifiers → profiles, record_profile, merge_ledger.

Order of work: nodes and deterministic edges (`build_inputs`), probabilistic edges between customer
records (`matcher.match_records`, Fellegi–Sunter with the chaining guard), then one graph resolution
honouring must-not-link constraints from state.sqlite (`graph.resolve`), stable ids from the
previous warehouse (`profile_ids.assign_ids`) and golden traits (`survivorship`).

Tables written to the new warehouse:
- ``record_profile(record_type, source, record_id, profile_id)``: every node exactly once;
- ``profiles(profile_id, created_at, records, <golden traits>)``;
- ``merge_ledger``: every edge with its rule or fields and weight, status, endpoints and time;
- ``profile_aliases(retired_id, profile_id)``: ids retired by merges, carried across builds;
- ``review_pairs``: borderline probabilistic pairs for `onefold identity review`;
- ``identity_model``: the trained model, whether the build was incremental, how many records it
  resolved, and the settings it depends on; ``identity_*``: the stored graph (`graph_store`).

The next build extends the stored graph when it can (`incremental.resolve_incrementally`: only the
components new records and events touch are resolved again) and runs this full build otherwise.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import numpy as np
import pyarrow as pa

from onefold.identity.build_inputs import CUSTOMER_FIELDS, deterministic_edges, load_nodes, resolve_members
from onefold.identity.build_output import (
    alias_table,
    follow,
    golden_rows,
    golden_rules,
    model_row,
    previous_aliases,
    retire,
    review_table,
    write_ledger,
    write_table,
)
from onefold.identity.duck import load_records
from onefold.identity.graph import Edge
from onefold.identity.graph_store import (
    components,
    store_content,
    store_events,
    store_links,
    store_nodes,
    store_records,
    store_values,
)
from onefold.identity.incremental import content_columns, resolve_incrementally
from onefold.identity.incremental_write import CARRIED
from onefold.identity.match_settings import match_options
from onefold.identity.matcher import match_records
from onefold.identity.normalize import Blocklist
from onefold.identity.pair_decisions import decide_pairs, review_pairs_of
from onefold.identity.profile_ids import RecordKey, assign_ids
from onefold.identity.profile_space import publish, realtime_claims
from onefold.identity.records import RecordSet
from onefold.identity.stored_blocks import add_block_keys
from onefold.store.build import BuildContext, BuildStep, register_arrow

log = logging.getLogger(__name__)


class IdentityStep:
    """The identity build step. Incremental, it carries its large tables (`incremental_write.CARRIED`):
    `run_build` starts the new warehouse from the previous one and the step updates their rows in place."""

    def __init__(self, *, incremental: bool) -> None:
        self.incremental = incremental
        self.carried_tables: tuple[str, ...] = CARRIED if incremental else ()

    def __call__(self, ctx: BuildContext) -> None:
        golden_rules(ctx)  # a bad survivorship setting fails before any work
        if self.incremental and resolve_incrementally(ctx):
            return
        _identity(ctx)


def make_identity_step(*, incremental: bool = True) -> BuildStep:
    """The identity build step; ``incremental=False`` always re-estimates and rescores everything
    (and writes every table anew)."""
    return IdentityStep(incremental=incremental)


def _identity(ctx: BuildContext) -> None:
    """Resolve all sources into profiles from scratch (see module docstring), and store the graph
    (`graph_store`) the next build extends when it can (`incremental.resolve_incrementally`)."""
    con, settings = ctx.con, ctx.settings.identity
    ctx.progress("reading records and identifiers", 0.05)
    nodes = load_nodes(con)
    evidence = deterministic_edges(con, blocked=settings.blocklist, hot_key_records=settings.hot_key_records)
    edges = evidence.edges
    ctx.progress(f"{len(edges):,} deterministic edges; matching customer records", 0.2)
    previous, created, aliases = _previous(ctx)
    links: list[Edge] = []
    review, model = _probabilistic_edges(ctx, edges, links, threshold=settings.match_threshold)
    write_table(con, "identity_model", model_row(ctx, model, incremental=False, resolved=len(nodes.keys)))
    ctx.progress("resolving the graph", 0.7)
    members = resolve_members(ctx.state, nodes.keys, edges, settings, evidence.identifiers)
    # One id space: an event identifier claims its real-time profile's id (newer than the last build).
    realtime = realtime_claims(ctx.state, nodes.keys)
    claims = {**previous, **realtime.owner}
    assignments = assign_ids(members, nodes.keys, nodes.first_seen, claims, {**realtime.created, **created})
    profile_of = [""] * len(nodes.keys)
    for group, assignment in zip(members, assignments, strict=True):
        for i in group:
            profile_of[i] = assignment.profile_id
    built = datetime.now(UTC).isoformat(timespec="seconds")
    ctx.progress("writing profiles and ledger", 0.85)
    write_table(con, "record_profile", pa.table({
        "record_type": [k[0] for k in nodes.keys], "source": [k[1] for k in nodes.keys],
        "record_id": [k[2] for k in nodes.keys], "profile_id": profile_of}))
    retire(aliases, assignments, previous, realtime.retired, nodes.keys, profile_of, built)
    write_table(con, "profile_aliases", alias_table(aliases))
    write_ledger(con, edges, profile_of, built)
    write_table(con, "review_pairs", review_table(nodes.keys, review))
    register_arrow(con, "_of_out", golden_rows(ctx, members, assignments, nodes))
    con.execute("CREATE OR REPLACE TABLE main.profiles AS SELECT * FROM _of_out ORDER BY profile_id")
    con.unregister("_of_out")
    store_values(con)
    store_links(con, links)
    store_nodes(con, components(len(nodes.keys), edges, links))
    store_events(con)
    store_content(con, content_columns(ctx))
    publish(ctx.state, realtime, dict(zip(nodes.keys, profile_of, strict=True)),
            {r: follow(aliases, r) for r in aliases})


identity_step = make_identity_step()
"""The step `onefold build` runs (incremental when it can be)."""


def _probabilistic_edges(ctx: BuildContext, edges: list[Edge], links: list[Edge], *,
                         threshold: float) -> tuple[pa.Table, str | None]:
    con = ctx.con
    count = con.execute("SELECT count(*) FROM customers").fetchone()
    if not count or count[0] < 2:
        store_records(con, RecordSet(np.array([], dtype=object), []))
        return review_pairs_of([], [], [], []), None
    # Records are named by their key, not their node number (which shifts when records are added),
    # so the matcher's sample of random pairs for u stays the same across builds.
    con.execute("""CREATE OR REPLACE TEMP VIEW _of_customers AS
                   SELECT n.source || chr(31) || n.record_id AS node_id, c.* FROM customers c
                   JOIN _of_nodes n ON n.record_type = 'customer' AND n.source = c.source
                    AND n.record_id = c.source_customer_id""")
    junk = Blocklist(ctx.settings.identity.blocklist)
    options = match_options(ctx.settings.identity, threshold=threshold)
    records = load_records(con, "_of_customers", id_column="node_id", fields=dict(CUSTOMER_FIELDS),  # type: ignore[arg-type]
                           hot_key_records=options.hot_key_records, junk=junk.blocks)
    store_records(con, records)
    add_block_keys(con, dict(CUSTOMER_FIELDS))  # type: ignore[arg-type]
    node_of = {f"{r[1]}\x1f{r[2]}": r[0] for r in con.execute(
        "SELECT node, source, record_id FROM _of_nodes WHERE record_type = 'customer'").fetchall()}
    node = np.array([node_of[x] for x in records.ids], dtype=np.int64)
    result = match_records(con, records, options=options,
                           progress=lambda m, f: ctx.progress(f"matching: {m}", 0.2 + 0.5 * f))
    decided = decide_pairs(node[result.candidates.left], node[result.candidates.right], result.weight,
                           result.probability, result.field_weights, [c.name for c in records.columns], threshold)
    links.extend(decided.links)
    labels = result.clusters.labels
    row = {int(n): i for i, n in enumerate(node.tolist())}
    edges.extend(e for e in decided.links if labels[row[e.a]] == labels[row[e.b]])
    model = result.trained
    return decided.review, model.to_json() if model else None


def _previous(ctx: BuildContext) -> tuple[dict[RecordKey, str], dict[str, str], dict[str, tuple[str, str]]]:
    if not ctx.has_previous or not ctx.table_exists("record_profile", catalog="prev"):
        return {}, {}, {}
    con = ctx.con
    previous = {(r[0], r[1], r[2]): r[3] for r in con.execute(
        "SELECT record_type, source, record_id, profile_id FROM prev.main.record_profile").fetchall()}
    created = dict(con.execute("SELECT profile_id, created_at FROM prev.main.profiles").fetchall())
    return previous, created, previous_aliases(ctx)


__all__ = ["identity_step", "make_identity_step"]
