"""Incremental identity build: new records and events resolved against the stored graph.

A full build stores its graph (`graph_store`). The next build, when the settings, the golden
rules and the model are unchanged and no record disappeared, works out which stored connected
components the new evidence touches. A customer record edited in place (same key, another hash of
the columns identity reads, `graph_store.store_content`) counts as removed and new: its stored
fields, values and links are dropped, it is matched again like a new record, and its old component
is resolved again (so a record that no longer matches its profile leaves it; the older id stays
with the part `profile_ids.assign_ids` gives it, the other ids are recorded as retired). The
touched components are those of
- records sharing an email, phone or loyalty id with a new record or a new identify trait
  (every holder: the value may start or stop being evidence, or turn hot);
- records a new customer record links to (new × (new ∪ stored) pairs, scored with the stored model);
- endpoints of new events joining an anonymousId to a userId, and of new userId ↔ web/app
  customer pairs;
- records under a must-not-link constraint (split/unmerge),
and resolves only those components and the new records, with the same code as a full build:
deterministic edges, the chaining guard over all their links (stored and new), the graph with its
limits and priorities, id assignment (the older id wins). Every other row of record_profile,
profiles, merge_ledger and the stored graph stays as the previous build wrote it
(`incremental_write`: the tables are updated in place).

An edit that may take a hot value back under ``hot_key_records`` holders falls back to a full
build (the value's other holders would turn into evidence for each other).

Resolution never crosses a component (components are taken over every edge, whatever its status),
so untouched components resolve as before. What a full rerun would see differently: stored links
keep their weights (a full rerun re-estimates the model and re-counts term frequencies), and pairs of
stored records are not regenerated (a block grown past ``max_block_size``, or a value turned hot,
still holds their earlier link).
"""

from __future__ import annotations

import logging
import math
from datetime import UTC, datetime

import numpy as np
import pyarrow as pa

from onefold.identity.build_inputs import (
    CUSTOMER_FIELDS,
    deterministic_edges,
    identifier_value_rows,
    read_nodes,
    resolve_members,
)
from onefold.identity.build_output import (
    follow,
    golden_config,
    golden_rules,
    model_row,
    previous_aliases,
    retire,
    settings_fingerprint,
    write_table,
)
from onefold.identity.clustering import cluster
from onefold.identity.constraints import cannot_link
from onefold.identity.graph import Edge
from onefold.identity.graph_store import (
    STORED_TABLES,
    link_edges,
    store_content,
)
from onefold.identity.incremental_match import match_new_records, prepare_new_records
from onefold.identity.incremental_write import carry_tables, write_profiles, write_review, write_touched
from onefold.identity.match_settings import match_options
from onefold.identity.matcher import Trained
from onefold.identity.normalize import Blocklist
from onefold.identity.profile_ids import RecordKey, assign_ids
from onefold.identity.profile_space import EVENT_KINDS, publish, realtime_claims
from onefold.store.build import BuildContext, register_arrow

log = logging.getLogger(__name__)

KEY = "record_type, source, record_id"
ANON_RULE = "anonymousId and userId on one event"


