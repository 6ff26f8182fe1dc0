"""Real-time identity lookups: GET /v1/profiles/{type}:{value} on a workspace with ≥ 100k profiles.

Target (#5): p95 ≤ 10 ms per lookup by any identifier, over HTTP.

1. Load: a real `onefold serve` ingests identify/page/track events through /v1/batch (1,000 events
   per request, 2 client threads), so profiles are built by the real writer and stitching: every
   person has a user_id, anonymous_id and email; every 4th a phone, every 5th a loyalty id, every
   3rd a device id; every 10th first browses anonymously and is merged on login (a retired id).
2. Lookups: one keep-alive HTTP connection sends GETs for a random mix of identifier types
   (including retired profile ids), one at a time; each is timed on the client.
3. Peers in the same run, on the same state.sqlite and the same refs:
   - raw SQLite: the indexed identifier → profile query in-process (the floor any API sits on);
   - library: the same profile view the handler returns, called in-process (no HTTP);
   so the table shows the HTTP + FastAPI overhead as a ratio.
4. Stitching cost on the ingest hot path: µs/event of ``stitch()`` over 5,000-event track batches
   shaped like bench/ingest.py (in-process, fresh workspace).

Usage: ``.venv/bin/python bench/identity_realtime.py [--quick]`` (quick: 5k profiles, 1k lookups).
"""

from __future__ import annotations

import argparse
import http.client
import logging
import random
import sqlite3
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import ServeProcess, print_table  # noqa: E402

from onefold.collect.events import profile_view  # noqa: E402
from onefold.config import IdentitySettings  # noqa: E402
from onefold.identity import stitch_lookup  # noqa: E402
from onefold.identity.normalize import normalize_identifier  # noqa: E402
from onefold.identity.stitch import StitchRules, stitch  # noqa: E402
from onefold.schema.events import Received, ValidEvent, validate_event  # noqa: E402
from onefold.store.sqlite import connect, transaction  # noqa: E402
from onefold.store.workspace import init_workspace, open_state, open_workspace  # noqa: E402

log = logging.getLogger("bench.identity_realtime")
EVENTS_PER_REQUEST = 1000


def _person_events(i: int) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    if i % 10 == 0:  # browses first, then logs in: two profiles that merge (the younger id retires)
        events.append({"type": "page", "anonymousId": f"pre-{i}", "name": "Home"})
    traits: dict[str, Any] = {"email": f"person{i}@bench.example", "name": f"Person {i}"}
    if i % 4 == 0:
        traits["phone"] = f"+1 415 {2000000 + i:07d}"
    if i % 5 == 0:
        traits["loyalty_id"] = f"L{i:08d}"
    event: dict[str, Any] = {"type": "identify", "userId": f"user-{i}", "anonymousId": f"anon-{i}", "traits": traits}
    if i % 3 == 0:
        event["context"] = {"device": {"id": f"device-{i}"}}
    events.append(event)
    if i % 10 == 0:
        events.append({"type": "track", "event": "Logged In", "userId": f"user-{i}", "anonymousId": f"pre-{i}"})
    return events


def _refs(n_people: int, n: int, rng: random.Random) -> list[str]:
    refs: list[str] = []
    while len(refs) < n:
        i = rng.randrange(n_people)
        kind = rng.choice(["user_id", "anonymous_id", "email", "phone", "loyalty_id", "device_id", "anonymous_id"])
        if kind == "phone" and i % 4 == 0:
            refs.append(f"phone:+1415{2000000 + i:07d}")
        elif kind == "loyalty_id" and i % 5 == 0:
            refs.append(f"loyalty_id:L{i:08d}")
        elif kind == "device_id" and i % 3 == 0:
            refs.append(f"device_id:device-{i}")
        elif kind == "email":
            refs.append(f"email:person{i}@bench.example")
        elif kind == "anonymous_id" and i % 10 == 0:
            refs.append(f"anonymous_id:pre-{i}")  # lives on a merged profile
        else:
            refs.append(f"user_id:user-{i}")
    return refs


class Server(ServeProcess):
    """`onefold serve` on a fresh workspace, with a writer and a reader key."""

    def __init__(self, workdir: Path) -> None:
        super().__init__(workdir / "ws", roles=("writer", "reader"))


