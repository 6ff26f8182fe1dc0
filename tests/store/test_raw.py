"""raw.duckdb: every entity table exists with its typed columns; upsert replaces by key; one owner."""

from __future__ import annotations

import pyarrow as pa

from onefold.schema.entities import ENTITIES, get_entity
from onefold.store.raw import RawStore
from onefold.store.workspace import WorkspacePaths

PRODUCTS = get_entity("products")


def stage_products(store: RawStore, rows: list[tuple[str, str]]) -> None:
    table = pa.table({
        "_row": pa.array(range(1, len(rows) + 1), pa.int64()),
        "_src_row": pa.array(range(1, len(rows) + 1), pa.int64()),
        "_source": pa.array(["p.csv"] * len(rows)),
        "sku": pa.array([r[0] for r in rows]),
        "price": pa.array([r[1] for r in rows]),
    })
    store.stage(PRODUCTS, [table])
    store.run("CREATE OR REPLACE TEMP TABLE staged AS SELECT sku, NULL::VARCHAR AS name, NULL::VARCHAR AS category, price::DECIMAL(18,2) AS price, NULL::DECIMAL(18,2) AS unit_cost, _source, _src_row AS _row, sku AS _key FROM stage")


def test_tables_exist_with_schema_types(workspace: WorkspacePaths) -> None:
    with RawStore.open(workspace) as store:
        for entity in ENTITIES.values():
            described = dict(store.fetch(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ?", [entity.name]
            ))
            assert {f.name: f.warehouse_type for f in entity.fields}.items() <= described.items()
            assert {"_source", "_row", "_loaded_at"} <= set(described)
            assert store.count(entity) == 0


def test_upsert_replaces_rows_by_key_and_is_idempotent(workspace: WorkspacePaths) -> None:
    with RawStore.open(workspace) as store:
        stage_products(store, [("A", "1.00"), ("B", "2.00")])
        assert store.upsert(PRODUCTS, "SELECT * FROM staged") == 2
        stage_products(store, [("B", "3.50"), ("C", "4.00")])
        assert store.upsert(PRODUCTS, "SELECT * FROM staged") == 2
        assert store.keys_in_good(["A", "B", "Z"]) == ["B"]
        stage_products(store, [("B", "3.50"), ("C", "4.00")])
        store.upsert(PRODUCTS, "SELECT * FROM staged")
        rows = store.fetch("SELECT sku, price::VARCHAR FROM products ORDER BY sku")
    assert rows == [("A", "1.00"), ("B", "3.50"), ("C", "4.00")]


def test_a_second_writer_is_told_to_wait(workspace: WorkspacePaths) -> None:
    import subprocess
    import sys

    with RawStore.open(workspace):
        proc = subprocess.run(
            [sys.executable, "-c",
             "import sys; from onefold.store.raw import RawStore; from onefold.store.workspace import open_workspace;"
             "from onefold.errors import Busy\n"
             "try:\n RawStore.open(open_workspace(sys.argv[1]))\nexcept Busy as e:\n print(e.message); sys.exit(75)",
             str(workspace.root)],
            capture_output=True, text=True, timeout=120,
        )
    assert proc.returncode == 75, proc.stderr
    assert "raw.duckdb is in use by another onefold process" in proc.stdout
