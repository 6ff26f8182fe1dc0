"""Identity API: the real-time graph (why profiles merged, refused merges, hot identifiers) and the
built golden records (explain, review, and the corrections `onefold identity split` / `unmerge` make).

Golden-record routes read the last `onefold build`'s warehouse; corrections are must-not-link
constraints in state.sqlite that every later build honours (admin key), so an undone merge does not
come back.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from onefold.api.deps import AdminDep, ContextDep, ReaderDep
from onefold.identity import inspect, stitch_lookup
from onefold.store.sqlite import check_page_limit
from onefold.store.workspace import open_state

router = APIRouter(tags=["identity"])

MAX_REVIEW = 1000


@router.get("/v1/identity/hot-keys", operation_id="list_hot_keys")
def list_hot_keys(ctx: ContextDep, _: ReaderDep, limit: int = 100) -> dict[str, Any]:
    """Identifier values shared by implausibly many profiles: reported and no longer merge evidence."""
    return {"hot_keys": stitch_lookup.hot_keys(ctx.read_conn(), limit=limit)}


@router.get("/v1/identity/refused-merges", operation_id="list_refused_merges")
def list_refused_merges(ctx: ContextDep, _: ReaderDep, limit: int = 100, profile: str | None = None) -> dict[str, Any]:
    """Real-time merges refused by a per-type limit or a hot identifier; ``profile`` narrows to one profile."""
    return {"refused_merges": stitch_lookup.refused_merges(ctx.read_conn(), limit=limit, profile=profile)}


@router.get("/v1/identity/profiles/{profile_id}/merges", operation_id="explain_profile_merges")
def explain_profile_merges(profile_id: str, ctx: ContextDep, _: ReaderDep) -> dict[str, Any]:
    """The real-time merge ledger of one profile (a retired id resolves to its survivor)."""
    return stitch_lookup.explain(ctx.read_conn(), profile_id)


@router.get("/v1/identity/profiles/{profile_id}", operation_id="explain_profile")
def explain_profile(profile_id: str, ctx: ContextDep, _: ReaderDep) -> dict[str, Any]:
    """The golden record of the last build: traits, records, and why they are together — a tree of
    the merged edges from the first record, plus every ledger edge (merged, redundant, refused) with
    its rule or fields and weight. A retired id resolves to the profile that absorbed it."""
    info = inspect.explain(ctx.paths, profile_id)
    return {"profile_id": info.profile_id, "requested": info.requested, "traits": info.traits,
            "records": [":".join(r) for r in info.records], "tree": inspect.edge_tree(info.records, info.edges),
            "edges": info.edges}


@router.get("/v1/identity/review", operation_id="list_review_pairs")
def list_review_pairs(ctx: ContextDep, _: ReaderDep, limit: int = 50) -> dict[str, Any]:
    """Borderline pairs of the last build (match probability between 0.5 and the threshold), most likely first."""
    check_page_limit(limit, maximum=MAX_REVIEW)
    return {"pairs": [{**p, "a": ":".join(p["a"]), "b": ":".join(p["b"])}
                      for p in inspect.review_pairs(ctx.paths, limit=limit)]}


class SplitRequest(BaseModel):
    records: list[str] = Field(min_length=1, max_length=10_000)
    """Records to split off, each ``TYPE:SOURCE:ID`` (e.g. ``customer:pos:p1``, ``user_id:events:u1``)."""


@router.post("/v1/identity/profiles/{profile_id}/split", operation_id="split_profile")
def split_profile(profile_id: str, body: SplitRequest, ctx: ContextDep, _: AdminDep) -> dict[str, Any]:
    """Keep ``records`` apart from the rest of the profile from the next build on (admin key)."""
    records = [inspect.parse_record(r) for r in body.records]
    state = open_state(ctx.paths)
    try:
        added = inspect.split(ctx.paths, state, profile_id, records)
    finally:
        state.close()
    return {"profile_id": profile_id, "constraints_added": added, "applies": "at the next `onefold build`"}


@router.post("/v1/identity/edges/{edge_id}/unmerge", operation_id="unmerge_edge")
def unmerge_edge(edge_id: str, ctx: ContextDep, _: AdminDep) -> dict[str, Any]:
    """Undo one merge edge: its two records never share a profile again (admin key)."""
    state = open_state(ctx.paths)
    try:
        a, b = inspect.unmerge(ctx.paths, state, edge_id)
    finally:
        state.close()
    return {"edge_id": edge_id, "apart": [":".join(a), ":".join(b)], "applies": "at the next `onefold build`"}
