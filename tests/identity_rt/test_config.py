"""Stitching rules are per workspace: settings from the environment change what the server links."""

from __future__ import annotations

from typing import Any

import pytest

from onefold.config import IdentitySettings
from onefold.identity.stitch import StitchRules
from tests.identity_rt.conftest import Api


def test_disabled_type_is_ignored_and_limits_are_configurable(server_factory: Any) -> None:
    srv = server_factory(env={"ONEFOLD_IDENTITY__REALTIME_TYPES": '["user_id", "anonymous_id", "phone"]',
                              "ONEFOLD_IDENTITY__REALTIME_LIMITS": '{"user_id": 2}'})
    api = Api(srv)
    try:
        api.send({"type": "identify", "userId": "cf-1", "traits": {"email": "cf@example.com"}},
                 {"type": "identify", "userId": "cf-2", "traits": {"email": "cf@example.com", "phone": "4155550142"}},
                 {"type": "identify", "userId": "cf-3", "traits": {"phone": "+1 (415) 555-0142"}})
        assert api.get("/v1/profiles/email:cf@example.com").status_code == 404  # email not stitched here
        profile = api.profile("user_id:cf-3")
        assert sorted(i["value"] for i in profile["identifiers"] if i["type"] == "user_id") == ["cf-2", "cf-3"]
        assert profile["profile_id"] != api.profile("user_id:cf-1")["profile_id"]
    finally:
        api.close()


def test_priority_puts_unlisted_enabled_types_last() -> None:
    rules = StitchRules.from_settings(IdentitySettings(realtime_priority=["email", "user_id"]))
    assert rules.order == ("email", "user_id", "loyalty_id", "phone", "anonymous_id", "device_id")
    with pytest.raises(ValueError, match="shoe_size"):
        IdentitySettings(realtime_types=["shoe_size"])  # type: ignore[list-item]
