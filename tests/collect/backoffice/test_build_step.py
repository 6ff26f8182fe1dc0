"""Build step: every entity round-trips file -> raw -> warehouse with the documented types."""

from __future__ import annotations

import csv

from onefold.collect.backoffice.build_step import backoffice_step
from onefold.config import load_settings
from onefold.schema.entities import ENTITIES
from onefold.store.build import run_build
from onefold.store.readonly_sql import run_query
from onefold.store.workspace import WorkspacePaths, open_state
from tests.collect.backoffice.helpers import CASES, import_clean


def build_backoffice(paths: WorkspacePaths) -> None:
    state = open_state(paths)
    try:
        run_build(paths, load_settings(paths.root), state, [("backoffice", backoffice_step)])
    finally:
        state.close()


def test_every_entity_round_trips(workspace: WorkspacePaths) -> None:
    import_clean(workspace)
    build_backoffice(workspace)
    for name, entity in ENTITIES.items():
        with (CASES / f"{name}.csv").open(newline="") as f:
            rows = list(csv.DictReader(f))
        result = run_query(workspace, f"SELECT * FROM {name}")
        assert len(result.rows) == len(rows), name
        got = result.records()
        keys = {tuple(str(r[k]) for k in entity.key) for r in got}
        assert keys == {tuple(r[k] for k in entity.key) for r in rows}, name
        for field in entity.fields:
            filled = sum(1 for r in rows if r[field.name].strip())
            assert sum(1 for r in got if r[field.name] is not None) == filled, (name, field.name)


def test_warehouse_types_match_the_schema(workspace: WorkspacePaths) -> None:
    import_clean(workspace, upto="orders")
    build_backoffice(workspace)
    for name, entity in ENTITIES.items():
        described = dict(run_query(workspace, f"SELECT column_name, data_type FROM information_schema.columns WHERE table_name = '{name}'").rows)
        for field in entity.fields:
            assert described[field.name] == field.warehouse_type, (name, field.name)
    # Entities never imported exist, empty, so later steps can always read them.
    assert run_query(workspace, "SELECT count(*) FROM inventory").rows == [(0,)]
    assert run_query(workspace, "SELECT sum(total) FROM orders").rows[0][0] is not None
