"""kill -9 after acks loses nothing; a crash between log fsync and indexing is repaired on start."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import httpx
import orjson
import psutil
import pytest

from onefold.store.eventlog import EventLog, list_segments
from tests.api.conftest import all_events, auth
from tests.conftest import Server


@pytest.mark.slow
def test_kill9_right_after_acks_loses_nothing(server_factory: Callable[..., Server]) -> None:
    srv = server_factory()
    acked: list[str] = []
    stop = threading.Event()

    def send(worker: int) -> None:
        with httpx.Client(base_url=srv.url, auth=auth(srv.keys["writer"]), timeout=10) as client:
            n = 0
            while not stop.is_set():
                batch = [{"type": "track", "userId": f"k9-{worker}", "event": "Tick", "messageId": f"k9-{worker}-{n}-{i}"}
                         for i in range(50)]
                n += 1
                try:
                    resp = client.post("/v1/batch", json={"batch": batch})
                except httpx.HTTPError:
                    return  # the server died mid-request: not acknowledged
                if resp.status_code == 200:
                    acked.extend(e["messageId"] for e in batch)

    threads = [threading.Thread(target=send, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 120
    while len(acked) < 2_000:
        assert time.monotonic() < deadline and any(t.is_alive() for t in threads), (
            f"only {len(acked)} events acknowledged before the senders stopped"
        )
        threading.Event().wait(0.01)
    srv.kill9()  # while requests are in flight
    stop.set()
    for t in threads:
        t.join()
    assert len(acked) >= 2_000

    # A crash mid-write leaves a torn last line: simulate it, restart, and read everything back.
    _, last = list_segments(srv.paths.events_dir)[-1]
    with last.open("ab") as f:
        f.write(b'{"seq":999999999,"type":"track","userId":"torn"')
    restarted = server_factory(paths=srv.paths)
    stored = [e["messageId"] for e in all_events(restarted)]
    assert len(stored) == len(set(stored)), "nothing stored twice"
    missing = set(acked) - set(stored)
    assert not missing, f"{len(missing)} acknowledged events lost"
    assert list(srv.paths.events_dir.glob("*.torn-*")), "the torn tail is kept aside, not silently dropped"
    # Dedup survived the crash: re-sending an acked event does not store it again.
    resp = httpx.post(f"{restarted.url}/v1/track", auth=auth(restarted.keys["writer"]),
                      json={"userId": "k9-0", "event": "Tick", "messageId": acked[0]})
    assert resp.json()["duplicates"] == 1


def test_log_tail_past_the_index_is_reindexed_on_start(server_factory: Callable[..., Server], tmp_path: object) -> None:
    from onefold.store.workspace import init_workspace

    paths = init_workspace(tmp_path / "crashed")  # type: ignore[operator]
    # What a crash after the fsync but before the SQLite commit leaves: lines in the log, no index rows.
    log = EventLog(paths.events_dir, segment_max_bytes=1 << 20, fsync=True)
    log.recover()
    lines = [orjson.dumps({"type": "identify", "userId": "ri-user", "anonymousId": "ri-anon", "messageId": f"ri-{i}",
                           "traits": {"email": "RI@Example.org"}, "timestamp": "2024-01-01T00:00:00.000Z",
                           "receivedAt": "2024-01-01T00:00:01.000Z"}) for i in range(3)]
    log.append(lines)
    log.close()
    srv = server_factory(paths=paths)
    assert sorted(e["messageId"] for e in all_events(srv, user_id="ri-user")) == ["ri-0", "ri-1", "ri-2"]
    profile = httpx.get(f"{srv.url}/v1/profiles/email:ri@example.org", auth=auth(srv.keys["reader"])).json()
    assert profile["event_count"] == 3
    resp = httpx.post(f"{srv.url}/v1/identify", auth=auth(srv.keys["writer"]),
                      json={"userId": "ri-user", "messageId": "ri-1"})
    assert resp.json()["duplicates"] == 1


@pytest.mark.slow
def test_retries_of_acked_but_unindexed_events_are_stored_once_across_kill9(
    server_factory: Callable[..., Server],
) -> None:
    """Acks do not wait for the indexer, which also records messageIds: retries must be caught while
    it is behind (from the writer's memory) and after a kill -9 before it caught up (from the log)."""
    srv = server_factory(env={"ONEFOLD_COLLECT__MAX_INDEX_LAG_SECONDS": "600"})
    assert srv.proc is not None
    (indexer,) = [p for p in psutil.Process(srv.proc.pid).children() if "spawn_main" in " ".join(p.cmdline())]
    w = auth(srv.keys["writer"])
    batch = {"batch": [{"type": "track", "userId": "lag", "event": "E", "messageId": f"lag-{i}"} for i in range(20)]}
    indexer.suspend()  # the index stops at what it has: these acks stay past its high water
    try:
        assert httpx.post(f"{srv.url}/v1/batch", json=batch, auth=w).json()["accepted"] == 20
        again = httpx.post(f"{srv.url}/v1/batch", json=batch, auth=w).json()
        assert (again["accepted"], again["duplicates"]) == (0, 20)
        srv.kill9()
    finally:
        indexer.kill()
        indexer.wait(timeout=10)
    restarted = server_factory(paths=srv.paths)
    batch["batch"].append({"type": "track", "userId": "lag", "event": "E", "messageId": "lag-new"})
    resp = httpx.post(f"{restarted.url}/v1/batch", json=batch, auth=auth(restarted.keys["writer"])).json()
    assert (resp["accepted"], resp["duplicates"]) == (1, 20)
    stored = [e["messageId"] for e in all_events(restarted, user_id="lag")]
    assert sorted(stored) == sorted([f"lag-{i}" for i in range(20)] + ["lag-new"])
