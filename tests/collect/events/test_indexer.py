"""Off the ack path: following the log (LogTail), indexing it (LogIndexer), and the writer's dedup
(the index plus the ids appended past it) across a crash before the indexer reached the log tail."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import orjson
import pytest

from onefold.collect.events import CollectMetrics, EventWriter, IngestResult, Job, LogIndexer
from onefold.collect.events.dedup import RETIRED_FILES
from onefold.config import Settings
from onefold.store import event_index
from onefold.store.eventlog import EventLog, LogTail, iter_lines, list_segments
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


class _Submitter:
    """Submits one job at a time to a writer and waits for its result."""

    def __init__(self, writer: EventWriter) -> None:
        self.writer = writer

    def __call__(self, ids: list[str]) -> IngestResult | BaseException:
        results: list[IngestResult | BaseException] = []
        done = threading.Event()
        lines = [orjson.dumps({"type": "track", "userId": "u", "event": "E", "messageId": m,
                               "timestamp": "2025-01-01T00:00:00.000Z", "receivedAt": "2025-01-01T00:00:00.000Z"})
                 for m in ids]
        self.writer.submit(Job(ids, lines, [], lambda r: (results.append(r), done.set())))
        assert done.wait(10)
        return results[0]


def _stored_message_ids(workspace: WorkspacePaths) -> list[str]:
    return [orjson.loads(line)["messageId"] for _, _, line in iter_lines(workspace.events_dir)]


def test_a_crash_before_the_indexer_reached_the_log_tail_still_dedups(workspace: WorkspacePaths) -> None:
    settings = Settings(workspace=workspace.root)
    writer = EventWriter(workspace, settings, metrics=CollectMetrics())
    writer.start()
    try:
        assert _Submitter(writer)(["a", "b"]) == IngestResult(2, 0, 0)
    finally:
        writer.stop()
    _catch_up_once(workspace, settings)
    # What a kill -9 after the log fsync but before the indexer reached the lines leaves behind.
    log = EventLog(workspace.events_dir, segment_max_bytes=1 << 20, fsync=True)
    log.recover()
    log.append(_lines(2, 100))
    log.close()
    conn = connect(workspace.state_db)
    assert event_index.high_water(conn) == 2 and not event_index.existing_message_ids(conn, ["m100", "m101"])
    conn.close()

    restarted = EventWriter(workspace, settings, metrics=CollectMetrics())  # no indexer runs: memory alone
    restarted.start()
    try:
        assert _Submitter(restarted)(["m100", "m101", "a", "c"]) == IngestResult(1, 3, 0)
        assert restarted.last_seq == 5
    finally:
        restarted.stop()
    assert _stored_message_ids(workspace) == ["a", "b", "m100", "m101", "c"]


def test_ids_are_found_whether_indexed_or_not_yet(workspace: WorkspacePaths) -> None:
    settings = Settings(workspace=workspace.root)
    writer = EventWriter(workspace, settings, metrics=CollectMetrics())
    writer.start()
    submit = _Submitter(writer)
    try:
        assert submit(["a", "b"]) == IngestResult(2, 0, 0)
        _catch_up_once(workspace, settings)  # a, b: now in the index (and dropped from memory)
        assert submit(["c"]) == IngestResult(1, 0, 0)  # c: only in memory
        assert submit(["a", "c", "d", "d"]) == IngestResult(1, 3, 0)
        _catch_up_once(workspace, settings)
        assert submit(["b", "c", "d", "e"]) == IngestResult(1, 3, 0)
    finally:
        writer.stop()
    assert _stored_message_ids(workspace) == ["a", "b", "c", "d", "e"]


def test_retries_racing_the_indexer_are_stored_once(workspace: WorkspacePaths) -> None:
    """The indexer moves ids from the writer's memory into the index while the writer dedups:
    a retried id must be caught by one or the other at every moment."""
    settings = Settings(workspace=workspace.root, collect={"max_index_lag_seconds": 60})
    writer = EventWriter(workspace, settings, metrics=CollectMetrics())
    writer.start()
    stop = threading.Event()

    def follow() -> None:
        indexer = LogIndexer(workspace, settings)
        try:
            while not stop.is_set():
                indexer.step()
        finally:
            indexer.close()

    follower = threading.Thread(target=follow)
    follower.start()
    submit = _Submitter(writer)
    accepted = 0
    try:
        for round_ in range(200):
            # each round: 5 new ids, and retries of the previous round's (often just indexed)
            ids = [f"r{round_}-{i}" for i in range(5)] + [f"r{round_ - 1}-{i}" for i in range(5) if round_]
            result = submit(ids)
            assert isinstance(result, IngestResult)
            accepted += result.accepted
    finally:
        stop.set()
        follower.join(timeout=30)
        writer.stop()
    stored = _stored_message_ids(workspace)
    assert accepted == len(stored) == len(set(stored)) == 1000


def test_the_retired_message_id_file_is_removed_on_start(workspace: WorkspacePaths) -> None:
    for name in RETIRED_FILES:
        (workspace.events_dir / name).write_bytes(b"old")
    writer = EventWriter(workspace, Settings(workspace=workspace.root), metrics=CollectMetrics())
    writer.start()
    writer.stop()
    assert not any((workspace.events_dir / name).exists() for name in RETIRED_FILES)


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
