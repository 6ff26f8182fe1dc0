"""I/O module: an incremental identity build's rows written in place.

The identity step names the tables it carries (`CARRIED`): `store.build.run_build` then starts the
new warehouse file as a copy of the previous one, so those tables already hold every row of the
previous build. An incremental build deletes the rows of the records it resolved again (temp
``_of_nodes``) and inserts their new rows; the million untouched rows are not written again. A
carried table missing from the new file (a step wrapper that does not pass ``carried_tables`` on) is
first copied from ``prev``: slower, same rows.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

import pyarrow as pa

from onefold.identity.build_inputs import Nodes
from onefold.identity.build_output import alias_table, golden_rows, review_table, write_ledger, write_table
from onefold.identity.graph import Edge
from onefold.identity.graph_store import components, store_links, store_nodes, store_values
from onefold.identity.profile_ids import Assignment, RecordKey
from onefold.store.build import BuildContext, register_arrow

if TYPE_CHECKING:
    import duckdb

    from onefold.identity.pair_decisions import Decisions

CARRIED = ("record_profile", "profiles", "merge_ledger", "review_pairs", "identity_records", "identity_values",
           "identity_links", "identity_nodes", "identity_events")
"""Tables the identity step updates in place on an incremental build (the large ones)."""

SCRATCH = "of_scratch"
"""In-memory database the shared writers fill before their rows are appended: written to the
warehouse file first, the scratch tables cost a compressed write and a read of every touched row."""

KEY = "record_type, source, record_id"
TOUCHED = "USING _of_nodes n WHERE n.record_type = t.record_type AND n.source = t.source AND n.record_id = t.record_id"
"""DELETE clause: rows of the records resolved again."""


def carry_tables(ctx: BuildContext) -> None:
    """Make sure every carried table holds the previous build's rows in the new file."""
    database = ctx.con.execute("SELECT current_database()").fetchall()[0][0]
    for table in CARRIED:
        if not ctx.table_exists(table, catalog=database):
            ctx.con.execute(f"CREATE TABLE main.{table} AS SELECT * FROM prev.main.{table}")
    ctx.con.complete()  # table_exists leaves its one-row result open


def write_touched(ctx: BuildContext, keys: list[RecordKey], profile_of: list[str], edges: list[Edge],
                  links: list[Edge], built: str, aliases: dict[str, tuple[str, str]]) -> None:
    """Rows of the touched records (``keys``: _of_nodes order) replace theirs; every other row stays."""
    con = ctx.con
    if not con.execute("SELECT count(*) FROM duckdb_databases() WHERE database_name = ?", [SCRATCH]).fetchall()[0][0]:
        con.execute(f"ATTACH ':memory:' AS {SCRATCH}")
    con.execute(f"DELETE FROM main.record_profile t {TOUCHED}")
    register_arrow(con, "_of_touched_profiles", pa.table({
        "record_type": pa.array([k[0] for k in keys], pa.string()), "source": pa.array([k[1] for k in keys], pa.string()),
        "record_id": pa.array([k[2] for k in keys], pa.string()), "profile_id": pa.array(profile_of, pa.string())}))
    con.execute(f"INSERT INTO main.record_profile ({KEY}, profile_id) SELECT * FROM _of_touched_profiles")
    con.unregister("_of_touched_profiles")
    write_table(con, "profile_aliases", alias_table(aliases))
    con.execute("""DELETE FROM main.merge_ledger t USING _of_nodes n
        WHERE n.record_type = t.a_type AND n.source = t.a_source AND n.record_id = t.a_id""")
    write_ledger(con, edges, profile_of, built, into=f"{SCRATCH}.main._of_ledger_touched")
    _append("merge_ledger", "_of_ledger_touched", con)
    con.execute("CREATE OR REPLACE TABLE main.identity_hot AS SELECT * FROM _of_hot")
    con.execute(f"DELETE FROM main.identity_values t {TOUCHED}")
    store_values(con, into=f"{SCRATCH}.main._of_values_touched")
    _append("identity_values", "_of_values_touched", con)
    con.execute("""DELETE FROM main.identity_links t USING _of_nodes n
        WHERE n.record_type = 'customer' AND n.source = t.a_source AND n.record_id = t.a_id""")
    store_links(con, links, into=f"{SCRATCH}.main._of_links_touched")
    _append("identity_links", "_of_links_touched", con)
    top = con.execute("SELECT coalesce(max(component), -1) + 1 FROM prev.main.identity_nodes").fetchone()
    con.execute(f"DELETE FROM main.identity_nodes t {TOUCHED}")
    store_nodes(con, components(len(keys), edges, links), offset=int(top[0]) if top else 0, into=f"{SCRATCH}.main._of_nodes_touched")
    _append("identity_nodes", "_of_nodes_touched", con)
    con.execute("INSERT INTO main.identity_events SELECT message_id FROM _of_events_new WHERE message_id IS NOT NULL")


def write_review(con: duckdb.DuckDBPyConnection, keys: list[RecordKey], decisions: Decisions) -> None:
    """Review pairs of the records matched again (_of_rescored) replace theirs."""
    for end in ("a", "b"):
        con.execute(f"""DELETE FROM main.review_pairs t USING _of_rescored r
            WHERE t.{end}_type = 'customer' AND r.source = t.{end}_source AND r.record_id = t.{end}_id""")
    register_arrow(con, "_of_review_new", review_table(keys, decisions.review))
    con.execute("INSERT INTO main.review_pairs BY NAME SELECT * FROM _of_review_new")
    con.unregister("_of_review_new")


def write_profiles(ctx: BuildContext, members: list[list[int]], assignments: list[Assignment], nodes: Nodes,
                   previous: dict[RecordKey, str]) -> None:
    """Golden rows of the touched profiles; a profile that holds exactly the records it held (and no
    record saw new events) keeps its previous row, as a full build would compute the same one."""
    con = ctx.con
    held = Counter(previous.values())
    again = {(r[0], r[1], r[2]) for r in con.execute(
        f"SELECT {KEY} FROM _of_event_seen SEMI JOIN _of_nodes USING ({KEY}) "
        "UNION ALL SELECT 'customer', source, record_id FROM _of_changed").fetchall()}
    changed = [(group, a) for group, a in zip(members, assignments, strict=True)
               if held.get(a.profile_id) != len(group)
               or any(previous.get(nodes.keys[i]) != a.profile_id or nodes.keys[i] in again for i in group)]
    kept = {a.profile_id for a in assignments} - {a.profile_id for _, a in changed}
    register_arrow(con, "_of_replaced", pa.table({"profile_id": pa.array(sorted(set(held) - kept), pa.string())}))
    register_arrow(con, "_of_out", golden_rows(ctx, [g for g, _ in changed], [a for _, a in changed], nodes))
    con.execute("""DELETE FROM main.profiles t WHERE t.profile_id IN (
        SELECT profile_id FROM _of_replaced UNION ALL SELECT profile_id FROM _of_out)""")
    con.execute("INSERT INTO main.profiles BY NAME SELECT * FROM _of_out")
    con.unregister("_of_out")
    con.unregister("_of_replaced")


def _append(table: str, rows: str, con: duckdb.DuckDBPyConnection) -> None:
    """Insert the scratch table ``rows`` (written by a shared writer into SCRATCH) into ``table``, then drop it."""
    con.execute(f"INSERT INTO main.{table} BY NAME SELECT * FROM {SCRATCH}.main.{rows}")
    con.execute(f"DROP TABLE {SCRATCH}.main.{rows}")


__all__ = ["CARRIED", "carry_tables", "write_profiles", "write_review", "write_touched"]
