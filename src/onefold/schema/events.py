"""Segment-spec events: validation of one decoded event, clock-skew correction, typed result.

Pure logic (no I/O): the API decodes a request, calls :func:`validate_event` for each event and
either gets a :class:`ValidEvent` (ready to append to the event log) or an :class:`EventProblem`
(to quarantine with its reason). The rules follow the Segment HTTP Tracking API spec:
every event needs ``userId`` or ``anonymousId`` (alias needs ``userId`` and ``previousId``),
``track`` needs ``event``, ``group`` needs ``groupId``; ``traits``/``properties``/``context`` must be
objects; ``timestamp``/``sentAt`` must be ISO-8601.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, get_args

EventType = Literal["track", "identify", "page", "screen", "group", "alias"]
EVENT_TYPES: frozenset[str] = frozenset(get_args(EventType))
_OBJECT_FIELDS: dict[str, tuple[str, ...]] = {
    "track": ("properties", "context", "integrations"),
    "identify": ("traits", "context", "integrations"),
    "page": ("properties", "context", "integrations"),
    "screen": ("properties", "context", "integrations"),
    "group": ("traits", "context", "integrations"),
    "alias": ("context", "integrations"),
}
MAX_MESSAGE_ID_CHARS = 200
"""Longer messageIds are refused: they are a dedup key, not a payload."""


@dataclass(frozen=True, slots=True)
class EventProblem:
    """Why one event was refused; ``field`` names the offending key (None for the whole event)."""

    reason: str
    field: str | None
    entity: str
    """The event type when known (quarantine groups by it), else ``unknown``."""


@dataclass(frozen=True, slots=True)
class ValidEvent:
    """An accepted event: ``body`` is the full Segment-shaped object as it will be stored, with the
    server's ``messageId``, ``receivedAt``, corrected ``timestamp`` and ``originalTimestamp``."""

    message_id: str
    type: str
    event: str | None
    user_id: str | None
    anonymous_id: str | None
    previous_id: str | None
    timestamp: str
    received_at: str
    traits: dict[str, Any] | None
    body: dict[str, Any]


