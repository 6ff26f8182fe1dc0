"""Quality report: completeness, invalid rates, duplicates, orphans and freshness from real imports."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from onefold.collect.backoffice import import_file
from onefold.collect.backoffice.quality import quality_report
from onefold.store.raw import RawStore
from onefold.store.workspace import WorkspacePaths
from tests.collect.backoffice.helpers import CASES, import_clean


def test_report_reflects_the_imported_data(workspace: WorkspacePaths, tmp_path: Path) -> None:
    import_clean(workspace, upto="stores")
    dupes = tmp_path / "more_customers.csv"
    dupes.write_text("source,source_customer_id,email\nloyalty,X1,ADA@example.org\nloyalty,X2,nope\n")
    import_file(workspace, "customers", dupes)
    import_file(workspace, "orders", CASES / "orders_defects.csv")
    import_file(workspace, "order_items", CASES / "order_items.csv")  # every line an orphan
    now = datetime(2024, 1, 20, 10, 0, tzinfo=UTC)
    report = {r.entity: r for r in quality_report(workspace, now=now)}

    customers = report["customers"]
    assert (customers.rows, customers.quarantined) == (5, 1)
    assert customers.invalid_rate == 1 / 6
    assert customers.completeness["source"] == 1.0 and customers.completeness["email"] == 4 / 5
    assert customers.duplicates["email"] == 2  # ada@example.org twice, case-insensitively

    orders = report["orders"]
    assert (orders.rows, orders.quarantined, orders.orphans_quarantined) == (2, 10, 2)
    assert orders.latest == "2024-01-12T13:00:00"
    assert orders.age_days == 7.88
    assert report["order_items"].orphans_quarantined == 4
    assert report["inventory"].rows == 0 and report["inventory"].latest is None
    assert all(r.orphans_landed == 0 for r in report.values())


def test_landed_rows_with_a_missing_parent_are_counted(workspace: WorkspacePaths) -> None:
    import_clean(workspace, upto="order_items")
    with RawStore.open(workspace) as store:  # a hand edit: the importer itself never lets this happen
        store.run("DELETE FROM orders WHERE order_id = 'O1'")
    report = {r.entity: r for r in quality_report(workspace)}
    assert report["order_items"].orphans_landed == 2  # O1 had two lines
    assert report["returns"].orphans_landed == 0  # its order line is still there
