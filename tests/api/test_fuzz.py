"""Schemathesis fuzzes every operation of the live OpenAPI schema against a real server.

The contract checked: whatever the input, the server never answers 5xx (bad input is a 4xx with a
JSON error), and answers labelled JSON parse as JSON. (Schemathesis' pytest plugin does not run
under pytest 9, so each operation's hypothesis strategy is driven directly.)
"""

from __future__ import annotations

import base64

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from tests.conftest import Server


@pytest.mark.slow
def test_no_input_makes_the_server_fail(shared_server: Server) -> None:
    schema = schemathesis.openapi.from_url(f"{shared_server.url}/openapi.json")
    key = shared_server.keys["admin"]
    headers = {"Authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode()}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case: schemathesis.Case) -> None:
            response = case.call(headers=headers, timeout=30)
            case.validate_response(response, checks=(not_a_server_error,))
            content_type = response.headers.get("content-type") or [""]
            if content_type[0].startswith("application/json"):
                response.json()

        check()
