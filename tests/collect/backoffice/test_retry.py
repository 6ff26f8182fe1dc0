"""Retry: orphans land once their parent arrives; damaged rows are never landed from the copy."""

from __future__ import annotations

from pathlib import Path

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


def test_quarantine_keeps_the_text_the_file_held_and_retry_lands_it_typed(workspace: WorkspacePaths, tmp_path: Path) -> None:
    import_clean(workspace, upto="products")
    src = tmp_path / "lines.csv"
    src.write_text(
        "order_id,line_number,sku,qty,unit_price\n"
        " O1 ,02, SKU-1,1,49.9\n"  # orphan (no orders yet), every value written unusually
        "O2,1,SKU-2,x ,\t25.00\n"  # fails a field check
    )
    assert import_file(workspace, "order_items", src).quarantined == 2
    conn = open_state(workspace)
    try:
        by_row = {r.row_number: r for r in quarantine.list_records(conn, entity="order_items")}
    finally:
        conn.close()
    assert by_row[1].payload == {"order_id": " O1 ", "line_number": "02", "sku": " SKU-1", "qty": "1", "unit_price": "49.9"}
    assert by_row[1].record_key == "O1|2"
    assert by_row[2].payload == {"order_id": "O2", "line_number": "1", "sku": "SKU-2", "qty": "x ", "unit_price": "\t25.00"}
    import_file(workspace, "stores", CASES / "stores.csv")
    import_file(workspace, "orders", CASES / "orders.csv")
    assert retry_quarantined(workspace, entity="order_items").released == 1
    with RawStore.open(workspace) as store:
        rows = store.fetch("SELECT order_id, line_number, sku, unit_price::VARCHAR, _row FROM order_items")
    assert rows == [("O1", 2, "SKU-1", "49.90", 1)]
