"""bench/ingest.py runs (quick mode) and every request it sends is acknowledged; timings are never asserted."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.slow
def test_ingest_bench_quick_runs() -> None:
    script = Path(__file__).resolve().parents[3] / "bench" / "ingest.py"
    proc = subprocess.run([sys.executable, str(script), "--quick"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "sustained" in proc.stdout and "server CPU us" in proc.stdout
    assert "non-200 responses: 0" in proc.stdout, proc.stdout
