"""The single durable writer: a bounded queue drained by one thread doing group commit.

Why one thread: the event log has exactly one appender. Why group commit: an fdatasync costs about
as much for 5,000 events as for one, so the writer takes everything queued (up to
``group_commit_max_events``), appends it as one write, syncs once, and only then completes the
waiting requests.

Order per commit (this is what makes ``kill -9`` after an ack lose nothing, and a retry after it
store nothing twice):

1. drop messageIds already in the log or repeated within the commit: looked up in the event index
   plus the in-memory set of ids appended past its high water (:mod:`.dedup`; reads only);
2. append the new events to the log and fdatasync  → durable; add their ids to that set;
3. quarantine rows in state.sqlite, with synchronous=FULL when fsync is on (SQLite is their only copy);
4. complete the requests.

Nothing about messageIds is written on the ack path: the indexer records them in the index (by a
64-bit key, :func:`onefold.store.event_index.message_key`) when it indexes the lines, and a stop
before it did is covered on start by indexing the log tail, and by reading what is still past the
index into the set, before any commit.

What is *not* on the ack path: the event index and real-time stitching. They are derived from the
log by the indexer process (:mod:`onefold.collect.events.indexer`), which follows it within
milliseconds; reads wait for it to reach the last acknowledged seq (see ``AppContext.read_conn``).
Backpressure keeps that wait short: before each commit the writer waits while the oldest commit
not yet indexed is older than ``max_index_lag_seconds`` or more than ``max_index_lag_events`` events
are not indexed (identify-heavy traffic stitches far slower than it decodes), so ingest never runs
away from what reads can see.

If a step fails the requests get an error (HTTP 503) and the writer refuses further work until
restarted, because the in-memory dedup set could otherwise silently miss events it must dedup against.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from onefold.collect.events.dedup import MessageIdDedup, remove_retired_store
from onefold.collect.events.metrics import CollectMetrics
from onefold.config import Settings
from onefold.errors import Busy, OnefoldError, Transient
from onefold.store import quarantine
from onefold.store.eventlog import EventLog
from onefold.store.quarantine import QuarantineRecord
from onefold.store.sqlite import transaction
from onefold.store.workspace import WorkspacePaths, open_state

log = logging.getLogger(__name__)


class WriterUnavailable(OnefoldError, Transient):
    """The durable writer stopped after a storage failure (HTTP 503); restart the server."""


@dataclass(frozen=True, slots=True)
class IngestResult:
    accepted: int
    duplicates: int
    quarantined: int


Done = Callable[[IngestResult | BaseException], None]


@dataclass
class Job:
    """One request's share of a group commit; ``done`` is called from the writer thread."""

    message_ids: Sequence[str]
    lines: Sequence[bytes]
    rejected: Sequence[QuarantineRecord]
    done: Done
    size: int = field(init=False)

    def __post_init__(self) -> None:
        self.size = len(self.lines) + len(self.rejected)


INDEX_STALL_SECONDS = 5.0
"""How long the writer waits on the indexer before calling ``on_index_stall`` (e.g. to restart it)."""


