"""The real `onefold` CLI in a subprocess: import, quarantine, quality, build and sql."""

from __future__ import annotations

import json

from onefold.store.workspace import WorkspacePaths
from tests.collect.backoffice.helpers import CASES, import_clean
from tests.conftest import run_cli


def ws_args(paths: WorkspacePaths) -> list[str]:
    return ["--workspace", str(paths.root)]


def test_import_json_prints_exactly_the_counts(workspace: WorkspacePaths) -> None:
    import_clean(workspace, upto="stores")  # in-process: only the command under test runs as a subprocess
    proc = run_cli("import", "orders", str(CASES / "orders_defects.csv"), "--json", *ws_args(workspace))
    assert json.loads(proc.stdout) == {"read": 12, "loaded": 2, "quarantined": 10}


def test_strict_exits_non_zero_only_when_rows_were_quarantined(workspace: WorkspacePaths) -> None:
    ok = run_cli("import", "stores", str(CASES / "stores.csv"), "--strict", *ws_args(workspace))
    assert "read 2, loaded 2, quarantined 0" in ok.stdout
    import_clean(workspace, upto="customers")
    bad = run_cli("import", "orders", str(CASES / "orders_defects.csv"), "--strict", *ws_args(workspace), check=False)
    assert bad.returncode == 1
    assert "read 12, loaded 2, quarantined 10" in bad.stdout
    assert "error: --strict: 10 of 12 row(s) quarantined" in bad.stderr


def test_whole_file_errors_are_one_line_and_exit_1(workspace: WorkspacePaths, tmp_path: object) -> None:
    proc = run_cli("import", "orders", str(CASES / "products.csv"), *ws_args(workspace), check=False)
    assert proc.returncode == 1
    assert proc.stderr.startswith("error: products.csv: no column for required field(s) order_id")


def test_map_option_and_quarantine_list_show(workspace: WorkspacePaths, tmp_path: object) -> None:
    from pathlib import Path

    src = Path(str(tmp_path)) / "p.csv"
    src.write_text("Article,price\nA,1\nB,x\n")
    proc = run_cli("import", "products", str(src), "--map", "Article=sku", "--json", *ws_args(workspace))
    assert json.loads(proc.stdout) == {"read": 2, "loaded": 1, "quarantined": 1}
    listed = json.loads(run_cli("quarantine", "list", "--json", *ws_args(workspace)).stdout)
    assert [(r["source"], r["row"], r["field"], r["record_key"]) for r in listed] == [("p.csv", 2, "price", "B")]
    shown = json.loads(run_cli("quarantine", "show", str(listed[0]["id"]), "--json", *ws_args(workspace)).stdout)
    assert shown["payload"] == {"sku": "B", "price": "x"}
    retried = json.loads(run_cli("quarantine", "retry", "--json", *ws_args(workspace)).stdout)
    assert retried == {"checked": 1, "released": 0, "still_open": 1, "not_retryable": 0}
    quality = {r["entity"]: r for r in json.loads(run_cli("quality", "--json", *ws_args(workspace)).stdout)}
    assert quality["products"]["rows"] == 1 and quality["products"]["invalid_rate"] == 0.5
    assert quality["products"]["completeness"]["name"] == 0.0
    missing = run_cli("quarantine", "show", "999", *ws_args(workspace), check=False)
    assert missing.returncode == 1 and "no quarantined record with id 999" in missing.stderr


def test_build_then_sql_reads_back_and_refuses_writes(workspace: WorkspacePaths) -> None:
    import_clean(workspace)
    run_cli("build", *ws_args(workspace))
    as_json = run_cli("sql", "SELECT order_id, total FROM orders ORDER BY 1", "--format", "json", *ws_args(workspace))
    # DECIMAL money stays exact in JSON: it is printed as a string.
    assert json.loads(as_json.stdout) == [
        {"order_id": "O1", "total": "74.85"},
        {"order_id": "O2", "total": "49.90"},
        {"order_id": "O3", "total": "29.95"},
    ]
    as_csv = run_cli("sql", "SELECT sku, on_hand FROM inventory ORDER BY 1", "--format", "csv", *ws_args(workspace))
    assert as_csv.stdout.splitlines() == ["sku,on_hand", "SKU-1,12", "SKU-2,0"]
    refused = run_cli("sql", "DELETE FROM orders", *ws_args(workspace), check=False)
    assert refused.returncode == 1 and "only read queries are allowed, not DELETE" in refused.stderr


def test_quarantine_show_prints_the_values_as_the_file_held_them(workspace: WorkspacePaths, tmp_path: object) -> None:
    from pathlib import Path

    src = Path(str(tmp_path)) / "p.csv"
    src.write_text("sku,name,price,unit_cost\n A ,[bold]x[/bold],x,\n")
    proc = run_cli("import", "products", str(src), "--json", *ws_args(workspace))
    assert json.loads(proc.stdout) == {"read": 1, "loaded": 0, "quarantined": 1}
    (listed,) = json.loads(run_cli("quarantine", "list", "--json", *ws_args(workspace)).stdout)
    shown = json.loads(run_cli("quarantine", "show", str(listed["id"]), "--json", *ws_args(workspace)).stdout)
    assert shown["payload"] == {"sku": " A ", "name": "[bold]x[/bold]", "price": "x", "unit_cost": ""}
    text = run_cli("quarantine", "show", str(listed["id"]), *ws_args(workspace), env={"COLUMNS": "200"}).stdout
    assert '" A "' in text and "[bold]x[/bold]" in text and '""' in text
