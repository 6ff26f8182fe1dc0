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
- ``review_pairs``: borderline probabilistic pairs for `onefold identity review`.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt
import orjson
import pyarrow as pa

from onefold.errors import InputError, Location
from onefold.identity.build_inputs import Nodes, deterministic_edges, load_nodes
from onefold.identity.clustering import cluster
from onefold.identity.constraints import cannot_link
from onefold.identity.duck import load_records
from onefold.identity.graph import Edge, resolve
from onefold.identity.match_settings import match_options
from onefold.identity.matcher import MatchOptions, MatchResult, Trained, match_records
from onefold.identity.normalize import Blocklist, normalize_identifier
from onefold.identity.profile_ids import Assignment, RecordKey, assign_ids
from onefold.identity.profile_space import publish, realtime_claims
from onefold.identity.survivorship import Candidate, Strategy, survive, trait_rules
from onefold.store.build import BuildContext, BuildStep, register_arrow

log = logging.getLogger(__name__)

CUSTOMER_FIELDS = {
    "first_name": "first_name", "last_name": "last_name", "email": "email", "phone": "phone", "street": "address",
    "city": "city", "postcode": "postcode", "state": "state", "country": "country", "date_of_birth": "date_of_birth",
}
REVIEW_FLOOR = 0.5


def make_identity_step(*, incremental: bool = True) -> BuildStep:
    """The identity build step; ``incremental=False`` always re-estimates and rescores everything."""

    def step(ctx: BuildContext) -> None:
        _identity(ctx, incremental=incremental)

    return step


def _identity(ctx: BuildContext, *, incremental: bool) -> None:
    """Resolve all sources into profiles (see module docstring).

    Incremental resolution: when the previous build stored its trained model and every customer
    record it resolved is still present, only pairs touching a new customer record are compared and
    scored (with the stored m, u and prior, no EM); the previous probabilistic links are carried over
    from its ledger, and the graph is resolved again as a whole (cheap, deterministic). Changed
    customer rows are not detected; a full run (`incremental=False`) rescores everything.
    """
    con, settings = ctx.con, ctx.settings.identity
    golden_rules(ctx)  # a bad survivorship setting fails before any work
    ctx.progress("reading records and identifiers", 0.05)
    nodes = load_nodes(con)
    index = {key: i for i, key in enumerate(nodes.keys)}
    evidence = deterministic_edges(con, blocked=settings.blocklist, hot_key_records=settings.hot_key_records)
    edges = evidence.edges
    ctx.progress(f"{len(edges):,} deterministic edges; matching customer records", 0.2)
    previous, created, aliases = _previous(ctx)
    trained = _previous_model(ctx, nodes, previous) if incremental else None
    carried = _previous_links(ctx, index) if trained is not None else []
    review, model = _probabilistic_edges(ctx, edges, threshold=settings.match_threshold, trained=trained,
                                         known=set(previous) if trained is not None else None, carried=carried)
    _write(con, "identity_model", pa.table({"model": [model], "incremental": [trained is not None],
                                            "golden": [_golden_config(ctx)]}))
    constraints = [(index[a], index[b]) for a, b in cannot_link(ctx.state) if a in index and b in index]
    ctx.progress("resolving the graph", 0.7)
    labels = resolve(len(nodes.keys), edges, constraints,
                     weak=[k[0] == "anonymous_id" for k in nodes.keys], strong=[k[0] == "user_id" for k in nodes.keys],
                     priority=settings.realtime_priority, limits=settings.realtime_limits,
                     identifiers=evidence.identifiers)
    clusters: dict[int, list[int]] = {}
    for i, label in enumerate(labels):
        clusters.setdefault(label, []).append(i)
    members = sorted(clusters.values(), key=lambda m: nodes.keys[min(m)])
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
    _write(con, "record_profile", pa.table({
        "record_type": [k[0] for k in nodes.keys], "source": [k[1] for k in nodes.keys],
        "record_id": [k[2] for k in nodes.keys], "profile_id": profile_of}))
    _retire(aliases, assignments, previous, realtime.retired, nodes.keys, profile_of, built)
    _write(con, "profile_aliases", pa.table({
        "retired_id": list(aliases), "profile_id": [_follow(aliases, r) for r in aliases],
        "retired_at": [v[1] for v in aliases.values()]}, schema=pa.schema(
            [("retired_id", pa.string()), ("profile_id", pa.string()), ("retired_at", pa.string())])))
    _write_ledger(con, edges, nodes, profile_of, built)
    a_keys = [nodes.keys[i] for i in review.column("a").to_pylist()]
    b_keys = [nodes.keys[i] for i in review.column("b").to_pylist()]
    _write(con, "review_pairs", pa.table({
        "a_type": pa.array([k[0] for k in a_keys], pa.string()), "a_source": pa.array([k[1] for k in a_keys], pa.string()),
        "a_id": pa.array([k[2] for k in a_keys], pa.string()), "b_type": pa.array([k[0] for k in b_keys], pa.string()),
        "b_source": pa.array([k[1] for k in b_keys], pa.string()), "b_id": pa.array([k[2] for k in b_keys], pa.string()),
        "probability": review.column("probability"), "evidence": review.column("evidence")}))
    _write_profiles(ctx, members, assignments, nodes, reuse=trained is not None)
    publish(ctx.state, realtime, dict(zip(nodes.keys, profile_of, strict=True)),
            {r: _follow(aliases, r) for r in aliases})


