"""raw.duckdb, the landing zone of back-office rows: one typed table per entity, upserted by key.

Each entity table has the entity's fields (typed as ``Field.warehouse_type``) plus ``_source`` (file
name), ``_row`` (row in that file) and ``_loaded_at`` (UTC). There is no primary-key index: an
upsert is a hash semi-join DELETE of the incoming keys followed by an INSERT, in one transaction,
which is idempotent (re-importing a file leaves the same rows) and much cheaper for bulk loads than
an ART index probe per row. The input is scanned once as an Arrow stream; the checked rows are TEMP tables of the
same connection, so they vanish with it and spill to disk beyond ``memory_limit`` instead of
growing the process.

The running CLI command owns the file (see ``store/workspace.py``); a second writer gets ``Busy``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from types import TracebackType
from typing import Any

import duckdb
import pyarrow as pa

from onefold.schema.entities import ENTITIES, Entity
from onefold.schema.identifiers import sql_identifier as _q
from onefold.store.build import connect_duckdb, register_arrow
from onefold.store.workspace import WorkspacePaths

log = logging.getLogger(__name__)

META_COLUMNS = (("_source", "VARCHAR"), ("_row", "BIGINT"), ("_loaded_at", "TIMESTAMP"))
STAGE_META = (("_row", "BIGINT"), ("_src_row", "BIGINT"), ("_source", "VARCHAR"), ("_enc", "VARCHAR"))


def entity_columns_ddl(entity: Entity, *, meta: bool = True) -> str:
    """Column definitions of an entity table (shared with the warehouse build)."""
    cols = [f"{_q(f.name)} {f.warehouse_type}" for f in entity.fields]
    if meta:
        cols += [f"{_q(n)} {t}" for n, t in META_COLUMNS]
    return ", ".join(cols)


class RawStore:
    """An open raw.duckdb. Use as a context manager; ``close()`` always releases the file lock."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    @classmethod
    def open(cls, paths: WorkspacePaths, *, memory_limit: str = "512MB", threads: int | None = None) -> RawStore:
        con = connect_duckdb(paths.raw_db)
        try:
            # Settings are our own validated values, not user text.
            con.execute("SET TimeZone = 'UTC'")
            con.execute(f"SET memory_limit = '{memory_limit.replace(chr(39), '')}'")
            if threads:
                con.execute(f"SET threads = {int(threads)}")
            con.execute("SET preserve_insertion_order = false")
            con.execute("SET enable_progress_bar = false")  # the CLI draws its own on stderr
            store = cls(con)
            store.ensure_tables()
        except BaseException:
            con.close()
            raise
        return store

    def __enter__(self) -> RawStore:
        return self

    def __exit__(self, *exc: object | TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self.con.close()

    def ensure_tables(self) -> None:
        """Create every entity table that does not exist yet, so references can always be looked up."""
        for entity in ENTITIES.values():
            self.con.execute(f"CREATE TABLE IF NOT EXISTS {_q(entity.name)} ({entity_columns_ddl(entity)})")

    # -- staging -------------------------------------------------------------------------------
    def stage(self, entity: Entity, batches: Iterable[pa.Table]) -> pa.RecordBatchReader:
        """Expose ``batches`` to SQL as ``stage`` (columns: STAGE_META, then every entity field as
        text; a field a batch lacks is NULL). The stream is read once, by the first query on it."""
        schema = pa.schema(
            [(n, pa.int64() if t == "BIGINT" else pa.string()) for n, t in STAGE_META]
            + [(f.name, pa.string()) for f in entity.fields]
        )

        def conform() -> Iterator[pa.RecordBatch]:
            for batch in batches:
                n = batch.num_rows
                columns = [
                    batch.column(name) if name in batch.column_names else pa.nulls(n, field.type)
                    for name, field in zip(schema.names, schema, strict=True)
                ]
                yield from pa.Table.from_arrays(columns, schema=schema).to_batches()

        reader = pa.RecordBatchReader.from_batches(schema, conform())
        register_arrow(self.con, "stage", reader)
        return reader

    def run(self, sql: str, params: Sequence[Any] | None = None) -> None:
        self.con.execute(sql, params or [])

    def fetch(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        return self.con.execute(sql, params or []).fetchall()

    def scalar(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        rows = self.con.execute(sql, params or []).fetchall()  # fetch all: DuckDB 2 refuses work after a partial fetch
        return rows[0][0] if rows else None

    # -- landing -------------------------------------------------------------------------------
    def upsert(self, entity: Entity, good_select: str, *, source: str | None = None) -> int:
        """Replace rows of ``entity`` that share a key with ``good_select`` rows, then insert them all.

        ``good_select`` yields the entity fields, ``_source``, ``_row`` and ``_key``; it becomes the
        temp view ``good`` (also read by ``keys_in_good``), a view so the rows are not copied once
        more. ``source`` is the file name of rows whose ``_source`` is NULL (an import stages one
        file, so the name is bound once instead of repeated per row). Returns rows inserted.
        """
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW good AS {good_select}")
        match = " AND ".join(f"g.{_q(k)} = t.{_q(k)}" for k in entity.key)
        fields = ", ".join(_q(f.name) for f in entity.fields)
        self.con.execute("BEGIN TRANSACTION")
        try:
            if self.count(entity):  # the first load of an entity has nothing to replace
                self.con.execute(
                    f"DELETE FROM {_q(entity.name)} t WHERE EXISTS (SELECT 1 FROM good g WHERE {match})"
                )
            inserted = self.con.execute(
                f"INSERT INTO {_q(entity.name)} ({fields}, _source, _row, _loaded_at) "
                f"SELECT {fields}, coalesce(_source, ?), _row, timezone('UTC', now()) FROM good",
                [source],
            ).fetchall()
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        return int(inserted[0][0])

    def keys_in_good(self, keys: Sequence[str]) -> list[str]:
        """Which of ``keys`` (quarantined record keys) were just landed by ``upsert``."""
        if not keys:
            return []
        register_arrow(self.con, "_keys", pa.table({"k": pa.array(list(keys), pa.string())}))
        try:
            rows = self.fetch("SELECT DISTINCT k FROM _keys WHERE k IN (SELECT _key FROM good)")
        finally:
            self.con.unregister("_keys")
        return [r[0] for r in rows]

    def count(self, entity: Entity) -> int:
        return int(self.scalar(f"SELECT count(*) FROM {_q(entity.name)}"))


__all__ = ["META_COLUMNS", "RawStore", "entity_columns_ddl"]
