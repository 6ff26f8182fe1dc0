"""I/O module: the parts of identity resolution that run inside DuckDB.

Normalising columns and generating candidate pairs are set operations over every record, which
DuckDB does in parallel and out of core; the per-pair maths then runs in NumPy (`comparisons.py`).
The caller passes a connection opened with `onefold.store.build.connect_duckdb`. User column names
reach SQL only as sqlglot-quoted identifiers; values only as bound parameters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import sqlglot.expressions as sx

from onefold.identity.blocking import BlockingRule, BlockKey
from onefold.identity.fields import FIELD_SPECS, FieldType, Normalizer
from onefold.identity.records import IntArray, RecordSet, make_column
from onefold.schema.identifiers import CELL_PADDING, EMAIL_PATTERN, sql_string_literal
from onefold.store.build import register_arrow

if TYPE_CHECKING:
    import duckdb

RECORDS_TABLE = "_of_records"

# `{x}` is the raw column (VARCHAR). Each yields NULL when nothing usable is left.
NORMALIZE_SQL: dict[Normalizer, str] = {
    "text": "nullif(trim(regexp_replace(lower(strip_accents({x})), '\\s+', ' ', 'g')), '')",
    "name": "nullif(trim(regexp_replace(regexp_replace(lower(strip_accents({x})), '[^a-z ]+', '', 'g'),"
    " '\\s+', ' ', 'g')), '')",
    "email": f"CASE WHEN regexp_full_match(lower(trim({{x}}, {sql_string_literal(CELL_PADDING)})),"
    f" {sql_string_literal(EMAIL_PATTERN)}) THEN lower(trim({{x}}, {sql_string_literal(CELL_PADDING)})) END",
    # National significant number: digits only, the last 10 (drops +1 / 00 44 style prefixes).
    "phone": "CASE WHEN length(regexp_replace({x}, '[^0-9]', '', 'g')) >= 7"
    " THEN right(regexp_replace({x}, '[^0-9]', '', 'g'), 10) END",
    "digits": "nullif(regexp_replace({x}, '[^0-9]', '', 'g'), '')",
    # ISO dates (2024-03-01) and Febrl-style YYYYMMDD both become YYYYMMDD.
    "date": "CASE WHEN length(regexp_replace(left({x}, 10), '[^0-9]', '', 'g')) = 8"
    " THEN regexp_replace(left({x}, 10), '[^0-9]', '', 'g') END",
}
KEY_TRANSFORM_SQL: dict[str, str] = {
    "exact": "{x}",
    "first_char": "left({x}, 1)",
    "prefix3": "left({x}, 3)",
    "year": "left({x}, 4)",
    "last4": "right({x}, 4)",
}


def quote(name: str) -> str:
    """A user-supplied column name as a safely quoted DuckDB identifier."""
    return sx.to_identifier(name, quoted=True).sql(dialect="duckdb")


def internal_name(position: int) -> str:
    return f"c{position}"


def load_records(
    con: duckdb.DuckDBPyConnection,
    source: str,
    *,
    id_column: str,
    fields: dict[str, FieldType],
    hot_key_records: int,
    junk: Callable[[str, str], bool] | None = None,
    params: list[object] | None = None,
) -> RecordSet:
    """Normalise ``source`` (a FROM clause built by onefold) into the records table and NumPy columns.

    ``junk(kind, value)`` is the workspace blocklist, asked once per distinct normalised value.
    """
    selects = [f"CAST({quote(id_column)} AS VARCHAR) AS rid"]
    for position, (column, field_type) in enumerate(fields.items()):
        raw = f"CAST({quote(column)} AS VARCHAR)"
        selects.append(f"{NORMALIZE_SQL[FIELD_SPECS[field_type].normalizer].format(x=raw)} AS {internal_name(position)}")
    con.execute(f"DROP TABLE IF EXISTS {RECORDS_TABLE}")
    con.execute(
        # Records are numbered in record-id order, not scan order: DuckDB scans in parallel, and the
        # same records must give the same numbering (hence the same cluster ids) on every run.
        f"CREATE TEMP TABLE {RECORDS_TABLE} AS SELECT (row_number() OVER (ORDER BY rid) - 1)::BIGINT AS idx, * "
        f"FROM (SELECT {', '.join(selects)} FROM {source})",
        params or [],
    )
    table = con.sql(f"SELECT * FROM {RECORDS_TABLE} ORDER BY idx").to_arrow_table()
    columns = []
    for position, (column, field_type) in enumerate(fields.items()):
        kind = "phone" if field_type == "phone" else column
        columns.append(
            make_column(
                column,
                field_type,
                table.column(internal_name(position)).combine_chunks(),
                hot_key_records=hot_key_records,
                junk=(lambda v, _k=kind: junk(_k, v)) if junk else None,
            )
        )
    ids = np.array(table.column("rid").to_pylist(), dtype=object)
    return RecordSet(ids, columns)


@dataclass
class RuleReport:
    """What one blocking rule contributed, for `identity match` output and explanations."""

    rule: BlockingRule
    pairs: int
    new_pairs: int
    """Pairs no earlier rule found (the pair is credited to the first rule that finds it)."""
    skipped_blocks: int
    skipped_records: int


@dataclass
class Candidates:
    left: IntArray
    right: IntArray
    rule: IntArray
    """Index into the rules list of the first rule that found each pair."""
    found_by: IntArray
    """Bit i set when rule i found the pair (at most 63 rules)."""
    reports: list[RuleReport]


def generate_pairs(
    con: duckdb.DuckDBPyConnection,
    records: RecordSet,
    rules: list[BlockingRule],
    *,
    max_block_size: int,
    new: npt.NDArray[np.bool_] | None = None,
) -> Candidates:
    """Union of the pairs found by each rule (deduplicated; ``left < right``), over the records table.

    Hot-key and blocklisted values were already nulled in NumPy, so the SQL works on codes pushed
    back as a table (NULL when dropped). Blocks bigger than ``max_block_size`` are skipped. With
    ``new`` (incremental resolution), only pairs involving at least one new record are returned.
    """
    if len(rules) > 63:
        raise ValueError("at most 63 blocking rules (one bit each)")
    names = [col.name for col in records.columns]
    flags = new if new is not None else np.ones(len(records), dtype=bool)
    codes = pa.table({"idx": np.arange(len(records), dtype=np.int64), "is_new": flags} | {
        internal_name(i): pa.array(col.codes, mask=col.codes < 0) for i, col in enumerate(records.columns)
    })
    register_arrow(con, "_of_codes_arrow", codes)
    # Text (for prefix transforms) and codes (NULL where junk/hot) side by side, joined once.
    text = ", ".join(f"r.{internal_name(i)} AS t{i}" for i in range(len(records.columns)))
    con.execute(f"CREATE OR REPLACE TEMP TABLE _of_codes AS SELECT c.*, {text} FROM _of_codes_arrow c"
                f" JOIN {RECORDS_TABLE} r USING (idx)")
    con.unregister("_of_codes_arrow")
    con.execute("CREATE OR REPLACE TEMP TABLE _of_pairs (l BIGINT, r BIGINT, rule INTEGER)")
    reports: list[RuleReport] = []
    for number, rule in enumerate(rules):
        key_sql = [_key_sql(key, names) for key in rule.keys]
        keys = ", ".join(f"{k} AS k{i}" for i, k in enumerate(key_sql))
        not_null = " AND ".join(f"{k} IS NOT NULL" for k in key_sql)
        on = " AND ".join(f"a.k{i} = b.k{i}" for i in range(len(key_sql)))
        group = ", ".join(f"k{i}" for i in range(len(key_sql)))
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _of_keys AS
            SELECT idx, is_new, {keys}, count(*) OVER (PARTITION BY {', '.join(key_sql)}) AS n
            FROM _of_codes c WHERE {not_null}"""
        )
        skipped = con.execute(
            f"SELECT count(*), coalesce(sum(n), 0) FROM (SELECT {group}, any_value(n) AS n FROM _of_keys"
            f" WHERE n > ? GROUP BY {group})",
            [max_block_size],
        ).fetchone()
        found = con.execute(
            f"""INSERT INTO _of_pairs SELECT a.idx, b.idx, ? FROM _of_keys a JOIN _of_keys b
            ON {on} AND a.idx < b.idx WHERE a.n <= ? AND a.n > 1 AND (a.is_new OR b.is_new)""",
            [number, max_block_size],
        ).fetchone()
        reports.append(RuleReport(rule, int(found[0]) if found else 0, 0,
                                  int(skipped[0]) if skipped else 0, int(skipped[1]) if skipped else 0))
    result = con.execute(
        "SELECT l, r, min(rule) AS rule, bit_or(1::BIGINT << rule) AS found_by FROM _of_pairs GROUP BY l, r"
        " ORDER BY l, r"
    ).fetchnumpy()
    con.execute("DROP TABLE _of_pairs")
    con.execute("DROP TABLE _of_keys")  # free DuckDB's memory before the per-pair work in NumPy
    con.execute("DROP TABLE _of_codes")
    credited = np.bincount(np.asarray(result["rule"], dtype=np.int64), minlength=len(rules))
    for report, new in zip(reports, credited.tolist(), strict=True):
        report.new_pairs = new
    return Candidates(
        np.asarray(result["l"], dtype=np.int64),
        np.asarray(result["r"], dtype=np.int64),
        np.asarray(result["rule"], dtype=np.int64),
        np.asarray(result["found_by"], dtype=np.int64),
        reports,
    )


def _key_sql(key: BlockKey, names: list[str]) -> str:
    position = names.index(key.column)
    column = internal_name(position)
    if key.transform == "exact":
        return f"c.{column}"  # the code: equal codes ⇔ equal values, nulls where junk/hot
    # Transforms work on the text, but only where the value survived junk and hot-key filtering.
    return f"CASE WHEN c.{column} IS NOT NULL THEN {KEY_TRANSFORM_SQL[key.transform].format(x=f'c.t{position}')} END"


__all__ = ["Candidates", "RuleReport", "generate_pairs", "load_records", "quote"]
