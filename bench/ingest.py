"""Ingest throughput and ack latency of `onefold serve`, durable (fsync) vs the same server without fsync.

Peer: the same server with ``ONEFOLD_COLLECT__FSYNC=false`` (acks after the write reaches the page
cache, not the disk), so the ratio isolates the cost of durable acks.

Load comes from separate processes (``multiprocessing``), each with keep-alive HTTP connections
on threads, sending ``/v1/batch`` requests of 100 Segment track events, each with a fresh random
UUID messageId as the SDKs send (random keys are the costly case for the messageId index).

1. Sustained: every connection sends back-to-back for a fixed time; events/s = acked / seconds.
2. Latency: an open-loop schedule at a fixed 5,000 events/s (50 requests/s); latency is measured
   from the *scheduled* send time, so a stalled server cannot hide its queueing (no coordinated
   omission). Reports p50 and p99.

Usage: ``.venv/bin/python bench/ingest.py [--quick]``
"""

from __future__ import annotations

import argparse
import base64
import http.client
import multiprocessing as mp
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import orjson
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import ServeProcess, print_table  # noqa: E402

EVENTS_PER_REQUEST = 100
PLACEHOLDER = "@@MESSAGE-ID@@"  # replaced by a fresh random UUID per event


def _template() -> list[bytes]:
    """One 100-event batch body, split where each event's messageId goes."""
    batch = [
        {
            "type": "track",
            "userId": f"user-{i % 37}",
            "anonymousId": f"anon-{i % 37}",
            "event": "Product Viewed",
            "messageId": PLACEHOLDER,
            "timestamp": f"2025-06-01T12:00:00.{i * 7 % 1000:03d}Z",  # distinct per event, as SDKs send
            "properties": {"sku": f"SKU-{i}", "price": 19.99, "currency": "EUR", "list": "search"},
            "context": {
                "library": {"name": "analytics-python", "version": "2.4.0"},
                "ip": "203.0.113.9",
                "userAgent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0",
                "page": {"path": "/p/sku", "url": "https://shop.example/p/sku"},
            },
        }
        for i in range(EVENTS_PER_REQUEST)
    ]
    return orjson.dumps({"batch": batch, "sentAt": "2025-06-01T12:00:00.100Z"}).split(PLACEHOLDER.encode())


def _body(template: list[bytes]) -> bytes:
    """The batch with random version-4-shaped UUIDs (36 characters, like ``str(uuid.uuid4())``): one
    ``urandom`` call per request keeps the load generator's cost per event small."""
    h = os.urandom(16 * EVENTS_PER_REQUEST).hex().encode()
    parts = [template[0]]
    for i, tail in enumerate(template[1:]):
        u = h[i * 32 : i * 32 + 32]
        parts += (u[:8], b"-", u[8:12], b"-4", u[13:16], b"-a", u[17:20], b"-", u[20:32], tail)
    return b"".join(parts)


def _post(conn: http.client.HTTPConnection, body: bytes, auth: str) -> int:
    """One keep-alive request; a connection failure counts as status 0 (the connection reopens)."""
    try:
        conn.request("POST", "/v1/batch", body=body,
                     headers={"Content-Type": "application/json", "Authorization": auth})
        resp = conn.getresponse()
        resp.read()
        return resp.status
    except (OSError, http.client.HTTPException):
        conn.close()
        time.sleep(0.01)
        return 0


def _auth(key: str) -> str:
    return "Basic " + base64.b64encode(f"{key}:".encode()).decode()


