"""GET /v1/events: stored events, newest first, for the event debugger and tests."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from onefold.api.deps import ContextDep, ReaderDep
from onefold.collect.events import list_events

router = APIRouter(tags=["events"])


@router.get("/v1/events", operation_id="list_events")
def get_events(
    ctx: ContextDep,
    _: ReaderDep,
    user_id: str | None = None,
    anonymous_id: str | None = None,
    type: str | None = None,
    event: str | None = None,
    limit: int = 100,
    cursor: str | None = None,
) -> dict[str, Any]:
    """Events as stored (with seq, receivedAt and the skew-corrected timestamp); page with next_cursor."""
    return list_events(ctx.read_conn(), ctx.paths.events_dir, user_id=user_id, anonymous_id=anonymous_id,
                       type=type, event=event, limit=limit, cursor=cursor)
