"""I/O module: the identity build's inputs, read from the new warehouse in DuckDB.

Nodes are the records to resolve: every customer record (record_type 'customer', its source and
source_customer_id) and every event identifier (record_type 'user_id' / 'anonymous_id', source
'events'). Deterministic edges come from exact, normalised identifiers:
- a web/app ``userId`` is the ``source_customer_id`` of that person's web/app customer record;
- an event carrying both an anonymousId and a userId ties them (Segment's identify/alias);
- customers, and identify traits, with the same email or loyalty id (star-linked to the value's
  oldest holder, so a value on k records yields k-1 edges, not k²);
- an identify trait phone equal to exactly one customer's phone.
Blocklisted values and values on more than ``hot_key_records`` customer records are not evidence.
Each record's usable user_id, email, loyalty id and phone values are returned too: the graph counts
them against the per-type limits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rapidfuzz.distance import JaroWinkler

from onefold.identity.constraints import cannot_link
from onefold.identity.duck import NORMALIZE_SQL
from onefold.identity.graph import DETERMINISTIC_WEIGHT, Edge, Identifiers, resolve
from onefold.identity.nicknames import CANONICAL
from onefold.identity.profile_ids import RecordKey

if TYPE_CHECKING:
    import sqlite3

    import duckdb

    from onefold.config import IdentitySettings

# The same normalisation as probabilistic matching, so both kinds of edge agree on a value.
_EMAIL = NORMALIZE_SQL["email"]
_PHONE = NORMALIZE_SQL["phone"]

CUSTOMER_FIELDS = {
    "first_name": "first_name", "last_name": "last_name", "email": "email", "phone": "phone", "street": "address",
    "city": "city", "postcode": "postcode", "state": "state", "country": "country", "date_of_birth": "date_of_birth",
}
"""Customer columns matched probabilistically → their field type."""

RAW_NODES_SQL = """
  SELECT 'customer' AS record_type, source, source_customer_id AS record_id,
         CAST(created_at AS VARCHAR) AS first_seen FROM customers
  UNION ALL
  SELECT 'user_id', 'events', user_id, CAST(min(timestamp) AS VARCHAR) FROM events
   WHERE user_id IS NOT NULL AND user_id <> '' GROUP BY user_id
  UNION ALL
  SELECT 'anonymous_id', 'events', anonymous_id, CAST(min(timestamp) AS VARCHAR) FROM events
   WHERE anonymous_id IS NOT NULL AND anonymous_id <> '' GROUP BY anonymous_id
