"""Auth as Segment: Basic with the write key, or writeKey in the body; roles enforced."""

from __future__ import annotations

import time

import httpx

from tests.api.conftest import all_events, auth
from tests.conftest import Server, run_cli

EVENT = {"userId": "auth-user", "event": "Signed Up"}


def test_basic_auth_and_body_write_key_both_work(shared_server: Server) -> None:
    resp = httpx.post(f"{shared_server.url}/v1/track", json={**EVENT, "messageId": "auth-basic"},
                      auth=auth(shared_server.keys["writer"]))
    assert resp.status_code == 200 and resp.json()["success"] is True
    body = {"batch": [{**EVENT, "type": "track", "messageId": "auth-body"}], "writeKey": shared_server.keys["admin"]}
    assert httpx.post(f"{shared_server.url}/v1/batch", json=body).status_code == 200
    stored = {e["messageId"]: e for e in all_events(shared_server, user_id="auth-user")}
    assert {"auth-basic", "auth-body"} <= set(stored)
    assert "writeKey" not in stored["auth-body"], "the key must never be stored with the event"


def test_missing_or_unknown_key_is_401(shared_server: Server) -> None:
    for kwargs in ({}, {"auth": ("of_not-a-key", "")}):
        resp = httpx.post(f"{shared_server.url}/v1/track", json=EVENT, **kwargs)  # type: ignore[arg-type]
        assert resp.status_code == 401, resp.text
        assert resp.json()["code"] == "AuthError"
    resp = httpx.post(f"{shared_server.url}/v1/batch", json={"batch": [EVENT], "writeKey": "of_wrong"})
    assert resp.status_code == 401


def test_reader_cannot_write_and_writer_cannot_read(shared_server: Server) -> None:
    resp = httpx.post(f"{shared_server.url}/v1/track", json=EVENT, auth=auth(shared_server.keys["reader"]))
    assert resp.status_code == 403 and "reader key cannot write" in resp.json()["message"]
    assert httpx.get(f"{shared_server.url}/v1/events", auth=auth(shared_server.keys["writer"])).status_code == 403
    assert httpx.get(f"{shared_server.url}/v1/events").status_code == 401
    assert httpx.get(f"{shared_server.url}/v1/events", auth=auth(shared_server.keys["admin"])).status_code == 200


def test_keys_created_and_revoked_by_cli_while_serving(shared_server: Server) -> None:
    ws = str(shared_server.paths.root)
    new_key = run_cli("keys", "create", "--workspace", ws, "--role", "writer", "--name", "live").stdout.strip().splitlines()[-1]
    assert httpx.post(f"{shared_server.url}/v1/track", json=EVENT, auth=auth(new_key)).status_code == 200
    listed = run_cli("keys", "list", "--workspace", ws, "--json").stdout
    key_id = next(k["id"] for k in httpx.Response(200, content=listed).json() if k["name"] == "live")
    run_cli("keys", "revoke", "--workspace", ws, key_id)
    deadline = time.monotonic() + 5  # key_cache_seconds defaults to 1 s
    while time.monotonic() < deadline:
        status = httpx.post(f"{shared_server.url}/v1/track", json=EVENT, auth=auth(new_key)).status_code
        if status == 401:
            break
        time.sleep(0.2)
    assert status == 401
