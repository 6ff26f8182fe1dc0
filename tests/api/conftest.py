"""API test helpers: one shared server for the package (startup costs seconds on a loaded machine) plus small HTTP helpers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import Server, running_server


@pytest.fixture(scope="package")
def shared_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A real `onefold serve` subprocess shared by the tests of this package (each test uses its own ids)."""
    with running_server(tmp_path_factory.mktemp("shared")) as srv:
        yield srv


def auth(key: str) -> tuple[str, str]:
    return (key, "")


def all_events(srv: Server, **filters: Any) -> list[dict[str, Any]]:
    """Every stored event matching filters, following next_cursor to the end."""
    found: list[dict[str, Any]] = []
    params: dict[str, Any] = {**filters, "limit": 1000}
    with httpx.Client(base_url=srv.url, auth=auth(srv.keys["reader"]), timeout=30) as client:
        while True:
            resp = client.get("/v1/events", params=params)
            assert resp.status_code == 200, resp.text
            page = resp.json()
            found.extend(page["events"])
            if not page["next_cursor"]:
                return found
            params["cursor"] = page["next_cursor"]