identity_step = make_identity_step()
"""The step `onefold build` runs (incremental when it can be)."""


def _previous_model(ctx: BuildContext, nodes: Nodes, previous: dict[RecordKey, str]) -> Trained | None:
    if not previous or not ctx.table_exists("identity_model", catalog="prev"):
        return None
    current = {k for k in nodes.keys if k[0] == "customer"}
    if any(k[0] == "customer" and k not in current for k in previous):
        return None  # a customer record disappeared: resolve from scratch
    row = ctx.con.execute("SELECT model FROM prev.main.identity_model").fetchone()
    return Trained.from_json(row[0]) if row and row[0] else None


def _previous_links(ctx: BuildContext, index: dict[RecordKey, int]) -> list[Edge]:
    rows = ctx.con.execute("""SELECT a_type, a_source, a_id, b_type, b_source, b_id, weight, evidence
        FROM prev.main.merge_ledger WHERE rule = 'probabilistic' AND status IN ('merged', 'same_profile')""").fetchall()
    return [Edge(index[r[0:3]], index[r[3:6]], "probabilistic", float(r[6]), orjson.loads(r[7]))
            for r in rows if r[0:3] in index and r[3:6] in index]


def _probabilistic_edges(ctx: BuildContext, edges: list[Edge], *, threshold: float, trained: Trained | None,
                         known: set[RecordKey] | None, carried: list[Edge]) -> tuple[pa.Table, str | None]:
    con = ctx.con
    count = con.execute("SELECT count(*) FROM customers").fetchone()
    empty = pa.table({"a": pa.array([], pa.int64()), "b": pa.array([], pa.int64()),
                      "probability": pa.array([], pa.float64()), "evidence": pa.array([], pa.string())})
    if not count or count[0] < 2:
        return empty, None
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
    node_of = {f"{r[1]}\x1f{r[2]}": r[0] for r in con.execute(
        "SELECT node, source, record_id FROM _of_nodes WHERE record_type = 'customer'").fetchall()}
    node = [node_of[x] for x in records.ids]
    new = None
    if known is not None:
        new = np.array([("customer", *x.split("\x1f", 1)) not in known for x in records.ids], dtype=bool)
    result = match_records(con, records, options=options, trained=trained, new=new,
                           progress=lambda m, f: ctx.progress(f"matching: {m}", 0.2 + 0.5 * f))
    names = [c.name for c in records.columns]
    labels = result.clusters.labels
    if carried:
        labels = _recluster(result, carried, node, options, edges)
    review: dict[str, list[object]] = {"a": [], "b": [], "probability": [], "evidence": []}
    for i in range(len(result.candidates.left)):
        left, right = int(result.candidates.left[i]), int(result.candidates.right[i])
        p = float(result.probability[i])
        if p < REVIEW_FLOOR or not math.isfinite(result.weight[i]):
            continue
        evidence = {n: round(float(w), 2) for n, w in zip(names, result.field_weights[i], strict=True) if w}
        if p >= threshold and labels[left] == labels[right]:
            edges.append(Edge(node[left], node[right], "probabilistic", float(result.weight[i]),
                              {"fields": evidence, "probability": round(p, 6)}))
        elif p < threshold:
            for key, value in zip(review, (node[left], node[right], p, orjson.dumps(evidence).decode()), strict=True):
                review[key].append(value)
    model = trained or result.trained
    return pa.table(review, schema=empty.schema), model.to_json() if model else None


