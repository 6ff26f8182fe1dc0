"""One mapping from OnefoldError to HTTP, so every handler just raises.

Bodies carry Segment's ``code``/``message`` (the SDKs log them) plus onefold's structured fields
(location, remedy, and ``limit`` for size limits). Transient errors carry ``Retry-After``.
"""

from __future__ import annotations

import math

from fastapi import FastAPI, Request, Response

from onefold.api.responses import json_response
from onefold.errors import (
    AuthError,
    Busy,
    InputError,
    LimitExceeded,
    NotFoundError,
    OnefoldError,
    PermissionDenied,
    Transient,
)


def status_for(exc: OnefoldError) -> int:
    if isinstance(exc, AuthError):
        return 401
    if isinstance(exc, PermissionDenied):
        return 403
    if isinstance(exc, LimitExceeded):
        return 413 if exc.limit == "max_batch_bytes" else 400
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, InputError):
        return 400
    if isinstance(exc, Busy):
        return 429
    if isinstance(exc, Transient):
        return 503
    return 500


def error_response(exc: OnefoldError) -> Response:
    status = status_for(exc)
    body = {"success": False, "code": type(exc).__name__, **exc.attrs()}
    if isinstance(exc, LimitExceeded):
        body["limit"] = exc.limit
    headers = {}
    if isinstance(exc, Transient):
        retry = exc.retry_after_s if isinstance(exc, Busy) else 1.0
        headers["Retry-After"] = str(max(1, math.ceil(retry)))
    if status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="onefold"'
    return json_response(body, status_code=status, headers=headers)


def install(app: FastAPI) -> None:
    async def handle(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, OnefoldError)
        return error_response(exc)

    app.add_exception_handler(OnefoldError, handle)
