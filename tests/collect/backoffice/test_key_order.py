"""Skipping the duplicate check is safe only when the keys, typed as DuckDB types them, are distinct."""

from __future__ import annotations

import random
from pathlib import Path

import duckdb
import pyarrow as pa
from hypothesis import example, given, settings
from hypothesis import strategies as st

from onefold.collect.backoffice import import_file
from onefold.collect.backoffice.checks import _trimmed, _typed_from_raw
from onefold.collect.backoffice.key_order import KeyOrder
from onefold.schema.entities import get_entity
from onefold.store.quarantine import list_records
from onefold.store.raw import RawStore
from onefold.store.workspace import WorkspacePaths, init_workspace, open_state
from tests.collect.backoffice.helpers import import_clean

ORDER_ITEMS = get_entity("order_items")
# Few values, so that keys repeat once typed; a rare junk value, which must only ever stop the proof.
_pad = st.sampled_from(["", "", "", " ", "\t"])
_order_id = st.builds(lambda a, v, b: a + v + b, _pad, st.sampled_from(["O1", "O2", "O10", "Ö1", ""]), _pad)
_line = st.builds(lambda a, v, b: a + v + b, _pad, st.sampled_from(["1", "01", "2", "+2", "10", "1", "2"]), _pad) | st.sampled_from(
    ["x", "", "1.0", "-1"]
)


def _sort_key(key: tuple[str, str]) -> tuple[str, int]:
    """Roughly the typed order, so that many generated files are in key order."""
    line = key[1].strip(" \t")
    return key[0].strip(" \t"), int(line) if line.lstrip("+").isdigit() else -1


def _typed_keys(order_ids: list[str], lines: list[str]) -> list[tuple[object, object]]:
    """The keys as the import's checks type them (the same SQL expressions), rows with a part NULL left out."""
    line = ORDER_ITEMS.field("line_number")
    con = duckdb.connect()
    con.register("t", pa.table({"o": pa.array(order_ids, pa.string()), "l": pa.array(lines, pa.string())}))
    rows = con.execute(f"SELECT {_trimmed('o')}, {_typed_from_raw(line, 'l')} FROM t").fetchall()
    return [r for r in rows if r[0] is not None and r[1] is not None]


@settings(max_examples=1000, deadline=None)
@example(keys=[("O1", "1"), ("O1", "1")], in_order=False, cut=1)  # a repeat across two batches
@example(keys=[("O2", "1"), ("O1", "2"), ("O2", "1")], in_order=False, cut=3)  # later parts count on ties only
@example(keys=[("O1", "1"), ("O1 ", "01")], in_order=False, cut=2)  # equal once typed
@given(keys=st.lists(st.tuples(_order_id, _line), max_size=6), in_order=st.booleans(), cut=st.integers(1, 4))
def test_a_proof_of_distinct_keys_is_never_wrong(keys: list[tuple[str, str]], in_order: bool, cut: int) -> None:
    if in_order:
        keys = sorted(keys, key=_sort_key)
    order = KeyOrder(ORDER_ITEMS)
    for start in range(0, len(keys), cut):
        part = keys[start : start + cut]
        order.see(pa.table({"order_id": [k[0] for k in part], "line_number": [k[1] for k in part]}))
    if order.unique:
        typed = _typed_keys([k[0] for k in keys], [k[1] for k in keys])
        assert len(typed) == len(set(typed)), (keys, typed)


def _see_all(rows: list[tuple[str, str]], cut: int = 2) -> bool:
    order = KeyOrder(ORDER_ITEMS)
    for start in range(0, len(rows), cut):
        part = rows[start : start + cut]
        order.see(pa.table({"order_id": [r[0] for r in part], "line_number": [r[1] for r in part]}))
    return order.unique


def test_keys_in_order_are_proven_and_repeats_after_typing_are_not() -> None:
    assert _see_all([("O1", "1"), ("O1", "2"), (" O2", "01"), ("O2", "3 "), ("O3", "1")])
    assert not _see_all([("O1", "1"), ("O1", "01")])  # 1 == 1
    assert not _see_all([("O1", "1"), ("O1 ", "1")])  # the same text once trimmed
    assert not _see_all([("O2", "1"), ("O1", "1")])  # out of order
    assert not _see_all([("O1", "1"), ("O2", "x")])  # not a number pyarrow reads
    assert KeyOrder(get_entity("products")).unique


def _quarantine(paths: WorkspacePaths) -> list[tuple[object, ...]]:
    conn = open_state(paths)
    try:
        records = list_records(conn, entity="order_items", limit=1000)
    finally:
        conn.close()
    return sorted((r.row_number, r.field, r.reason, r.record_key) for r in records)


def test_a_file_in_key_order_imports_as_the_same_file_shuffled(tmp_path: Path) -> None:
    header = "order_id,line_number,sku,qty,unit_price"
    lines = ["O1,1,SKU-1,1,1.00", "O1,2,SKU-2,1,2.00", "O2,1,SKU-1,0,1.00", "O3,1,SKU-404,1,1.00", "O3,2,SKU-1,1,3"]
    shuffled = lines[:]
    random.Random(4).shuffle(shuffled)
    results = []
    for name, body in (("sorted", lines), ("shuffled", shuffled)):
        ws = init_workspace(tmp_path / name)
        import_clean(ws, upto="orders")
        path = tmp_path / f"{name}.csv"
        path.write_text("\n".join([header, *body]) + "\n")
        result = import_file(ws, "order_items", path)
        with RawStore.open(ws) as store:
            rows = store.fetch("SELECT order_id, line_number, sku, qty, unit_price FROM order_items ORDER BY ALL")
        results.append((result.counts(), rows, sorted(r[2:] for r in _quarantine(ws))))
    assert results[0] == results[1]
    assert results[0][0] == {"read": 5, "loaded": 3, "quarantined": 2}


def test_a_repeat_that_only_typing_reveals_is_still_quarantined(workspace: WorkspacePaths, tmp_path: Path) -> None:
    import_clean(workspace, upto="orders")
    path = tmp_path / "lines.csv"
    path.write_text("order_id,line_number,sku,qty,unit_price\nO1,1,SKU-1,1,1.00\nO1,01,SKU-2,1,2.00\nO2, 1,SKU-1,1,1\n")
    result = import_file(workspace, "order_items", path)
    assert result.counts() == {"read": 3, "loaded": 2, "quarantined": 1}
    ((row, field, reason, key),) = _quarantine(workspace)
    assert (row, field, key) == (2, "order_id", "O1|1")
    assert reason.startswith("duplicate key order_id/line_number 'O1|1' (same as row 1")