class EventWriter:
    def __init__(self, paths: WorkspacePaths, settings: Settings, *, metrics: CollectMetrics,
                 on_index_stall: Callable[[], None] | None = None) -> None:
        self.paths = paths
        self.settings = settings.collect
        self.metrics = metrics
        self.log = EventLog(paths.events_dir, segment_max_bytes=self.settings.segment_max_bytes,
                            fsync=self.settings.fsync)
        self._jobs: deque[Job] = deque()
        self._depth = 0
        self._cond = threading.Condition()
        self._stopping = False
        self._failed: BaseException | None = None
        self._thread: threading.Thread | None = None
        self._conn = open_state(paths, synchronous="NORMAL", check_same_thread=False)
        # Checkpoints of state.sqlite (mostly the indexer's pages) are the indexer's job: a quarantine
        # commit here must not copy megabytes of WAL into the database inside an ack.
        self._conn.execute("PRAGMA wal_autocheckpoint=0")
        self._dedup = MessageIdDedup(self._conn)
        self._recovered = False
        self._on_index_stall = on_index_stall

    @property
    def depth(self) -> int:
        return self._depth

    @property
    def last_seq(self) -> int:
        """Seq of the newest event in the log; every acknowledged event has a seq at or below it."""
        return self.log.last_seq

    def recover(self) -> int:
        """Cut any torn log tail left by a crash (before anything follows the log); the last seq."""
        if not self._recovered:
            self.paths.events_dir.mkdir(parents=True, exist_ok=True)
            self.log.recover()
            remove_retired_store(self.paths.events_dir)
            self._recovered = True
        return self.log.last_seq

    def start(self) -> None:
        """Recover the log, learn the messageIds of any tail the index has not reached, then drain.

        The server indexes that tail between :meth:`recover` and this (so the set stays small);
        whatever is still past the index is read from the log here, before the first commit.
        """
        self.recover()
        self._dedup.load_tail(self.paths.events_dir, at=time.monotonic())
        self._thread = threading.Thread(target=self._run, name="onefold-event-writer", daemon=True)
        self._thread.start()

    def submit(self, job: Job) -> None:
        """Queue a request's events; Busy (HTTP 429) when the queue would exceed its bound."""
        with self._cond:
            if self._failed is not None:
                raise WriterUnavailable(f"the event writer stopped after an error: {self._failed}",
                                        remedy="check the server log and restart `onefold serve`")
            if self._stopping:
                raise WriterUnavailable("the server is shutting down", remedy="retry shortly")
            if self._depth + job.size > self.settings.max_queue_events:
                raise Busy(
                    f"the ingest queue is full ({self._depth} of {self.settings.max_queue_events} events waiting)",
                    retry_after_s=1.0,
                    remedy="retry after the Retry-After delay",
                )
            self._jobs.append(job)
            self._depth += job.size
            self._cond.notify()

    def stop(self) -> None:
        """Finish everything queued, then stop and close files."""
        with self._cond:
            self._stopping = True
            self._cond.notify()
        if self._thread is not None:
            self._thread.join(timeout=30)
        self.log.close()
        self._conn.close()

    def _take(self) -> list[Job] | None:
        with self._cond:
            while not self._jobs and not self._stopping:
                self._cond.wait()
            if not self._jobs:
                return None
            jobs, size = [], 0
            while self._jobs and (not jobs or size + self._jobs[0].size <= self.settings.group_commit_max_events):
                job = self._jobs.popleft()
                jobs.append(job)
                size += job.size
            return jobs

    def _release(self, jobs: list[Job]) -> None:
        with self._cond:
            self._depth -= sum(j.size for j in jobs)

    def _run(self) -> None:
        while (jobs := self._take()) is not None:
            try:
                self._keep_within_index_lag()
                results = self._commit(jobs) if self._failed is None else None
            except BaseException as exc:  # storage failure: fail these requests and stop accepting
                log.exception("event writer failed; refusing further events until restart")
                self._failed = exc
                results = None
            self._release(jobs)
            for i, job in enumerate(jobs):
                outcome: IngestResult | BaseException = (
                    results[i] if results is not None
                    else WriterUnavailable(f"events were not stored: {self._failed}",
                                           remedy="retry; if it persists, restart `onefold serve`")
                )
                try:
                    job.done(outcome)
                except Exception:  # a broken callback must not stop the writer for everyone else
                    log.exception("could not complete a request after its commit")

    def _keep_within_index_lag(self) -> None:
        """Wait while the oldest commit the indexer has not reached is older than the allowed lag."""
        limit = self.settings.max_index_lag_seconds
        max_events = self.settings.max_index_lag_events
        pending = self._dedup.unindexed
        started = stalled_since = time.monotonic()
        waited = False
        while pending and not self._stopping:
            indexed = self._dedup.refresh()
            now = time.monotonic()
            if not pending or (now - pending[0].at < limit and self.log.last_seq - indexed <= max_events):
                if waited:
                    self.metrics.index_wait_seconds.inc(now - started)
                return
            if now - stalled_since > INDEX_STALL_SECONDS:
                log.warning("the event indexer is %.1f s behind the log", now - pending[0].at)
                if self._on_index_stall is not None:
                    self._on_index_stall()
                stalled_since = now
            time.sleep(0.002)
            waited = True

    def _commit(self, jobs: list[Job]) -> list[IngestResult]:
        mids = [m for job in jobs for m in job.message_ids]
        seen = self._dedup.stored(mids) if mids else set()
        new_ids: list[str] = []
        new_lines: list[bytes] = []
        results = []
        for job in jobs:
            before = len(new_ids)
            for message_id, line in zip(job.message_ids, job.lines, strict=True):
                if message_id not in seen:
                    seen.add(message_id)
                    new_ids.append(message_id)
                    new_lines.append(line)
            accepted = len(new_ids) - before
            results.append(IngestResult(accepted, len(job.message_ids) - accepted, len(job.rejected)))
        if new_lines:
            started = time.perf_counter()
            self.log.append(new_lines)
            self.metrics.fsync_seconds.observe(time.perf_counter() - started)
            self._dedup.appended(self.log.last_seq, new_ids, at=time.monotonic())
        rejected = [r for job in jobs for r in job.rejected]
        if rejected:
            self._quarantine(rejected)
            for record in rejected:
                self.metrics.quarantined.labels(record.entity).inc()
        self.metrics.commit_events.observe(len(new_lines))
        self.metrics.accepted.inc(len(new_lines))
        self.metrics.deduplicated.inc(len(mids) - len(new_lines))
        return results

    def _quarantine(self, rejected: list[QuarantineRecord]) -> None:
        # Quarantined events are not in the log, so SQLite is their only copy: a commit carrying
        # any is made fully durable (synchronous=FULL) before the request is acknowledged.
        durable = self.settings.fsync
        if durable:
            self._conn.execute("PRAGMA synchronous=FULL")
        try:
            with transaction(self._conn):
                quarantine.add(self._conn, rejected)
        finally:
            if durable:
                self._conn.execute("PRAGMA synchronous=NORMAL")
