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
    for row in ("CDNOW_master end to end", "peer PyMC-Marketing", "holdout MAE", "churn 13 weeks",
                "synthetic 200000 customers"):
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


@pytest.mark.slow
def test_value_pending_bench_replays_the_written_data(tmp_path: Path) -> None:
    """The bench replays the generator by hand: it must draw exactly what ``demo generate`` wrote."""
    import csv

    import numpy as np

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    try:
        from value_pending import replay
    finally:
        sys.path.pop(0)
    from onefold.demo import generate

    generate(tmp_path, customers=800, seed=5)
    _, _, orders, _, returns_ = replay(800, 5)
    with open(tmp_path / "orders.csv", newline="") as fh:
        totals = [row["total"] for row in csv.DictReader(fh)]
    with open(tmp_path / "returns.csv", newline="") as fh:
        n_returns = sum(1 for _ in csv.DictReader(fh))
    assert [f"{t / 100:.2f}" for t in orders.total[orders.observed]] == totals
    assert int(np.sum(returns_.observed)) == n_returns
    script = Path(__file__).resolve().parents[2] / "bench" / "value_pending.py"
    proc = subprocess.run([sys.executable, str(script), "--cases", "800:5", "--reps", "2"],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert "| 800, 5 | all |" in proc.stdout
