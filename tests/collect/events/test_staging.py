"""The "events" build step: event log → warehouse ``events`` table (real DuckDB, real log files)."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson

from onefold.collect.events.staging import stage_events
from onefold.config import load_settings
from onefold.schema.events import Received, ValidEvent, validate_event
from onefold.store.build import connect_duckdb, run_build
from onefold.store.eventlog import EventLog, list_segments
from onefold.store.workspace import WorkspacePaths, open_state


def _line(body: dict[str, object]) -> bytes:
    result = validate_event(
        body, received=Received.now(at=datetime(2025, 5, 1, 10, 0, tzinfo=UTC), sent_at="2025-05-01T10:00:05Z")
    )
    assert isinstance(result, ValidEvent)
    return orjson.dumps(result.body)


def _build(workspace: WorkspacePaths) -> list[tuple[object, ...]]:
    state = open_state(workspace)
    try:
        target = run_build(workspace, load_settings(workspace.root), state, [("events", stage_events)])
    finally:
        state.close()
    con = connect_duckdb(target, read_only=True)
    try:
        return con.execute(
            "SELECT message_id, type, event, user_id, anonymous_id, timestamp, received_at,"
            " traits->>'$.email', properties->>'$.sku', context->>'$.ip', seq FROM events ORDER BY seq"
        ).fetchall()
    finally:
        con.close()


def test_log_becomes_the_events_table(workspace: WorkspacePaths) -> None:
    log = EventLog(workspace.events_dir, segment_max_bytes=300, fsync=False)
    log.recover()
    log.append([
        _line({"type": "identify", "userId": "u1", "traits": {"email": "a@b.co"}, "messageId": "m1",
               "timestamp": "2025-05-01T10:00:00Z", "context": {"ip": "10.0.0.1"}}),
        _line({"type": "track", "userId": "u1", "event": "Bought", "properties": {"sku": "S-1"}, "messageId": "m2"}),
    ])
    log.append([_line({"type": "page", "anonymousId": "a9", "name": "Home", "messageId": "m3"})])
    log.close()
    assert len(list_segments(workspace.events_dir)) == 2
    # The server may be mid-append on the newest segment: a partial line must be ignored.
    with list_segments(workspace.events_dir)[-1][1].open("ab") as f:
        f.write(b'{"seq":4,"type":"tra')
    rows = _build(workspace)
    assert [r[0] for r in rows] == ["m1", "m2", "m3"]
    ident, track, page = rows
    assert ident[1:5] == ("identify", None, "u1", None) and ident[7] == "a@b.co" and ident[9] == "10.0.0.1"
    assert ident[5] == datetime(2025, 5, 1, 9, 59, 55)  # skew-corrected: received 10:00 - (10:00:05 - 10:00)
    assert ident[6] == datetime(2025, 5, 1, 10, 0)
    assert track[2] == "Bought" and track[8] == "S-1"
    assert page[2] == "Home" and page[4] == "a9"


def test_empty_log_gives_an_empty_table(workspace: WorkspacePaths) -> None:
    assert _build(workspace) == []
