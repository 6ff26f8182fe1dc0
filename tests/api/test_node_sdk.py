"""The official @segment/analytics-node SDK (npm) delivers to onefold with only its host changed.

`make test` installs the pinned SDK from tests/api/node/package-lock.json with `npm ci`; the test is
skipped only where Node.js itself is missing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from tests.api.conftest import all_events
from tests.conftest import Server

NODE_DIR = Path(__file__).parent / "node"
COUNT = 1002


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_analytics_node_delivers_every_event_once(shared_server: Server) -> None:
    assert (NODE_DIR / "node_modules" / "@segment" / "analytics-node").exists(), (
        "run `npm ci --prefix tests/api/node` (make test does)"
    )
    proc = subprocess.run(
        ["node", "send.mjs", shared_server.url, shared_server.keys["writer"], "node", str(COUNT)],
        cwd=NODE_DIR, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == {"sent": COUNT, "errors": 0}

    stored = [e for e in all_events(shared_server) if str(e.get("messageId", "")).startswith("node-")]
    counts = Counter(e["messageId"] for e in stored)
    assert set(counts) == {f"node-{i}" for i in range(COUNT)}
    assert max(counts.values()) == 1
    assert Counter(e["type"] for e in stored) == {"identify": COUNT // 3, "track": COUNT // 3, "page": COUNT // 3}
    assert all(e["context"]["library"]["name"] == "@segment/analytics-node" for e in stored)
