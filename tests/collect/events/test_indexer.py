"""Off the ack path: following the log (LogTail), indexing it (LogIndexer), and the writer's dedup
set across a crash between the log fsync and recording the messageIds."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import orjson
import pytest

from onefold.collect.events import CollectMetrics, EventWriter, IngestResult, Job, LogIndexer
from onefold.config import Settings
from onefold.store import event_index
from onefold.store.eventlog import EventLog, LogTail, list_segments
from onefold.store.message_ids import MessageIds
from onefold.store.sqlite import connect
from onefold.store.workspace import WorkspacePaths


def _lines(n: int, start: int = 0, user: str = "u") -> list[bytes]:
    return [orjson.dumps({"type": "track", "userId": user, "event": "E", "messageId": f"m{start + i}",
                          "timestamp": "2025-01-01T00:00:00.000Z", "receivedAt": "2025-01-01T00:00:00.000Z"})
            for i in range(n)]


def _catch_up_once(workspace: WorkspacePaths, settings: Settings) -> None:
    """Run a one-off indexer over everything the log holds (what the server's child would do)."""
    indexer = LogIndexer(workspace, settings)
    try:
        indexer.catch_up()
    finally:
        indexer.close()


def test_log_tail_reads_only_complete_lines_and_follows_segment_rolls(tmp_path: Path) -> None:
    log = EventLog(tmp_path, segment_max_bytes=400, fsync=False)
    log.recover()
    tail = LogTail(tmp_path)
    assert tail.read() == []
    log.append(_lines(3))
    assert [seq for seq, _, _ in tail.read()] == [1, 2, 3]
    (_, path), = list_segments(tmp_path)
    with path.open("ab") as f:  # a group commit observed half written
        f.write(b'{"seq":4,"type":"tr')
    assert tail.read() == []
    with path.open("ab") as f:
        f.write(b'ack","messageId":"m3"}\n')
    assert [seq for seq, _, _ in tail.read()] == [4]
    log.close()
    log = EventLog(tmp_path, segment_max_bytes=400, fsync=False)
    assert log.recover() == 4
    log.append(_lines(4, 4))  # rolls: the first segment is past 400 bytes
    log.append(_lines(2, 8))
    assert len(list_segments(tmp_path)) >= 2
    got = tail.read() + tail.read()
    assert [seq for seq, _, _ in got] == list(range(5, 11))
    assert [orjson.loads(line)["messageId"] for _, _, line in got] == [f"m{i}" for i in range(4, 10)]
    resumed = LogTail(tmp_path, after_seq=6)
    assert [seq for seq, _, _ in resumed.read() + resumed.read()] == [7, 8, 9, 10]


def test_two_indexers_on_one_workspace_index_every_event_once(workspace: WorkspacePaths) -> None:
    """An orphaned indexer of a killed server may still run beside its successor's."""
    log = EventLog(workspace.events_dir, segment_max_bytes=4096, fsync=False)
    log.recover()
    settings = Settings(workspace=workspace.root)
    indexed = [0, 0]

    def follow(i: int) -> None:
        indexer = LogIndexer(workspace, settings)
        try:
            while event_index.high_water(indexer.conn) < 1000:
                indexed[i] += indexer.step()
        finally:
            indexer.close()

    workers = [threading.Thread(target=follow, args=(i,)) for i in range(2)]
    for w in workers:
        w.start()
    for round_ in range(10):
        log.append(_lines(100, round_ * 100, user=f"u{round_}"))
    for w in workers:
        w.join(timeout=60)
    log.close()
    check = LogIndexer(workspace, settings)
    try:
        rows = check.conn.execute("SELECT count(*), count(DISTINCT message_id), max(seq) FROM collect_events").fetchone()
        assert tuple(rows) == (1000, 1000, 1000)
        assert sum(indexed) == 1000
    finally:
        check.close()


def test_a_crash_between_log_fsync_and_recording_message_ids_still_dedups(workspace: WorkspacePaths) -> None:
    settings = Settings(workspace=workspace.root)
    writer = EventWriter(workspace, settings, metrics=CollectMetrics())
    writer.start()
    results: list[IngestResult | BaseException] = []
    done = threading.Event()

    def submit(ids: list[str]) -> IngestResult | BaseException:
        results.clear()
        done.clear()
        writer.submit(Job(ids, [orjson.dumps({"type": "track", "userId": "u", "event": "E", "messageId": m})
                                for m in ids], [], lambda r: (results.append(r), done.set())))
        assert done.wait(10)
        return results[0]

    assert submit(["a", "b"]) == IngestResult(2, 0, 0)
    writer.stop()
    # What a kill -9 after the log fsync but before the messageId commit leaves behind.
    log = EventLog(workspace.events_dir, segment_max_bytes=1 << 20, fsync=True)
    log.recover()
    log.append(_lines(2, 100))
    log.close()
    ids = MessageIds(workspace.events_dir)
    assert ids.high_water == 2 and not ids.existing(["m100", "m101"])
    ids.close()

    restarted = EventWriter(workspace, settings, metrics=CollectMetrics())
    writer = restarted
    restarted.start()
    try:
        assert submit(["m100", "m101", "a", "c"]) == IngestResult(1, 3, 0)
        assert restarted.last_seq == 5
    finally:
        restarted.stop()


def test_the_writer_does_not_run_ahead_of_the_indexer(workspace: WorkspacePaths) -> None:
    settings = Settings(workspace=workspace.root, collect={"max_index_lag_seconds": 0.2})
    writer = EventWriter(workspace, settings, metrics=CollectMetrics())
    writer.start()
    acked: list[threading.Event] = []

    def submit(ids: list[str]) -> threading.Event:
        done = threading.Event()
        writer.submit(Job(ids, _lines(len(ids), len(acked) * 10), [], lambda _: done.set()))
        acked.append(done)
        return done

    try:
        assert submit(["a"]).wait(10)
        time.sleep(0.3)  # the first commit is now older than the allowed lag and not indexed
        second = submit(["b"])
        assert not second.wait(1.0), "acknowledged while the index was more than 0.2 s behind"
        _catch_up_once(workspace, settings)
        assert second.wait(10)
    finally:
        writer.stop()


def test_a_failed_batch_is_retried_not_skipped(workspace: WorkspacePaths) -> None:
    log = EventLog(workspace.events_dir, segment_max_bytes=1 << 20, fsync=False)
    log.recover()
    log.append(_lines(5))
    indexer = LogIndexer(workspace, Settings(workspace=workspace.root))
    try:
        blocker = connect(workspace.state_db)
        blocker.execute("PRAGMA busy_timeout=0")
        indexer.conn.execute("PRAGMA busy_timeout=0")
        blocker.execute("BEGIN IMMEDIATE")  # another writer holds state.sqlite: this batch fails
        with pytest.raises(sqlite3.OperationalError):
            indexer.step()
        blocker.execute("ROLLBACK")
        blocker.close()
        log.append(_lines(3, 5))
        assert indexer.catch_up() == 8
        assert event_index.high_water(indexer.conn) == 8
    finally:
        indexer.close()
        log.close()


def test_the_writer_bounds_unindexed_events_too(workspace: WorkspacePaths) -> None:
    settings = Settings(workspace=workspace.root, collect={"max_index_lag_seconds": 60, "max_index_lag_events": 3})
    writer = EventWriter(workspace, settings, metrics=CollectMetrics())
    writer.start()
    try:
        first, second = threading.Event(), threading.Event()
        writer.submit(Job(["a", "b", "c", "d"], _lines(4), [], lambda _: first.set()))
        assert first.wait(10)
        writer.submit(Job(["e"], _lines(1, 4), [], lambda _: second.set()))
        assert not second.wait(1.0), "acknowledged with 4 events unindexed, over the bound of 3"
        _catch_up_once(workspace, settings)
        assert second.wait(10)
    finally:
        writer.stop()
