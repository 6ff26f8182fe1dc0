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


@pytest.mark.slow
def test_value_demo_bench_runs_and_reuses_its_cache(tmp_path: Path) -> None:
    script = Path(__file__).resolve().parents[2] / "bench" / "value_demo.py"
    for _ in range(2):  # the second run re-runs only the value step on the cached build
        proc = subprocess.run([sys.executable, str(script), "--cases", "800:5", "--keep", str(tmp_path)],
                              capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, proc.stderr
        assert "| 800, 5 | 0.00 |" in proc.stdout  # money reconciles with the truth files to the cent
    assert (tmp_path / "demo_800_5" / "built").exists()