"""
"""Every record to resolve: (record_type, source, record_id, first_seen)."""

NODES_SQL = f"""
CREATE OR REPLACE TEMP TABLE _of_nodes AS
WITH raw AS ({RAW_NODES_SQL})
SELECT (row_number() OVER (ORDER BY record_type, source, record_id) - 1)::BIGINT AS node, *
FROM raw
"""


@dataclass
class Nodes:
    keys: list[RecordKey]
    first_seen: list[str]


def load_nodes(con: duckdb.DuckDBPyConnection) -> Nodes:
    con.execute(NODES_SQL)
    return read_nodes(con)


def read_nodes(con: duckdb.DuckDBPyConnection) -> Nodes:
    """The records of _of_nodes in node order."""
    rows = con.execute("SELECT record_type, source, record_id, coalesce(first_seen, '') FROM _of_nodes ORDER BY node").fetchall()
    return Nodes([(r[0], r[1], r[2]) for r in rows], [r[3] for r in rows])


def resolve_members(state: sqlite3.Connection, keys: list[RecordKey], edges: list[Edge], settings: IdentitySettings,
                    identifiers: Identifiers) -> list[list[int]]:
    """The profiles of ``keys`` as lists of node indexes, ordered by their first record key: the graph
    resolved under the workspace's cannot-links, identifier priority and per-type limits. Full and
    incremental builds both call this, so a component resolves the same way in either."""
    index = {key: i for i, key in enumerate(keys)}
    constraints = [(index[a], index[b]) for a, b in cannot_link(state) if a in index and b in index]
    groups = resolve(len(keys), edges, constraints,
                     weak=[k[0] == "anonymous_id" for k in keys], strong=[k[0] == "user_id" for k in keys],
                     priority=settings.realtime_priority, limits=settings.realtime_limits, identifiers=identifiers)
    clusters: dict[int, list[int]] = {}
    for i, label in enumerate(groups):
        clusters.setdefault(label, []).append(i)
    return sorted(clusters.values(), key=lambda m: keys[min(m)])


def identifier_value_rows(con: duckdb.DuckDBPyConnection, kind: str, blocked: list[str], *,
                          customers: str = "customers", events: str = "events") -> None:
    """Temp table _of_vals(node, value, seen_at, is_customer): the usable (not blocklisted) values of
    ``kind`` held by the records in _of_nodes, hot or not, read from tables ``customers`` and ``events``
    (onefold's names: all rows, or an incremental build's new ones)."""
    norm = _EMAIL if kind == "email" else _PHONE if kind == "phone" else "nullif(trim({x}), '')"
    customer_col = {"email": "email", "phone": "phone", "loyalty_id": "loyalty_id"}[kind]
    trait = {"email": "$.email", "phone": "$.phone", "loyalty_id": "$.loyalty_id"}[kind]
    con.execute(f"""
    CREATE OR REPLACE TEMP TABLE _of_vals AS
    WITH vals AS (
      SELECT n.node, {norm.format(x='c.' + customer_col)} AS value, CAST(c.created_at AS VARCHAR) AS seen_at, 1 AS is_customer
        FROM {customers} c JOIN _of_nodes n
          ON n.record_type = 'customer' AND n.source = c.source AND n.record_id = c.source_customer_id
      UNION ALL
      SELECT n.node, {norm.format(x="json_extract_string(e.traits, '" + trait + "')")}, CAST(e.timestamp AS VARCHAR), 0
        FROM {events} e JOIN _of_nodes n
          ON n.source = 'events' AND n.record_type = 'user_id' AND n.record_id = e.user_id
       WHERE e.type = 'identify'
      UNION ALL  -- two equi-joins, not one join ON (… OR …): that was a nested loop, events × records
      SELECT n.node, {norm.format(x="json_extract_string(e.traits, '" + trait + "')")}, CAST(e.timestamp AS VARCHAR), 0
        FROM {events} e JOIN _of_nodes n
          ON n.source = 'events' AND n.record_type = 'anonymous_id' AND n.record_id = e.anonymous_id
       WHERE e.type = 'identify' AND e.user_id IS NULL
    )
    SELECT node, value, min(seen_at) AS seen_at, max(is_customer) AS is_customer FROM vals
     WHERE value IS NOT NULL AND NOT list_contains(?, value) GROUP BY node, value
    """, [blocked])


def _identifier_values(con: duckdb.DuckDBPyConnection, kind: str, blocked: list[str], hot: int,
                       holders: str | None, values: str | None) -> None:
    """Temp table _of_ids(node, value, seen_at, is_customer) of values that are evidence: held by at
    most ``hot`` customer records, counted in _of_nodes or, with ``holders``, in that table
    (kind, value, holders: an incremental build's view of the whole workspace). The values come from
    the customers and events tables or, with ``values``, from that table of stored ones (kind, record
    key, value, seen_at, is_customer). Every usable value, hot or not, is appended to _of_values_all
    (stored with the build)."""
    if values is None:
        identifier_value_rows(con, kind, blocked)
    else:
        con.execute(f"""CREATE OR REPLACE TEMP TABLE _of_vals AS SELECT n.node, v.value, v.seen_at, v.is_customer
            FROM {values} v JOIN _of_nodes n USING (record_type, source, record_id) WHERE v.kind = ?""", [kind])
    con.execute("INSERT INTO _of_values_all SELECT ?, node, value, seen_at, is_customer FROM _of_vals", [kind])
    counts = ("SELECT value, sum(is_customer) AS holders FROM _of_vals GROUP BY value" if holders is None
              else f"SELECT value, holders FROM {holders} WHERE kind = $kind")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _of_ids AS
        SELECT v.* FROM _of_vals v JOIN ({counts}) counts USING (value) WHERE counts.holders <= $hot""",
                {"hot": hot} | ({"kind": kind} if holders is not None else {}))


@dataclass
class Evidence:
    """Deterministic edges, and the identifiers each record holds (for the per-type limits)."""

    edges: list[Edge]
    identifiers: dict[int, list[tuple[str, str]]]


