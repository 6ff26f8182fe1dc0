"""The indexer: follows the event log into state.sqlite (event index + real-time stitching).

Neither is needed to make an event durable or to decide whether its messageId is new, so neither
sits on the ack path: the writer acknowledges after the log fsync, and this follower (a child
process of the server, so its CPU does not compete with request handling for one GIL) reads the
new lines, indexes them and stitches them in one transaction per batch, in log order. Reads wait
until the index reaches the last acknowledged seq (:func:`wait_until_indexed`), so an acked event
is visible to every read that starts after the ack (within milliseconds in practice).

The index is derived data: ``max(seq)`` in ``collect_events`` is where following resumes after any
stop. Two followers on one workspace (an orphan of a killed server beside its successor) are
harmless: each batch is filtered against the high water inside its write transaction. A follower
exits when its parent server is gone.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import signal
import threading
import time
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING

import orjson

from onefold.config import Settings
from onefold.identity.stitch import StitchRules, stitch
from onefold.schema.events import ValidEvent, stored_event
from onefold.store import event_index
from onefold.store.eventlog import LogPosition, LogTail
from onefold.store.sqlite import transaction
from onefold.store.workspace import WorkspacePaths, open_state

if TYPE_CHECKING:  # engines are imported only by store/ at run time
    import sqlite3

log = logging.getLogger(__name__)

POLL_SECONDS = 0.05
"""How long the follower lets new log lines gather after a short batch. Each transaction has a
fixed cost of ≈ 1.5 ms (stitching's look-ups, the commit), so indexing 25 events at a time cost
≈ 100 µs/event against ≈ 40 at 500 and ≈ 35 at 2,000 (in-process, loaded machine); 50 ms keeps
batches large at ordinary rates and adds at most that to the time before a read sees an event."""
READY_TIMEOUT_SECONDS = 60.0
BATCH_BYTES = 2 << 20
"""Log bytes indexed per transaction: keeps each transaction (and the lock it holds) short."""


class LogIndexer:
    """Index and stitch the log lines past the index's high water."""

    def __init__(self, paths: WorkspacePaths, settings: Settings) -> None:
        self.paths = paths
        self.rules = StitchRules.from_settings(settings.identity)
        self.conn: sqlite3.Connection = open_state(paths, synchronous="NORMAL")
        event_index.tune_for_indexing(self.conn)
        self.tail = LogTail(paths.events_dir, after_seq=event_index.high_water(self.conn), max_bytes=BATCH_BYTES)

    def step(self) -> int:
        """Index what the log gained since the last step; returns the number of events indexed.

        If indexing fails, the tail is moved back to the index's high water, so the next step
        retries the same lines instead of leaving a gap in the index.
        """
        lines = self.tail.read()
        if not lines:
            return 0
        try:
            return self._index(lines)
        except BaseException:
            self.tail = LogTail(self.paths.events_dir, after_seq=event_index.high_water(self.conn),
                                max_bytes=BATCH_BYTES)
            raise

    def _index(self, lines: list[tuple[int, LogPosition, bytes]]) -> int:
        rows: list[tuple[int, ValidEvent, LogPosition]] = []
        for seq, position, line in lines:
            body = orjson.loads(line)
            del body["seq"]
            rows.append((seq, stored_event(body), position))
        with transaction(self.conn):
            indexed = event_index.high_water(self.conn)
            if rows[0][0] <= indexed:  # another follower got there first
                rows = [r for r in rows if r[0] > indexed]
            if rows:
                event_index.add(self.conn, rows)
                stitch(self.conn, [(seq, e) for seq, e, _ in rows], rules=self.rules)
        return len(rows)

    def catch_up(self) -> int:
        total = 0
        while n := self.step():
            total += n
        return total

    def close(self) -> None:
        self.conn.close()


def _follow(paths: WorkspacePaths, settings: Settings, parent_pid: int, ready: Connection) -> None:
    """Child process body: index until SIGTERM (then drain) or until the parent is gone."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group; the server stops us
    indexer = LogIndexer(paths, settings)
    ready.send(True)
    ready.close()
    try:
        while not stop.is_set() and os.getppid() == parent_pid:
            try:
                indexer.step()
                if not indexer.tail.behind:  # when behind, index the next batch at once
                    time.sleep(POLL_SECONDS)
            except Exception:  # keep following; reads report staleness rather than the server dying
                log.exception("event indexer failed; retrying in 1 s")
                time.sleep(1.0)
        if stop.is_set():
            indexer.catch_up()
    finally:
        indexer.close()


class IndexFollower:
    """Runs :func:`_follow` in a child process and restarts it if it dies."""

    def __init__(self, paths: WorkspacePaths, settings: Settings) -> None:
        self.paths = paths
        self.settings = settings
        self._ctx = mp.get_context("spawn")  # no fork of a process that holds threads and SQLite handles
        self._stopping = False
        self._proc: mp.process.BaseProcess | None = None
        self._lock = threading.Lock()  # the writer thread and read threads may both ask for a restart

    def start(self) -> None:
        """Index the backlog in this process first (start-up waits for it), then follow in a child."""
        indexer = LogIndexer(self.paths, self.settings)
        try:
            if n := indexer.catch_up():
                log.warning("indexed %d event(s) of the log tail left by an unclean stop", n)
        finally:
            indexer.close()
        self._spawn()

    def _spawn(self) -> None:
        """Start the child and wait until it follows the log (imports take a second or more on a
        busy machine; until then reads could not see new events)."""
        ready, child_end = self._ctx.Pipe(duplex=False)
        self._proc = self._ctx.Process(target=_follow, args=(self.paths, self.settings, os.getpid(), child_end),
                                       name="onefold-event-indexer", daemon=True)
        self._proc.start()
        child_end.close()
        try:
            if not ready.poll(READY_TIMEOUT_SECONDS):
                log.error("the event indexer did not start within %.0f s", READY_TIMEOUT_SECONDS)
            else:
                ready.recv()
        except EOFError:
            log.error("the event indexer exited while starting (code %s)", self._proc.exitcode)
        finally:
            ready.close()

    def ensure_running(self) -> None:
        with self._lock:
            if self._proc is not None and not self._proc.is_alive() and not self._stopping:
                log.error("event indexer exited (code %s); restarting it", self._proc.exitcode)
                self._spawn()

    def stop(self) -> None:
        """Let the child index what is left in the log, then end it."""
        self._stopping = True
        if self._proc is not None:
            self._proc.terminate()  # SIGTERM: it drains, then exits
            self._proc.join(timeout=30)
            if self._proc.is_alive():
                self._proc.kill()


def wait_until_indexed(conn: sqlite3.Connection, seq: int, *, timeout_s: float) -> bool:
    """Block until the index holds every event up to ``seq``; False if it has not after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while event_index.high_water(conn) < seq:
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.002)
    return True
