"""The event index finds messageIds by a 64-bit key: stable, exact under collisions, and a workspace
indexed under the former UNIQUE(message_id) schema upgrades in place."""

from __future__ import annotations

import sqlite3

import orjson
import pytest

from onefold.collect.events import CollectMetrics, EventWriter, IngestResult
from onefold.config import Settings
from onefold.schema.events import stored_event
from onefold.store import event_index
from onefold.store.eventlog import EventLog, LogPosition
from onefold.store.workspace import WorkspacePaths, _migration_files, open_state

from .test_indexer import _catch_up_once, _lines, _stored_message_ids, _Submitter

KEYED_MIGRATION = "collect_0002_message_key.sql"


def test_message_key_is_a_stable_signed_64_bit_blake2b_digest() -> None:
    # Pinned values: a change of the function would silently break dedup of every stored event.
    assert event_index.message_key("m1") == -3377847241035172268
    assert event_index.message_key("6f1c2a9e-1b2c-4d3e-a4f5-0123456789ab") == -5246907240068810941
    assert event_index.message_key("é") == -3811523526868657873


def _indexed_ids(conn: sqlite3.Connection) -> list[tuple[int, str]]:
    return [tuple(r) for r in conn.execute("SELECT message_key, message_id FROM collect_events ORDER BY seq")]


def test_a_shared_key_never_drops_a_distinct_event(workspace: WorkspacePaths, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every messageId of one length gets the same key; the writer and indexer must still tell them apart."""
    monkeypatch.setattr(event_index, "message_key", len)
    settings = Settings(workspace=workspace.root)
    writer = EventWriter(workspace, settings, metrics=CollectMetrics())
    writer.start()
    submit = _Submitter(writer)
    try:
        assert submit(["m1", "m2"]) == IngestResult(2, 0, 0)
        _catch_up_once(workspace, settings)
        assert submit(["m1", "m3", "m2", "m4"]) == IngestResult(2, 2, 0)
        _catch_up_once(workspace, settings)
        assert submit(["m5", "m4"]) == IngestResult(1, 1, 0)
    finally:
        writer.stop()
    _catch_up_once(workspace, settings)
    assert _stored_message_ids(workspace) == ["m1", "m2", "m3", "m4", "m5"]
    conn = open_state(workspace)
    assert _indexed_ids(conn) == [(2, f"m{i}") for i in range(1, 6)]  # the collision really happened
    assert event_index.existing_message_ids(conn, ["m1", "m6", "m5", "mm"]) == {"m1", "m5"}
    conn.close()


def test_existing_ids_confirms_a_key_hit_on_the_text(workspace: WorkspacePaths) -> None:
    conn = open_state(workspace)
    body = orjson.loads(_lines(1)[0])
    same = lambda _: 7  # noqa: E731
    rows = [(seq, stored_event({**body, "messageId": mid}), LogPosition(1, seq * 10, 10))
            for seq, mid in ((1, "a"), (2, "b"))]
    conn.execute("BEGIN")
    event_index.add(conn, rows, key=same)
    conn.execute("COMMIT")
    assert event_index.existing_message_ids(conn, ["a", "b", "c"], key=same) == {"a", "b"}
    assert event_index.existing_message_ids(conn, ["c"], key=same) == set()
    assert event_index.existing_message_ids(conn, ["a"]) == set()  # stored under 7, not under the real key
    conn.close()


def _old_schema_state(workspace: WorkspacePaths) -> sqlite3.Connection:
    """state.sqlite as onefold left it before the keyed index: every migration but the new one."""
    workspace.state_db.unlink()
    conn = sqlite3.connect(workspace.state_db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    for name, sql in _migration_files():
        if name == KEYED_MIGRATION:
            continue
        conn.executescript(sql)
        conn.execute("INSERT INTO schema_migrations VALUES (?, datetime('now'))", (name,))
    return conn


def test_a_workspace_indexed_by_message_id_text_upgrades_in_place(workspace: WorkspacePaths) -> None:
    log = EventLog(workspace.events_dir, segment_max_bytes=1 << 20, fsync=False)
    log.recover()
    lines = _lines(3, user="old")
    _, positions = log.append(lines)
    log.close()
    old = _old_schema_state(workspace)
    with pytest.raises(sqlite3.IntegrityError):  # the former schema: UNIQUE on the text
        old.executemany("INSERT INTO collect_events(seq, message_id, type, timestamp, received_at, segment, offset,"
                        " length) VALUES (?, 'dup', 'track', '', '', 1, 0, 1)", [(90,), (91,)])
    old.execute("DELETE FROM collect_events")
    for seq, (line, p) in enumerate(zip(lines, positions, strict=True), start=1):
        e = stored_event(orjson.loads(line))
        old.execute("INSERT INTO collect_events(seq, message_id, type, event, user_id, anonymous_id, timestamp,"
                    " received_at, segment, offset, length) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (seq, e.message_id, e.type, e.event, e.user_id, e.anonymous_id, e.timestamp, e.received_at,
                     p.segment, p.offset, p.length))
    before = [tuple(r) for r in old.execute("SELECT * FROM collect_events ORDER BY seq")]
    old.close()

    conn = open_state(workspace)
    applied = {r[0] for r in conn.execute("SELECT name FROM schema_migrations")}
    assert KEYED_MIGRATION in applied
    assert _indexed_ids(conn) == [(event_index.message_key(m), m) for m in ("m0", "m1", "m2")]
    assert [(e.seq, e.message_id, e.user_id, e.position) for e in event_index.query(conn, user_id="old")] == [
        (seq, m, "old", positions[seq - 1]) for seq, m in ((3, "m2"), (2, "m1"), (1, "m0"))]
    after = conn.execute("SELECT seq, message_id, type, event, user_id, anonymous_id, timestamp, received_at,"
                         " segment, offset, length FROM collect_events ORDER BY seq").fetchall()
    assert [tuple(r) for r in after] == before
    indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE tbl_name = 'collect_events'"
                                          " AND type = 'index'")}
    assert indexes == {"collect_events_message_key", "collect_events_user", "collect_events_anon"}
    plan = " ".join(str(r[-1]) for r in conn.execute(
        "EXPLAIN QUERY PLAN SELECT message_id FROM collect_events WHERE message_key IN (1, 2)"))
    assert "collect_events_message_key" in plan
    conn.close()

    settings = Settings(workspace=workspace.root)
    writer = EventWriter(workspace, settings, metrics=CollectMetrics())
    writer.start()
    try:  # an SDK retry of an event indexed before the upgrade is still a duplicate
        assert _Submitter(writer)(["m1", "new"]) == IngestResult(1, 1, 0)
    finally:
        writer.stop()
    _catch_up_once(workspace, settings)
    assert _stored_message_ids(workspace) == ["m0", "m1", "m2", "new"]
    conn = open_state(workspace)
    assert event_index.high_water(conn) == 4
    assert event_index.existing_message_ids(conn, ["m0", "new", "other"]) == {"m0", "new"}
    conn.close()