def deterministic_edges(
    con: duckdb.DuckDBPyConnection, *, blocked: list[str], hot_key_records: int, holders: str | None = None,
    values: str | None = None,
) -> Evidence:
    """Edges between the records of _of_nodes (see module docstring); ``holders`` and ``values`` as in
    `_identifier_values`."""
    con.execute("CREATE OR REPLACE TEMP TABLE _of_values_all "
                "(kind VARCHAR, node BIGINT, value VARCHAR, seen_at VARCHAR, is_customer INTEGER)")
    edges: list[Edge] = []
    identifiers: dict[int, list[tuple[str, str]]] = {}
    for node, value in con.execute("SELECT node, record_id FROM _of_nodes WHERE record_type = 'user_id'").fetchall():
        identifiers.setdefault(node, []).append(("user_id", value))
    rows = con.execute("""
      SELECT u.node, c.node, u.first_seen FROM _of_nodes u JOIN _of_nodes c
        ON u.record_type = 'user_id' AND c.record_type = 'customer' AND c.source IN ('web', 'app')
       AND c.record_id = u.record_id
    """).fetchall()
    edges += [Edge(a, b, "user_id is the web/app customer id", DETERMINISTIC_WEIGHT, {"at": at}, kind="user_id")
              for a, b, at in rows]
    rows = con.execute("""
      SELECT a.node, u.node, min(e.timestamp)::VARCHAR FROM events e
        JOIN _of_nodes a ON a.record_type = 'anonymous_id' AND a.record_id = e.anonymous_id
        JOIN _of_nodes u ON u.record_type = 'user_id' AND u.record_id = e.user_id
       GROUP BY a.node, u.node
    """).fetchall()
    edges += [Edge(a, b, "anonymousId and userId on one event", DETERMINISTIC_WEIGHT, {"at": at}, kind="anonymous_id")
              for a, b, at in rows]
    lowered = [v.strip().lower() for v in blocked]
    for kind in ("email", "loyalty_id", "phone"):
        _identifier_values(con, kind, lowered, hot_key_records, holders, values)
        for node, value in con.execute("SELECT node, value FROM _of_ids ORDER BY node, value").fetchall():
            identifiers.setdefault(node, []).append((kind, value))
        star = "" if kind != "phone" else "WHERE value IN (SELECT value FROM _of_ids WHERE is_customer = 1 GROUP BY value HAVING count(*) = 1)"
        rows = con.execute(f"""
          WITH ids AS (SELECT * FROM _of_ids {star}),
          hub AS (SELECT value, arg_min(node, (seen_at, node)) AS hub FROM ids GROUP BY value)
          SELECT hub.hub, ids.node, ids.value, ids.seen_at FROM ids JOIN hub USING (value) WHERE ids.node <> hub.hub
          ORDER BY 1, 2
        """).fetchall()
        edges += [Edge(a, b, f"same {kind}", DETERMINISTIC_WEIGHT, {kind: value, "at": at}, kind=kind)
                  for a, b, value, at in rows]
    _refuse_first_name_conflicts(con, edges)
    return Evidence(edges, identifiers)


def _refuse_first_name_conflicts(con: duckdb.DuckDBPyConnection, edges: list[Edge]) -> None:
    """A shared email or loyalty id between customer records with clearly different first names is a
    family's, not one person's: such edges are kept in the ledger as refused, not followed."""
    names = dict(con.execute("""SELECT n.node, lower(trim(c.first_name)) FROM customers c JOIN _of_nodes n
        ON n.record_type = 'customer' AND n.source = c.source AND n.record_id = c.source_customer_id
        WHERE nullif(trim(c.first_name), '') IS NOT NULL""").fetchall())
    for edge in edges:
        a, b = names.get(edge.a), names.get(edge.b)
        if edge.rule.startswith("same ") and a and b and not same_given_name(a, b):
            edge.status = "refused_conflict"
            edge.evidence["conflict"] = f"first names {a!r} and {b!r} differ"


def same_given_name(a: str, b: str) -> bool:
    """Equal, a nickname of each other, or close in spelling (Jaro-Winkler ≥ 0.8, the fuzzy level)."""
    return (a == b or CANONICAL.get(a, a) == CANONICAL.get(b, b)
            or JaroWinkler.normalized_similarity(a, b) >= 0.8)


__all__ = ["CUSTOMER_FIELDS", "NODES_SQL", "RAW_NODES_SQL", "read_nodes", "Evidence", "Nodes", "deterministic_edges", "identifier_value_rows", "load_nodes"]
