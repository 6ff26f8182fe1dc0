"""Real-time identity graph: why profiles merged, which merges were refused, which identifiers are hot."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from onefold.api.deps import ContextDep, ReaderDep
from onefold.identity import stitch_lookup

router = APIRouter(tags=["identity"])


@router.get("/v1/identity/hot-keys", operation_id="list_hot_keys")
def list_hot_keys(ctx: ContextDep, _: ReaderDep, limit: int = 100) -> dict[str, Any]:
    """Identifier values shared by implausibly many profiles: reported and no longer merge evidence."""
    return {"hot_keys": stitch_lookup.hot_keys(ctx.read_conn(), limit=limit)}


@router.get("/v1/identity/refused-merges", operation_id="list_refused_merges")
def list_refused_merges(ctx: ContextDep, _: ReaderDep, limit: int = 100, profile: str | None = None) -> dict[str, Any]:
    """Merges refused by a per-type limit or a hot identifier; ``profile`` (rt_N) narrows to one profile."""
    return {"refused_merges": stitch_lookup.refused_merges(ctx.read_conn(), limit=limit, profile=profile)}


@router.get("/v1/identity/profiles/{profile_id}/merges", operation_id="explain_profile_merges")
def explain_profile_merges(profile_id: str, ctx: ContextDep, _: ReaderDep) -> dict[str, Any]:
    """The merge ledger of one profile (a retired id resolves to its survivor)."""
    return stitch_lookup.explain(ctx.read_conn(), profile_id)