def _recluster(result: MatchResult, carried: list[Edge], node: list[int], options: MatchOptions,
               edges: list[Edge]) -> npt.NDArray[np.int64]:
    """Incremental runs: the chaining guard over the previous links and the new pairs together, as a
    full run clusters all links at once: guarding only the new pairs would let a new record that
    resembles two existing people bridge their profiles (the guard would see them as singletons).
    Previous links that survive go to ``edges``."""
    row = {n: i for i, n in enumerate(node)}
    kept = [e for e in carried if e.a in row and e.b in row]
    left = np.concatenate([result.candidates.left, np.array([row[e.a] for e in kept], dtype=np.int64)])
    right = np.concatenate([result.candidates.right, np.array([row[e.b] for e in kept], dtype=np.int64)])
    weight = np.concatenate([result.weight, np.array([e.weight for e in kept], dtype=np.float64)])
    labels = cluster(len(node), left, right, weight, min_weight=math.log2(options.threshold / (1 - options.threshold)),
                     support=options.chain_support).labels
    edges.extend(e for e in kept if labels[row[e.a]] == labels[row[e.b]])
    return labels


def _previous(ctx: BuildContext) -> tuple[dict[RecordKey, str], dict[str, str], dict[str, tuple[str, str]]]:
    if not ctx.has_previous or not ctx.table_exists("record_profile", catalog="prev"):
        return {}, {}, {}
    con = ctx.con
    previous = {(r[0], r[1], r[2]): r[3] for r in con.execute(
        "SELECT record_type, source, record_id, profile_id FROM prev.main.record_profile").fetchall()}
    created = dict(con.execute("SELECT profile_id, created_at FROM prev.main.profiles").fetchall())
    aliases = {r[0]: (r[1], r[2]) for r in con.execute(
        "SELECT retired_id, profile_id, retired_at FROM prev.main.profile_aliases").fetchall()}
    return previous, created, aliases


def _retire(aliases: dict[str, tuple[str, str]], assignments: list[Assignment], previous: dict[RecordKey, str],
            realtime_retired: dict[str, str], keys: list[RecordKey], profile_of: list[str], built: str) -> None:
    """Record every id that stopped being live: merged by this build (the older id survived), merged
    in real time since the last build, or no longer claimed by any record (its records now claim
    their real-time profile's id); the last go to where most of their records went."""
    live = {a.profile_id for a in assignments}
    for assignment in assignments:
        for retired in assignment.retired:
            aliases[retired] = (assignment.profile_id, built)
    for retired, survivor in sorted(realtime_retired.items()):
        if retired not in live and retired not in aliases:
            aliases[retired] = (survivor, built)
    now_at: dict[str, Counter[str]] = {}
    for key, pid in zip(keys, profile_of, strict=True):
        old = previous.get(key)
        if old is not None and old not in live and old not in aliases:
            now_at.setdefault(old, Counter())[pid] += 1
    for old, where in sorted(now_at.items()):
        aliases[old] = (min(where, key=lambda p: (-where[p], p)), built)
    for pid in live & aliases.keys():  # an id that is live again (a split gave it back) is no alias
        del aliases[pid]


def _follow(aliases: dict[str, tuple[str, str]], retired: str) -> str:
    seen, current = {retired}, aliases[retired][0]
    while current in aliases and current not in seen:
        seen.add(current)
        current = aliases[current][0]
    return current