def _load(srv: Server, n_people: int) -> float:
    """Send every person's events; returns seconds. Two client threads, 1,000 events per request."""
    people = list(range(n_people))
    chunks: list[bytes] = []
    batch: list[dict[str, Any]] = []
    for i in people:
        batch.extend(_person_events(i))
        if len(batch) >= EVENTS_PER_REQUEST:
            chunks.append(orjson.dumps({"batch": batch}))
            batch = []
    if batch:
        chunks.append(orjson.dumps({"batch": batch}))
    # A person's page/identify/track stay in one request and in order, so merges are deterministic.
    lanes = [chunks[0::2], chunks[1::2]]
    failures: list[str] = []

    def send(bodies: list[bytes]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=120)
        for body in bodies:
            while True:
                conn.request("POST", "/v1/batch", body=body,
                             headers={"Content-Type": "application/json", "Authorization": srv.auth["writer"]})
                resp = conn.getresponse()
                text = resp.read()
                if resp.status == 429:
                    time.sleep(0.2)
                    continue
                if resp.status != 200:
                    failures.append(text.decode())
                break

    started = time.perf_counter()
    threads = [threading.Thread(target=send, args=(lane,)) for lane in lanes]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        raise RuntimeError(f"load failed: {failures[0]}")
    return time.perf_counter() - started


def _wait_until_indexed(srv: Server, events: int) -> None:
    """Profiles are built off the ack path by the server's indexer: wait until the newest indexed
    event is the last one sent (a fresh workspace without duplicates numbers them 1..events), so the
    direct SQLite counts and the lookups below see every acknowledged event."""
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=60)
    while True:
        conn.request("GET", "/v1/events?limit=1", headers={"Authorization": srv.auth["reader"]})
        page = orjson.loads(conn.getresponse().read())
        if page["events"] and page["events"][0]["seq"] >= events:
            break
        time.sleep(0.05)
    conn.close()


def _percentiles(samples: list[float]) -> tuple[float, float, float]:
    s = sorted(samples)
    pick = lambda q: s[min(len(s) - 1, int(q * len(s)))] * 1000  # noqa: E731
    return pick(0.50), pick(0.95), pick(0.99)


def _time_each(refs: list[str], fn: Callable[[str], object]) -> list[float]:
    out: list[float] = []
    for ref in refs:
        started = time.perf_counter()
        fn(ref)
        out.append(time.perf_counter() - started)
    return out


def _http_lookups(srv: Server, refs: list[str]) -> list[float]:
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
    headers = {"Authorization": srv.auth["reader"]}

    def get(ref: str) -> None:
        conn.request("GET", f"/v1/profiles/{ref}", headers=headers)
        resp = conn.getresponse()
        body = resp.read()
        if resp.status != 200:
            raise RuntimeError(f"{ref}: HTTP {resp.status} {body[:200]!r}")

    for ref in refs[:200]:  # warm-up: connection, key cache, SQLite page cache
        get(ref)
    return _time_each(refs, get)


def _raw_sqlite(db: Path, refs: list[str]) -> list[float]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    keys = {}
    for ref in refs:
        kind, _, raw = ref.partition(":")
        keys[ref] = (kind, normalize_identifier(kind, raw))

    def get(ref: str) -> None:
        row = conn.execute(
            "SELECT p.* FROM stitch_identifiers i JOIN stitch_profiles p ON p.id = i.profile_id"
            " WHERE i.kind = ? AND i.value = ?", keys[ref]).fetchone()
        if row is None:
            raise RuntimeError(f"{ref}: not found")

    return _time_each(refs, get)


def _library(ws: Path, refs: list[str]) -> list[float]:
    paths = open_workspace(ws)
    conn = connect(paths.state_db, synchronous="NORMAL")

    def view(ref: str) -> None:  # what the handler does, minus HTTP
        body = profile_view(conn, paths.events_dir, stitch_lookup.canonical_ref(conn, ref))
        stitch_lookup.unified_view(conn, body, ref)

    return _time_each(refs, view)


def _id_space_step(ws: Path, refs: list[str]) -> list[float]:
    """The one-id-space step of the view alone (`unified_view`: warehouse id, retired ids, hot keys)."""
    paths = open_workspace(ws)
    conn = connect(paths.state_db, synchronous="NORMAL")
    bodies = {ref: profile_view(conn, paths.events_dir, stitch_lookup.canonical_ref(conn, ref)) for ref in set(refs)}
    return _time_each(refs, lambda ref: stitch_lookup.unified_view(conn, bodies[ref], ref))


