"""Ids and cursors from requests that SQLite cannot hold are 400s naming the field, never 500s."""

from __future__ import annotations

import base64

import httpx
import pytest

from tests.conftest import Server


def _cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("path", "field"),
    [
        (f"/v1/events?cursor={_cursor('v1:' + '9' * 25)}", "cursor"),
        (f"/v1/events?cursor={_cursor('v1:²')}", "cursor"),
        ("/v1/quarantine?before_id=9999999999999999999999999", "before_id"),
        ("/v1/identity/profiles/rt_9999999999999999999999999/merges", "profile"),
        ("/v1/identity/profiles/rt_%C2%B2/merges", "profile"),
        ("/v1/identity/refused-merges?profile=rt_9999999999999999999999999", "profile"),
        ("/v1/profiles/profile_id:rt_9999999999999999999999999", "profile"),
    ],
)
def test_out_of_range_ids_are_client_errors(shared_server: Server, path: str, field: str) -> None:
    resp = httpx.get(f"{shared_server.url}{path}", auth=(shared_server.keys["admin"], ""), timeout=30)
    assert resp.status_code in (400, 422), resp.text
    assert field in resp.text