def _write(con: object, name: str, table: pa.Table) -> None:
    register_arrow(con, "_of_out", table)  # type: ignore[arg-type]
    con.execute(f"CREATE OR REPLACE TABLE main.{name} AS SELECT * FROM _of_out")  # type: ignore[attr-defined]
    con.unregister("_of_out")  # type: ignore[attr-defined]


def _write_ledger(con: object, edges: list[Edge], nodes: Nodes, profile_of: list[str], built: str) -> None:
    """Every edge with its rule or fields, weight, status, endpoints (in key order) and time.

    Node numbers follow key order (`build_inputs.NODES_SQL`), so the smaller number is the smaller
    key; keys, edge ids (a hash of rule and keys) and profiles are joined in DuckDB, not per edge.
    """
    table = pa.table({
        "ord": pa.array(range(len(edges)), pa.int64()),
        "lo": pa.array([min(e.a, e.b) for e in edges], pa.int64()),
        "hi": pa.array([max(e.a, e.b) for e in edges], pa.int64()),
        "rule": pa.array([e.rule for e in edges], pa.string()),
        "status": pa.array([e.status for e in edges], pa.string()),
        "weight": pa.array([None if e.weight >= 1000 else round(e.weight, 3) for e in edges], pa.float64()),
        "evidence": pa.array([orjson.dumps({k: v for k, v in e.evidence.items() if k != "at"}).decode()
                              for e in edges], pa.string()),
        "at": pa.array([str(e.evidence["at"]) if e.evidence.get("at") else None for e in edges], pa.string()),
    })
    register_arrow(con, "_of_edges", table)  # type: ignore[arg-type]
    register_arrow(con, "_of_profile_of", pa.table({"node": pa.array(range(len(profile_of)), pa.int64()),  # type: ignore[arg-type]
                                                    "profile_id": pa.array(profile_of, pa.string())}))
    con.execute("""CREATE OR REPLACE TABLE main.merge_ledger AS
        SELECT 'edge_' || left(sha256(concat_ws(chr(31), e.rule, a.record_type, a.source, a.record_id,
                                                b.record_type, b.source, b.record_id)), 16) AS edge_id,
               CASE WHEN pa.profile_id = pb.profile_id THEN pa.profile_id END AS profile_id,
               e.rule, e.status, e.weight, e.evidence,
               a.record_type AS a_type, a.source AS a_source, a.record_id AS a_id,
               b.record_type AS b_type, b.source AS b_source, b.record_id AS b_id,
               coalesce(e.at, greatest(coalesce(a.first_seen, ''), coalesce(b.first_seen, ''))) AS observed_at,
               ?::VARCHAR AS built_at
          FROM _of_edges e JOIN _of_nodes a ON a.node = e.lo JOIN _of_nodes b ON b.node = e.hi
          JOIN _of_profile_of pa ON pa.node = e.lo JOIN _of_profile_of pb ON pb.node = e.hi
         ORDER BY e.ord""", [built])  # type: ignore[attr-defined]
    con.unregister("_of_edges")  # type: ignore[attr-defined]
    con.unregister("_of_profile_of")  # type: ignore[attr-defined]


def golden_rules(ctx: BuildContext) -> dict[str, Strategy]:
    """Survivorship per golden trait: the defaults with the workspace's ``identity.survivorship``."""
    try:
        return trait_rules(ctx.settings.identity.survivorship)
    except ValueError as exc:
        raise InputError(str(exc), location=Location(field="identity.survivorship")) from None


def _golden_config(ctx: BuildContext) -> str:
    """What golden values depend on besides the records: a profile is reused only when this is unchanged."""
    settings = ctx.settings.identity
    return orjson.dumps([golden_rules(ctx), settings.source_priority, settings.blocklist]).decode()


