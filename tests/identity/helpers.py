"""Build small RecordSets in memory for unit tests."""

from __future__ import annotations

import pyarrow as pa

from onefold.identity.duck import load_records
from onefold.identity.fields import FieldType
from onefold.identity.records import RecordSet
from onefold.store.build import connect_duckdb


def record_set(rows: list[dict[str, str | None]], fields: dict[str, FieldType], *, hot_key_records: int = 25,
               blocklist: list[str] | None = None) -> tuple[RecordSet, object]:
    """Rows (each with an "id") normalised through the real DuckDB path; returns (records, connection)."""
    from onefold.identity.normalize import Blocklist

    con = connect_duckdb(":memory:")
    columns = ["id", *fields]
    con.register("_t", pa.table({c: pa.array([r.get(c) for r in rows], type=pa.string()) for c in columns}))
    junk = Blocklist(blocklist).blocks if blocklist else None
    records = load_records(con, "_t", id_column="id", fields=fields, hot_key_records=hot_key_records, junk=junk)
    return records, con
