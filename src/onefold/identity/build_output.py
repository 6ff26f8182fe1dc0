"""I/O module: what the identity build writes, shared by the full and the incremental build.

Both builds resolve a set of nodes (all of them, or the touched part of the graph) held in the
temp table ``_of_nodes`` (node, record_type, source, record_id, first_seen), and write from it:
ledger rows, golden rows, id aliases. The incremental build then adds the previous build's rows
for everything it did not touch.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

import orjson
import pyarrow as pa

from onefold.errors import InputError, Location
from onefold.identity.build_inputs import Nodes
from onefold.identity.graph import Edge
from onefold.identity.normalize import Blocklist, normalize_identifier
from onefold.identity.profile_ids import Assignment, RecordKey
from onefold.identity.survivorship import Candidate, Strategy, survive, trait_rules
from onefold.store.build import BuildContext, register_arrow

if TYPE_CHECKING:
    import duckdb

LEDGER_COLUMNS = ("edge_id, profile_id, rule, status, weight, evidence, a_type, a_source, a_id, "
                  "b_type, b_source, b_id, observed_at, built_at")


def write_table(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> None:
    register_arrow(con, "_of_out", table)
    con.execute(f"CREATE OR REPLACE TABLE main.{name} AS SELECT * FROM _of_out")
    con.unregister("_of_out")


def write_ledger(con: duckdb.DuckDBPyConnection, edges: list[Edge], profile_of: list[str], built: str, *,
                 into: str = "main.merge_ledger") -> None:
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
    register_arrow(con, "_of_edges", table)
    register_arrow(con, "_of_profile_of", pa.table({"node": pa.array(range(len(profile_of)), pa.int64()),
                                                    "profile_id": pa.array(profile_of, pa.string())}))
    con.execute(f"""CREATE OR REPLACE TABLE {into} AS
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
         ORDER BY e.ord""", [built])
    con.unregister("_of_edges")
    con.unregister("_of_profile_of")


def review_table(keys: list[RecordKey], review: pa.Table) -> pa.Table:
    """Borderline pairs (node numbers ``a``, ``b``) named by their records' keys."""
    a_keys = [keys[i] for i in review.column("a").to_pylist()]
    b_keys = [keys[i] for i in review.column("b").to_pylist()]
    return pa.table({
        "a_type": pa.array([k[0] for k in a_keys], pa.string()), "a_source": pa.array([k[1] for k in a_keys], pa.string()),
        "a_id": pa.array([k[2] for k in a_keys], pa.string()), "b_type": pa.array([k[0] for k in b_keys], pa.string()),
        "b_source": pa.array([k[1] for k in b_keys], pa.string()), "b_id": pa.array([k[2] for k in b_keys], pa.string()),
        "probability": review.column("probability"), "evidence": review.column("evidence")})


def retire(aliases: dict[str, tuple[str, str]], assignments: list[Assignment], previous: dict[RecordKey, str],
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


def follow(aliases: dict[str, tuple[str, str]], retired: str) -> str:
    seen, current = {retired}, aliases[retired][0]
    while current in aliases and current not in seen:
        seen.add(current)
        current = aliases[current][0]
    return current


def alias_table(aliases: dict[str, tuple[str, str]]) -> pa.Table:
    return pa.table({
        "retired_id": list(aliases), "profile_id": [follow(aliases, r) for r in aliases],
        "retired_at": [v[1] for v in aliases.values()]}, schema=pa.schema(
            [("retired_id", pa.string()), ("profile_id", pa.string()), ("retired_at", pa.string())]))


def golden_rules(ctx: BuildContext) -> dict[str, Strategy]:
    """Survivorship per golden trait: the defaults with the workspace's ``identity.survivorship``."""
    try:
        return trait_rules(ctx.settings.identity.survivorship)
    except ValueError as exc:
        raise InputError(str(exc), location=Location(field="identity.survivorship")) from None


def golden_config(ctx: BuildContext) -> str:
    """What golden values depend on besides the records: a profile is reused only when this is unchanged."""
    settings = ctx.settings.identity
    return orjson.dumps([golden_rules(ctx), settings.source_priority, settings.blocklist]).decode()


def settings_fingerprint(ctx: BuildContext) -> str:
    """Every identity setting: an incremental build extends the previous graph only when unchanged."""
    return ctx.settings.identity.model_dump_json()


def model_row(ctx: BuildContext, model: str | None, *, incremental: bool, resolved: int) -> pa.Table:
    """The identity_model row: the stored model, how the build ran and what it depends on.
    ``resolved``: records this build resolved (all of them in a full build)."""
    return pa.table({"model": pa.array([model], pa.string()), "incremental": [incremental],
                     "golden": [golden_config(ctx)], "settings": [settings_fingerprint(ctx)],
                     "resolved_records": pa.array([resolved], pa.int64())})


def previous_aliases(ctx: BuildContext) -> dict[str, tuple[str, str]]:
    """Retired id → (the id that absorbed it, when) from the previous build."""
    if not ctx.has_previous or not ctx.table_exists("profile_aliases", catalog="prev"):
        return {}
    return {r[0]: (r[1], r[2]) for r in ctx.con.execute(
        "SELECT retired_id, profile_id, retired_at FROM prev.main.profile_aliases").fetchall()}


def golden_rows(ctx: BuildContext, members: list[list[int]], assignments: list[Assignment], nodes: Nodes) -> pa.Table:
    """One golden row per cluster of _of_nodes records, by the survivorship rules."""
    con = ctx.con
    settings = ctx.settings.identity
    rules = golden_rules(ctx)
    traits = list(rules)
    register_arrow(con, "_of_todo", pa.table({"node": pa.array([i for g in members for i in g], pa.int64())}))
    rows = con.execute(f"""SELECT n.node, c.source, coalesce(CAST(c.created_at AS VARCHAR), ''),
        {', '.join(f'CAST(c.{t} AS VARCHAR)' for t in traits)} FROM customers c JOIN _of_nodes n
        ON n.record_type = 'customer' AND n.source = c.source AND n.record_id = c.source_customer_id
        SEMI JOIN _of_todo t ON t.node = n.node""").fetchall()
    con.unregister("_of_todo")
    by_node = {r[0]: r for r in rows}
    junk = Blocklist(settings.blocklist)  # placeholders never become golden values
    blocked: dict[tuple[str, str], bool] = {}
    cols: dict[str, list[object]] = {"profile_id": [], "created_at": [], "records": []} | {t: [] for t in traits}
    for group, assignment in zip(members, assignments, strict=True):
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
    return pa.table(cols, schema=schema)


__all__ = ["LEDGER_COLUMNS", "alias_table", "follow", "golden_config", "golden_rows", "golden_rules",
           "model_row", "previous_aliases", "retire", "review_table", "settings_fingerprint", "write_ledger", "write_table"]