def _unchanged_profiles(ctx: BuildContext, reuse: bool) -> pa.Table | None:
    """Incremental runs: ids of profiles holding exactly the records they held in the previous build
    (their golden rows are copied; customer rows are not re-read, as incremental runs assume)."""
    if not reuse or not ctx.table_exists("profiles", catalog="prev"):
        return None
    columns = {r[0] for r in ctx.con.execute("SELECT column_name FROM information_schema.columns WHERE "
                                             "table_catalog = 'prev' AND table_name = 'identity_model'").fetchall()}
    rows = ctx.con.execute("SELECT golden FROM prev.main.identity_model").fetchall() if "golden" in columns else []
    if not rows or rows[0][0] != _golden_config(ctx):
        return None
    return ctx.con.sql("""
        WITH cur AS (SELECT profile_id, count(*) AS n, bit_xor(hash(record_type, source, record_id)) AS h
                       FROM main.record_profile GROUP BY ALL),
             prv AS (SELECT profile_id, count(*) AS n, bit_xor(hash(record_type, source, record_id)) AS h
                       FROM prev.main.record_profile GROUP BY ALL)
        SELECT profile_id FROM cur JOIN prv USING (profile_id, n, h)""").to_arrow_table()


def _write_profiles(ctx: BuildContext, members: list[list[int]], assignments: list, nodes: Nodes, *,
                    reuse: bool) -> None:
    con = ctx.con
    settings = ctx.settings.identity
    rules = golden_rules(ctx)
    traits = list(rules)
    kept = _unchanged_profiles(ctx, reuse)
    same = set(kept.column("profile_id").to_pylist()) if kept is not None else set()
    todo = [(g, a) for g, a in zip(members, assignments, strict=True) if a.profile_id not in same]
    register_arrow(con, "_of_todo", pa.table({"node": pa.array([i for g, _ in todo for i in g], pa.int64())}))
    rows = con.execute(f"""SELECT n.node, c.source, coalesce(CAST(c.created_at AS VARCHAR), ''),
        {', '.join(f'CAST(c.{t} AS VARCHAR)' for t in traits)} FROM customers c JOIN _of_nodes n
        ON n.record_type = 'customer' AND n.source = c.source AND n.record_id = c.source_customer_id
        SEMI JOIN _of_todo t ON t.node = n.node""").fetchall()
    con.unregister("_of_todo")
    by_node = {r[0]: r for r in rows}
    junk = Blocklist(ctx.settings.identity.blocklist)  # placeholders never become golden values
    blocked: dict[tuple[str, str], bool] = {}
    cols: dict[str, list[object]] = {"profile_id": [], "created_at": [], "records": []} | {t: [] for t in traits}
    for group, assignment in todo:
        cols["profile_id"].append(assignment.profile_id)
        cols["created_at"].append(min((nodes.first_seen[i] for i in group if nodes.first_seen[i]), default=""))
        cols["records"].append(len(group))
        customer_rows = [by_node[i] for i in group if i in by_node]
        for t_index, trait in enumerate(traits):
            candidates = []
            for r in customer_rows:
                value = r[3 + t_index]
                if value:
                    key = (trait, value)
                    if key not in blocked:
                        blocked[key] = junk.blocks(trait, value)
                    if not blocked[key]:
                        candidates.append(Candidate(value, r[1], r[2]))
            value = survive(candidates, rules[trait], source_priority=settings.source_priority)
            if value and trait in ("email", "phone"):
                # Golden identifiers in canonical form (lower-case email, E.164 phone) when valid.
                value = normalize_identifier(trait, value) or value
            cols[trait].append(value)
    schema = pa.schema([("profile_id", pa.string()), ("created_at", pa.string()), ("records", pa.int64())]
                       + [(t, pa.string()) for t in traits])
    register_arrow(con, "_of_out", pa.table(cols, schema=schema))
    if kept is not None:
        register_arrow(con, "_of_kept", kept)
        con.execute("""CREATE OR REPLACE TABLE main.profiles AS SELECT * FROM (
            SELECT * FROM _of_out UNION ALL BY NAME
            SELECT p.* FROM prev.main.profiles p SEMI JOIN _of_kept k ON k.profile_id = p.profile_id)
            ORDER BY profile_id""")
        con.unregister("_of_kept")
    else:
        con.execute("CREATE OR REPLACE TABLE main.profiles AS SELECT * FROM _of_out ORDER BY profile_id")
    con.unregister("_of_out")


__all__ = ["identity_step", "make_identity_step"]
