"""Turn one HTTP request body into accepted events and quarantine records.

The hot path of the collection API, so it avoids FastAPI's pydantic body parsing: the body is
gunzipped with a hard output cap (a gzip bomb cannot grow memory past the batch limit), the batch
envelope is decoded by msgspec into raw per-event byte slices (their exact size is the 32 KB check),
and each event is decoded with orjson and validated by :mod:`onefold.schema.events`.

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
from onefold.schema.events import EventProblem, ValidEvent, validate_event
from onefold.store.quarantine import QuarantineRecord

SOURCE = "api"


class _Envelope(msgspec.Struct):
    batch: list[msgspec.Raw] = []
    sentAt: Any = None  # noqa: N815 - Segment's field name
    writeKey: Any = None  # noqa: N815
    context: Any = None
    integrations: Any = None


_ENVELOPE = msgspec.json.Decoder(_Envelope)


@dataclass
class DecodedRequest:
    """Accepted events (with their serialised lines) and rejected ones, from one request."""

    write_key: str | None = None
    valid: list[ValidEvent] = field(default_factory=list)
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


def _malformed(body: bytes, detail: str) -> InputError:
    try:
        orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        return InputError(
            f"malformed JSON at line {exc.lineno} column {exc.colno} (byte {exc.pos}): {exc.msg}",
            location=Location("request body"),
        )
    return InputError(f"unexpected JSON shape: {detail}", location=Location("request body"))


def decode_batch(body: bytes, *, settings: CollectSettings, received_at: datetime) -> DecodedRequest:
    """``POST /v1/batch``: ``{"batch": [...], "sentAt", "context", "integrations", "writeKey"}``."""
    try:
        envelope = _ENVELOPE.decode(body)
    except msgspec.DecodeError as exc:
        raise _malformed(body, str(exc)) from exc
    out = DecodedRequest(write_key=envelope.writeKey if isinstance(envelope.writeKey, str) else None)
    defaults = {k: v for k, v in (("context", envelope.context), ("integrations", envelope.integrations))
                if isinstance(v, dict)}
    for index, raw in enumerate(envelope.batch, start=1):
        event = orjson.loads(memoryview(raw))  # a slice the envelope decoder already validated
        if len(raw) > settings.max_event_bytes:
            problem = EventProblem(
                f"event is {len(raw)} bytes, over the {settings.max_event_bytes // 1024} KB event limit"
                f" (max_event_bytes={settings.max_event_bytes})",
                None,
                event.get("type", "unknown") if isinstance(event, dict) else "unknown",
            )
            _reject(out, index, problem, event)
            continue
        _accept(out, index, event, received_at=received_at, default_type=None, sent_at=envelope.sentAt,
                defaults=defaults)
    return out


def decode_single(body: bytes, kind: str, *, settings: CollectSettings, received_at: datetime) -> DecodedRequest:
    """``POST /v1/<type>``: one event object, which may carry ``writeKey``."""
    if len(body) > settings.max_event_bytes:
        raise LimitExceeded(
            f"the event is {len(body)} bytes, over the {settings.max_event_bytes // 1024} KB event limit"
            f" (max_event_bytes={settings.max_event_bytes})",
            limit="max_event_bytes",
            location=Location("request body"),
        )
    try:
        event = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise _malformed(body, str(exc)) from exc
    out = DecodedRequest()
    if isinstance(event, dict):
        key = event.pop("writeKey", None)
        out.write_key = key if isinstance(key, str) else None
    _accept(out, 1, event, received_at=received_at, default_type=kind, sent_at=None, defaults=None)
    return out


def _accept(
    out: DecodedRequest,
    index: int,
    event: Any,
    *,
    received_at: datetime,
    default_type: str | None,
    sent_at: Any,
    defaults: dict[str, Any] | None,
) -> None:
    if isinstance(event, dict):
        event.pop("writeKey", None)
    result = validate_event(event, received_at=received_at, default_type=default_type, sent_at=sent_at,
                            defaults=defaults)
    if isinstance(result, EventProblem):
        _reject(out, index, result, event)
        return
    out.valid.append(result)
    out.lines.append(orjson.dumps(result.body))


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
