"""Segment-compatible write endpoints: /v1/track, identify, page, screen, group, alias, batch.

The handler reads the raw body (no pydantic parsing on the hot path), authenticates, decodes,
queues the events for the durable writer and answers only once they are fsynced.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request, Response

from onefold.api.auth import basic_auth_user
from onefold.api.deps import AppContext
from onefold.api.responses import json_response
from onefold.collect.events import IngestResult, Job, decode_batch, decode_single, read_body
from onefold.collect.events.decode import batch_limit_error
from onefold.schema.events import EVENT_TYPES

router = APIRouter(tags=["collect"])

_EVENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "A Segment spec event (userId or anonymousId required).",
    "additionalProperties": True,
}
_BATCH_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"batch": {"type": "array", "items": _EVENT_SCHEMA}, "sentAt": {"type": "string"}},
    "required": ["batch"],
}


async def _wait_for_writer(ctx: AppContext, job_parts: Any) -> IngestResult:
    loop = asyncio.get_running_loop()
    future: asyncio.Future[IngestResult] = loop.create_future()

    def settle(result: IngestResult | BaseException) -> None:
        if future.done():
            return
        if isinstance(result, BaseException):
            future.set_exception(result)
        else:
            future.set_result(result)

    def done(result: IngestResult | BaseException) -> None:  # called on the writer thread
        try:
            loop.call_soon_threadsafe(settle, result)
        except RuntimeError:  # the loop closed (shutdown): nobody is waiting; the events are stored
            pass

    ctx.writer.submit(Job(job_parts.message_ids, job_parts.lines, job_parts.rejected, done))
    return await future


async def _read_capped(request: Request, max_bytes: int) -> bytes:
    """Read the body but stop past the limit, so an oversized upload never sits in memory whole.

    The cap applies to the bytes on the wire too (gzip only shrinks JSON); the decompressed size
    is checked again by read_body.
    """
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise batch_limit_error(max_bytes)
        chunks.append(chunk)
    return b"".join(chunks)


def _endpoint(kind: str | None) -> Callable[[Request], Awaitable[Response]]:
    async def ingest(request: Request) -> Response:
        ctx: AppContext = request.app.state.ctx
        settings = ctx.settings.collect
        header_key = basic_auth_user(request.headers.get("authorization"))
        if header_key is not None:
            ctx.keys.authorize(header_key, "write")  # refuse before reading a large body
        received_at = datetime.now(UTC)
        raw = await _read_capped(request, settings.max_batch_bytes)
        body = read_body(raw, content_encoding=request.headers.get("content-encoding"),
                         max_bytes=settings.max_batch_bytes)
        if kind is None:
            decoded = decode_batch(body, settings=settings, received_at=received_at)
        else:
            decoded = decode_single(body, kind, settings=settings, received_at=received_at)
        if header_key is None:
            ctx.keys.authorize(decoded.write_key, "write")
        result = await _wait_for_writer(ctx, decoded)
        return json_response({"success": True, "accepted": result.accepted, "duplicates": result.duplicates,
                               "quarantined": result.quarantined})

    return ingest


def _register() -> None:
    for kind in sorted(EVENT_TYPES):
        router.add_api_route(
            f"/v1/{kind}", _endpoint(kind), methods=["POST"], operation_id=f"collect_{kind}",
            summary=f"Send one {kind} event",
            openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": _EVENT_SCHEMA}}}},
        )
    router.add_api_route(
        "/v1/batch", _endpoint(None), methods=["POST"], operation_id="collect_batch",
        summary="Send up to 500 KB of events of any type",
        openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": _BATCH_SCHEMA}}}},
    )


_register()