def _run_threads(target: Any, n: int) -> None:
    workers = [threading.Thread(target=target, args=(t,)) for t in range(n)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()


def _sustained_worker(port: int, key: str, threads: int, seconds: float, out: Any) -> None:
    template, auth = _template(), _auth(key)
    counts = [0] * threads
    errors = [0] * threads
    start_at = time.monotonic() + 0.2

    def run(t: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < start_at:
            time.sleep(0.001)
        n = 0
        while time.monotonic() < start_at + seconds:
            status = _post(conn, _body(template), auth)
            n += 1
            if status == 200:
                counts[t] += EVENTS_PER_REQUEST
            else:
                errors[t] += 1
        conn.close()

    _run_threads(run, threads)
    out.put((sum(counts), sum(errors), time.monotonic() - start_at))


def _paced_worker(port: int, key: str, rate_rps: float, seconds: float, threads: int, out: Any) -> None:
    """Open loop: request i is due at start + i/rate; a pool of connections takes due requests."""
    template, auth = _template(), _auth(key)
    total = int(rate_rps * seconds)
    start = time.monotonic() + 0.3
    latencies: list[float] = []
    lock = threading.Lock()
    next_index = [0]
    errors = [0]

    def run(t: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            with lock:
                i = next_index[0]
                next_index[0] += 1
            if i >= total:
                break
            due = start + i / rate_rps
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            status = _post(conn, _body(template), auth)
            elapsed = time.monotonic() - due
            with lock:
                latencies.append(elapsed)
                if status != 200:
                    errors[0] += 1
        conn.close()

    _run_threads(run, threads)
    out.put((sorted(latencies), errors[0]))


class Server(ServeProcess):
    """The server under test, with fsync'd acks (onefold) or without (the peer)."""

    def __init__(self, *, fsync: bool, workdir: Path) -> None:
        super().__init__(workdir / ("ws-fsync" if fsync else "ws-nofsync"), roles=("writer", "reader"),
                         env={"ONEFOLD_COLLECT__FSYNC": "true" if fsync else "false"}, start_timeout=30)

    @property
    def key(self) -> str:
        return self.keys["writer"]

    def processes(self) -> list[psutil.Process]:
        """The acceptor and its children (the indexer that follows the log)."""
        assert self.proc is not None
        main = psutil.Process(self.proc.pid)
        return [main, *main.children(recursive=True)]

    def wait_until_readable(self, seq: int) -> float:
        """Seconds until GET /v1/events shows the event with this seq (reads wait up to 1 s for the
        indexer, so a lagging index shows up here as time, not as a wrong answer)."""
        started = time.monotonic()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Authorization": _auth(self.keys["reader"])}
        while True:
            conn.request("GET", "/v1/events?limit=1", headers=headers)
            resp = conn.getresponse()
            events = orjson.loads(resp.read())["events"]
            if events and events[0]["seq"] >= seq:
                conn.close()
                return time.monotonic() - started
            time.sleep(0.01)


def _server_metrics(server: Server) -> dict[str, float]:
    """Prometheus counters of the server under test (/metrics), by sample name."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    conn.request("GET", "/metrics")
    text = conn.getresponse().read().decode()
    conn.close()
    found: dict[str, float] = {}
    for line in text.splitlines():
        if line and not line.startswith("#") and "{" not in line:
            name, _, value = line.rpartition(" ")
            found[name] = float(value)
    return found


def _cpu_seconds(procs: list[psutil.Process]) -> list[float]:
    return [sum(p.cpu_times()[:2]) for p in procs]


def _run_processes(target: Any, args_list: list[tuple[Any, ...]]) -> list[Any]:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=target, args=(*args, queue)) for args in args_list]
    for p in procs:
        p.start()
    results = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    return results


def sustained(server: Server, *, seconds: float, processes: int, threads: int) -> dict[str, float]:
    """Acked events/s, non-200 responses, and server CPU microseconds per acked event.

    CPU per event (user + system time of the server process and its indexer child, from psutil,
    counted until a read reflects every acked event) is far less sensitive than events/s to other
    jobs on a shared machine: 1e6 / it is the rate one free core would sustain.
    """
    procs = server.processes()
    cpu_before = _cpu_seconds(procs)
    results = _run_processes(
        _sustained_worker, [(server.port, server.key, threads, seconds) for _ in range(processes)]
    )
    # A fresh workspace and unique messageIds: the last acked event has seq = the number acked.
    lag = server.wait_until_readable(sum(r[0] for r in results))
    cpu = [after - before for after, before in zip(_cpu_seconds(procs), cpu_before, strict=True)]
    events = max(sum(r[0] for r in results), 1)
    return {"rate": events / max(r[2] for r in results), "errors": sum(r[1] for r in results),
            "cpu_us": sum(cpu) / events * 1e6, "acceptor_us": cpu[0] / events * 1e6, "read_lag_s": lag}


def paced(server: Server, *, events_per_s: int, seconds: float) -> tuple[float, float, int]:
    rate = events_per_s / EVENTS_PER_REQUEST
    (lat, errors), = _run_processes(_paced_worker, [(server.port, server.key, rate, seconds, 8)])
    p50 = lat[len(lat) // 2]
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
    return p50 * 1000, p99 * 1000, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short runs (smoke test)")
    args = parser.parse_args()
    seconds = 1.5 if args.quick else 10.0
    paced_seconds = 1.5 if args.quick else 10.0
    results: dict[bool, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="onefold-bench-") as tmp:
        for fsync in (False, True):
            with Server(fsync=fsync, workdir=Path(tmp)) as server:
                loaded = sustained(server, seconds=seconds, processes=2, threads=8)
                before = _server_metrics(server)
                p50, p99, lat_errors = paced(server, events_per_s=5_000, seconds=paced_seconds)
                after = _server_metrics(server)
                delta = {k: after.get(k, 0.0) - before.get(k, 0.0) for k in after}
                commits = max(delta.get("onefold_event_log_fsync_seconds_count", 0.0), 1.0)
                results[fsync] = {**loaded, "p50": p50, "p99": p99, "lat_errors": lat_errors,
                                  "write_ms": delta.get("onefold_event_log_fsync_seconds_sum", 0.0) / commits * 1e3,
                                  "waited_s": delta.get("onefold_index_backpressure_seconds_total", 0.0)}
    peer, ours = results[False], results[True]
    print_table(
        f"ingest: /v1/batch x{EVENTS_PER_REQUEST} events, load from 2 other processes ({os.cpu_count()} CPUs, shared)",
        ["work", "peer: same server, fsync off", "onefold: fsync'd acks", "ratio onefold/peer", "quality"],
        [
            ["sustained events/s", round(peer["rate"]), round(ours["rate"]), ours["rate"] / peer["rate"],
             f"non-200: {int(ours['errors'])} / peer {int(peer['errors'])}"],
            ["server CPU us per event", peer["cpu_us"], ours["cpu_us"], ours["cpu_us"] / peer["cpu_us"],
             f"= {1e6 / ours['cpu_us']:,.0f} events/s per free core"],
            ["  of which acceptor process", peer["acceptor_us"], ours["acceptor_us"],
             ours["acceptor_us"] / peer["acceptor_us"], "the rest: indexer process (index + stitching)"],
            ["read lag after load, s", peer["read_lag_s"], ours["read_lag_s"], ours["read_lag_s"] / max(peer["read_lag_s"], 1e-9),
             "until GET /v1/events reflects every ack"],
            ["p50 ack ms at 5,000 ev/s", peer["p50"], ours["p50"], ours["p50"] / peer["p50"], ""],
            ["p99 ack ms at 5,000 ev/s", peer["p99"], ours["p99"], ours["p99"] / peer["p99"],
             f"non-200: {int(ours['lat_errors'])} / peer {int(peer['lat_errors'])}"],
            ["  log write(+fsync) ms per commit", peer["write_ms"], ours["write_ms"],
             ours["write_ms"] / max(peer["write_ms"], 1e-9), "mean, during the 5,000 ev/s phase"],
            ["  writer waited for indexer, s", peer["waited_s"], ours["waited_s"],
             ours["waited_s"] / max(peer["waited_s"], 1e-9), "backpressure, during the 5,000 ev/s phase"],
        ],
    )
    failed = int(ours["errors"] + ours["lat_errors"] + peer["errors"] + peer["lat_errors"])
    print(f"non-200 responses: {failed}")
    print(f"targets: >= 20,000 events/s durable -> {'met' if ours['rate'] >= 20_000 else 'NOT met'}; "
          f"p99 <= 50 ms at 5,000/s -> {'met' if ours['p99'] <= 50 else 'NOT met'}")


if __name__ == "__main__":
    main()
