"""bench/import.py runs in quick mode and its counts reconcile; timings are never asserted."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.slow
def test_import_bench_quick_runs() -> None:
    script = Path(__file__).resolve().parents[3] / "bench" / "import.py"
    proc = subprocess.run(
        [sys.executable, str(script), "--quick"],
        capture_output=True, text=True, timeout=300, env={**os.environ, "COLUMNS": "240"},
    )
    assert proc.returncode == 0, proc.stderr
    # The script itself asserts read == peer rows; here: both files ran, with their junk quarantined.
    assert "│ orders      │ 100,000" in proc.stdout and "│ 100 " in proc.stdout, proc.stdout
    assert "│ order_items │ 199,674" in proc.stdout and "│ 403 " in proc.stdout, proc.stdout
