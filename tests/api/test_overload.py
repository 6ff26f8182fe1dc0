"""A full queue answers 429 with Retry-After instead of growing memory."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from tests.api.conftest import auth
from tests.conftest import Server


def test_queue_full_is_429_with_retry_after(server_factory: Callable[..., Server]) -> None:
    srv = server_factory(env={"ONEFOLD_COLLECT__MAX_QUEUE_EVENTS": "5"})
    w = auth(srv.keys["writer"])
    batch = {"batch": [{"type": "track", "userId": "o", "event": "E", "messageId": f"o-{i}"} for i in range(10)]}
    resp = httpx.post(f"{srv.url}/v1/batch", json=batch, auth=w)
    assert resp.status_code == 429
    assert int(resp.headers["Retry-After"]) >= 1
    assert "queue is full" in resp.json()["message"]
    # Within the bound, events are accepted, so the server is still healthy.
    small = {"batch": batch["batch"][:5]}
    assert httpx.post(f"{srv.url}/v1/batch", json=small, auth=w).json()["accepted"] == 5


def test_concurrent_overload_sheds_load_and_keeps_every_ack(server_factory: Callable[..., Server]) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from tests.api.conftest import all_events

    srv = server_factory(env={"ONEFOLD_COLLECT__MAX_QUEUE_EVENTS": "150"})

    def send(n: int) -> tuple[int, list[str]]:
        ids = [f"c-{n}-{i}" for i in range(100)]
        batch = {"batch": [{"type": "track", "userId": "c", "event": "E", "messageId": m} for m in ids]}
        return httpx.post(f"{srv.url}/v1/batch", json=batch, auth=auth(srv.keys["writer"]), timeout=30).status_code, ids

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(send, range(64)))
    statuses = {s for s, _ in results}
    assert statuses <= {200, 429} and 429 in statuses
    acked = {m for s, ids in results if s == 200 for m in ids}
    assert acked and acked == {e["messageId"] for e in all_events(srv, user_id="c")}
