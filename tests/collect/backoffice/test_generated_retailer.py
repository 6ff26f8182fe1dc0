"""End to end on the demo generator's output: every file imports as it is, nothing quarantined."""

from __future__ import annotations

from pathlib import Path

from onefold.collect.backoffice import import_file
from onefold.demo import generate
from onefold.schema.entities import ENTITIES
from onefold.store.readonly_sql import run_query
from onefold.store.workspace import WorkspacePaths
from tests.collect.backoffice.test_build_step import build_backoffice


def test_small_generated_retailer_imports_cleanly_and_builds(workspace: WorkspacePaths, tmp_path: Path) -> None:
    summary = generate(tmp_path / "retailer", customers=300, seed=11)
    results = {name: import_file(workspace, name, summary.out_dir / f"{name}.csv") for name in ENTITIES}
    for name, result in results.items():
        # Junk values (test@test.com, 0000000000) are well-formed: identity resolution ignores them.
        assert result.quarantined == 0, (name, result.reasons)
        assert result.read == result.loaded == summary.files[f"{name}.csv"] > 0, name
    build_backoffice(workspace)
    for name, result in results.items():
        assert run_query(workspace, f"SELECT count(*) FROM {name}").rows == [(result.loaded,)]
    # Every order line belongs to an order, every return to an order line: references held.
    orphans = run_query(
        workspace,
        "SELECT count(*) FROM returns r LEFT JOIN order_items i USING (order_id, line_number) WHERE i.sku IS NULL",
    )
    assert orphans.rows == [(0,)]
