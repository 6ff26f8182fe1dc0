"""bench/identity_realtime.py runs in quick mode end to end; timings are never asserted."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.slow
def test_identity_realtime_bench_quick_runs() -> None:
    script = Path(__file__).resolve().parents[2] / "bench" / "identity_realtime.py"
    proc = subprocess.run([sys.executable, str(script), "--quick", "--lookups", "300"], capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "raw SQLite" in proc.stdout and "target: HTTP p95" in proc.stderr, proc.stdout + proc.stderr
