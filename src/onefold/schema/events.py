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
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, NamedTuple, get_args

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


class ValidEvent(NamedTuple):
    """An accepted event: ``body`` is the full Segment-shaped object as it will be stored, with the
    server's ``messageId``, ``receivedAt``, corrected ``timestamp`` and ``originalTimestamp``.

    A NamedTuple, not a dataclass: one is built per event on the ingest hot path and a frozen
    dataclass costs several times more to construct.
    """

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


@dataclass(frozen=True, slots=True)
class Received:
    """The server clock for one request, computed once and shared by its events."""

    at: datetime
    text: str
    sent_at: datetime | None
    """The request-level ``sentAt``, parsed (None when absent or unparseable)."""
    sent_at_raw: object = None
    skew_us: int | None = None
    """``at - sent_at`` in microseconds: what a client timestamp is shifted by (None without a
    usable ``sentAt``)."""

    @classmethod
    def now(cls, *, sent_at: object = None, at: datetime | None = None) -> Received:
        moment = at or datetime.now(UTC)
        sent = parse_ts(sent_at)
        skew = None if sent is None else (moment - sent) // _MICROSECOND
        return cls(moment, format_ts(moment), sent, sent_at, skew)


_MICROSECOND = timedelta(microseconds=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_CACHE_MAX = 4096
_seconds_of: dict[str, int] = {}
_text_of: dict[int, str] = {}
_TAILS = tuple(f".{ms:03d}Z" for ms in range(1000))
_MILLIS_OF_TAIL = {tail: ms for ms, tail in enumerate(_TAILS)}


def shifted_ts(raw: str, skew_us: int) -> str | None:
    """``raw`` moved by ``skew_us``, in the canonical form, when ``raw`` has the ``…:SS.mmmZ`` shape
    the SDKs send; None otherwise (then parse and format it in full).

    The same result as ``format_ts(parse_ts(raw) + skew)``, in integer milliseconds: the date part
    is parsed and formatted once per distinct second (events of one batch share a few), so the
    clock-skew correction of each event is a little arithmetic instead of a datetime round trip.
    Milliseconds suffice: ``format_ts`` truncates, and ``raw`` is a whole number of milliseconds, so
    ``⌊(raw_µs + skew_µs) / 1000⌋ = raw_ms + ⌊skew_µs / 1000⌋``. The ``.mmmZ`` tail is checked and
    read, and written back, by one table look-up each.
    """
    if len(raw) != 24:
        return None
    millis = _MILLIS_OF_TAIL.get(raw[19:])
    if millis is None:
        return None
    head = raw[:19]
    seconds = _seconds_of.get(head)
    if seconds is None:
        parsed = parse_ts(head)
        if parsed is None:
            return None
        if len(_seconds_of) >= _CACHE_MAX:
            _seconds_of.clear()
        seconds = _seconds_of[head] = (parsed - _EPOCH) // _MICROSECOND // 1_000_000
    second, millis = divmod(seconds * 1000 + millis + skew_us // 1000, 1000)
    text = _text_of.get(second)
    if text is None:
        if len(_text_of) >= _CACHE_MAX:
            _text_of.clear()
        text = _text_of[second] = format_ts(_EPOCH + timedelta(seconds=second))[:19]
    return text + _TAILS[millis]


def format_ts(value: datetime) -> str:
    """One canonical form (UTC, milliseconds, ``Z``) so stored timestamps sort as strings."""
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.isoformat(timespec="milliseconds")[:-6] + "Z"


def parse_ts(value: object) -> datetime | None:
    """ISO-8601 text to an aware datetime (naive values are read as UTC); None if not a timestamp."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


_ID_KEYS = ("userId", "anonymousId", "previousId", "groupId")


def validate_event(
    event: object,
    *,
    received: Received,
    default_type: str | None = None,
    defaults: dict[str, Any] | None = None,
) -> ValidEvent | EventProblem:
    """Check one decoded event and complete it in place (messageId, receivedAt, timestamp).

    Args:
        event: the decoded JSON value.
        received: the server clock of the request (and its ``sentAt``; an event's own wins).
        default_type: the type implied by the endpoint (``/v1/track`` → ``track``); an explicit
            ``type`` that disagrees is refused. ``None`` for ``/v1/batch``, where each event names it.
        defaults: batch-level ``context``/``integrations`` merged under each event's own.

    Clock skew as Segment corrects it: when the client sent ``sentAt``, the stored timestamp is
    ``receivedAt - (sentAt - timestamp)``; the client's value is kept as ``originalTimestamp``.
    Written as one flat function on purpose: it runs once per event on the ingest hot path.
    """
    if not isinstance(event, dict):
        return EventProblem(f"an event must be a JSON object, not {type(event).__name__}", None, "unknown")
    kind = event.get("type", default_type)
    if default_type is not None and kind != default_type:
        return EventProblem(f"type {kind!r} sent to the /v1/{default_type} endpoint", "type", default_type)
    if kind.__class__ is not str or kind not in EVENT_TYPES:  # an unhashable type would raise
        return EventProblem(f"type {kind!r} is not one of {', '.join(sorted(EVENT_TYPES))}", "type", "unknown")
    event["type"] = kind
    for key in _OBJECT_FIELDS[kind]:
        value = event.get(key)
        if value is not None and value.__class__ is not dict:
            return EventProblem(f"{key} must be a JSON object, not {type(value).__name__}", key, kind)
    for key in ("event", "name", "category"):
        value = event.get(key)
        if value is not None and value.__class__ is not str:
            return EventProblem(f"{key} must be a string, not {type(value).__name__}", key, kind)
    ids: list[str | None] = []
    for key in _ID_KEYS:
        value = event.get(key)
        if value is None or value == "":
            ids.append(None)
        elif value.__class__ is str:
            ids.append(value)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            ids.append(text := str(value))
            event[key] = text
        else:
            return EventProblem(f"{key} must be a string or a number, not {type(value).__name__}", key, kind)
    user_id, anonymous_id, previous_id, group_id = ids
    problem = _check_required(event, kind, user_id, anonymous_id, previous_id, group_id)
    if problem is not None:
        return problem
    message_id = event.get("messageId")
    if message_id is None or message_id == "":
        message_id = event["messageId"] = "srv-" + uuid.uuid4().hex
    elif message_id.__class__ is not str or len(message_id) > MAX_MESSAGE_ID_CHARS:
        return EventProblem(f"messageId must be a string of at most {MAX_MESSAGE_ID_CHARS} characters",
                            "messageId", kind)
    timestamp = _corrected_timestamp(event, received)
    if timestamp.__class__ is EventProblem:
        return EventProblem(timestamp.reason, timestamp.field, kind)  # type: ignore[union-attr]
    if defaults:
        for key, value in defaults.items():
            event[key] = {**value, **(event.get(key) or {})}
    event["receivedAt"] = received.text
    event["timestamp"] = timestamp
    name = event.get("event") if kind == "track" else event.get("name")
    traits = event.get("traits") if kind == "identify" else None
    return ValidEvent(message_id, kind, name, user_id, anonymous_id, previous_id, timestamp,  # type: ignore[arg-type]
                      received.text, traits, event)


def _check_required(
    event: dict[str, Any], kind: str, user_id: str | None, anonymous_id: str | None, previous_id: str | None,
    group_id: str | None,
) -> EventProblem | None:
    if kind == "alias":
        if user_id is None or previous_id is None:
            missing = "userId" if user_id is None else "previousId"
            return EventProblem(f"alias needs both userId and previousId; {missing} is missing", missing, kind)
        return None
    if user_id is None and anonymous_id is None:
        return EventProblem("every event needs a userId or an anonymousId; both are missing", "userId", kind)
    if kind == "track" and not event.get("event"):
        return EventProblem("a track event needs a non-empty `event` name", "event", kind)
    if kind == "group" and group_id is None:
        return EventProblem("a group event needs a groupId", "groupId", kind)
    return None


def _corrected_timestamp(event: dict[str, Any], received: Received) -> str | EventProblem:
    raw_ts = event.get("timestamp")
    if raw_ts is None:
        return received.text
    raw_sent = event.get("sentAt")
    if raw_sent is None and raw_ts.__class__ is str and (received.skew_us is not None or received.sent_at_raw is None):
        shifted = shifted_ts(raw_ts, received.skew_us or 0)
        if shifted is not None:
            event["originalTimestamp"] = raw_ts
            return shifted
    client_ts = parse_ts(raw_ts)
    if client_ts is None:
        return EventProblem(f"timestamp {raw_ts!r} is not an ISO-8601 date-time", "timestamp", "")
    event["originalTimestamp"] = raw_ts
    if raw_sent is None:
        sent = received.sent_at
        if sent is None and received.sent_at_raw is not None:
            return EventProblem(f"sentAt {received.sent_at_raw!r} is not an ISO-8601 date-time", "sentAt", "")
    else:
        sent = parse_ts(raw_sent)
        if sent is None:
            return EventProblem(f"sentAt {raw_sent!r} is not an ISO-8601 date-time", "sentAt", "")
    if sent is None:
        return format_ts(client_ts)
    return format_ts(received.at - (sent - client_ts))


def stored_event(body: dict[str, Any]) -> ValidEvent:
    """Rebuild the typed view of an event read back from the log (it was validated when stored)."""
    kind = body["type"]
    name = body.get("event") if kind == "track" else body.get("name")
    return ValidEvent(
        body["messageId"], kind, name if isinstance(name, str) else None, body.get("userId"),
        body.get("anonymousId"), body.get("previousId"), body["timestamp"], body["receivedAt"],
        body.get("traits") if kind == "identify" else None, body,
    )


__all__ = ["EVENT_TYPES", "EventProblem", "EventType", "Received", "ValidEvent", "format_ts", "parse_ts", "shifted_ts", "stored_event", "validate_event"]
