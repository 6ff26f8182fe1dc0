"""GET /v1/profiles/{type}:{value}: the real-time profile an identifier (or a profile id) belongs to."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from onefold.api.deps import ContextDep, ReaderDep
from onefold.collect.events import profile_view
from onefold.identity import stitch_lookup

router = APIRouter(tags=["profiles"])


@router.get("/v1/profiles/{ref}", operation_id="get_profile")
def get_profile(ref: str, ctx: ContextDep, _: ReaderDep) -> dict[str, Any]:
    """``ref`` is ``type:value``, e.g. ``user_id:42``, ``email:a@b.com``, ``device_id:…`` or
    ``profile_id:ID`` with any profile id: the real-time ``rt_7`` or the id ``onefold build`` gave the
    profile (one id space: the build adopts real-time ids); a retired id resolves to the survivor.
    ``hot_identifiers`` lists identifiers of the profile that too many people share to be trusted."""
    conn = ctx.read_conn()
    view = profile_view(conn, ctx.paths.events_dir, stitch_lookup.canonical_ref(conn, ref))
    return stitch_lookup.unified_view(conn, view, ref)