def resolve_incrementally(ctx: BuildContext) -> bool:
    """Extend the previous build's graph; False (nothing written) when a full build is needed."""
    trained = _stored_model(ctx)
    if trained is None:
        return False
    con, settings = ctx.con, ctx.settings.identity
    ctx.progress("finding new and edited records and new events", 0.05)
    if not _find_new(con, content_columns(ctx), settings.hot_key_records):
        return False
    blocked = [v.strip().lower() for v in settings.blocklist]
    _new_values(con, blocked)
    ctx.progress("matching new customer records", 0.2)
    options = match_options(settings)
    fields = dict(CUSTOMER_FIELDS)
    carry_tables(ctx)
    prepare_new_records(con, fields, junk=Blocklist(settings.blocklist), hot_key_records=settings.hot_key_records)  # type: ignore[arg-type]
    matches = match_new_records(con, fields, trained, options)  # type: ignore[arg-type]
    new_links = [(matches.keys[e.a], matches.keys[e.b], e) for e in matches.decisions.links]
    ctx.progress("resolving the touched components", 0.5)
    _touched(ctx, [k for a, b, _ in new_links for k in (a, b)])
    nodes = read_nodes(con)
    index = {key: i for i, key in enumerate(nodes.keys)}
    con.execute("""CREATE OR REPLACE TEMP TABLE _of_holders AS
        SELECT kind, value, sum(is_customer) AS holders FROM _of_allvals v
         WHERE (kind, value) IN (SELECT (kind, value) FROM _of_allvals a SEMI JOIN _of_nodes n USING (record_type, source, record_id))
         GROUP BY ALL""")
    evidence = deterministic_edges(con, blocked=settings.blocklist, hot_key_records=settings.hot_key_records,
                                   holders="_of_holders", values="_of_allvals")
    edges = evidence.edges
    links = _links(con, index) + [Edge(index[a], index[b], e.rule, e.weight, e.evidence) for a, b, e in new_links]
    labels = cluster(len(nodes.keys), np.array([e.a for e in links], dtype=np.int64),
                     np.array([e.b for e in links], dtype=np.int64), np.array([e.weight for e in links]),
                     min_weight=math.log2(options.threshold / (1 - options.threshold)),
                     support=options.chain_support).labels
    edges.extend(e for e in links if labels[e.a] == labels[e.b])
    members = resolve_members(ctx.state, nodes.keys, edges, settings, evidence.identifiers)
    previous = {(r[0], r[1], r[2]): r[3] for r in con.execute(
        f"SELECT p.{KEY.replace(', ', ', p.')}, p.profile_id FROM prev.main.record_profile p SEMI JOIN _of_nodes n USING ({KEY})").fetchall()}
    created = dict(con.execute("SELECT profile_id, created_at FROM prev.main.profiles WHERE profile_id IN "
                               "(SELECT profile_id FROM prev.main.record_profile SEMI JOIN _of_nodes USING "
                               f"({KEY}))").fetchall())
    realtime = realtime_claims(ctx.state, nodes.keys)
    assignments = assign_ids(members, nodes.keys, nodes.first_seen, {**previous, **realtime.owner},
                             {**realtime.created, **created})
    known = set(previous.values())
    fresh = [a.profile_id for a in assignments if a.profile_id not in known]
    if _taken_elsewhere(con, fresh):
        return False
    profile_of = [""] * len(nodes.keys)
    for group, assignment in zip(members, assignments, strict=True):
        for i in group:
            profile_of[i] = assignment.profile_id
    ctx.progress("writing the touched profiles", 0.8)
    built = datetime.now(UTC).isoformat(timespec="seconds")
    aliases = previous_aliases(ctx)
    retire(aliases, assignments, previous, realtime.retired, nodes.keys, profile_of, built)
    write_touched(ctx, nodes.keys, profile_of, edges, links, built, aliases)
    write_review(con, matches.keys, matches.decisions)
    write_profiles(ctx, members, assignments, nodes, previous)
    write_table(con, "identity_model", model_row(ctx, trained.to_json(), incremental=True, resolved=len(nodes.keys)))
    _publish(ctx, realtime, {r: follow(aliases, r) for r in aliases})
    log.info("identity: %d new records, %d pairs compared, %d records re-resolved", _count(con, "_of_new"),
             matches.pairs, len(nodes.keys))
    return True


def _stored_model(ctx: BuildContext) -> Trained | None:
    """The previous build's model when its stored graph can be extended under today's settings."""
    if not ctx.has_previous or not all(ctx.table_exists(t, catalog="prev") for t in (
            *STORED_TABLES, "identity_model", "record_profile", "profiles", "merge_ledger", "review_pairs",
            "profile_aliases")):
        return None
    columns = {r[0] for r in ctx.con.execute("SELECT column_name FROM information_schema.columns WHERE "
                                             "table_catalog = 'prev' AND table_name = 'identity_model'").fetchall()}
    if not {"model", "golden", "settings"} <= columns:
        return None
    row = ctx.con.execute("SELECT model, golden, settings FROM prev.main.identity_model").fetchone()
    if not row or not row[0] or row[1] != golden_config(ctx) or row[2] != settings_fingerprint(ctx):
        return None
    trained = Trained.from_json(row[0])
    return trained if trained.nesting is not None and trained.fields == list(CUSTOMER_FIELDS) else None


def content_columns(ctx: BuildContext) -> list[str]:
    """The customer columns identity reads: an edit to any of them re-resolves the record."""
    return [*CUSTOMER_FIELDS, "loyalty_id", "created_at", *golden_rules(ctx)]


