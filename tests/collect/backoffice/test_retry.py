"""Retry: orphans land once their parent arrives; damaged rows are never landed from the copy."""

from __future__ import annotations

from onefold.collect.backoffice import import_file
from onefold.collect.backoffice.retry import retry_quarantined
from onefold.store import quarantine
from onefold.store.raw import RawStore
from onefold.store.workspace import WorkspacePaths, open_state
from tests.collect.backoffice.helpers import CASES, import_clean


def open_counts(paths: WorkspacePaths) -> dict[str, int]:
    conn = open_state(paths)
    try:
        return quarantine.counts(conn)
    finally:
        conn.close()


def test_orphans_are_released_after_their_parents_arrive(workspace: WorkspacePaths) -> None:
    import_clean(workspace, upto="products")
    assert import_file(workspace, "order_items", CASES / "order_items.csv").quarantined == 4
    assert retry_quarantined(workspace).as_dict() == {"checked": 4, "released": 0, "still_open": 4, "not_retryable": 0}
    import_file(workspace, "stores", CASES / "stores.csv")
    import_file(workspace, "orders", CASES / "orders.csv")
    result = retry_quarantined(workspace, entity="order_items")
    assert (result.checked, result.released, result.still_open) == (4, 4, 0)
    assert open_counts(workspace) == {}
    with RawStore.open(workspace) as store:
        rows = store.fetch("SELECT order_id, line_number, _source, _row FROM order_items ORDER BY 1, 2")
    assert rows == [("O1", 1, "order_items.csv", 1), ("O1", 2, "order_items.csv", 2),
                    ("O2", 1, "order_items.csv", 3), ("O3", 1, "order_items.csv", 4)]


def test_damaged_rows_are_not_retried(workspace: WorkspacePaths) -> None:
    import_clean(workspace, upto="stores")
    import_file(workspace, "orders", CASES / "orders_defects.csv")
    result = retry_quarantined(workspace)
    # Rows 6 (invalid UTF-8) and 11 (wrong field count) need the file fixed; the other 8 still fail.
    assert result.as_dict() == {"checked": 8, "released": 0, "still_open": 10, "not_retryable": 2}
    assert open_counts(workspace) == {"orders": 10}
