"""Build step "events": the event log → the warehouse ``events`` table.

Reads every segment with DuckDB's JSON reader (one scan, no Python per event). Rolled segments
are immutable and read in place; the newest one may be growing while the server runs, so it is
snapshotted up to its last complete line first (a half-written line is never read, and the
server is never blocked). The log is already deduplicated by messageId when written; the
``QUALIFY`` is a cheap guard that keeps the table's key unique whatever the log holds.

Columns (the shared contract): message_id, type, event, user_id, anonymous_id,
timestamp TIMESTAMP (skew-corrected, UTC), received_at TIMESTAMP (UTC), traits JSON,
properties JSON, context JSON; plus seq, previous_id and group_id for identity and audits.
``event`` is the track event name, or the page/screen name.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from onefold.store.build import BuildContext
from onefold.store.eventlog import complete_length, list_segments

log = logging.getLogger(__name__)

_COLUMNS = (
    "{seq: 'BIGINT', messageId: 'VARCHAR', type: 'VARCHAR', event: 'VARCHAR', name: 'VARCHAR',"
    " userId: 'VARCHAR', anonymousId: 'VARCHAR', previousId: 'VARCHAR', groupId: 'VARCHAR',"
    " timestamp: 'VARCHAR', receivedAt: 'VARCHAR', traits: 'JSON', properties: 'JSON', context: 'JSON'}"
)

_SELECT = f"""
CREATE OR REPLACE TABLE events AS
SELECT
  messageId AS message_id,
  type,
  CASE WHEN type = 'track' THEN event WHEN type IN ('page', 'screen') THEN name END AS event,
  userId AS user_id,
  anonymousId AS anonymous_id,
  CAST(rtrim(timestamp, 'Z') AS TIMESTAMP) AS timestamp,
  CAST(rtrim(receivedAt, 'Z') AS TIMESTAMP) AS received_at,
  traits,
  properties,
  context,
  seq,
  previousId AS previous_id,
  groupId AS group_id
FROM read_json(?, format = 'newline_delimited', columns = {_COLUMNS})
QUALIFY row_number() OVER (PARTITION BY messageId ORDER BY seq) = 1
ORDER BY seq
"""

_EMPTY = """
CREATE OR REPLACE TABLE events (
  message_id VARCHAR, type VARCHAR, event VARCHAR, user_id VARCHAR, anonymous_id VARCHAR,
  timestamp TIMESTAMP, received_at TIMESTAMP, traits JSON, properties JSON, context JSON,
  seq BIGINT, previous_id VARCHAR, group_id VARCHAR
)
"""


def _snapshot(path: Path, into: Path) -> Path | None:
    """Copy a possibly-growing segment up to its last complete line; None when it has none."""
    length = complete_length(path)
    if length == 0:
        return None
    target = into / path.name
    with path.open("rb") as src, target.open("wb") as dst:
        remaining = length
        while remaining > 0:
            chunk = src.read(min(1 << 20, remaining))
            if not chunk:
                break
            dst.write(chunk)
            remaining -= len(chunk)
    return target


def stage_events(ctx: BuildContext) -> None:
    """Build step: (re)create ``events`` from the whole log."""
    segments = list_segments(ctx.paths.events_dir) if ctx.paths.events_dir.exists() else []
    with tempfile.TemporaryDirectory(prefix="events-", dir=ctx.paths.root) as tmp:
        files: list[str] = [str(p) for _, p in segments[:-1] if p.stat().st_size > 0]
        if segments:
            newest = _snapshot(segments[-1][1], Path(tmp))
            if newest is not None:
                files.append(str(newest))
        ctx.progress(f"reading {len(files)} event log segment(s)", 0.1)
        if files:
            ctx.con.execute(_SELECT, [files])
        else:
            ctx.con.execute(_EMPTY)
    row = ctx.con.execute("SELECT count(*) FROM events").fetchone()
    log.info("events: %d rows from %d segment(s)", row[0] if row else 0, len(files))
