"""bench/value.py runs (quick mode) and prints its table; timings are never asserted."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.slow
def test_value_bench_quick_runs() -> None:
    pytest.importorskip("lifetimes")
    pytest.importorskip("pandas")
    script = Path(__file__).resolve().parents[2] / "bench" / "value.py"
    proc = subprocess.run([sys.executable, str(script), "--quick"], capture_output=True, text=True, timeout=600,
                          env={**os.environ, "COLUMNS": "200"})
    assert proc.returncode == 0, proc.stderr
    for row in ("CDNOW_master end to end", "holdout MAE", "churn 13 weeks", "synthetic 200000 customers"):
        assert row in proc.stdout
