"""I/O module: each stored customer record's blocking keys, kept as columns of ``identity_records``.

An incremental build looks up, for every blocking rule, the stored records that share a key with a
new record. Computing the keys of a million stored records for 18 rules on every build cost more
than the rest of matching; the keys do not change unless the record does, so each rule's key is
stored as one 64-bit number per record (column ``block_<digest of the rule's key expression>``, NULL
when a key part is NULL): a rule's lookup then reads one integer column.

The number is the low half of the MD5 of the key parts (stable across DuckDB versions, unlike
``hash``). Two different keys sharing it would only add a candidate pair (it is then compared and
scored like any other); at a million records per key space the chance is about 1e-8.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from onefold.identity.blocking import BlockingRule, default_rules
from onefold.identity.duck import KEY_TRANSFORM_SQL, quote
from onefold.identity.fields import FieldType

if TYPE_CHECKING:
    import duckdb


def block_columns(fields: dict[str, FieldType]) -> list[tuple[BlockingRule, str, str]]:
    """Each default blocking rule with its column name and the SQL computing its key number."""
    out = []
    for rule in default_rules(fields):
        parts = [KEY_TRANSFORM_SQL[k.transform].format(x=quote(k.column)) for k in rule.keys]
        expression = (f"CASE WHEN {' AND '.join(f'{p} IS NOT NULL' for p in parts)} "
                      f"THEN md5_number_lower(concat_ws(chr(31), {', '.join(parts)})) END")
        name = "block_" + hashlib.sha1(expression.encode()).hexdigest()[:10]
        out.append((rule, name, expression))
    return out


def add_block_keys(con: duckdb.DuckDBPyConnection, fields: dict[str, FieldType], *,
                   table: str = "main.identity_records") -> None:
    """(Re)write ``table`` with every rule's key column (a full build; or a stored graph written
    before these columns existed)."""
    existing = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
    keep = ", ".join(quote(c) for c in existing if not c.startswith("block_"))
    keys = ", ".join(f"{expression} AS {name}" for _, name, expression in block_columns(fields))
    con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT {keep}, {keys} FROM {table}")


def has_block_keys(con: duckdb.DuckDBPyConnection, fields: dict[str, FieldType], *,
                   table: str = "main.identity_records") -> bool:
    existing = {r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()}
    return {name for _, name, _ in block_columns(fields)} <= existing


def update_block_keys(con: duckdb.DuckDBPyConnection, fields: dict[str, FieldType], rows: str, *,
                      table: str = "main.identity_records") -> None:
    """Recompute the key columns of the records listed in ``rows`` (source, record_id)."""
    assignments = ", ".join(f"{name} = {expression}" for _, name, expression in block_columns(fields))
    con.execute(f"UPDATE {table} t SET {assignments} FROM {rows} r "
                "WHERE r.source = t.source AND r.record_id = t.record_id")


__all__ = ["add_block_keys", "block_columns", "has_block_keys", "update_block_keys"]
