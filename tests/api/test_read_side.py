"""GET /v1/events filters and cursor, /v1/profiles stitching, ops endpoints."""

from __future__ import annotations

import re

import httpx

from tests.api.conftest import auth
from tests.conftest import Server


def _send(srv: Server, batch: list[dict[str, object]]) -> None:
    resp = httpx.post(f"{srv.url}/v1/batch", json={"batch": batch}, auth=auth(srv.keys["writer"]))
    assert resp.status_code == 200 and resp.json()["quarantined"] == 0, resp.text


def _get(srv: Server, path: str, **params: object) -> httpx.Response:
    return httpx.get(f"{srv.url}{path}", params=params, auth=auth(srv.keys["reader"]))


def test_events_newest_first_with_filters_and_cursor(shared_server: Server) -> None:
    _send(shared_server, [{"type": "track", "userId": "rs-u", "event": f"E{i % 2}", "messageId": f"rs-{i}"}
                          for i in range(7)] + [{"type": "page", "anonymousId": "rs-a", "name": "Home", "messageId": "rs-p"}])
    page1 = _get(shared_server, "/v1/events", user_id="rs-u", limit=3).json()
    assert [e["messageId"] for e in page1["events"]] == ["rs-6", "rs-5", "rs-4"]
    page2 = _get(shared_server, "/v1/events", user_id="rs-u", limit=3, cursor=page1["next_cursor"]).json()
    page3 = _get(shared_server, "/v1/events", user_id="rs-u", limit=3, cursor=page2["next_cursor"]).json()
    assert [e["messageId"] for e in page2["events"] + page3["events"]] == ["rs-3", "rs-2", "rs-1", "rs-0"]
    assert page3["next_cursor"] is None
    only_e1 = _get(shared_server, "/v1/events", user_id="rs-u", event="E1").json()["events"]
    assert [e["messageId"] for e in only_e1] == ["rs-5", "rs-3", "rs-1"]
    pages = _get(shared_server, "/v1/events", anonymous_id="rs-a", type="page").json()["events"]
    assert [e["messageId"] for e in pages] == ["rs-p"] and pages[0]["seq"] > 0
    bad = _get(shared_server, "/v1/events", cursor="garbage!")
    assert bad.status_code == 400 and "cursor" in bad.json()["message"]
    assert _get(shared_server, "/v1/events", limit=0).status_code == 400


def test_profile_stitches_ids_alias_and_traits(shared_server: Server) -> None:
    _send(shared_server, [
        {"type": "page", "anonymousId": "pf-anon-1", "name": "Landing", "messageId": "pf-1"},
        {"type": "identify", "anonymousId": "pf-anon-1", "userId": "pf-42",
         "traits": {"email": " Ada@Example.COM ", "plan": "free"}, "messageId": "pf-2"},
        {"type": "track", "anonymousId": "pf-anon-2", "event": "Viewed", "messageId": "pf-3"},
    ])
    # A second device, joined later by email, then an alias from an old id; traits update.
    _send(shared_server, [
        {"type": "identify", "anonymousId": "pf-anon-2", "traits": {"email": "ada@example.com", "plan": "pro"},
         "messageId": "pf-4"},
        {"type": "alias", "previousId": "pf-legacy-7", "userId": "pf-42", "messageId": "pf-5"},
        {"type": "identify", "userId": "pf-other", "traits": {"email": "test@test.com"}, "messageId": "pf-6"},
    ])
    by_email = _get(shared_server, "/v1/profiles/email:ADA@example.com").json()
    by_anon = _get(shared_server, "/v1/profiles/anonymous_id:pf-anon-2").json()
    by_alias = _get(shared_server, "/v1/profiles/anonymous_id:pf-legacy-7").json()
    assert by_email["profile_id"] == by_anon["profile_id"] == by_alias["profile_id"]
    ids = {(i["type"], i["value"]) for i in by_email["identifiers"]}
    assert ids == {("anonymous_id", "pf-anon-1"), ("anonymous_id", "pf-anon-2"), ("user_id", "pf-42"),
                   ("email", "ada@example.com"), ("anonymous_id", "pf-legacy-7")}
    assert by_email["traits"]["plan"] == "pro"
    assert by_email["event_count"] == 5
    assert by_email["first_seen"] <= by_email["last_seen"]
    assert [e["messageId"] for e in by_email["recent_events"]] == ["pf-5", "pf-4", "pf-3", "pf-2", "pf-1"]
    # A blocklisted junk email is never used as merge evidence.
    other = _get(shared_server, "/v1/profiles/user_id:pf-other").json()
    assert other["profile_id"] != by_email["profile_id"]
    assert ("email", "test@test.com") not in {(i["type"], i["value"]) for i in other["identifiers"]}
    missing = _get(shared_server, "/v1/profiles/user_id:nobody")
    assert missing.status_code == 404
    assert _get(shared_server, "/v1/profiles/shoe_size:42").status_code == 400


def test_ops_endpoints(shared_server: Server) -> None:
    assert httpx.get(f"{shared_server.url}/healthz").json()["status"] == "ok"
    metrics = httpx.get(f"{shared_server.url}/metrics").text
    for name in ("onefold_events_accepted_total", "onefold_events_quarantined_total",
                 "onefold_events_deduplicated_total", "onefold_collect_queue_depth",
                 "onefold_event_log_fsync_seconds_bucket"):
        assert name in metrics
    spec = httpx.get(f"{shared_server.url}/openapi.json").json()
    assert {"/v1/track", "/v1/batch", "/v1/events", "/v1/profiles/{ref}", "/v1/quarantine"} <= set(spec["paths"])
    docs = httpx.get(f"{shared_server.url}/docs")
    assert docs.status_code == 200
    # Offline-safe docs: every asset the page references is served by onefold itself.
    assets = re.findall(r'(?:src|href)="([^"]+)"', docs.text)
    assert assets and all(a.startswith("/static/swagger/") for a in assets), assets
    for asset in assets:
        assert httpx.get(f"{shared_server.url}{asset}").status_code == 200