def _stitch_cost(workdir: Path, batches: int) -> float:
    """µs/event of stitch() on 5,000-event track batches shaped like bench/ingest.py (37 senders)."""
    paths = init_workspace(workdir / "stitch-ws")
    conn = open_state(paths)
    rules = StitchRules.from_settings(IdentitySettings())
    received = Received.now(at=datetime(2025, 6, 1, tzinfo=UTC))
    total, n, seq = 0.0, 0, 1
    for b in range(batches):
        events: list[tuple[int, ValidEvent]] = []
        for i in range(5000):
            e = validate_event({"type": "track", "userId": f"user-{(b * 5000 + i) % 37}",
                                "anonymousId": f"anon-{(b * 5000 + i) % 37}", "event": "Product Viewed",
                                "properties": {"sku": f"SKU-{i}"}}, received=received)
            assert isinstance(e, ValidEvent)
            events.append((seq, e))
            seq += 1
        with transaction(conn):
            started = time.perf_counter()
            stitch(conn, events, rules=rules)
            total += time.perf_counter() - started
        n += len(events)
    conn.close()
    return total / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="5k profiles, 1k lookups (smoke run)")
    parser.add_argument("--people", type=int, default=None)
    parser.add_argument("--lookups", type=int, default=None)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    n_people = args.people or (5_000 if args.quick else 110_000)
    n_lookups = args.lookups or (1_000 if args.quick else 20_000)
    rng = random.Random(5)
    with tempfile.TemporaryDirectory(prefix="onefold-bench-rt-") as tmp, Server(Path(tmp)) as srv:
        log.info("loading %d people through /v1/batch ...", n_people)
        load_s = _load(srv, n_people)
        _wait_until_indexed(srv, sum(len(_person_events(i)) for i in range(n_people)))
        db = srv.workspace / "state.sqlite"
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as ro:
            profiles = ro.execute("SELECT count(*) FROM stitch_profiles").fetchone()[0]
            identifiers = ro.execute("SELECT count(*) FROM stitch_identifiers").fetchone()[0]
            merges = ro.execute("SELECT count(*) FROM stitch_merge_ledger").fetchone()[0]
        events = sum(len(_person_events(i)) for i in range(n_people))
        log.info("loaded %d events in %.1f s: %d profiles, %d identifiers, %d merges",
                 events, load_s, profiles, identifiers, merges)
        refs = _refs(n_people, n_lookups, rng)
        http_ms = _percentiles(_http_lookups(srv, refs))
        raw_ms = _percentiles(_raw_sqlite(db, refs))
        lib_ms = _percentiles(_library(srv.workspace, refs))
        space_ms = _percentiles(_id_space_step(srv.workspace, refs))
        stitch_us = _stitch_cost(Path(tmp), 4 if args.quick else 20)

    def row(work: str, peer: str, p: tuple[float, float, float]) -> list[Any]:
        return [work, peer, "/".join(f"{v:.2f}" for v in p), "/".join(f"{v:.2f}" for v in http_ms),
                f"{http_ms[1] / p[1]:.1f}×"]

    print_table(
        f"Real-time identity lookups: {profiles:,} profiles, {identifiers:,} identifiers, {merges:,} merges; "
        f"{n_lookups:,} lookups (ms p50/p95/p99)",
        ["work", "peer", "peer p50/p95/p99", "onefold HTTP p50/p95/p99", "ratio p95"],
        [
            row("GET /v1/profiles/{type}:{value}", "raw SQLite indexed query, in-process", raw_ms),
            row("GET /v1/profiles/{type}:{value}", "same profile view, in-process (no HTTP)", lib_ms),
            ["of which: the one-id-space step (unified_view)", "", "/".join(f"{v:.2f}" for v in space_ms), "", ""],
            ["load through /v1/batch", "", "", f"{events / load_s:,.0f} events/s", ""],
            ["stitch() on 5,000-event track batches", "", "", f"{stitch_us:.1f} µs/event", ""],
        ],
    )
    for name, p in (("raw SQLite", raw_ms), ("library in-process", lib_ms), ("id-space step", space_ms),
                    ("HTTP", http_ms)):
        log.info("%s lookups ms p50/p95/p99: %.2f / %.2f / %.2f", name, *p)
    log.info("target: HTTP p95 ≤ 10 ms -> %s", "met" if http_ms[1] <= 10 else "NOT met")


if __name__ == "__main__":
    main()
