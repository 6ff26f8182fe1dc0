"""Exactly-once by messageId without a write on the ack path.

The log is the truth and the event index (``collect_events`` in state.sqlite, indexed by a 64-bit
key of message_id, a hit confirmed on the text) is derived from it by the indexer process. So
"is this messageId already stored?" is answered from two places that together always cover the
whole log:

- the index, for every seq up to its high water (a read: a few µs per id, no commit, no
  checkpoint, nothing the ack waits on but the B-tree look-up);
- this in-memory set, for the messageIds the writer appended past that high water.

The set is pruned against a high water read *before* the index is queried: whatever the prune
drops is then visible to the query, whatever it keeps is still in the set, so no stored id falls
between the two. Memory is bounded by the writer's backpressure on index lag
(``collect.max_index_lag_events`` plus one group commit). On start, messageIds of any log tail past
the index's high water are loaded from the log before the first commit (the server indexes that tail
before the writer starts, so this is normally empty).

Before this, the writer committed every group's messageIds to its own SQLite file
(``events/message_ids.sqlite``) inside the ack path; with random UUID keys each commit touched
≈ 100 B-tree pages, so the WAL auto-checkpoint ran every ≈ 10 commits inside an ack (p99 44 ms in
isolation). That file is redundant with the event index and is deleted on start.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import orjson

from onefold.store import event_index
from onefold.store.eventlog import iter_lines

if TYPE_CHECKING:  # engines are imported only by store/ at run time
    import sqlite3

log = logging.getLogger(__name__)

RETIRED_FILES = ("message_ids.sqlite", "message_ids.sqlite-wal", "message_ids.sqlite-shm")
"""The writer's former messageId store in ``events/``; derived data, replaced by the index."""


class UnindexedCommit(NamedTuple):
    last_seq: int
    at: float
    """``time.monotonic()`` when it became durable (the writer's backpressure reads it)."""
    message_ids: list[str]


class MessageIdDedup:
    """Which messageIds the log holds: the event index up to its high water, plus those appended since.

    Used by the writer thread alone (not thread-safe).
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._pending: set[str] = set()
        self.unindexed: deque[UnindexedCommit] = deque()
        """Commits the indexer has not reached yet, oldest first."""
        self.indexed = 0
        """The index's high water as last read by :meth:`refresh`."""

    def __len__(self) -> int:
        return len(self._pending)

    def load_tail(self, events_dir: Path, *, at: float) -> int:
        """Take in the messageIds of log lines past the index's high water (a stop before the indexer
        reached them); returns how many. Must run before the first :meth:`stored`."""
        self.refresh()
        ids: list[str] = []
        last_seq = self.indexed
        for seq, _, line in iter_lines(events_dir, after_seq=self.indexed):
            ids.append(orjson.loads(line)["messageId"])
            last_seq = seq
        if ids:
            log.warning("%d event(s) past the event index at seq %d: deduplicating them from memory until indexed",
                        len(ids), self.indexed)
            self.appended(last_seq, ids, at=at)
        return len(ids)

    def refresh(self) -> int:
        """Read the index's high water and forget the messageIds it now holds; returns it."""
        self.indexed = event_index.high_water(self._conn)
        while self.unindexed and self.unindexed[0].last_seq <= self.indexed:
            self._pending.difference_update(self.unindexed.popleft().message_ids)
        return self.indexed

    def stored(self, message_ids: Iterable[str]) -> set[str]:
        """The ones among ``message_ids`` that the log already holds."""
        self.refresh()  # first: what this drops from memory, the query below then sees in the index
        wanted = set(message_ids)
        found = wanted & self._pending
        rest = wanted - found
        if rest:
            found |= event_index.existing_message_ids(self._conn, list(rest))
        return found

    def appended(self, last_seq: int, message_ids: list[str], *, at: float) -> None:
        """Note messageIds just made durable in the log, up to ``last_seq``."""
        self._pending.update(message_ids)
        self.unindexed.append(UnindexedCommit(last_seq, at, message_ids))


def remove_retired_store(events_dir: Path) -> None:
    for name in RETIRED_FILES:
        path = events_dir / name
        if path.exists():
            path.unlink()
            log.info("removed %s: messageIds are now deduplicated against the event index", path)