def _find_new(con: object, columns: list[str], hot_key_records: int) -> bool:
    """Temp tables of what the previous build did not see: _of_changed (keys of customer records
    edited in place), _of_customers_new (rows: new and edited), _of_events_new (rows, by message
    id), _of_new (new and edited records: key and first-seen time), views _of_stored_records and
    _of_stored_values (the stored ones less the edited records'). False when a record or an event
    the previous build saw is gone, or an edit may release a hot value (a full build then starts over)."""
    store_content(con, columns)  # type: ignore[arg-type]
    con.execute("""CREATE OR REPLACE TEMP TABLE _of_changed AS SELECT c.source, c.record_id FROM main.identity_content c
        JOIN prev.main.identity_content p USING (source, record_id) WHERE c.content <> p.content""")  # type: ignore[attr-defined]
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _of_customers_new AS SELECT c.* FROM customers c
        ANTI JOIN (SELECT {KEY} FROM prev.main.identity_nodes WHERE record_type = 'customer') p
          ON p.source = c.source AND p.record_id = c.source_customer_id""")  # type: ignore[attr-defined]
    con.execute("CREATE OR REPLACE TEMP TABLE _of_events_new AS SELECT e.* FROM events e "  # type: ignore[attr-defined]
                "WHERE e.message_id IS NULL OR e.message_id NOT IN (SELECT message_id FROM prev.main.identity_events)")
    gone = con.execute("""SELECT
        (SELECT count(*) FROM prev.main.identity_nodes p WHERE p.record_type = 'customer'),
        (SELECT count(*) FROM customers) - (SELECT count(*) FROM _of_customers_new),
        (SELECT count(*) FROM prev.main.identity_events),
        (SELECT count(*) FROM events WHERE message_id IS NOT NULL) - (SELECT count(*) FROM _of_events_new
                                                                      WHERE message_id IS NOT NULL)""").fetchall()[0]  # type: ignore[attr-defined]
    if gone[0] != gone[1] or gone[2] != gone[3]:
        log.info("identity: records or events of the previous build are gone; full build")
        return False
    if _releases_hot_value(con, hot_key_records):
        log.info("identity: an edited record may take a hot value back under the limit; full build")
        return False
    con.execute("""INSERT INTO _of_customers_new SELECT c.* FROM customers c
        SEMI JOIN _of_changed e ON e.source = c.source AND e.record_id = c.source_customer_id""")  # type: ignore[attr-defined]
    con.execute("""CREATE OR REPLACE TEMP VIEW _of_stored_records AS
        SELECT * FROM prev.main.identity_records ANTI JOIN _of_changed USING (source, record_id)""")  # type: ignore[attr-defined]
    con.execute("""CREATE OR REPLACE TEMP VIEW _of_stored_values AS SELECT v.* FROM prev.main.identity_values v
        ANTI JOIN _of_changed e ON v.record_type = 'customer' AND v.source = e.source AND v.record_id = e.record_id""")  # type: ignore[attr-defined]
    con.execute("""CREATE OR REPLACE TEMP TABLE _of_event_seen AS
        SELECT 'user_id' AS record_type, 'events' AS source, user_id AS record_id, CAST(min(timestamp) AS VARCHAR) AS first_seen
          FROM _of_events_new WHERE user_id IS NOT NULL AND user_id <> '' GROUP BY user_id
        UNION ALL
        SELECT 'anonymous_id', 'events', anonymous_id, CAST(min(timestamp) AS VARCHAR)
          FROM _of_events_new WHERE anonymous_id IS NOT NULL AND anonymous_id <> '' GROUP BY anonymous_id""")  # type: ignore[attr-defined]
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _of_new AS
        SELECT 'customer' AS record_type, source, source_customer_id AS record_id,
               CAST(created_at AS VARCHAR) AS first_seen FROM _of_customers_new
        UNION ALL SELECT * FROM _of_event_seen ANTI JOIN prev.main.identity_nodes USING ({KEY})""")  # type: ignore[attr-defined]
    return True


