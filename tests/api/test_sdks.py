"""The official Python SDKs deliver unchanged (only the host differs) and nothing is lost or doubled."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from tests.api.conftest import all_events
from tests.conftest import Server

N_PEOPLE = 334  # x3 calls (identify, track, page) = 1,002 events per SDK


def _send_all(client: Any, tag: str) -> list[str]:
    sent: list[str] = []
    for i in range(N_PEOPLE):
        user = f"{tag}-user-{i}"
        for ok, msg in (
            client.identify(user, {"email": f"{tag}{i}@example.org", "plan": "pro"}, anonymous_id=f"{tag}-anon-{i}"),
            client.track(user, "Order Completed", {"revenue": i, "currency": "EUR"}),
            client.page(user, "Docs", "Install", {"path": f"/install/{i}"}),
        ):
            assert ok
            sent.append(msg["messageId"])
    client.flush()
    client.join()
    return sent


def _check_delivered(srv: Server, sent: list[str], tag: str) -> None:
    stored = [e for e in all_events(srv) if str(e.get("userId", "")).startswith(f"{tag}-")]
    counts = Counter(e["messageId"] for e in stored)
    assert set(counts) == set(sent), f"missing {len(set(sent) - set(counts))}"
    assert max(counts.values()) == 1, "an event was stored twice"
    assert Counter(e["type"] for e in stored) == {"identify": N_PEOPLE, "track": N_PEOPLE, "page": N_PEOPLE}
    track = next(e for e in stored if e["type"] == "track")
    assert track["event"] == "Order Completed" and track["properties"]["currency"] == "EUR"
    assert track["receivedAt"] and track["timestamp"]


@pytest.mark.slow
def test_segment_sdk_delivers_1000_events(shared_server: Server) -> None:
    from segment.analytics import Client

    errors: list[Exception] = []
    client = Client(shared_server.keys["writer"], host=shared_server.url, on_error=lambda e, _b: errors.append(e),
                    max_retries=3, upload_size=100)
    sent = _send_all(client, "seg")
    assert not errors
    assert len(sent) == 3 * N_PEOPLE
    _check_delivered(shared_server, sent, "seg")


@pytest.mark.slow
def test_rudder_sdk_delivers_1000_gzipped_events(shared_server: Server) -> None:
    from rudderstack.analytics import Client

    errors: list[Exception] = []
    client = Client(shared_server.keys["writer"], host=shared_server.url, gzip=True,
                    on_error=lambda e, _b: errors.append(e), max_retries=3, upload_size=100)
    sent = _send_all(client, "rud")
    assert not errors
    _check_delivered(shared_server, sent, "rud")
