"""`onefold demo generate` through the real CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from onefold.cli import main
from tests.conftest import run_cli


def test_generate_writes_files_and_lists_them(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    proc = run_cli("demo", "generate", "--customers", "200", "--seed", "5", "--out", str(out))
    assert "orders.csv" in proc.stdout and "truth/net_value.csv" in proc.stdout
    assert (out / "customers.csv").stat().st_size > 0
    assert (out / "truth" / "person_of_record.csv").exists()


def test_bad_customer_count_is_a_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["demo", "generate", "--customers", "0", "--out", str(tmp_path / "x")])
    assert exc.value.code == 1
    err = capsys.readouterr().err
    assert "customers must be an integer" in err
    assert "Traceback" not in err
    assert not (tmp_path / "x").exists()