def _releases_hot_value(con: object, hot_key_records: int) -> bool:
    """Whether edited records held a value that is hot now and may not be once they drop it."""
    row = con.execute("""WITH lost AS (
            SELECT v.kind, v.value, count(*) AS n FROM prev.main.identity_values v SEMI JOIN _of_changed e
                ON v.record_type = 'customer' AND v.source = e.source AND v.record_id = e.record_id
             WHERE v.is_customer = 1 GROUP BY ALL),
          holders AS (SELECT kind, value, sum(is_customer) AS n FROM prev.main.identity_values
                       SEMI JOIN lost USING (kind, value) GROUP BY ALL)
        SELECT count(*) FROM lost JOIN holders h USING (kind, value) WHERE h.n > $hot AND h.n - lost.n <= $hot""",
                      {"hot": hot_key_records}).fetchone()  # type: ignore[attr-defined]
    return bool(row and row[0])


def _new_values(con: object, blocked: list[str]) -> None:
    """_of_newvals: identifier values of new customer records and of new events not stored yet;
    _of_allvals: the stored ones and those."""
    con.execute("""CREATE OR REPLACE TEMP TABLE _of_nodes AS
        SELECT (row_number() OVER () - 1)::BIGINT AS node, * FROM (
          SELECT * FROM _of_new WHERE record_type = 'customer' UNION ALL
          SELECT * FROM _of_event_seen)""")  # type: ignore[attr-defined]
    con.execute("CREATE OR REPLACE TEMP TABLE _of_newvals (kind VARCHAR, record_type VARCHAR, source VARCHAR, "  # type: ignore[attr-defined]
                "record_id VARCHAR, value VARCHAR, seen_at VARCHAR, is_customer INTEGER)")
    for kind in ("email", "loyalty_id", "phone"):
        identifier_value_rows(con, kind, blocked, customers="_of_customers_new", events="_of_events_new")  # type: ignore[arg-type]
        con.execute("""INSERT INTO _of_newvals SELECT ?, n.record_type, n.source, n.record_id, v.value, v.seen_at, v.is_customer
            FROM _of_vals v JOIN _of_nodes n USING (node)
            ANTI JOIN _of_stored_values p ON p.kind = ? AND p.record_type = n.record_type
             AND p.source = n.source AND p.record_id = n.record_id AND p.value = v.value""", [kind, kind])  # type: ignore[attr-defined]
    con.execute("CREATE OR REPLACE TEMP VIEW _of_allvals AS SELECT * FROM _of_stored_values "  # type: ignore[attr-defined]
                "UNION ALL SELECT * FROM _of_newvals")


def _touched(ctx: BuildContext, linked: list[RecordKey]) -> None:
    """_of_nodes: the new records and every record of a stored component new evidence touches."""
    con = ctx.con
    constrained = [k for pair in cannot_link(ctx.state) for k in pair]
    seeds = linked + constrained
    _anon_pairs(con)
    register_arrow(con, "_of_seed_keys", pa.table({
        "record_type": pa.array([k[0] for k in seeds], pa.string()), "source": pa.array([k[1] for k in seeds], pa.string()),
        "record_id": pa.array([k[2] for k in seeds], pa.string())}))
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _of_seeds AS
        SELECT {KEY} FROM _of_seed_keys
        UNION SELECT {KEY} FROM _of_new
        UNION SELECT 'customer', source, record_id FROM _of_rescored
        UNION SELECT {KEY} FROM _of_newvals
        UNION SELECT p.record_type, p.source, p.record_id FROM prev.main.identity_values p
              SEMI JOIN _of_newvals v ON v.kind = p.kind AND v.value = p.value
        UNION SELECT 'anonymous_id', 'events', anonymous_id FROM _of_anon_new
        UNION SELECT 'user_id', 'events', user_id FROM _of_anon_new
        UNION SELECT 'user_id', 'events', record_id FROM _of_new WHERE record_type = 'customer' AND source IN ('web', 'app')
        UNION SELECT 'customer', s.source, n.record_id FROM _of_new n, (VALUES ('web'), ('app')) s(source)
              WHERE n.record_type = 'user_id'""")
    con.unregister("_of_seed_keys")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _of_nodes AS
        WITH touched AS (SELECT DISTINCT component FROM prev.main.identity_nodes SEMI JOIN _of_seeds USING ({KEY})),
             keys AS (SELECT {KEY} FROM prev.main.identity_nodes SEMI JOIN touched USING (component)
                      UNION SELECT {KEY} FROM _of_new)
        SELECT (row_number() OVER (ORDER BY {KEY}) - 1)::BIGINT AS node, k.record_type, k.source, k.record_id,
               CASE WHEN p.first_seen IS NULL OR s.first_seen < p.first_seen OR e.record_id IS NOT NULL
                    THEN s.first_seen ELSE p.first_seen END AS first_seen
          FROM keys k LEFT JOIN prev.main.identity_nodes p USING ({KEY})
          LEFT JOIN _of_changed e ON k.record_type = 'customer' AND e.source = k.source AND e.record_id = k.record_id
          LEFT JOIN (SELECT {KEY}, min(first_seen) AS first_seen FROM (
                       SELECT * FROM _of_new UNION ALL SELECT * FROM _of_event_seen) GROUP BY ALL) s USING ({KEY})""")


