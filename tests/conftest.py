"""Shared fixtures: a fresh workspace, and a real `onefold serve` subprocess on a free port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from onefold.govern import keys as keyring
from onefold.store.workspace import WorkspacePaths, init_workspace, open_state


@pytest.fixture
def workspace(tmp_path: Path) -> WorkspacePaths:
    return init_workspace(tmp_path / "ws")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_cli(*args: str, env: dict[str, str] | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run the real `onefold` CLI in a subprocess."""
    proc = subprocess.run(
        [sys.executable, "-m", "onefold", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=600,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"onefold {' '.join(args)} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


@dataclass
class Server:
    """A real `onefold serve` process. `keys` maps role -> plaintext key."""

    paths: WorkspacePaths
    port: int
    keys: dict[str, str]
    proc: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> None:
        assert self.log_path is not None
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "onefold", "serve", "--workspace", str(self.paths.root), "--port", str(self.port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **self.extra_env},
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited early:\n{self.log_path.read_text()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"server did not become healthy:\n{self.log_path.read_text()}")

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill9()


def make_keys(paths: WorkspacePaths) -> dict[str, str]:
    conn = open_state(paths)
    try:
        return {
            role: keyring.create_key(conn, paths.read_secret(), role=role, name=f"test {role}")[1]
            for role in ("writer", "reader", "admin")
        }
    finally:
        conn.close()


@contextmanager
def running_server(root: Path) -> Iterator[Server]:
    """A started server on a fresh workspace under ``root`` with one key per role; stopped on exit."""
    paths = init_workspace(root / "ws")
    srv = Server(paths=paths, port=free_port(), keys=make_keys(paths), log_path=root / "server.log")
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def server_factory(tmp_path: Path) -> Iterator[object]:
    """Call with optional env overrides to get a started Server; all are stopped at teardown."""
    started: list[Server] = []

    def start(paths: WorkspacePaths | None = None, env: dict[str, str] | None = None) -> Server:
        paths = paths or init_workspace(tmp_path / f"ws{len(started)}")
        srv = Server(paths=paths, port=free_port(), keys=make_keys(paths), log_path=tmp_path / f"server{len(started)}.log",
                     extra_env=env or {})
        srv.start()
        started.append(srv)
        return srv

    yield start
    for srv in started:
        srv.stop()


@pytest.fixture
def server(server_factory: object) -> Server:
    return server_factory()  # type: ignore[operator,no-any-return]
