"""The typed fast path for well-formed Segment events: msgspec decodes, checks and re-encodes them.

What the official SDKs send is a small, fixed set of top-level keys with string ids. For such an
event, msgspec decodes straight into :class:`TypedEvent`: the type checks (string ids, object-valued
``properties``/``traits``/``context``, valid UTF-8 and numbers) run in C, and the stored line is
encoded in one call. The Python left per event is the handful of Segment rules below.

Anything else (an unknown top-level key, a numeric or null id, a missing required field, a bad
timestamp, …) returns ``None`` and takes the general path, :func:`onefold.schema.events.validate_event`,
which owns every rule's error message. So the fast path never decides a rejection; it only has to
produce the same stored event as the general path for what it accepts (the tests check that).
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import msgspec
from msgspec import UNSET, Raw, UnsetType

from onefold.schema.events import EVENT_TYPES, MAX_MESSAGE_ID_CHARS, Received, format_ts, parse_ts, shifted_ts

JsonObject = dict[str, Any]


class TypedEvent(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """One event as the SDKs send it; UNSET = absent (kept absent in the stored line)."""

    type: str | UnsetType = UNSET
    messageId: str | UnsetType = UNSET
    userId: str | UnsetType = UNSET
    anonymousId: str | UnsetType = UNSET
    previousId: str | UnsetType = UNSET
    groupId: str | UnsetType = UNSET
    event: str | UnsetType = UNSET
    name: str | UnsetType = UNSET
    category: str | UnsetType = UNSET
    properties: JsonObject | UnsetType = UNSET
    traits: JsonObject | UnsetType = UNSET
    context: JsonObject | UnsetType = UNSET
    integrations: JsonObject | UnsetType = UNSET
    version: Any = UNSET
    channel: Any = UNSET
    metadata: Any = msgspec.field(default=UNSET, name="_metadata")
    sentAt: str | UnsetType = UNSET
    timestamp: str | UnsetType = UNSET
    originalTimestamp: str | UnsetType = UNSET
    receivedAt: str | UnsetType = UNSET


_decoder = msgspec.json.Decoder(TypedEvent)
_encode = msgspec.json.Encoder().encode


def typed_event(raw: bytes | Raw, *, received: Received, default_type: str | None) -> tuple[str, bytes] | None:
    """(messageId, stored line) for a well-formed event, or None to take the general path."""
    try:
        e = _decoder.decode(raw)
    except (msgspec.ValidationError, msgspec.DecodeError, UnicodeDecodeError):
        return None
    return complete_typed(e, received=received, default_type=default_type)


def complete_typed(e: TypedEvent, *, received: Received, default_type: str | None) -> tuple[str, bytes] | None:
    """The Segment rules and the stored line for an event msgspec decoded as :class:`TypedEvent`
    (alone, or in a whole batch at once); None to take the general path. Completes ``e`` in place."""
    kind = e.type
    if kind is UNSET:
        if default_type is None:
            return None
        kind = e.type = default_type
    elif (default_type is not None and kind != default_type) or kind not in EVENT_TYPES:
        return None
    if e.originalTimestamp is not UNSET or e.receivedAt is not UNSET:
        return None  # server-owned keys: the general path decides how they are overwritten
    if kind == "alias":
        if not e.userId or not e.previousId:
            return None
    elif not e.userId and not e.anonymousId:
        return None
    elif (kind == "track" and not e.event) or (kind == "group" and not e.groupId):
        return None
    message_id = e.messageId
    if message_id is UNSET or not message_id:
        message_id = e.messageId = "srv-" + uuid.uuid4().hex
    elif len(message_id) > MAX_MESSAGE_ID_CHARS:
        return None
    raw_ts = e.timestamp
    if raw_ts is UNSET:
        e.timestamp = received.text
    else:
        e.originalTimestamp = raw_ts
        if e.sentAt is UNSET:
            if received.skew_us is None and received.sent_at_raw is not None:
                return None  # an unparseable request sentAt: the general path explains it
            shifted = shifted_ts(raw_ts, received.skew_us or 0)
            if shifted is None:
                client_ts = parse_ts(raw_ts)
                if client_ts is None:
                    return None
                shifted = format_ts(client_ts + timedelta(microseconds=received.skew_us or 0))
            e.timestamp = shifted
        else:
            client_ts, sent = parse_ts(raw_ts), parse_ts(e.sentAt)
            if client_ts is None or sent is None:
                return None
            e.timestamp = format_ts(received.at - (sent - client_ts))
    e.receivedAt = received.text
    return message_id, _encode(e)
