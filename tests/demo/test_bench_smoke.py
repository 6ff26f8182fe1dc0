"""bench/generate.py runs (quick mode); timings are never asserted."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.slow
def test_generate_bench_quick_runs() -> None:
    script = Path(__file__).resolve().parents[2] / "bench" / "generate.py"
    proc = subprocess.run([sys.executable, str(script), "--quick"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "10,000 persons" in proc.stdout
