"""The Python facade end to end on a small generated retailer: import, build, query, explain, allocate."""

from __future__ import annotations

from pathlib import Path

import pytest

import onefold
from onefold.demo import generate
from onefold.errors import InputError, WorkspaceError

ORDER = ["customers", "products", "stores", "orders", "order_items", "returns", "tickets",
         "email_interactions", "store_visits", "consents", "inventory"]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> onefold.Workspace:
    root = tmp_path_factory.mktemp("facade")
    generate(root / "retailer", customers=300, seed=3)
    ws = onefold.Workspace.create(root / "ws")
    for entity in ORDER:
        result = ws.import_file(entity, root / "retailer" / f"{entity}.csv")
        assert result.read == result.loaded + result.quarantined
    ws.build()
    return ws


def test_opening_a_missing_workspace_says_how_to_create_it(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match="onefold init"):
        onefold.Workspace(tmp_path / "nope")


def test_sql_reads_and_refuses_writes(built: onefold.Workspace) -> None:
    orders = built.records("SELECT count(*) AS n FROM orders")[0]["n"]
    assert orders > 0
    with pytest.raises(InputError):
        built.sql("DELETE FROM orders")
    assert built.records("SELECT count(*) AS n FROM orders")[0]["n"] == orders


def test_explain_covers_every_record_of_the_largest_profile(built: onefold.Workspace) -> None:
    top = built.records("SELECT profile_id, count(*) AS n FROM record_profile GROUP BY 1 ORDER BY n DESC, 1 LIMIT 1")[0]
    explanation = built.identity.explain(top["profile_id"])
    assert explanation.profile_id == top["profile_id"]
    assert len(explanation.records) == top["n"]
    assert top["n"] == 1 or explanation.edges


def test_allocate_ranks_the_waiting_orders(built: onefold.Workspace) -> None:
    waiting = built.records(
        "SELECT i.sku, count(DISTINCT o.order_id) AS n FROM orders o JOIN order_items i USING (order_id)"
        " WHERE o.status = 'backordered' GROUP BY 1 ORDER BY n DESC, 1 LIMIT 1"
    )
    if not waiting:
        pytest.skip("this small retailer has no backordered order")
    sku, n = waiting[0]["sku"], waiting[0]["n"]
    rows = built.value.allocate(sku, units=1)
    assert len(rows) == n
    assert [r.rank for r in rows] == list(range(1, n + 1))
    assert sum(r.allocated for r in rows) == 1 and rows[0].allocated == 1
