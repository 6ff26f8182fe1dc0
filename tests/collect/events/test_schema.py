"""Event validation rules and clock-skew correction (pure, no server)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from onefold.schema.events import EventProblem, Received, ValidEvent, validate_event

NOW = datetime(2025, 6, 1, 12, 0, 0, tzinfo=UTC)


def check(event: object, *, sent_at: str | None = None, **kw: object) -> ValidEvent | EventProblem:
    return validate_event(event, received=Received.now(sent_at=sent_at, at=NOW), **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("event", "default_type", "field", "text"),
    [
        ({"type": "track", "userId": "u"}, None, "event", "non-empty `event`"),
        ({"type": "track", "event": "E"}, None, "userId", "userId or an anonymousId"),
        ({"type": "alias", "userId": "u"}, None, "previousId", "previousId is missing"),
        ({"type": "group", "userId": "u"}, None, "groupId", "groupId"),
        ({"type": "identify", "userId": "u", "traits": "vip"}, None, "traits", "must be a JSON object"),
        ({"type": "track", "userId": {"id": 1}, "event": "E"}, None, "userId", "string or a number"),
        ({"type": "track", "userId": "u", "event": "E", "messageId": 5}, None, "messageId", "messageId"),
        ({"type": "identify", "userId": "u"}, "track", "type", "sent to the /v1/track endpoint"),
        ({"userId": "u"}, None, "type", "is not one of"),
    ],
)
def test_rules(event: dict[str, object], default_type: str | None, field: str, text: str) -> None:
    result = check(event, default_type=default_type)
    assert isinstance(result, EventProblem)
    assert result.field == field and text in result.reason


def test_not_an_object() -> None:
    result = check([1, 2])
    assert isinstance(result, EventProblem) and result.entity == "unknown"


def test_numbers_become_strings_and_message_id_is_generated() -> None:
    result = check({"userId": 42, "event": "E"}, default_type="track")
    assert isinstance(result, ValidEvent)
    assert result.user_id == "42" and result.body["userId"] == "42"
    assert result.message_id.startswith("srv-") and result.body["messageId"] == result.message_id
    assert result.timestamp == result.received_at == "2025-06-01T12:00:00.000Z"


def test_unparseable_batch_sent_at_is_refused() -> None:
    result = check({"type": "track", "userId": "u", "event": "E", "timestamp": "2025-06-01T13:00:00Z"},
                   sent_at="soon")
    assert isinstance(result, EventProblem) and result.field == "sentAt"


def test_clock_skew_uses_batch_or_event_sent_at() -> None:
    # The client clock is 1 hour fast: it stamped 13:00 and sent at 13:00:05; we received at 12:00.
    event = {"type": "track", "userId": "u", "event": "E", "timestamp": "2025-06-01T13:00:00+00:00"}
    result = check(dict(event), sent_at="2025-06-01T13:00:05Z")
    assert isinstance(result, ValidEvent) and result.timestamp == "2025-06-01T11:59:55.000Z"
    own = check({**event, "sentAt": "2025-06-01T13:00:01Z"}, sent_at="2025-06-01T13:00:05Z")
    assert isinstance(own, ValidEvent) and own.timestamp == "2025-06-01T11:59:59.000Z"
    no_sent = check(dict(event))
    assert isinstance(no_sent, ValidEvent) and no_sent.timestamp == "2025-06-01T13:00:00.000Z"
    assert no_sent.body["originalTimestamp"] == "2025-06-01T13:00:00+00:00"


def test_batch_defaults_merge_under_event_values() -> None:
    result = check({"type": "page", "anonymousId": "a", "context": {"ip": "1.2.3.4"}},
                   defaults={"context": {"ip": "9.9.9.9", "library": {"name": "x"}}})
    assert isinstance(result, ValidEvent)
    assert result.body["context"] == {"ip": "1.2.3.4", "library": {"name": "x"}}
