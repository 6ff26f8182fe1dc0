"""I/O module: the identity graph a build keeps for the next one to extend (warehouse tables).

An incremental build resolves only what new records touch, so it needs what the last build knew
about everyone else without recomputing it:
- ``identity_records(source, record_id, <field>..., block_<rule>...)``: each customer record's
  normalised match fields (blocklisted and hot values already NULL) and its key under each blocking
  rule (`stored_blocks`), for blocking and comparing new records;
- ``identity_hot(field, value)``: match-field values dropped as shared by too many records;
- ``identity_values(kind, record_type, source, record_id, value, seen_at, is_customer)``: every
  usable email, phone and loyalty id each record holds (hot or not), for deterministic edges;
- ``identity_links(a_source, a_id, b_source, b_id, weight, probability, evidence)``: every pair of
  customer records scored at or above the threshold, the input of the chaining guard;
- ``identity_nodes(record_type, source, record_id, first_seen, component)``: every record and its
  connected component over all ledger edges and links (whatever their status): resolution never
  crosses a component, so an untouched component resolves as before;
- ``identity_events(message_id)``: the events already resolved (new events are the others);
- ``identity_content(source, record_id, content)``: a hash of every customer column identity reads
  (match fields, loyalty id, created_at, golden traits), so a record edited in place under the same
  key is found by one DuckDB scan and resolved again. DuckDB's ``hash`` may change between DuckDB
  versions: every record then looks edited, which costs time, not correctness.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import orjson
import pyarrow as pa
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from onefold.identity.duck import quote
from onefold.identity.graph import Edge
from onefold.identity.records import RecordSet
from onefold.store.build import register_arrow

if TYPE_CHECKING:
    import duckdb

STORED_TABLES = ("identity_records", "identity_hot", "identity_values", "identity_links", "identity_nodes",
                 "identity_events", "identity_content")


def components(n: int, edges: list[Edge], links: list[Edge]) -> npt.NDArray[np.int64]:
    """Connected component of each of ``n`` nodes over every edge and link, labelled by its smallest node."""
    a = np.array([e.a for e in edges] + [e.a for e in links], dtype=np.int64)
    b = np.array([e.b for e in edges] + [e.b for e in links], dtype=np.int64)
    _, label = connected_components(coo_matrix((np.ones(len(a)), (a, b)), shape=(n, n)), directed=False)
    smallest = np.full(label.max() + 1 if n else 0, n, dtype=np.int64)
    np.minimum.at(smallest, label, np.arange(n, dtype=np.int64))
    return smallest[label]


def store_records(con: duckdb.DuckDBPyConnection, records: RecordSet, *, into: str = "main.identity_records") -> None:
    """Normalised match fields of customer records (ids ``source\\x1frecord_id``) and their hot values."""
    source, record_id = zip(*(str(x).split("\x1f", 1) for x in records.ids), strict=True) if len(records) else ((), ())
    table = pa.table({"source": pa.array(source, pa.string()), "record_id": pa.array(record_id, pa.string())}
                     | {c.name: pa.array(c.values, pa.string()) for c in records.columns})
    register_arrow(con, "_of_out", table)
    con.execute(f"CREATE OR REPLACE TABLE {into} AS SELECT * FROM _of_out")
    hot = [(c.name, value) for c in records.columns for value, _ in c.hot_values]
    register_arrow(con, "_of_out", pa.table({"field": pa.array([h[0] for h in hot], pa.string()),
                                             "value": pa.array([h[1] for h in hot], pa.string())}))
    con.execute("CREATE OR REPLACE TABLE main.identity_hot AS SELECT * FROM _of_out")
    con.unregister("_of_out")


def store_values(con: duckdb.DuckDBPyConnection, *, into: str = "main.identity_values") -> None:
    """Identifier values found by `build_inputs.deterministic_edges` (temp _of_values_all), by record key."""
    con.execute(f"""CREATE OR REPLACE TABLE {into} AS
        SELECT v.kind, n.record_type, n.source, n.record_id, v.value, v.seen_at, v.is_customer
          FROM _of_values_all v JOIN _of_nodes n USING (node)""")


def store_links(con: duckdb.DuckDBPyConnection, links: list[Edge], *, into: str = "main.identity_links") -> None:
    """Customer pairs at or above the threshold (node numbers of _of_nodes), with weight and evidence."""
    register_arrow(con, "_of_links", pa.table({
        "lo": pa.array([min(e.a, e.b) for e in links], pa.int64()),
        "hi": pa.array([max(e.a, e.b) for e in links], pa.int64()),
        "weight": pa.array([e.weight for e in links], pa.float64()),
        "evidence": pa.array([orjson.dumps(e.evidence).decode() for e in links], pa.string())}))
    con.execute(f"""CREATE OR REPLACE TABLE {into} AS
        SELECT a.source AS a_source, a.record_id AS a_id, b.source AS b_source, b.record_id AS b_id,
               l.weight, l.evidence FROM _of_links l JOIN _of_nodes a ON a.node = l.lo JOIN _of_nodes b ON b.node = l.hi""")
    con.unregister("_of_links")


def store_nodes(con: duckdb.DuckDBPyConnection, component: npt.NDArray[np.int64], *, offset: int = 0,
                into: str = "main.identity_nodes") -> None:
    """Every node of _of_nodes with its first-seen time and component (``offset`` added to labels)."""
    register_arrow(con, "_of_component", pa.table({"node": pa.array(np.arange(len(component)), pa.int64()),
                                                   "component": pa.array(component + offset, pa.int64())}))
    con.execute(f"""CREATE OR REPLACE TABLE {into} AS
        SELECT n.record_type, n.source, n.record_id, n.first_seen, c.component
          FROM _of_nodes n JOIN _of_component c USING (node)""")
    con.unregister("_of_component")


def store_events(con: duckdb.DuckDBPyConnection) -> None:
    """Message ids of every event this build resolved."""
    con.execute("CREATE OR REPLACE TABLE main.identity_events AS SELECT message_id FROM events WHERE message_id IS NOT NULL")


def store_content(con: duckdb.DuckDBPyConnection, columns: list[str]) -> None:
    """``identity_content`` of every customer record: a hash of ``columns`` (all identity reads)."""
    hashed = ", ".join(f"CAST({quote(c)} AS VARCHAR)" for c in sorted(set(columns)))
    con.execute(f"""CREATE OR REPLACE TABLE main.identity_content AS
        SELECT source, source_customer_id AS record_id, hash({hashed}) AS content FROM customers""")


def link_edges(rows: list[tuple[int, int, float, str]]) -> list[Edge]:
    """Stored links (node numbers, weight, evidence JSON) as probabilistic edges."""
    return [Edge(a, b, "probabilistic", float(w), orjson.loads(ev)) for a, b, w, ev in rows]


__all__ = ["STORED_TABLES", "components", "link_edges", "store_content", "store_events", "store_links", "store_nodes", "store_records",
           "store_values"]
