"""Bad events are quarantined with reasons beside accepted good ones; messageIds are stored once."""

from __future__ import annotations

import httpx

from tests.api.conftest import all_events, auth
from tests.conftest import Server


def test_invalid_events_are_quarantined_and_valid_ones_accepted(shared_server: Server) -> None:
    batch = {"batch": [
        {"type": "track", "userId": "q-good", "event": "Viewed", "messageId": "q-1"},
        {"type": "track", "userId": "q-bad", "messageId": "q-2"},                       # no event name
        {"type": "identify", "traits": {"plan": "pro"}, "messageId": "q-3"},           # no ids
        {"type": "identify", "userId": "q-bad", "traits": ["x"], "messageId": "q-4"},  # traits not an object
        {"type": "teleport", "userId": "q-bad", "messageId": "q-5"},                   # unknown type
        {"type": "page", "anonymousId": "q-anon", "name": "Home", "messageId": "q-6"},
        {"type": "track", "userId": "q-bad", "event": "E", "timestamp": "yesterday", "messageId": "q-7"},
    ]}
    resp = httpx.post(f"{shared_server.url}/v1/batch", json=batch, auth=auth(shared_server.keys["writer"]))
    assert resp.status_code == 200
    assert resp.json() == {"success": True, "accepted": 2, "duplicates": 0, "quarantined": 5}
    stored = {e["messageId"] for e in all_events(shared_server)}
    assert {"q-1", "q-6"} <= stored and not {"q-2", "q-3", "q-4", "q-5", "q-7"} & stored
    records = httpx.get(f"{shared_server.url}/v1/quarantine", params={"source": "api"},
                        auth=auth(shared_server.keys["reader"])).json()["records"]
    by_key = {r["record_key"]: r for r in records}
    assert "needs a non-empty `event`" in by_key["q-2"]["reason"] and by_key["q-2"]["field"] == "event"
    assert "userId or an anonymousId" in by_key["q-3"]["reason"] and by_key["q-3"]["entity"] == "identify"
    assert by_key["q-4"]["field"] == "traits"
    assert by_key["q-5"]["entity"] == "unknown" and "teleport" in by_key["q-5"]["reason"]
    assert "ISO-8601" in by_key["q-7"]["reason"] and by_key["q-7"]["row"] == 7
    assert by_key["q-3"]["payload"]["traits"] == {"plan": "pro"}, "the payload is kept as received"


def test_repeated_message_id_is_stored_once(shared_server: Server) -> None:
    event = {"type": "track", "userId": "dup-user", "event": "Paid", "messageId": "dup-1"}
    w = auth(shared_server.keys["writer"])
    first = httpx.post(f"{shared_server.url}/v1/batch", json={"batch": [event, event]}, auth=w).json()
    assert first["accepted"] == 1 and first["duplicates"] == 1
    again = httpx.post(f"{shared_server.url}/v1/track", json=event, auth=w).json()
    assert again["accepted"] == 0 and again["duplicates"] == 1
    assert [e["messageId"] for e in all_events(shared_server, user_id="dup-user")] == ["dup-1"]


def test_events_without_message_id_get_one_and_clock_skew_is_corrected(shared_server: Server) -> None:
    event = {"userId": "skew", "event": "Clicked", "timestamp": "2024-03-01T12:00:00Z",
             "sentAt": "2024-03-01T12:00:30Z"}
    resp = httpx.post(f"{shared_server.url}/v1/track", json=event, auth=auth(shared_server.keys["writer"]))
    assert resp.status_code == 200
    (stored,) = all_events(shared_server, user_id="skew")
    assert stored["messageId"].startswith("srv-")
    from datetime import datetime

    received = datetime.fromisoformat(stored["receivedAt"])
    corrected = datetime.fromisoformat(stored["timestamp"])
    assert (received - corrected).total_seconds() == 30.0  # receivedAt - (sentAt - timestamp)
    assert stored["originalTimestamp"] == "2024-03-01T12:00:00Z"
