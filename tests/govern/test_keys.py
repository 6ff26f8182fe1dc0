from __future__ import annotations

import pytest

from onefold.errors import AuthError, InputError, NotFoundError, PermissionDenied
from onefold.govern import keys as keyring
from onefold.store.workspace import open_state
from tests.conftest import run_cli


def test_key_is_stored_only_as_keyed_hash(workspace):
    conn = open_state(workspace)
    record, plaintext = keyring.create_key(conn, workspace.read_secret(), role="writer", name="web")
    raw = workspace.state_db.read_bytes() + (workspace.root / "state.sqlite-wal").read_bytes()
    assert plaintext.encode() not in raw
    found = keyring.lookup_key(conn, workspace.read_secret(), plaintext)
    assert found is not None and found.id == record.id
    assert keyring.lookup_key(conn, workspace.read_secret(), plaintext + "x") is None


def test_roles_and_revocation(workspace):
    conn = open_state(workspace)
    secret = workspace.read_secret()
    reader, reader_key = keyring.create_key(conn, secret, role="reader", name="dash")
    assert keyring.authorize(keyring.lookup_key(conn, secret, reader_key), "read").id == reader.id
    with pytest.raises(PermissionDenied):
        keyring.authorize(keyring.lookup_key(conn, secret, reader_key), "write")
    keyring.revoke_key(conn, reader.id)
    with pytest.raises(AuthError, match="revoked"):
        keyring.authorize(keyring.lookup_key(conn, secret, reader_key), "read")
    with pytest.raises(AuthError):
        keyring.authorize(None, "read")
    with pytest.raises(NotFoundError):
        keyring.revoke_key(conn, "key_nope")
    with pytest.raises(InputError, match="unknown role"):
        keyring.create_key(conn, secret, role="root", name="x")


def test_cli_keys_create_prints_secret_last_and_lists(tmp_path):
    ws = tmp_path / "w"
    run_cli("init", "--workspace", str(ws))
    proc = run_cli("keys", "create", "--workspace", str(ws), "--role", "admin", "--name", "ops")
    secret = proc.stdout.strip().splitlines()[-1]
    assert secret.startswith("of_") and len(secret) > 30
    listed = run_cli("keys", "list", "--workspace", str(ws), "--json").stdout
    assert "ops" in listed and secret not in listed