def _anon_pairs(con: object) -> None:
    """_of_anon_new: anonymousId–userId pairs seen on an event and not yet in the ledger."""
    con.execute("""CREATE OR REPLACE TEMP TABLE _of_anon_new AS
        SELECT e.* FROM (SELECT anonymous_id, user_id FROM _of_events_new WHERE anonymous_id IS NOT NULL AND anonymous_id <> ''
                            AND user_id IS NOT NULL AND user_id <> '' GROUP BY ALL) e
        ANTI JOIN (SELECT a_id, b_id FROM prev.main.merge_ledger WHERE rule = ?) l
          ON l.a_id = e.anonymous_id AND l.b_id = e.user_id""", [ANON_RULE])  # type: ignore[attr-defined]


def _links(con: object, index: dict[RecordKey, int]) -> list[Edge]:
    """Stored links between touched records, as node numbers of _of_nodes (those of records matched
    again in this build are replaced by the new scores)."""
    rows = con.execute("""SELECT a.node, b.node, l.weight, l.evidence FROM prev.main.identity_links l
        JOIN _of_nodes a ON a.record_type = 'customer' AND a.source = l.a_source AND a.record_id = l.a_id
        JOIN _of_nodes b ON b.record_type = 'customer' AND b.source = l.b_source AND b.record_id = l.b_id
        ANTI JOIN _of_rescored ra ON ra.source = l.a_source AND ra.record_id = l.a_id
        ANTI JOIN _of_rescored rb ON rb.source = l.b_source AND rb.record_id = l.b_id
        ORDER BY 1, 2""").fetchall()  # type: ignore[attr-defined]
    return link_edges(rows)


def _taken_elsewhere(con: object, fresh: list[str]) -> bool:
    """Whether a newly minted id is already used by an untouched profile (a full build then decides)."""
    if not fresh:
        return False
    register_arrow(con, "_of_fresh", pa.table({"profile_id": pa.array(fresh, pa.string())}))  # type: ignore[arg-type]
    row = con.execute("""SELECT count(*) FROM _of_fresh f WHERE f.profile_id IN (SELECT profile_id FROM prev.main.profiles)
        OR f.profile_id IN (SELECT retired_id FROM prev.main.profile_aliases)""").fetchall()[0]  # type: ignore[attr-defined]
    con.unregister("_of_fresh")  # type: ignore[attr-defined]
    return bool(row and row[0])


def _publish(ctx: BuildContext, realtime_touched: object, aliases: dict[str, str]) -> None:
    """Where each real-time profile ended up: read for the event identifiers the real-time graph holds."""
    marks = ",".join("?" * len(EVENT_KINDS))
    keys = [(k, "events", v) for k, v in ctx.state.execute(
        f"SELECT kind, value FROM stitch_identifiers WHERE kind IN ({marks})", EVENT_KINDS)]
    register_arrow(ctx.con, "_of_rt_keys", pa.table({
        "record_type": pa.array([k[0] for k in keys], pa.string()), "source": pa.array([k[1] for k in keys], pa.string()),
        "record_id": pa.array([k[2] for k in keys], pa.string())}))
    rows = ctx.con.execute(f"SELECT {KEY}, profile_id FROM main.record_profile SEMI JOIN _of_rt_keys USING ({KEY})").fetchall()
    ctx.con.unregister("_of_rt_keys")
    profile_of = {(r[0], r[1], r[2]): r[3] for r in rows}
    claims = realtime_claims(ctx.state, profile_of)
    publish(ctx.state, claims, profile_of, aliases)


def _count(con: object, table: str) -> int:
    row = con.execute(f"SELECT count(*) FROM {table}").fetchone()  # type: ignore[attr-defined]
    return int(row[0]) if row else 0


__all__ = ["resolve_incrementally"]
