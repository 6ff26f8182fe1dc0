"""A real `onefold serve` shared by the real-time identity tests (each test uses its own ids), plus HTTP helpers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import Server, running_server


@pytest.fixture(scope="package")
def rt_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("identity_rt")) as srv:
        yield srv


class Api:
    """Keep-alive clients for one server: ``send`` acks a batch, ``get`` reads with the reader key."""

    def __init__(self, srv: Server) -> None:
        self.writer = httpx.Client(base_url=srv.url, auth=(srv.keys["writer"], ""), timeout=60)
        self.reader = httpx.Client(base_url=srv.url, auth=(srv.keys["reader"], ""), timeout=60)

    def send(self, *events: dict[str, Any]) -> None:
        resp = self.writer.post("/v1/batch", json={"batch": list(events)})
        assert resp.status_code == 200 and resp.json()["quarantined"] == 0, resp.text
        # Stitching follows the ack in the server's indexer process; an API read waits for it, so
        # tests that then read state.sqlite directly see every acknowledged event.
        assert self.reader.get("/v1/events", params={"limit": 1}).status_code == 200

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.reader.get(path, params=params)

    def profile(self, ref: str) -> dict[str, Any]:
        resp = self.get(f"/v1/profiles/{ref}")
        assert resp.status_code == 200, resp.text
        body: dict[str, Any] = resp.json()
        return body

    def close(self) -> None:
        self.writer.close()
        self.reader.close()


@pytest.fixture
def api(rt_server: Server) -> Iterator[Api]:
    client = Api(rt_server)
    yield client
    client.close()
