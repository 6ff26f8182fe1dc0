"""JSONL and Parquet go through the same checks as CSV; files pyarrow refuses take the slow CSV path."""

from __future__ import annotations

import csv
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from onefold.collect.backoffice import import_file
from onefold.errors import InputError
from onefold.store import quarantine
from onefold.store.raw import RawStore
from onefold.store.workspace import WorkspacePaths, open_state
from tests.collect.backoffice.helpers import CASES, import_clean


def case_rows(name: str) -> list[dict[str, str]]:
    with (CASES / f"{name}.csv").open(newline="") as f:
        return list(csv.DictReader(f))


def landed(paths: WorkspacePaths, sql: str) -> list[tuple[object, ...]]:
    with RawStore.open(paths) as store:
        return store.fetch(sql)


def open_records(paths: WorkspacePaths, entity: str) -> list[quarantine.QuarantineRecord]:
    conn = open_state(paths)
    try:
        return sorted(quarantine.list_records(conn, entity=entity), key=lambda r: r.row_number or 0)
    finally:
        conn.close()


def test_jsonl_with_typed_values_bad_lines_and_bad_bytes(workspace: WorkspacePaths, tmp_path: Path) -> None:
    import_clean(workspace, upto="orders")
    src = tmp_path / "order_items.jsonl"
    lines = [
        orjson.dumps({"order_id": "O1", "line_number": 1, "sku": "SKU-1", "qty": 2, "unit_price": 49.9, "gift": True}),
        b"",
        b"not json",
        b"[1, 2]",
        orjson.dumps({"order_id": "O1", "line_number": 2, "sku": "SKU-2", "qty": 0, "unit_price": "25"}),
        b'{"order_id": "O2", "line_number": 1, "sku": "SKU-\xff", "qty": 1, "unit_price": 1}',
        orjson.dumps({"order_id": "O3", "line_number": 1, "sku": "SKU-2", "qty": 1, "unit_price": 25}),
    ]
    src.write_bytes(b"\n".join(lines) + b"\n")
    result = import_file(workspace, "order_items", src)
    assert result.counts() == {"read": 6, "loaded": 2, "quarantined": 4}
    assert result.ignored_columns == ("gift",)
    reasons = {r.row_number: (r.field, r.reason) for r in open_records(workspace, "order_items")}
    assert reasons[3][1].startswith("not valid JSON") and reasons[4][1] == "not a JSON object"
    assert reasons[5] == ("qty", "0 is out of range (must be greater than 0)")
    assert reasons[6][0] == "sku" and "invalid UTF-8" in reasons[6][1]
    assert landed(workspace, "SELECT order_id, qty, unit_price::VARCHAR FROM order_items ORDER BY 1") == [
        ("O1", 2, "49.90"),
        ("O3", 1, "25.00"),
    ]


def test_parquet_with_native_types(workspace: WorkspacePaths, tmp_path: Path) -> None:
    import_clean(workspace, upto="customers")
    rows = case_rows("tickets")
    table = pa.table(
        {
            "ticket_id": [r["ticket_id"] for r in rows],
            "customer_source": [r["customer_source"] for r in rows],
            "customer_id": [r["customer_id"] for r in rows],
            "channel": [r["channel"] for r in rows],
            "opened_at": pa.array([pa.scalar(1705309200, pa.timestamp("s", tz="UTC")).as_py()] * len(rows)),
            "handling_cost": pa.array([6.5, -1.0], pa.float64()),
        }
    )
    src = tmp_path / "tickets.parquet"
    pq.write_table(table, src)
    result = import_file(workspace, "tickets", src)
    assert result.counts() == {"read": 2, "loaded": 1, "quarantined": 1}
    (record,) = open_records(workspace, "tickets")
    assert (record.row_number, record.field) == (2, "handling_cost")
    assert landed(workspace, "SELECT ticket_id, opened_at::VARCHAR FROM tickets") == [("T1", "2024-01-15 09:00:00")]


def test_parquet_nested_columns_are_refused(workspace: WorkspacePaths, tmp_path: Path) -> None:
    src = tmp_path / "products.parquet"
    pq.write_table(pa.table({"sku": ["A"], "name": [["not", "flat"]]}), src)
    with pytest.raises(InputError, match="nested type"):
        import_file(workspace, "products", src)


# pyarrow decodes the malformed row's text before calling our handler; on non-UTF-8 bytes that
# decode fails inside pyarrow (reported as "unraisable"), pyarrow gives up, and the importer falls
# back to the Python reader: the behaviour under test, so the expected warning is not noise to fix.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_malformed_row_with_bad_bytes_takes_the_slow_path(workspace: WorkspacePaths, tmp_path: Path) -> None:
    src = tmp_path / "products.csv"
    # pyarrow cannot even report row 2 (short and not UTF-8), so the whole file is re-read in Python.
    src.write_bytes(b'sku,name,price\nA,ok,1\nB,caf\xe9\n\nC,"two\nlines",2\nD,caf\xe9,3\nE,x,-4\n')
    result = import_file(workspace, "products", src)
    assert result.counts() == {"read": 5, "loaded": 2, "quarantined": 3}
    got = [(r.row_number, r.field, r.reason.split(" (")[0]) for r in open_records(workspace, "products")]
    assert got == [
        (2, None, "row has 2 fields, expected 3"),
        (5, "name", "invalid UTF-8 bytes"),
        (6, "price", "-4 is out of range"),
    ]
    assert landed(workspace, "SELECT sku FROM products ORDER BY 1") == [("A",), ("C",)]
