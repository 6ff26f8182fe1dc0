"""CPU per event of the event indexer alone (index + real-time stitching), in-process.

``--paired``: the messageId index alone, old schema (UNIQUE on the text, migration collect_0001)
against the keyed one (collect_0002), interleaved batch by batch in one process so that the
machine's drift hits both alike; also the writer's look-up of 100 ids against each.

Writes N bench events (the ingest bench's track event, a fresh random UUID messageId each) to the
log of a fresh workspace, then times ``LogIndexer.catch_up()`` with ``time.process_time`` in steps,
so the growth with the table shows. For an A/B of two checkouts, run it alternately with
``PYTHONPATH=<checkout>/src`` (the first ``onefold`` on the path wins):

    PYTHONPATH=/work/main/src .venv/bin/python bench/ingest_indexer.py --events 150000
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import time
import uuid
from pathlib import Path

import orjson

from onefold.collect.events import LogIndexer
from onefold.config import Settings
from onefold.store import event_index
from onefold.store.eventlog import EventLog
from onefold.store.sqlite import connect, transaction
from onefold.store.workspace import _migration_files, init_workspace

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


_OLD_INSERT = ("INSERT INTO collect_events(seq, message_id, type, event, user_id, anonymous_id, timestamp, received_at,"
               " segment, offset, length) VALUES (?, ?, 'track', 'E', 'u', 'a', 't', 'r', 1, 0, 1)")
_NEW_INSERT = ("INSERT INTO collect_events(seq, message_key, message_id, type, event, user_id, anonymous_id, timestamp,"
               " received_at, segment, offset, length) VALUES (?, ?, ?, 'track', 'E', 'u', 'a', 't', 'r', 1, 0, 1)")


def _schema_db(path: Path, *, keyed: bool) -> sqlite3.Connection:
    conn = connect(path, synchronous="NORMAL")
    event_index.register_sql_functions(conn)
    for name, sql in _migration_files():
        if name.startswith("collect_") and (keyed or name.startswith("collect_0001")):
            conn.executescript(sql)
    event_index.tune_for_indexing(conn)
    return conn


def paired(events: int, batch: int = 5_000) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        old, new = _schema_db(Path(tmp) / "old.sqlite", keyed=False), _schema_db(Path(tmp) / "new.sqlite", keyed=True)
        cpu = {"old": 0.0, "new": 0.0, "old look-up": 0.0, "new look-up": 0.0}
        growth: list[str] = []
        seq = 0
        for _ in range(events // batch):
            ids = [str(uuid.uuid4()) for _ in range(batch)]
            seqs = range(seq + 1, seq + batch + 1)
            seq += batch
            t0 = time.process_time()
            with transaction(old):
                old.executemany(_OLD_INSERT, zip(seqs, ids, strict=True))
            t1 = time.process_time()
            with transaction(new):
                new.executemany(_NEW_INSERT, ((s, event_index.message_key(m), m) for s, m in zip(seqs, ids, strict=True)))
            t2 = time.process_time()
            cpu["old"] += t1 - t0
            cpu["new"] += t2 - t1
            probe = ids[:50] + [str(uuid.uuid4()) for _ in range(50)]
            t0 = time.process_time()
            marks = ",".join("?" * len(probe))
            found_old = {r[0] for r in old.execute(f"SELECT message_id FROM collect_events WHERE message_id IN ({marks})", probe)}
            t1 = time.process_time()
            found_new = event_index.existing_message_ids(new, probe)
            t2 = time.process_time()
            assert found_old == found_new == set(ids[:50])
            cpu["old look-up"] += t1 - t0
            cpu["new look-up"] += t2 - t1
            if seq % (events // 4) < batch:
                growth.append(f"{seq:,}: {cpu['old'] / seq * 1e6:.1f}/{cpu['new'] / seq * 1e6:.1f}")
        n_look = events // batch * len(probe)
        print(f"index insert µs/event old (UNIQUE text) {cpu['old'] / events * 1e6:.1f}, new (64-bit key) "
              f"{cpu['new'] / events * 1e6:.1f} [cumulative means at {'; '.join(growth)}]; writer look-up µs/id old "
              f"{cpu['old look-up'] / n_look * 1e6:.1f}, new {cpu['new look-up'] / n_look * 1e6:.1f}; "
              f"file MB old {(Path(tmp) / 'old.sqlite').stat().st_size / 1e6:.0f}, new "
              f"{(Path(tmp) / 'new.sqlite').stat().st_size / 1e6:.0f}; load {os.getloadavg()[0]:.1f}")
        old.close()
        new.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=150_000)
    parser.add_argument("--paired", action="store_true", help="old vs keyed messageId index, interleaved")
    args = parser.parse_args()
    if args.paired:
        paired(args.events)
        return
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
