"""Shared helpers for bench scripts: timing, peak memory, and the result table.

Each bench runs onefold and a named peer in the same run and prints work, peer, onefold, ratio,
quality and peak memory. Peak memory of a block is measured in a child process when isolation
matters (``measure_in_subprocess``), otherwise as RSS high-water mark deltas.
"""

from __future__ import annotations

import base64
import http.client
import multiprocessing as mp
import os
import resource
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

from rich.console import Console
from rich.table import Table


@dataclass
class Measurement:
    name: str
    seconds: float
    peak_mb: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def timed(name: str, fn: Callable[[], Any]) -> tuple[Measurement, Any]:
    start = time.perf_counter()
    result = fn()
    return Measurement(name, time.perf_counter() - start), result


def _child(fn: Callable[[], Any], queue: Any) -> None:
    start = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    queue.put((seconds, peak_kb / 1024, result))


def measure_in_subprocess(name: str, fn: Callable[[], Any]) -> tuple[Measurement, Any]:
    """Run ``fn`` (a picklable top-level function) in a fresh process: wall time and peak RSS."""
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(fn, queue))
    proc.start()
    seconds, peak_mb, result = queue.get()
    proc.join()
    return Measurement(name, seconds, peak_mb), result


def print_table(title: str, columns: list[str], rows: list[list[Any]]) -> None:
    table = Table(title=title)
    for col in columns:
        table.add_column(col)
    for row in rows:
        table.add_row(*[f"{v:.4g}" if isinstance(v, float) else str(v) for v in row])
    Console().print(table)


class ServeProcess:
    """A real `onefold serve` subprocess on a fresh workspace, with one key per role.

    A context manager: ``keys[role]`` holds each plaintext key and ``auth[role]`` the matching
    HTTP Basic header value (key as user, empty password, as Segment's SDKs send it).
    """

    def __init__(self, workspace: Path, *, roles: tuple[str, ...] = ("writer",),
                 env: dict[str, str] | None = None, start_timeout: float = 60.0) -> None:
        self.workspace = workspace
        self.roles = roles
        self.env = {**os.environ, **(env or {})}
        self.start_timeout = start_timeout
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.keys: dict[str, str] = {}
        self.auth: dict[str, str] = {}

    def __enter__(self) -> Self:
        onefold = [sys.executable, "-m", "onefold"]
        ws = ["--workspace", str(self.workspace)]
        subprocess.run([*onefold, "init", *ws], check=True, capture_output=True)
        for role in self.roles:
            created = subprocess.run([*onefold, "keys", "create", *ws, "--role", role, "--name", "bench"],
                                     check=True, capture_output=True, text=True)
            self.keys[role] = created.stdout.strip().splitlines()[-1]
            self.auth[role] = "Basic " + base64.b64encode(f"{self.keys[role]}:".encode()).decode()
        self.proc = subprocess.Popen([*onefold, "serve", *ws, "--port", str(self.port)], env=self.env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=1)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return self
            except OSError:
                time.sleep(0.1)
        self.__exit__()
        raise RuntimeError("onefold serve did not become healthy")

    def __exit__(self, *_: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=60)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
