"""Indexing and stitching run off the ack path, in the server's indexer child process; reads still
reflect every acknowledged event, and the child's life is tied to the server's."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import psutil
import pytest

from tests.api.conftest import all_events, auth
from tests.conftest import Server


def _indexer(srv: Server) -> psutil.Process:
    assert srv.proc is not None
    children = [p for p in psutil.Process(srv.proc.pid).children() if "spawn_main" in " ".join(p.cmdline())]
    assert len(children) == 1, children
    return children[0]


def test_a_read_right_after_an_ack_sees_the_event_and_its_profile(shared_server: Server) -> None:
    writer = httpx.Client(base_url=shared_server.url, auth=auth(shared_server.keys["writer"]), timeout=30)
    reader = httpx.Client(base_url=shared_server.url, auth=auth(shared_server.keys["reader"]), timeout=30)
    with writer, reader:
        for i in range(30):
            batch = [{"type": "identify", "userId": f"raa-{i}", "anonymousId": f"raa-anon-{i}",
                      "traits": {"email": f"raa-{i}@example.org"}, "messageId": f"raa-{i}-id"}]
            batch += [{"type": "track", "anonymousId": f"raa-anon-{i}", "event": "E", "messageId": f"raa-{i}-{n}"}
                      for n in range(50)]
            assert writer.post("/v1/batch", json={"batch": batch}).json()["accepted"] == 51
            events = reader.get("/v1/events", params={"anonymous_id": f"raa-anon-{i}", "limit": 100}).json()["events"]
            assert len(events) == 51
            profile = reader.get(f"/v1/profiles/email:raa-{i}@example.org").json()
            assert profile["event_count"] == 51
            assert {"type": "user_id", "value": f"raa-{i}"} in profile["identifiers"]


@pytest.mark.slow
def test_a_dead_indexer_is_restarted_and_catches_up(server: Server) -> None:
    _indexer(server).kill()
    sent = [{"type": "track", "userId": "after-indexer-death", "event": "E", "messageId": f"aid-{n}"} for n in range(20)]
    resp = httpx.post(f"{server.url}/v1/batch", json={"batch": sent}, auth=auth(server.keys["writer"]))
    assert resp.json()["accepted"] == 20
    deadline = time.monotonic() + 20
    while len(all_events(server, user_id="after-indexer-death")) < 20:  # the first read may be stale
        assert time.monotonic() < deadline, "the indexer was not restarted"
        time.sleep(0.1)
    assert _indexer(server).is_running()


@pytest.mark.slow
def test_the_indexer_exits_when_the_server_is_killed(server_factory: Callable[..., Server]) -> None:
    srv = server_factory()
    child = _indexer(srv)
    srv.kill9()
    gone, alive = psutil.wait_procs([child], timeout=10)
    assert child in gone and not alive
