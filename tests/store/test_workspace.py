from __future__ import annotations

import json

import pytest

from onefold.errors import WorkspaceError
from onefold.store import quarantine
from onefold.store.workspace import init_workspace, open_state, open_workspace


def test_init_is_idempotent_and_keeps_secret(tmp_path):
    paths = init_workspace(tmp_path / "ws")
    secret = paths.read_secret()
    assert oct(paths.secret.stat().st_mode & 0o777) == "0o600"
    again = init_workspace(tmp_path / "ws")
    assert again.read_secret() == secret
    conn = open_state(again)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_open_refuses_non_workspace_and_newer_format(tmp_path):
    with pytest.raises(WorkspaceError, match="not a onefold workspace"):
        open_workspace(tmp_path)
    paths = init_workspace(tmp_path / "ws")
    paths.meta.write_text(json.dumps({"format_version": 999}))
    with pytest.raises(WorkspaceError, match="newer"):
        open_workspace(paths.root)


def test_quarantine_add_list_release(workspace):
    conn = open_state(workspace)
    recs = [
        quarantine.QuarantineRecord(source="orders.csv", entity="orders", row_number=i, field="ordered_at",
                                    reason="not a date", payload={"order_id": f"o{i}"}, record_key=f"o{i}")
        for i in range(1, 4)
    ]
    conn.execute("BEGIN")
    assert quarantine.add(conn, recs) == 3
    conn.execute("COMMIT")
    listed = quarantine.list_records(conn, entity="orders")
    assert [r.row_number for r in listed] == [3, 2, 1]
    assert listed[0].payload == {"order_id": "o3"}
    assert quarantine.release(conn, entity="orders", record_keys=["o1", "o3"]) == 2
    assert [r.record_key for r in quarantine.list_records(conn, entity="orders")] == ["o2"]
    assert quarantine.counts(conn) == {"orders": 1}
