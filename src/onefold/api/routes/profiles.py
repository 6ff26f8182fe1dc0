"""GET /v1/profiles/{type}:{value}: the real-time profile an identifier belongs to."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from onefold.api.deps import ContextDep, ReaderDep
from onefold.collect.events import profile_view

router = APIRouter(tags=["profiles"])


@router.get("/v1/profiles/{ref}", operation_id="get_profile")
def get_profile(ref: str, ctx: ContextDep, _: ReaderDep) -> dict[str, Any]:
    """``ref`` is ``type:value``, e.g. ``user_id:42``, ``anonymous_id:abc`` or ``email:a@b.com``."""
    return profile_view(ctx.read_conn(), ctx.paths.events_dir, ref)
