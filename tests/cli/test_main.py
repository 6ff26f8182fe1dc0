"""The root CLI: error reporting and exit codes."""

from __future__ import annotations

from tests.conftest import run_cli


def test_cli_errors_are_one_line_with_exit_code(tmp_path):
    proc = run_cli("keys", "list", "--workspace", str(tmp_path / "missing"), check=False)
    assert proc.returncode == 1
    assert proc.stderr.strip().startswith("error:") and "onefold init" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_cli_usage_errors_are_reported_without_traceback(tmp_path):
    proc = run_cli("demo", "generate", "--customers", "abc", "--out", str(tmp_path / "x"), check=False)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "customers" in proc.stderr
