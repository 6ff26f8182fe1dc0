"""Warehouse builds: a new DuckDB file per build, swapped in atomically.

A build opens ``warehouse.duckdb.building`` read-write, attaches the landed back-office rows
(``raw.duckdb``) as ``raw`` and the previous warehouse (if any) read-only as ``prev`` — identity uses
it to keep profile ids stable — runs each step, then renames the file over ``warehouse.duckdb``.
Readers holding the old file keep a consistent snapshot; new readers see the new build; a build
that fails removes its file and leaves the previous warehouse as it was.

A step may name tables it updates in place (`carried_tables`, e.g. identity's graph of a million
records, of which a build changes a few thousand rows): the new file then starts as a copy of the
previous one, every other table dropped, so those rows are not written again. Steps see the same
tables either way, except that a carried table holds the previous build's rows until its step
replaces or updates it.
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from onefold.config import Settings
from onefold.errors import Busy
from onefold.store.workspace import WorkspacePaths

log = logging.getLogger(__name__)

Progress = Callable[[str, float], None]
"""Called as progress(message, fraction_done_of_this_step in [0, 1])."""


def duckdb_config() -> dict[str, str | bool | int]:
    # Built-in extensions only: never download anything at run time.
    return {"autoinstall_known_extensions": False, "autoload_known_extensions": True}


def connect_duckdb(path: Path | str, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open a DuckDB file with onefold's settings; a lock held by another process becomes Busy."""
    try:
        return duckdb.connect(str(path), read_only=read_only, config=duckdb_config())
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise Busy(
                f"{Path(path).name} is in use by another onefold process",
                remedy="wait for the running import/build to finish",
            ) from exc
        raise


def register_arrow(con: duckdb.DuckDBPyConnection, name: str, data: object) -> None:
    """Register an Arrow table or reader as a view on ``con``.

    DuckDB 2 refuses ``register`` while an earlier ``execute`` still has unfetched rows (a
    ``fetchone()`` of a one-row aggregate leaves its result open); finishing that result first makes
    the order of calls in build steps irrelevant.
    """
    con.complete()
    con.register(name, data)


@dataclass
class BuildContext:
    """What a build step gets. ``con`` is the new warehouse; ``raw`` and ``prev`` are attached schemas."""

    paths: WorkspacePaths
    settings: Settings
    con: duckdb.DuckDBPyConnection
    state: sqlite3.Connection
    has_previous: bool
    progress: Progress

    def table_exists(self, name: str, schema: str = "main", catalog: str | None = None) -> bool:
        row = self.con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?"
            + (" AND table_catalog = ?" if catalog else ""),
            [schema, name, catalog] if catalog else [schema, name],
        ).fetchone()
        return bool(row and row[0])


BuildStep = Callable[[BuildContext], None]

CARRIED_TABLES = "carried_tables"
"""Attribute of a build step: names of main tables it updates in place rather than writing anew."""


def carried_tables(steps: list[tuple[str, BuildStep]]) -> set[str]:
    """Tables the steps update in place (each step's optional ``carried_tables`` attribute)."""
    return {table for _, step in steps for table in getattr(step, CARRIED_TABLES, ())}


def run_build(
    paths: WorkspacePaths,
    settings: Settings,
    state: sqlite3.Connection,
    steps: list[tuple[str, BuildStep]],
    *,
    progress: Callable[[str, str, float], None] | None = None,
) -> Path:
    """Run ``steps`` into a new warehouse file (a copy of the previous one when a step carries tables,
    see module docstring) and swap it in. Returns the warehouse path."""
    target = paths.warehouse_db
    building = target.with_name(target.name + ".building")
    # ".prev": the snapshot builds before in-place updates copied the previous warehouse to.
    for leftover in (building, building.with_name(building.name + ".wal"), target.with_name(target.name + ".prev")):
        leftover.unlink(missing_ok=True)
    has_previous = target.exists()
    carried = carried_tables(steps) if has_previous else set()
    try:
        if carried:
            shutil.copyfile(target, building)
        con = connect_duckdb(building)
    except BaseException:
        building.unlink(missing_ok=True)
        raise
    try:
        if paths.raw_db.exists():
            con.execute(f"ATTACH '{_quote_path(paths.raw_db)}' AS raw (READ_ONLY)")
        if has_previous:
            # Builds never write the previous file (they replace it), so reading it while the server
            # does (both read-only) is safe.
            con.execute(f"ATTACH '{_quote_path(target)}' AS prev (READ_ONLY)")
        if carried:
            _drop_all_but(con, carried)
            con.execute("CHECKPOINT")  # the dropped tables' blocks are reused by this build, not appended to
        for name, step in steps:
            def report(message: str, fraction: float, _name: str = name) -> None:
                if progress:
                    progress(_name, message, fraction)

            log.info("build step %s", name)
            ctx = BuildContext(paths, settings, con, state, has_previous, report)
            step(ctx)
            report("done", 1.0)
        con.execute("CHECKPOINT")
    except BaseException:
        con.close()
        building.unlink(missing_ok=True)
        building.with_name(building.name + ".wal").unlink(missing_ok=True)
        raise
    con.close()
    os.replace(building, target)
    return target


def _drop_all_but(con: duckdb.DuckDBPyConnection, carried: set[str]) -> None:
    """Drop every table and view of the copied warehouse but the carried tables."""
    database = con.execute("SELECT current_database()").fetchall()[0][0]
    objects = con.execute("""SELECT 'TABLE', schema_name, table_name FROM duckdb_tables()
                              WHERE database_name = $db AND NOT internal AND NOT temporary
                             UNION ALL SELECT 'VIEW', schema_name, view_name FROM duckdb_views()
                              WHERE database_name = $db AND NOT internal AND NOT temporary""", {"db": database}).fetchall()
    for kind, schema, name in objects:
        if schema != "main" or name not in carried:
            con.execute(f"DROP {kind} IF EXISTS {_identifier(schema)}.{_identifier(name)}")


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _quote_path(path: Path) -> str:
    # ATTACH takes no bound parameters; paths are ours (inside the workspace), single quotes doubled.
    return str(path).replace("'", "''")
