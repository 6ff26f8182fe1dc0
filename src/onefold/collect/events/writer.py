"""The single durable writer: a bounded queue drained by one thread doing group commit.

Why one thread: the event log has exactly one appender, and SQLite has one writer at a time
anyway. Why group commit: an fdatasync costs about as much for 5,000 events as for one, so the
writer takes everything queued (up to ``group_commit_max_events``), appends it as one write, syncs
once, indexes it in state.sqlite in one transaction, and only then completes the waiting requests.

Order per commit (this is what makes ``kill -9`` after an ack lose nothing):

1. drop messageIds already stored or repeated within the commit (dedup);
2. append the new events to the log and fdatasync  → durable;
3. index + real-time stitching + quarantine rows in one SQLite transaction (synchronous=NORMAL:
   the log, not SQLite, is the durable copy; on start, any log tail past the index is re-indexed;
   a commit that quarantines events runs with synchronous=FULL, since SQLite is their only copy);
4. complete the requests.

If step 2 or 3 fails the requests get an error (HTTP 503) and the writer refuses further work until
restarted, because the index could otherwise silently miss events it must dedup against.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import orjson

from onefold.collect.events.metrics import CollectMetrics
from onefold.config import Settings
from onefold.errors import Busy, OnefoldError, Transient
from onefold.identity.stitch import StitchRules, stitch
from onefold.schema.events import ValidEvent, stored_event
from onefold.store import event_index, quarantine
from onefold.store.eventlog import EventLog, LogPosition, iter_lines
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

    valid: Sequence[ValidEvent]
    lines: Sequence[bytes]
    rejected: Sequence[QuarantineRecord]
    done: Done
    size: int = field(init=False)

    def __post_init__(self) -> None:
        self.size = len(self.valid) + len(self.rejected)


class EventWriter:
    def __init__(self, paths: WorkspacePaths, settings: Settings, *, metrics: CollectMetrics) -> None:
        self.paths = paths
        self.settings = settings.collect
        self.metrics = metrics
        self.stitch_rules = StitchRules.from_settings(settings.identity)
        self.log = EventLog(paths.events_dir, segment_max_bytes=self.settings.segment_max_bytes,
                            fsync=self.settings.fsync)
        self._jobs: deque[Job] = deque()
        self._depth = 0
        self._cond = threading.Condition()
        self._stopping = False
        self._failed: BaseException | None = None
        self._thread: threading.Thread | None = None
        self._conn = open_state(paths, synchronous="NORMAL", check_same_thread=False)

    @property
    def depth(self) -> int:
        return self._depth

    def start(self) -> None:
        """Recover the log and the index (re-index a tail left by a crash), then start draining."""
        last = self.log.recover()
        self._reindex_tail(last)
        self._thread = threading.Thread(target=self._run, name="onefold-event-writer", daemon=True)
        self._thread.start()

    def _reindex_tail(self, last_seq: int) -> None:
        indexed = event_index.high_water(self._conn)
        if indexed >= last_seq:
            return
        log.warning("re-indexing event log seq %d..%d after an unclean stop", indexed + 1, last_seq)
        pending: list[tuple[int, ValidEvent, LogPosition]] = []
        for seq, position, line in iter_lines(self.paths.events_dir, after_seq=indexed):
            body = orjson.loads(line)
            body.pop("seq", None)
            pending.append((seq, stored_event(body), position))
            if len(pending) >= self.settings.group_commit_max_events:
                self._index(pending, [])
                pending = []
        if pending:
            self._index(pending, [])

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

    def _commit(self, jobs: list[Job]) -> list[IngestResult]:
        mids = [e.message_id for job in jobs for e in job.valid]
        seen = event_index.existing_message_ids(self._conn, list(set(mids))) if mids else set()
        new_events: list[ValidEvent] = []
        new_lines: list[bytes] = []
        results = []
        for job in jobs:
            duplicates = 0
            for event, line in zip(job.valid, job.lines, strict=True):
                if event.message_id in seen:
                    duplicates += 1
                    continue
                seen.add(event.message_id)
                new_events.append(event)
                new_lines.append(line)
            results.append(IngestResult(len(job.valid) - duplicates, duplicates, len(job.rejected)))
        rows: list[tuple[int, ValidEvent, LogPosition]] = []
        if new_lines:
            started = time.perf_counter()
            first_seq, positions = self.log.append(new_lines)
            self.metrics.fsync_seconds.observe(time.perf_counter() - started)
            rows = [(first_seq + i, e, p) for i, (e, p) in enumerate(zip(new_events, positions, strict=True))]
        rejected = [r for job in jobs for r in job.rejected]
        self._index(rows, rejected)
        self.metrics.commit_events.observe(len(rows))
        self.metrics.accepted.inc(len(rows))
        self.metrics.deduplicated.inc(len(mids) - len(rows))
        for record in rejected:
            self.metrics.quarantined.labels(record.entity).inc()
        return results

    def _index(self, rows: list[tuple[int, ValidEvent, LogPosition]], rejected: list[QuarantineRecord]) -> None:
        # Quarantined events are not in the log, so SQLite is their only copy: a commit carrying
        # any is made fully durable (synchronous=FULL) before the request is acknowledged.
        durable = bool(rejected) and self.settings.fsync
        if durable:
            self._conn.execute("PRAGMA synchronous=FULL")
        try:
            with transaction(self._conn):
                if rows:
                    event_index.add(self._conn, rows)
                    stitch(self._conn, [(seq, e) for seq, e, _ in rows], rules=self.stitch_rules)
                if rejected:
                    quarantine.add(self._conn, rejected)
        finally:
            if durable:
                self._conn.execute("PRAGMA synchronous=NORMAL")
