"""Turn one HTTP request body into accepted events and quarantine records.

The hot path of the collection API, so it avoids FastAPI's pydantic body parsing: the body is
gunzipped with a hard output cap (a gzip bomb cannot grow memory past the batch limit), and a batch
of SDK-shaped events decoded by msgspec in one pass (:mod:`onefold.schema.events_typed`). Otherwise
the envelope is decoded with each event left as raw JSON, and each event is taken by the typed
fast path or, when it is anything but the plain shape the SDKs send, by the general path (orjson + :func:`onefold.schema.events.validate_event`), which
owns every rejection and its message. The 32 KB event limit is checked on that serialised form (the event as stored), which costs
nothing extra because the writer needs those bytes anyway.

Whole-request problems (malformed JSON, body over 500 KB, a single-event call over 32 KB) raise
InputError/LimitExceeded and store nothing. Problems with one event of a well-formed batch
(including one event over 32 KB) quarantine that event and accept the others.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import msgspec
import orjson

from onefold.config import CollectSettings
from onefold.errors import InputError, LimitExceeded, Location
from onefold.schema.events import EventProblem, Received, ValidEvent, validate_event
from onefold.schema.events_typed import TypedEvent, complete_typed, typed_event
from onefold.store.quarantine import QuarantineRecord

SOURCE = "api"


@dataclass
class DecodedRequest:
    """Accepted events (messageId and serialised line of each) and rejected ones, from one request."""

    write_key: str | None = None
    message_ids: list[str] = field(default_factory=list)
    lines: list[bytes] = field(default_factory=list)
    rejected: list[QuarantineRecord] = field(default_factory=list)


def read_body(raw: bytes, *, content_encoding: str | None, max_bytes: int) -> bytes:
    """Decompress if gzip and enforce the request limit on the decompressed size."""
    if content_encoding and content_encoding.strip().lower() in {"gzip", "x-gzip"}:
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            body = inflater.decompress(raw, max_bytes + 1)
        except zlib.error as exc:
            raise InputError(f"the body is not valid gzip ({exc})", location=Location("request body")) from exc
        if len(body) <= max_bytes and not inflater.eof:
            raise InputError("the gzip body is truncated", location=Location("request body"))
    elif content_encoding and content_encoding.strip().lower() not in {"identity", ""}:
        raise InputError(f"Content-Encoding {content_encoding!r} is not supported", remedy="send gzip or identity")
    else:
        body = raw
    if len(body) > max_bytes:
        raise batch_limit_error(max_bytes)
    return body


def batch_limit_error(max_bytes: int) -> LimitExceeded:
    return LimitExceeded(
        f"the request body is larger than the {max_bytes // 1024} KB batch limit (max_batch_bytes={max_bytes})",
        limit="max_batch_bytes",
        location=Location("request body"),
        remedy="send fewer events per request",
    )


def _parse(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise InputError(
            f"malformed JSON at line {exc.lineno} column {exc.colno} (byte {exc.pos}): {exc.msg}",
            location=Location("request body"),
        ) from exc


class _Envelope(msgspec.Struct):
    """A batch request with its events still raw; the other keys are checked like the general path."""

    batch: list[msgspec.Raw]
    sentAt: Any = None
    writeKey: Any = None
    context: Any = None
    integrations: Any = None


_envelope = msgspec.json.Decoder(_Envelope)


class _TypedEnvelope(msgspec.Struct):
    """A batch whose every event has the SDK shape: decoded in one pass (no raw slice per event, then
    a second parse of it); any other batch fails here at its first odd event and takes
    :class:`_Envelope`."""

    batch: list[TypedEvent]
    sentAt: Any = None
    writeKey: Any = None
    context: Any = None
    integrations: Any = None


_typed_envelope = msgspec.json.Decoder(_TypedEnvelope)


def decode_batch(body: bytes, *, settings: CollectSettings, received_at: datetime | None = None) -> DecodedRequest:
    """``POST /v1/batch``: ``{"batch": [...], "sentAt", "context", "integrations", "writeKey"}``."""
    try:
        typed = _typed_envelope.decode(body)
    except (msgspec.ValidationError, msgspec.DecodeError, UnicodeDecodeError):
        pass
    else:
        if typed.context is None and typed.integrations is None:
            out = _decode_typed_batch(typed, body, settings=settings, received_at=received_at)
            if out is not None:
                return out
    try:
        envelope = _envelope.decode(body)
    except (msgspec.ValidationError, msgspec.DecodeError, UnicodeDecodeError):
        return _decode_batch_general(body, settings=settings, received_at=received_at)
    if envelope.context is not None or envelope.integrations is not None:  # batch-level defaults to merge
        return _decode_batch_general(body, settings=settings, received_at=received_at)
    key = envelope.writeKey
    out = DecodedRequest(write_key=key if isinstance(key, str) else None)
    received = Received.now(sent_at=envelope.sentAt, at=received_at)
    limit = settings.max_event_bytes
    message_ids, lines = out.message_ids, out.lines
    for index, raw in enumerate(envelope.batch, start=1):
        typed = typed_event(raw, received=received, default_type=None)
        if typed is not None and len(typed[1]) <= limit:
            message_ids.append(typed[0])
            lines.append(typed[1])
        else:
            _decode_events(out, [_parse_event(raw, body)], received=received, default_type=None, defaults=None,
                           limit=limit, first_index=index)
    return out


def _decode_typed_batch(
    envelope: _TypedEnvelope, body: bytes, *, settings: CollectSettings, received_at: datetime | None
) -> DecodedRequest | None:
    """Every event of a batch decoded in one pass; None if one of them needs the general path
    (then the caller decodes the batch event by event, so that event's raw JSON is at hand)."""
    key = envelope.writeKey
    out = DecodedRequest(write_key=key if isinstance(key, str) else None)
    received = Received.now(sent_at=envelope.sentAt, at=received_at)
    limit = settings.max_event_bytes
    message_ids, lines = out.message_ids, out.lines
    for e in envelope.batch:
        typed = complete_typed(e, received=received, default_type=None)
        if typed is None or len(typed[1]) > limit:
            return None
        message_ids.append(typed[0])
        lines.append(typed[1])
    return out


def _parse_event(raw: msgspec.Raw, body: bytes) -> Any:
    """One raw event for the general path; if it is not valid JSON, neither is the body: say where."""
    try:
        return orjson.loads(memoryview(raw))
    except orjson.JSONDecodeError:
        _parse(body)
        raise InputError("malformed JSON in the batch", location=Location("request body")) from None


def _decode_batch_general(body: bytes, *, settings: CollectSettings, received_at: datetime | None) -> DecodedRequest:
    envelope = _parse(body)
    if not isinstance(envelope, dict) or not isinstance(envelope.get("batch"), list):
        raise InputError("a batch request must be a JSON object with a `batch` array",
                         location=Location("request body", field="batch"))
    key = envelope.get("writeKey")
    out = DecodedRequest(write_key=key if isinstance(key, str) else None)
    received = Received.now(sent_at=envelope.get("sentAt"), at=received_at)
    defaults = {k: v for k in ("context", "integrations") if isinstance(v := envelope.get(k), dict)}
    _decode_events(out, envelope["batch"], received=received, default_type=None, defaults=defaults,
                   limit=settings.max_event_bytes)
    return out


def _decode_events(
    out: DecodedRequest,
    events: list[Any],
    *,
    received: Received,
    default_type: str | None,
    defaults: dict[str, Any] | None,
    limit: int,
    first_index: int = 1,
) -> LimitExceeded | None:
    """Validate and serialise events into ``out``; returns the last event-size error, if any.

    Written as one flat loop with local names on purpose: it runs once per event.
    """
    oversized = None
    message_ids, lines = out.message_ids, out.lines
    for index, event in enumerate(events, start=first_index):
        if event.__class__ is dict:
            event.pop("writeKey", None)
        result = validate_event(event, received=received, default_type=default_type, defaults=defaults)
        if result.__class__ is ValidEvent:
            line = orjson.dumps(result.body)  # type: ignore[union-attr]
            if len(line) <= limit:
                message_ids.append(result.message_id)  # type: ignore[union-attr]
                lines.append(line)
                continue
            oversized = _event_limit_error(len(line), limit, Location(row=index))
            result = EventProblem(oversized.problem, None, result.type)  # type: ignore[union-attr]
        _reject(out, index, result, event)  # type: ignore[arg-type]
    return oversized


def decode_single(
    body: bytes, kind: str, *, settings: CollectSettings, received_at: datetime | None = None
) -> DecodedRequest:
    """``POST /v1/<type>``: one event object, which may carry ``writeKey``."""
    if len(body) > settings.max_event_bytes:
        raise _event_limit_error(len(body), settings.max_event_bytes, Location("request body"))
    event = _parse(body)
    out = DecodedRequest()
    if isinstance(event, dict):
        key = event.pop("writeKey", None)
        out.write_key = key if isinstance(key, str) else None
    received = Received.now(at=received_at)
    oversized = _decode_events(out, [event], received=received, default_type=kind, defaults=None,
                               limit=settings.max_event_bytes)
    if oversized is not None:  # it only just fitted before receivedAt etc. were added
        raise oversized
    return out


def _event_limit_error(size: int, limit: int, location: Location) -> LimitExceeded:
    return LimitExceeded(
        f"the event is {size} bytes, over the {limit // 1024} KB event limit (max_event_bytes={limit})",
        limit="max_event_bytes",
        location=location,
    )


def _reject(out: DecodedRequest, index: int, problem: EventProblem, payload: Any) -> None:
    key = payload.get("messageId") if isinstance(payload, dict) else None
    out.rejected.append(
        QuarantineRecord(
            source=SOURCE,
            entity=problem.entity or "unknown",
            reason=problem.reason,
            payload=payload,
            row_number=index,
            field=problem.field,
            record_key=key if isinstance(key, str) else None,
        )
    )
