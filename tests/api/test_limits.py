"""Segment's limits (32 KB per event, 500 KB per request) and malformed bodies."""

from __future__ import annotations

import gzip

import httpx
import orjson

from tests.api.conftest import all_events, auth
from tests.conftest import Server


def _post(srv: Server, path: str, content: bytes, **headers: str) -> httpx.Response:
    return httpx.post(f"{srv.url}{path}", content=content, auth=auth(srv.keys["writer"]),
                      headers={"Content-Type": "application/json", **headers}, timeout=30)


def test_single_event_over_32kb_is_400_naming_the_limit(shared_server: Server) -> None:
    event = {"userId": "big", "event": "Big", "properties": {"blob": "x" * 33_000}}
    resp = _post(shared_server, "/v1/track", orjson.dumps(event))
    assert resp.status_code == 400
    body = resp.json()
    assert body["limit"] == "max_event_bytes" and "32 KB" in body["message"]


def test_request_over_500kb_is_413_naming_the_limit(shared_server: Server) -> None:
    batch = {"batch": [{"type": "track", "userId": f"u{i}", "event": "E", "properties": {"p": "y" * 20_000}}
                       for i in range(30)]}
    raw = orjson.dumps(batch)
    assert len(raw) > 500 * 1024
    resp = _post(shared_server, "/v1/batch", raw)
    assert resp.status_code == 413
    assert resp.json()["limit"] == "max_batch_bytes" and "500 KB" in resp.json()["message"]
    # The limit applies after decompression: a small gzip body that inflates past 500 KB is refused.
    small = gzip.compress(raw)
    assert len(small) < 100 * 1024
    resp = _post(shared_server, "/v1/batch", small, **{"Content-Encoding": "gzip"})
    assert resp.status_code == 413 and resp.json()["limit"] == "max_batch_bytes"
    assert all_events(shared_server, user_id="u0") == []


def test_oversized_event_in_a_batch_is_quarantined_beside_good_ones(shared_server: Server) -> None:
    batch = {"batch": [
        {"type": "track", "userId": "lim-ok", "event": "Fine", "messageId": "lim-ok-1"},
        {"type": "track", "userId": "lim-big", "event": "Huge", "messageId": "lim-big-1",
         "properties": {"blob": "z" * 40_000}},
    ]}
    resp = _post(shared_server, "/v1/batch", orjson.dumps(batch))
    assert resp.status_code == 200 and resp.json()["quarantined"] == 1
    assert [e["messageId"] for e in all_events(shared_server, user_id="lim-ok")] == ["lim-ok-1"]
    records = httpx.get(f"{shared_server.url}/v1/quarantine", auth=auth(shared_server.keys["reader"])).json()["records"]
    big = next(r for r in records if r["record_key"] == "lim-big-1")
    assert "max_event_bytes" in big["reason"] and big["row"] == 2


def test_malformed_json_is_400_with_the_position(shared_server: Server) -> None:
    resp = _post(shared_server, "/v1/batch", b'{"batch": [{"type": "track",, "userId": "x"}]}')
    assert resp.status_code == 400
    message = resp.json()["message"]
    assert "malformed JSON at line 1 column 29 (byte 28)" in message, message
    resp = _post(shared_server, "/v1/track", b'{"userId": "x", "event": "E"')
    assert resp.status_code == 400 and "malformed JSON" in resp.json()["message"]


def test_bad_gzip_is_400(shared_server: Server) -> None:
    resp = _post(shared_server, "/v1/batch", b"not gzip at all", **{"Content-Encoding": "gzip"})
    assert resp.status_code == 400 and "gzip" in resp.json()["message"]
