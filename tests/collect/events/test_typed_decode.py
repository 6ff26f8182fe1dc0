"""The typed fast path stores exactly what the general path stores, and hands everything else over."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from onefold.collect.events import decode as decode_module
from onefold.collect.events.decode import decode_batch
from onefold.config import CollectSettings
from onefold.errors import InputError
from onefold.schema.events import Received, ValidEvent, validate_event
from onefold.schema.events_typed import typed_event

NOW = datetime(2025, 6, 1, 12, 0, 5, 250_000, tzinfo=UTC)
SENT_AT = "2025-06-01T12:00:01.000Z"

SDK_SHAPED: list[dict[str, Any]] = [
    {"type": "track", "userId": "u1", "anonymousId": "a1", "event": "Viewed", "messageId": "m-track",
     "timestamp": "2025-06-01T11:59:59.123Z", "properties": {"sku": "S", "price": 19.99, "n": 2**62},
     "context": {"library": {"name": "analytics-python", "version": "2.4.0"}, "ip": "203.0.113.9"},
     "integrations": {}},
    {"type": "identify", "userId": "u2", "messageId": "m-identify", "traits": {"email": "A@B.org", "plan": None},
     "timestamp": "2025-06-01T13:00:00+01:00"},
    {"type": "page", "anonymousId": "a3", "name": "Home", "category": "Docs", "messageId": "m-page",
     "properties": {"path": "/"}, "_metadata": {"jsRuntime": "node"}, "version": 2, "channel": "server"},
    {"type": "screen", "userId": "u4", "name": "Cart", "messageId": "m-screen", "timestamp": "2025-06-01T12:00:00"},
    {"type": "group", "userId": "u5", "groupId": "g5", "traits": {"name": "ACME"}, "messageId": "m-group"},
    {"type": "alias", "userId": "u6", "previousId": "a6", "messageId": "m-alias",
     "timestamp": "2025-06-01T12:00:00.000Z", "sentAt": "2025-06-01T12:00:00.500Z"},
    {"type": "track", "userId": "", "anonymousId": "a7", "event": "E", "messageId": "m-empty-user-id"},
]

GENERAL_ONLY: list[dict[str, Any]] = [
    {"type": "track", "userId": 42, "event": "numeric id", "messageId": "g-1"},
    {"type": "track", "userId": "u", "event": "null name", "name": None, "messageId": "g-2"},
    {"type": "track", "userId": "u", "event": "extra key", "rudderId": "r", "messageId": "g-3"},
    {"type": "track", "userId": "u", "event": "client receivedAt", "receivedAt": "x", "messageId": "g-4"},
    {"type": "alias", "userId": "u", "event": "alias without previousId", "messageId": "g-5"},
    {"type": "track", "anonymousId": "a", "messageId": "g-6"},
    {"type": "track", "userId": "u", "event": "bad ts", "timestamp": "yesterday", "messageId": "g-7"},
    {"type": "wat", "userId": "u", "messageId": "g-8"},
    {"type": "alias", "userId": "u", "previousId": "p", "properties": "not checked on alias", "messageId": "g-9"},
]


def _general(event: dict[str, Any], sent_at: str | None) -> dict[str, Any] | str:
    result = validate_event(copy.deepcopy(event), received=Received.now(sent_at=sent_at, at=NOW))
    if isinstance(result, ValidEvent):
        return orjson.loads(orjson.dumps(result.body))
    return result.reason


@pytest.mark.parametrize("sent_at", [SENT_AT, None])
@pytest.mark.parametrize("event", SDK_SHAPED, ids=lambda e: e["messageId"])
def test_sdk_shaped_events_take_the_typed_path_and_store_the_same_event(event: dict[str, Any],
                                                                          sent_at: str | None) -> None:
    typed = typed_event(orjson.dumps(event), received=Received.now(sent_at=sent_at, at=NOW), default_type=None)
    assert typed is not None, "an SDK-shaped event must not need the general path"
    message_id, line = typed
    assert message_id == event["messageId"]
    assert orjson.loads(line) == _general(event, sent_at)


@pytest.mark.parametrize("event", GENERAL_ONLY, ids=lambda e: e["messageId"])
def test_anything_else_is_left_to_the_general_path(event: dict[str, Any]) -> None:
    assert typed_event(orjson.dumps(event), received=Received.now(sent_at=SENT_AT, at=NOW), default_type=None) is None


def test_a_batch_mixing_both_paths_keeps_order_rejects_and_positions() -> None:
    batch = [SDK_SHAPED[0], GENERAL_ONLY[0], GENERAL_ONLY[5], SDK_SHAPED[1], GENERAL_ONLY[7]]
    out = decode_batch(orjson.dumps({"batch": batch, "sentAt": SENT_AT}), settings=CollectSettings(), received_at=NOW)
    assert out.message_ids == ["m-track", "g-1", "m-identify"]
    assert [orjson.loads(line) for line in out.lines] == [_general(e, SENT_AT) for e in (batch[0], batch[1], batch[3])]
    assert [(r.row_number, r.reason) for r in out.rejected] == [
        (3, _general(batch[2], SENT_AT)), (5, _general(batch[4], SENT_AT))]


class _NotCalled:
    def decode(self, body: bytes) -> Any:
        raise AssertionError("the batch should have been decoded in one pass")


def test_a_batch_of_sdk_shaped_events_is_decoded_in_one_pass_and_stores_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(decode_module, "_envelope", _NotCalled())
    out = decode_batch(orjson.dumps({"batch": SDK_SHAPED, "sentAt": SENT_AT, "writeKey": "k"}),
                       settings=CollectSettings(), received_at=NOW)
    assert out.write_key == "k" and not out.rejected
    assert out.message_ids == [e["messageId"] for e in SDK_SHAPED]
    assert [orjson.loads(line) for line in out.lines] == [_general(e, SENT_AT) for e in SDK_SHAPED]


@pytest.mark.parametrize("late", [GENERAL_ONLY[i] for i in (4, 5, 6, 7)], ids=lambda e: e["messageId"])
def test_an_event_a_rule_sends_to_the_general_path_mid_batch_is_handed_over_alone(late: dict[str, Any]) -> None:
    """These decode as TypedEvent, so the one-pass decode succeeds and only a rule declines them."""
    batch = [SDK_SHAPED[0], SDK_SHAPED[1], late, SDK_SHAPED[2]]
    out = decode_batch(orjson.dumps({"batch": batch, "sentAt": SENT_AT}), settings=CollectSettings(), received_at=NOW)
    expected = _general(late, SENT_AT)
    kept = [e for e in batch if e is not late or not isinstance(expected, str)]
    assert out.message_ids == [e["messageId"] for e in kept]
    assert [orjson.loads(line) for line in out.lines] == [_general(e, SENT_AT) for e in kept]
    assert [(r.row_number, r.reason) for r in out.rejected] == ([(3, expected)] if isinstance(expected, str) else [])


def test_a_server_generated_message_id_is_the_one_stored() -> None:
    event = {"type": "track", "userId": "u", "event": "E"}
    out = decode_batch(orjson.dumps({"batch": [event]}), settings=CollectSettings(), received_at=NOW)
    assert out.message_ids[0].startswith("srv-")
    assert orjson.loads(out.lines[0])["messageId"] == out.message_ids[0]


@pytest.mark.parametrize("bad", [b'"\xff"', b"1e999", b'"\\ud800"'])
def test_invalid_json_inside_one_event_fails_the_request_with_its_position(bad: bytes) -> None:
    body = b'{"batch": [{"type": "track", "userId": "u", "event": "E", "properties": {"p": ' + bad + b"}}]}"
    with pytest.raises(InputError, match="malformed JSON at line 1"):
        decode_batch(body, settings=CollectSettings(), received_at=NOW)


def test_batch_level_context_is_merged_as_before() -> None:
    body = {"batch": [SDK_SHAPED[0]], "context": {"ip": "198.51.100.1", "app": {"name": "x"}}}
    out = decode_batch(orjson.dumps(body), settings=CollectSettings(), received_at=NOW)
    stored = orjson.loads(out.lines[0])
    assert stored["context"]["ip"] == "203.0.113.9" and stored["context"]["app"] == {"name": "x"}


def test_shifted_timestamps_equal_the_datetime_round_trip() -> None:
    import random
    from datetime import timedelta

    from onefold.schema.events import format_ts, parse_ts, shifted_ts

    rng = random.Random(3)
    base = datetime(2023, 12, 31, 23, 59, 58, tzinfo=UTC)
    for _ in range(5000):
        moment = base + timedelta(microseconds=rng.randrange(-10**12, 10**12))
        raw = format_ts(moment)
        skew_us = rng.choice([0, rng.randrange(-10**7, 10**7), rng.randrange(-10**14, 10**14)])
        expected = format_ts(parse_ts(raw) + timedelta(microseconds=skew_us))  # type: ignore[operator]
        assert shifted_ts(raw, skew_us) == expected, (raw, skew_us)
    for odd in ("2024-02-29T12:00:00.5Z", "2024-02-29T12:00:00.123+00:00", "2024-02-29 12:00:00.123Z",
                "2024-02-30T12:00:00.123Z", "2024-02-29T12:00:00.1²3Z"):
        parsed = parse_ts(odd)
        got = shifted_ts(odd, 1500)
        assert got is None or (parsed is not None and got == format_ts(parsed + timedelta(microseconds=1500)))


@pytest.mark.parametrize("kind", [[], {}, 7, None])
def test_a_type_that_is_not_a_string_is_quarantined(kind: object) -> None:
    body = orjson.dumps({"batch": [{"type": kind, "userId": "u", "event": "E"}]})
    out = decode_batch(body, settings=CollectSettings(), received_at=NOW)
    assert not out.lines and "is not one of" in out.rejected[0].reason
