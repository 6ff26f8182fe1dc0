"""`onefold build` end to end at the edges: an empty workspace builds, and a build swaps atomically."""

from __future__ import annotations

from onefold.config import load_settings
from onefold.pipeline import build
from onefold.store.build import connect_duckdb


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