def format_ts(value: datetime) -> str:
    """One canonical form (UTC, milliseconds, ``Z``) so stored timestamps sort as strings."""
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_ts(value: object) -> datetime | None:
    """ISO-8601 text to an aware datetime (naive values are read as UTC); None if not a timestamp."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _ident(event: dict[str, Any], key: str) -> str | None | EventProblem:
    """Identifiers may be strings or numbers (SDKs send both); they are stored as strings."""
    value = event.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return EventProblem(f"{key} must be a string or a number, not {type(value).__name__}", key, "")
    text = str(value)
    event[key] = text
    return text


def validate_event(
    event: object,
    *,
    received_at: datetime,
    default_type: str | None = None,
    sent_at: object = None,
    defaults: dict[str, Any] | None = None,
) -> ValidEvent | EventProblem:
    """Check one decoded event and complete it in place (messageId, receivedAt, timestamp).

    Args:
        event: the decoded JSON value.
        received_at: when the server received the request (one value per request).
        default_type: the type implied by the endpoint (``/v1/track`` → ``track``); an explicit
            ``type`` that disagrees is refused. ``None`` for ``/v1/batch``, where each event names it.
        sent_at: the request-level ``sentAt`` (an event's own ``sentAt`` wins).
        defaults: batch-level ``context``/``integrations`` merged under each event's own.

    Clock skew as Segment corrects it: when the client sent ``sentAt``, the stored timestamp is
    ``receivedAt - (sentAt - timestamp)``; the client's value is kept as ``originalTimestamp``.
    """
    if not isinstance(event, dict):
        return EventProblem(f"an event must be a JSON object, not {type(event).__name__}", None, "unknown")
    kind = event.get("type", default_type)
    if default_type is not None and kind != default_type:
        return EventProblem(f"type {kind!r} sent to the /v1/{default_type} endpoint", "type", default_type)
    if kind not in EVENT_TYPES:
        return EventProblem(
            f"type {kind!r} is not one of {', '.join(sorted(EVENT_TYPES))}", "type", "unknown"
        )
    event["type"] = kind
    problem = _check_shape(event, kind)
    if problem is not None:
        return problem
    ids: dict[str, str | None] = {}
    for key in ("userId", "anonymousId", "previousId", "groupId"):
        got = _ident(event, key)
        if isinstance(got, EventProblem):
            return EventProblem(got.reason, got.field, kind)
        ids[key] = got
    problem = _check_required(event, kind, ids)
    if problem is not None:
        return problem
    message_id = event.get("messageId")
    if message_id is None or message_id == "":
        message_id = event["messageId"] = "srv-" + uuid.uuid4().hex
    elif not isinstance(message_id, str) or len(message_id) > MAX_MESSAGE_ID_CHARS:
        return EventProblem(f"messageId must be a string of at most {MAX_MESSAGE_ID_CHARS} characters",
                            "messageId", kind)
    timestamp = _corrected_timestamp(event, received_at, sent_at)
    if isinstance(timestamp, EventProblem):
        return EventProblem(timestamp.reason, timestamp.field, kind)
    if defaults:
        for key, value in defaults.items():
            if isinstance(value, dict):
                event[key] = {**value, **(event.get(key) or {})}
    received = format_ts(received_at)
    event["receivedAt"] = received
    event["timestamp"] = timestamp
    name = event.get("event") if kind == "track" else event.get("name")
    return ValidEvent(
        message_id=message_id,
        type=kind,
        event=name if isinstance(name, str) else None,
        user_id=ids["userId"],
        anonymous_id=ids["anonymousId"],
        previous_id=ids["previousId"],
        timestamp=timestamp,
        received_at=received,
        traits=event.get("traits") if kind == "identify" else None,
        body=event,
    )


def _check_shape(event: dict[str, Any], kind: str) -> EventProblem | None:
    for key in _OBJECT_FIELDS[kind]:
        value = event.get(key)
        if value is not None and not isinstance(value, dict):
            return EventProblem(f"{key} must be a JSON object, not {type(value).__name__}", key, kind)
    for key in ("event", "name", "category"):
        value = event.get(key)
        if value is not None and not isinstance(value, str):
            return EventProblem(f"{key} must be a string, not {type(value).__name__}", key, kind)
    return None


def _check_required(event: dict[str, Any], kind: str, ids: dict[str, str | None]) -> EventProblem | None:
    if kind == "alias":
        if ids["userId"] is None or ids["previousId"] is None:
            missing = "userId" if ids["userId"] is None else "previousId"
            return EventProblem(f"alias needs both userId and previousId; {missing} is missing", missing, kind)
        return None
    if ids["userId"] is None and ids["anonymousId"] is None:
        return EventProblem("every event needs a userId or an anonymousId; both are missing", "userId", kind)
    if kind == "track" and not event.get("event"):
        return EventProblem("a track event needs a non-empty `event` name", "event", kind)
    if kind == "group" and ids["groupId"] is None:
        return EventProblem("a group event needs a groupId", "groupId", kind)
    return None


def _corrected_timestamp(event: dict[str, Any], received_at: datetime, batch_sent_at: object) -> str | EventProblem:
    raw_ts = event.get("timestamp")
    if raw_ts is None:
        return format_ts(received_at)
    client_ts = parse_ts(raw_ts)
    if client_ts is None:
        return EventProblem(f"timestamp {raw_ts!r} is not an ISO-8601 date-time", "timestamp", "")
    event["originalTimestamp"] = raw_ts
    raw_sent = event.get("sentAt", batch_sent_at)
    if raw_sent is None:
        return format_ts(client_ts)
    sent = parse_ts(raw_sent)
    if sent is None:
        return EventProblem(f"sentAt {raw_sent!r} is not an ISO-8601 date-time", "sentAt", "")
    return format_ts(received_at - (sent - client_ts))


def stored_event(body: dict[str, Any]) -> ValidEvent:
    """Rebuild the typed view of an event read back from the log (it was validated when stored)."""
    kind = body["type"]
    name = body.get("event") if kind == "track" else body.get("name")
    return ValidEvent(
        message_id=body["messageId"],
        type=kind,
        event=name if isinstance(name, str) else None,
        user_id=body.get("userId"),
        anonymous_id=body.get("anonymousId"),
        previous_id=body.get("previousId"),
        timestamp=body["timestamp"],
        received_at=body["receivedAt"],
        traits=body.get("traits") if kind == "identify" else None,
        body=body,
    )


__all__ = ["EVENT_TYPES", "EventProblem", "EventType", "ValidEvent", "format_ts", "parse_ts", "stored_event", "validate_event"]
