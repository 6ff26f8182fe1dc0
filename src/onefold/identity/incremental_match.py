"""I/O module: new customer records matched against the stored ones (incremental builds).

Only the new records are normalised. Candidate pairs are new × (new ∪ stored) records sharing a
blocking key, found by DuckDB joins over the stored normalised records (`graph_store`) and their
stored blocking keys (`stored_blocks`, one integer column per rule); block sizes
and value counts (term frequencies, hot keys) are those of the whole workspace, so a pair scores as
a full run under the same model would score it. Only the records in those pairs reach NumPy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from onefold.identity.comparisons import compare
from onefold.identity.duck import NORMALIZE_SQL, quote
from onefold.identity.fields import FIELD_SPECS, FieldType
from onefold.identity.matcher import MatchOptions, Trained, score_pairs
from onefold.identity.normalize import Blocklist
from onefold.identity.pair_decisions import Decisions, decide_pairs
from onefold.identity.profile_ids import RecordKey
from onefold.identity.records import FieldColumn, RecordSet, encode
from onefold.identity.stored_blocks import add_block_keys, block_columns, has_block_keys, update_block_keys
from onefold.store.build import register_arrow

if TYPE_CHECKING:
    import duckdb

ALL_RECORDS = "main.identity_records"
"""Stored and new normalised customer records, values hot in the workspace now NULL: the stored
table itself, brought up to date in place by `prepare_new_records` (the build carries it,
`incremental_write`), so a million records are neither copied nor materialised."""


@dataclass
class NewMatches:
    keys: list[RecordKey]
    """Customer records compared (new records and their candidates), in record-key order."""
    decisions: Decisions
    """Links and review pairs, as indexes into ``keys``."""
    pairs: int


def prepare_new_records(con: duckdb.DuckDBPyConnection, fields: dict[str, FieldType], *, junk: Blocklist,
                        hot_key_records: int) -> None:
    """Normalise the new customer records (temp _of_new, record_type 'customer', edited ones
    included; temp view _of_stored_records holds the stored records less the edited) into _of_newrec,
    find values that turn hot with them (_of_newhot), the records to match (_of_rescored: the new
    ones and those holding a value that turned hot), and bring the stored records (`ALL_RECORDS`,
    carried by the build) up to date: edited ones replaced, new ones added, hot values NULL."""
    selects = [f"{NORMALIZE_SQL[FIELD_SPECS[t].normalizer].format(x=f'CAST(c.{quote(c_)} AS VARCHAR)')} AS {quote(c_)}"
               for c_, t in fields.items()]
    table = con.sql(f"""SELECT c.source, c.source_customer_id AS record_id, {', '.join(selects)}
        FROM customers c SEMI JOIN _of_new n ON n.record_type = 'customer' AND n.source = c.source
         AND n.record_id = c.source_customer_id ORDER BY c.source, c.source_customer_id""").to_arrow_table()
    columns = {"source": table.column("source"), "record_id": table.column("record_id")}
    for name, field_type in fields.items():
        kind = "phone" if field_type == "phone" else name
        values = table.column(name).to_pylist()
        verdict = {v: junk.blocks(kind, v) for v in set(values) if v is not None}
        columns[name] = pa.array([None if v is None or verdict[v] else v for v in values], pa.string())
    register_arrow(con, "_of_newrec_arrow", pa.table(columns))
    con.execute("CREATE OR REPLACE TEMP TABLE _of_newrec AS SELECT * FROM _of_newrec_arrow")
    con.unregister("_of_newrec_arrow")
    con.execute("CREATE OR REPLACE TEMP TABLE _of_newhot (field VARCHAR, value VARCHAR)")
    for name, field_type in fields.items():
        if not FIELD_SPECS[field_type].identifier:
            continue
        column = quote(name)
        con.execute(f"""INSERT INTO _of_newhot
            WITH v AS (SELECT {column} AS value FROM _of_newrec WHERE {column} IS NOT NULL
                        AND {column} NOT IN (SELECT value FROM prev.main.identity_hot WHERE field = $field)),
                 counts AS (SELECT value, count(*) AS n FROM (
                     SELECT value FROM v UNION ALL
                     SELECT {column} FROM _of_stored_records WHERE {column} IN (SELECT value FROM v)) GROUP BY value)
            SELECT $field, value FROM counts WHERE n > $hot""", {"field": name, "hot": hot_key_records})
    con.execute("CREATE OR REPLACE TEMP TABLE _of_hot AS SELECT * FROM prev.main.identity_hot UNION ALL SELECT * FROM _of_newhot")
    # A value that turns hot stops being evidence between the stored records holding it too: a full
    # run would compare them without it, so they are matched again, like new records.
    turned = " OR ".join(f"{quote(n)} IN (SELECT value FROM _of_newhot WHERE field = '{n}')"
                         for n, t in fields.items() if FIELD_SPECS[t].identifier) or "false"
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _of_rescored AS SELECT source, record_id FROM _of_newrec
        UNION SELECT source, record_id FROM _of_stored_records WHERE {turned}""")
    con.execute(f"DELETE FROM {ALL_RECORDS} t USING _of_changed e WHERE e.source = t.source AND e.record_id = t.record_id")
    con.execute(f"INSERT INTO {ALL_RECORDS} BY NAME SELECT * FROM _of_newrec")
    hot = [n for n, t in fields.items() if FIELD_SPECS[t].identifier]
    held = " OR ".join(f"{quote(n)} IN (SELECT value FROM _of_hot WHERE field = '{n}')" for n in hot) or "false"
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _of_rekeyed AS SELECT source, record_id FROM {ALL_RECORDS} WHERE {held}
        UNION SELECT source, record_id FROM _of_newrec""")
    for name in hot:  # as a full build stores them: hot values NULL
        con.execute(f"UPDATE {ALL_RECORDS} SET {quote(name)} = NULL WHERE {quote(name)} IN "
                    "(SELECT value FROM _of_hot WHERE field = $field)", {"field": name})
    if has_block_keys(con, fields):
        update_block_keys(con, fields, "_of_rekeyed")
    else:  # a stored graph from before block keys were stored
        add_block_keys(con, fields)
    con.execute(f"""CREATE OR REPLACE TEMP VIEW _of_newrec_clean AS SELECT a.* FROM {ALL_RECORDS} a
        SEMI JOIN _of_rescored n USING (source, record_id)""")


def match_new_records(con: duckdb.DuckDBPyConnection, fields: dict[str, FieldType], trained: Trained,
                      options: MatchOptions) -> NewMatches:
    """Pairs of a record to match (`prepare_new_records`) with any record, scored with ``trained``."""
    con.execute("CREATE OR REPLACE TEMP TABLE _of_cand (a_source VARCHAR, a_id VARCHAR, b_source VARCHAR, b_id VARCHAR)")
    con.execute("CREATE OR REPLACE TEMP TABLE _of_rescored_rec AS SELECT * FROM _of_newrec_clean")
    for _, column, _ in block_columns(fields):  # each rule's stored key (`stored_blocks`)
        con.execute(f"""INSERT INTO _of_cand
            WITH n AS (SELECT source, record_id, {column} AS k FROM _of_rescored_rec WHERE {column} IS NOT NULL),
                 a AS (SELECT source, record_id, {column} AS k FROM {ALL_RECORDS} WHERE {column} IN (SELECT k FROM n)),
                 size AS (SELECT k, count(*) AS size FROM a GROUP BY k)
            SELECT n.source, n.record_id, a.source, a.record_id FROM n JOIN a USING (k) JOIN size USING (k)
             WHERE size.size <= $max AND size.size > 1 AND (a.source <> n.source OR a.record_id <> n.record_id)""",
                    {"max": options.max_block_size})
    # Each pair once, its smaller record key first (the order a full run compares them in).
    con.execute("""CREATE OR REPLACE TEMP TABLE _of_pairs AS SELECT DISTINCT
        CASE WHEN (a_source, a_id) < (b_source, b_id) THEN a_source ELSE b_source END AS l_source,
        CASE WHEN (a_source, a_id) < (b_source, b_id) THEN a_id ELSE b_id END AS l_id,
        CASE WHEN (a_source, a_id) < (b_source, b_id) THEN b_source ELSE a_source END AS r_source,
        CASE WHEN (a_source, a_id) < (b_source, b_id) THEN b_id ELSE a_id END AS r_id FROM _of_cand""")
    con.execute("""CREATE OR REPLACE TEMP TABLE _of_involved AS
        SELECT (row_number() OVER (ORDER BY source, record_id) - 1)::BIGINT AS idx, source, record_id FROM (
          SELECT l_source AS source, l_id AS record_id FROM _of_pairs UNION
          SELECT r_source, r_id FROM _of_pairs)""")
    names = list(fields)
    table = con.sql(f"""SELECT i.idx, i.source, i.record_id, {', '.join('a.' + quote(n) for n in names)}
        FROM _of_involved i JOIN {ALL_RECORDS} a USING (source, record_id) ORDER BY i.idx""").to_arrow_table()
    pairs = con.sql("""SELECT l.idx AS l, r.idx AS r FROM _of_pairs p
        JOIN _of_involved l ON l.source = p.l_source AND l.record_id = p.l_id
        JOIN _of_involved r ON r.source = p.r_source AND r.record_id = p.r_id ORDER BY 1, 2""").fetchnumpy()
    left, right = np.asarray(pairs["l"], dtype=np.int64), np.asarray(pairs["r"], dtype=np.int64)
    keys: list[RecordKey] = [("customer", s, r) for s, r in zip(table.column("source").to_pylist(),
                                                                  table.column("record_id").to_pylist(), strict=True)]
    totals = con.execute(f"SELECT {', '.join(f'count({quote(n)})' for n in names)} FROM {ALL_RECORDS}").fetchall()[0]
    records = RecordSet(np.array([f"{k[1]}\x1f{k[2]}" for k in keys], dtype=object),
                        [_workspace_column(con, n, fields[n], table.column(n).combine_chunks(), int(total))
                         for n, total in zip(names, totals, strict=True)])
    gamma = compare(records, left, right, workers=options.workers)
    scores = score_pairs(records, left, right, gamma, trained)
    decisions = decide_pairs(left, right, scores.weight, scores.probability, scores.field_weights, names,
                             options.threshold)
    return NewMatches(keys, decisions, len(left))


def _workspace_column(con: duckdb.DuckDBPyConnection, name: str, field_type: FieldType, values: pa.Array,
                      total: int) -> FieldColumn:
    """A column of the compared records whose counts are the whole workspace's (term frequencies)."""
    codes, _, dictionary = encode(values)
    register_arrow(con, "_of_dict", pa.table({"value": pa.array(dictionary, pa.string())}))
    counted = dict(con.execute(f"""SELECT {quote(name)}, count(*) FROM {ALL_RECORDS}
        WHERE {quote(name)} IN (SELECT value FROM _of_dict) GROUP BY ALL""").fetchall())
    con.unregister("_of_dict")
    counts = np.array([counted.get(v, 1) for v in dictionary], dtype=np.int64)
    lookup = np.array(dictionary + [None], dtype=object)
    return FieldColumn(name, field_type, lookup[codes], codes, counts, total=total)


__all__ = ["ALL_RECORDS", "NewMatches", "match_new_records", "prepare_new_records"]
