"""CPU per event of the event indexer alone (index + real-time stitching), in-process.

Writes N bench events (the ingest bench's track event, a fresh random UUID messageId each) to the
log of a fresh workspace, then times ``LogIndexer.catch_up()`` with ``time.process_time`` in steps,
so the growth with the table shows. For an A/B of two checkouts, run it alternately with
``PYTHONPATH=<checkout>/src`` (the first ``onefold`` on the path wins):

    PYTHONPATH=/work/main/src .venv/bin/python bench/ingest_indexer.py --events 150000
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import orjson

from onefold.collect.events import LogIndexer
from onefold.config import Settings
from onefold.store.eventlog import EventLog
from onefold.store.workspace import init_workspace

STEP = 25_000


def _lines(n: int) -> list[bytes]:
    out = []
    for i in range(n):
        h = os.urandom(16).hex()
        out.append(orjson.dumps({
            "type": "track", "userId": f"user-{i % 37}", "anonymousId": f"anon-{i % 37}",
            "event": "Product Viewed", "messageId": f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}",
            "timestamp": "2025-06-01T12:00:00.000Z", "receivedAt": "2025-06-01T12:00:00.000Z",
            "properties": {"sku": f"SKU-{i % 100}", "price": 19.99, "currency": "EUR", "list": "search"},
            "context": {"library": {"name": "analytics-python", "version": "2.4.0"}, "ip": "203.0.113.9"},
        }))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=150_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        paths = init_workspace(Path(tmp) / "ws")
        settings = Settings(workspace=paths.root)
        log = EventLog(paths.events_dir, segment_max_bytes=64 << 20, fsync=False)
        log.recover()
        steps: list[float] = []
        indexer = LogIndexer(paths, settings)
        try:
            for _ in range(args.events // STEP):
                for _batch in range(STEP // 1000):
                    log.append(_lines(1000))
                t0 = time.process_time()
                indexer.catch_up()
                steps.append((time.process_time() - t0) / STEP * 1e6)
        finally:
            indexer.close()
            log.close()
    import onefold

    where = Path(onefold.__file__).resolve().parents[2]
    print(f"{where}  indexer µs/event per {STEP:,}: " + " ".join(f"{s:.1f}" for s in steps)
          + f"  mean {sum(steps) / len(steps):.1f}  load {os.getloadavg()[0]:.1f}", file=sys.stdout)


if __name__ == "__main__":
    main()
