"""`onefold build` end to end at the edges: an empty workspace builds, a build swaps atomically, a
step's carried tables start from the previous build and a failed build leaves the previous one intact."""

from __future__ import annotations

from pathlib import Path

import pytest

from onefold.config import load_settings
from onefold.pipeline import build
from onefold.store.build import BuildContext, BuildStep, connect_duckdb, run_build
from onefold.store.workspace import WorkspacePaths, open_state


def test_build_of_an_empty_workspace_creates_every_table_empty(workspace):
    path = build(workspace, load_settings(workspace.root))
    con = connect_duckdb(path, read_only=True)
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert {"events", "customers", "orders", "profiles", "record_profile", "customer_value"} <= tables
    assert con.execute("SELECT count(*) FROM profiles").fetchall() == [(0,)]
    con.close()
    assert not path.with_name(path.name + ".building").exists()


def test_rebuild_replaces_the_file_and_keeps_no_leftovers(workspace):
    settings = load_settings(workspace.root)
    first = build(workspace, settings)
    inode = first.stat().st_ino
    second = build(workspace, settings)
    assert second == first and second.stat().st_ino != inode
    leftovers = [p.name for p in workspace.root.iterdir() if p.name.startswith("warehouse.duckdb.")]
    assert leftovers == []


class _Carrying:
    """A step that keeps a table across builds (``carried_tables``) and writes a scratch one each time."""

    carried_tables = ("kept",)

    def __init__(self, row: int, *, fail: bool = False) -> None:
        self.row, self.fail = row, fail
        self.seen: list[tuple[object, ...]] = []

    def __call__(self, ctx: BuildContext) -> None:
        if not ctx.table_exists("kept"):
            ctx.con.execute("CREATE TABLE main.kept (n INTEGER)")
        self.seen = ctx.con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
                                    "ORDER BY 1").fetchall()
        ctx.con.execute("DELETE FROM main.kept WHERE n = 0")
        ctx.con.execute("INSERT INTO main.kept VALUES (?)", [self.row])
        ctx.con.execute("CREATE OR REPLACE TABLE main.scratch AS SELECT ? AS n", [self.row])
        if self.fail:
            raise RuntimeError("step failed midway")


def _run(workspace: WorkspacePaths, step: BuildStep) -> None:
    state = open_state(workspace)
    try:
        run_build(workspace, load_settings(workspace.root), state, [("carry", step)])
    finally:
        state.close()


def _rows(path: Path, table: str) -> list[tuple[object, ...]]:
    con = connect_duckdb(path, read_only=True)
    try:
        return con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()
    finally:
        con.close()


def test_a_carried_table_keeps_the_previous_builds_rows_and_every_other_table_is_dropped(workspace):
    _run(workspace, _Carrying(0))
    _run(workspace, _Carrying(1))
    second = _Carrying(2)
    _run(workspace, second)
    assert second.seen == [("kept",)]  # the previous scratch table is not carried
    assert _rows(workspace.warehouse_db, "kept") == [(1,), (2,)]
    assert _rows(workspace.warehouse_db, "scratch") == [(2,)]


def test_a_build_that_fails_midway_leaves_the_previous_warehouse_readable_and_unchanged(workspace):
    _run(workspace, _Carrying(0))
    _run(workspace, _Carrying(1))
    before = workspace.warehouse_db.read_bytes()
    reader = connect_duckdb(workspace.warehouse_db, read_only=True)  # a server reading during the build
    try:
        with pytest.raises(RuntimeError, match="midway"):
            _run(workspace, _Carrying(2, fail=True))
        assert reader.execute("SELECT * FROM kept ORDER BY ALL").fetchall() == [(1,)]
    finally:
        reader.close()
    assert workspace.warehouse_db.read_bytes() == before
    assert [p.name for p in workspace.root.iterdir() if p.name.startswith("warehouse.duckdb.")] == []
    _run(workspace, _Carrying(3))
    assert _rows(workspace.warehouse_db, "kept") == [(1,), (3,)]
