"""The messageId set of the event log (``events/message_ids.sqlite``): the writer's dedup decision.

Owned by the server's event writer alone (its own SQLite file, so the indexer's transactions in
state.sqlite never hold the lock an ack waits for). Derived from the log like the event index:
``high_water`` is the last log seq whose messageIds are recorded; on start, the writer adds the
messageIds of any log tail past it (a crash between the log fsync and this commit), before it
accepts a single event. That is why ``synchronous=NORMAL`` is enough here.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from onefold.store.sqlite import connect, in_chunks, transaction

FILE_NAME = "message_ids.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS message_ids (message_id TEXT PRIMARY KEY, seq INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS high_water (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL);
INSERT OR IGNORE INTO high_water(id, seq) VALUES (1, 0);
"""


class MessageIds:
    """Exactly-once by messageId: which ids the log already holds, and recording new ones."""

    def __init__(self, events_dir: Path) -> None:
        self._conn = connect(events_dir / FILE_NAME, synchronous="NORMAL", check_same_thread=False)
        self._conn.executescript(_SCHEMA)

    @property
    def high_water(self) -> int:
        row = self._conn.execute("SELECT seq FROM high_water WHERE id = 1").fetchone()
        return int(row[0])

    def existing(self, message_ids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for chunk, marks in in_chunks(message_ids):
            found.update(r[0] for r in self._conn.execute(
                f"SELECT message_id FROM message_ids WHERE message_id IN ({marks})", chunk))
        return found

    def record(self, rows: Sequence[tuple[str, int]], *, through_seq: int) -> None:
        """Add (messageId, seq) pairs of lines now in the log, up to log seq ``through_seq``.

        ``INSERT OR IGNORE`` so that re-recording a log tail after a crash is harmless.
        """
        with transaction(self._conn):
            self._conn.executemany("INSERT OR IGNORE INTO message_ids(message_id, seq) VALUES (?, ?)", rows)
            self._conn.execute("UPDATE high_water SET seq = ? WHERE id = 1", (through_seq,))

    def close(self) -> None:
        self._conn.close()
