"""Importer: clean files land, seeded defects reconcile exactly, re-import is idempotent."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from onefold.collect.backoffice import import_file
from onefold.errors import InputError
from onefold.schema.entities import ENTITIES
from onefold.store import quarantine
from onefold.store.raw import RawStore
from onefold.store.workspace import WorkspacePaths, open_state
from tests.collect.backoffice.helpers import CASES, import_clean


def open_quarantine(paths: WorkspacePaths, entity: str) -> list[quarantine.QuarantineRecord]:
    conn = open_state(paths)
    try:
        return sorted(quarantine.list_records(conn, entity=entity, limit=1000), key=lambda r: r.row_number or 0)
    finally:
        conn.close()


def raw_rows(paths: WorkspacePaths, sql: str) -> list[tuple[object, ...]]:
    with RawStore.open(paths) as store:
        return store.fetch(sql)


def test_every_clean_case_file_loads_without_quarantine(workspace: WorkspacePaths) -> None:
    results = import_clean(workspace)
    assert set(results) == set(ENTITIES)
    for name, result in results.items():
        lines = (CASES / f"{name}.csv").read_text().splitlines()
        assert result.read == len(lines) - 1, name
        assert (result.loaded, result.quarantined) == (result.read, 0), (name, open_quarantine(workspace, name))


def test_values_are_typed_and_normalised(workspace: WorkspacePaths) -> None:
    import_clean(workspace, upto="orders")
    rows = dict(raw_rows(workspace, "SELECT order_id, (channel, ordered_at::VARCHAR, total::VARCHAR) FROM orders"))
    # Enumerations lower-cased, offsets converted to UTC, money as DECIMAL.
    assert rows["O2"] == ("store", "2024-02-01 14:30:00", "49.90")
    assert rows["O3"][0] == "app"
    customers = raw_rows(workspace, "SELECT city FROM customers WHERE source_customer_id = 'CC3'")
    assert customers == [("İzmir",)]


# row -> (field, words the reason must contain); rows 1 and 12 are good.
EXPECTED_DEFECTS = {
    2: ("ordered_at", "'31/02/2024' is not a timestamp"),
    3: ("customer_source", "unknown customer_source/customer_id 'web/NOPE'"),
    4: ("order_id", "missing key"),
    5: ("subtotal", "'ten' is not an amount"),
    6: ("customer_id", "invalid UTF-8"),
    7: ("channel", "'fax' is not one of web, app, store, call_center"),
    8: ("store_id", "unknown store_id 'S404'"),
    9: ("total", "-3 is out of range (must be at least 0)"),
    10: ("order_id", "duplicate key order_id 'D1' (same as row 1"),
    11: (None, "row has 12 fields, expected 13"),
}


def test_seeded_defects_reconcile_with_the_right_reason_per_row(workspace: WorkspacePaths) -> None:
    import_clean(workspace, upto="stores")
    result = import_file(workspace, "orders", CASES / "orders_defects.csv")
    assert result.counts() == {"read": 12, "loaded": 2, "quarantined": 10}
    records = open_quarantine(workspace, "orders")
    assert [r.row_number for r in records] == sorted(EXPECTED_DEFECTS)
    for record in records:
        field, words = EXPECTED_DEFECTS[record.row_number or 0]
        assert record.field == field, record
        assert words in record.reason, record
        assert record.source == "orders_defects.csv"
    by_row = {r.row_number: r for r in records}
    assert by_row[2].record_key == "D2" and by_row[4].record_key is None
    assert by_row[6].payload["customer_id"] == "W\ufffd1"
    assert raw_rows(workspace, "SELECT order_id FROM orders ORDER BY 1") == [("D1",), ("D12",)]


def test_reimport_is_idempotent(workspace: WorkspacePaths) -> None:
    import_clean(workspace, upto="stores")
    first = import_file(workspace, "orders", CASES / "orders_defects.csv")
    second = import_file(workspace, "orders", CASES / "orders_defects.csv")
    assert first.counts() == second.counts()
    assert raw_rows(workspace, "SELECT count(*), count(DISTINCT order_id) FROM orders") == [(2, 2)]
    assert len(open_quarantine(workspace, "orders")) == 10


def test_corrected_file_releases_quarantined_rows(workspace: WorkspacePaths, tmp_path: Path) -> None:
    import_clean(workspace, upto="stores")
    import_file(workspace, "orders", CASES / "orders_defects.csv")
    fixed = tmp_path / "orders_fixed.csv"
    lines = (CASES / "orders_defects.csv").read_bytes().split(b"\n")
    fixed.write_bytes(b"\n".join([lines[0], lines[2].replace(b"31/02/2024", b"2024-02-28"), lines[7].replace(b"fax", b"web")]))
    result = import_file(workspace, "orders", fixed)
    assert result.counts() == {"read": 2, "loaded": 2, "quarantined": 0}
    assert result.released == 2
    assert sorted(r.row_number or 0 for r in open_quarantine(workspace, "orders")) == [3, 4, 5, 6, 8, 9, 10, 11]


def test_orphans_wait_for_their_parent(workspace: WorkspacePaths) -> None:
    import_clean(workspace, upto="products")
    result = import_file(workspace, "order_items", CASES / "order_items.csv")
    assert result.loaded == 0 and result.quarantined == 4
    assert all("unknown order_id" in r.reason for r in open_quarantine(workspace, "order_items"))


def test_column_mapping_and_ignored_columns(workspace: WorkspacePaths, tmp_path: Path) -> None:
    src = tmp_path / "catalogue.csv"
    src.write_text("Article,name,Cost,price,colour\nA-1,Hat,3.10,9.99,red\n")
    result = import_file(workspace, "products", src, mapping={"Article": "sku", "Cost": "unit_cost"})
    assert result.counts() == {"read": 1, "loaded": 1, "quarantined": 0}
    assert result.ignored_columns == ("colour",)
    assert raw_rows(workspace, "SELECT sku, unit_cost::VARCHAR FROM products") == [("A-1", "3.10")]


@pytest.mark.parametrize(
    ("content", "mapping", "words"),
    [
        ("name,price\nHat,1\n", None, "no column for required field(s) sku"),
        ("", None, "empty or has no header"),
        ("sku,sku\nA,B\n", None, "duplicate column names"),
        ("sku\nA\n", {"nope": "sku"}, "not in the file"),
        ("sku\nA\n", {"sku": "colour"}, "not a field of products"),
    ],
)
def test_unreadable_files_fail_whole_with_the_file_named(
    workspace: WorkspacePaths, tmp_path: Path, content: str, mapping: dict[str, str] | None, words: str
) -> None:
    src = tmp_path / "bad.csv"
    src.write_text(content)
    with pytest.raises(InputError) as info:
        import_file(workspace, "products", src, mapping=mapping)
    assert words in info.value.message and "bad.csv" in info.value.message


def test_unknown_entity_and_format(workspace: WorkspacePaths, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown entity 'order'"):
        import_file(workspace, "order", CASES / "orders.csv")
    odd = tmp_path / "orders.xlsx"
    shutil.copy(CASES / "orders.csv", odd)
    with pytest.raises(InputError, match="--format"):
        import_file(workspace, "orders", odd)


def test_blank_lines_and_quoted_newlines_keep_editor_row_numbers(workspace: WorkspacePaths, tmp_path: Path) -> None:
    src = tmp_path / "products.csv"
    src.write_text('sku,name,price\nA,"two\nlines",1\n\nB,ok,-1\n')
    result = import_file(workspace, "products", src)
    assert result.counts() == {"read": 2, "loaded": 1, "quarantined": 1}
    (record,) = open_quarantine(workspace, "products")
    # Row 1 is A (over two lines), row 2 the blank line, row 3 is B.
    assert (record.row_number, record.field) == (3, "price")


def test_reference_and_duplicate_problems_of_one_row_are_all_reported(workspace: WorkspacePaths, tmp_path: Path) -> None:
    import_clean(workspace, upto="stores")
    src = tmp_path / "store_visits.csv"
    src.write_text(
        "visit_id,store_id,customer_source,customer_id,visited_at\n"
        "V1,S1,pos,P7,2024-02-01\n"  # good
        "V2,S1,pos,,2024-02-01\n"  # half-filled customer reference
        "V3,S404,web,NOPE,2024-02-01\n"  # unknown store and unknown customer
        "V1,S404,,,2024-02-02\n"  # duplicate of row 1 and unknown store
        "V5,S2,,,2024-02-03\n"  # good, anonymous
    )
    result = import_file(workspace, "store_visits", src)
    assert result.counts() == {"read": 5, "loaded": 2, "quarantined": 3}
    by_row = {r.row_number: r for r in open_quarantine(workspace, "store_visits")}
    assert (by_row[2].field, by_row[2].reason) == (
        "customer_source", "customer_source and customer_id must be filled together or left empty together"
    )
    assert by_row[3].field == "store_id"
    assert by_row[3].reason.startswith("unknown store_id 'S404'")
    assert "; also field customer_source: unknown customer_source/customer_id 'web/NOPE'" in by_row[3].reason
    assert by_row[4].field == "visit_id"
    assert by_row[4].reason.startswith("duplicate key visit_id 'V1' (same as row 1; the first one was kept)")
    assert "; also field store_id: unknown store_id 'S404'" in by_row[4].reason
    assert raw_rows(workspace, "SELECT visit_id FROM store_visits ORDER BY 1") == [("V1",), ("V5",)]


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_rows_of_empty_cells_are_counted_and_quarantined_but_blank_lines_are_not(
    workspace: WorkspacePaths, tmp_path: Path, newline: str
) -> None:
    src = tmp_path / "products.csv"
    lines = ["sku,name,price", 'A,"two\nlines",1', "", ",,", "B,ok,2", '"","",', "", "C,ok,3", ",,", "", ""]
    src.write_bytes(newline.join(lines).encode())
    result = import_file(workspace, "products", src)
    # Data rows: 1 A, 2 blank, 3 ",,", 4 B, 5 '"","",', 6 blank, 7 C, 8 ",,", then two blank lines.
    assert result.counts() == {"read": 6, "loaded": 3, "quarantined": 3}
    records = open_quarantine(workspace, "products")
    assert [(r.row_number, r.field, r.reason) for r in records] == [
        (row, None, "empty row (every field is empty)") for row in (3, 5, 8)
    ]


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # pyarrow giving up, as designed
def test_rows_of_empty_cells_are_counted_on_the_slow_path_too(workspace: WorkspacePaths, tmp_path: Path) -> None:
    src = tmp_path / "products.csv"
    # Row 2 is short and not UTF-8, so pyarrow gives up and the file is read again in Python.
    src.write_bytes(b"sku,name,price\nA,ok,1\nB,caf\xe9\n,,\n\nC,ok,2\n\n")
    result = import_file(workspace, "products", src)
    assert result.counts() == {"read": 4, "loaded": 2, "quarantined": 2}
    assert [(r.row_number, r.reason.split(" (")[0]) for r in open_quarantine(workspace, "products")] == [
        (2, "row has 2 fields, expected 3"), (3, "empty row"),
    ]


def test_the_first_valid_row_of_a_repeated_key_wins(workspace: WorkspacePaths, tmp_path: Path) -> None:
    src = tmp_path / "products.csv"
    src.write_text("sku,name,price\nA,bad,x\nB,first,1\nA,kept,2\nA,again,3\nB,again,4\n A ,padded,5\n")
    result = import_file(workspace, "products", src)
    assert result.counts() == {"read": 6, "loaded": 2, "quarantined": 4}
    got = [(r.row_number, r.record_key, r.reason.split(";")[0]) for r in open_quarantine(workspace, "products")]
    assert got == [
        (1, "A", "'x' is not an amount (expected e.g. 12.50)"),
        (4, "A", "duplicate key sku 'A' (same as row 3"),
        (5, "B", "duplicate key sku 'B' (same as row 2"),
        (6, "A", "duplicate key sku 'A' (same as row 3"),
    ]
    assert raw_rows(workspace, "SELECT sku, name FROM products ORDER BY 1") == [("A", "kept"), ("B", "first")]
