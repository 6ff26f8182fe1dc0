"""GET /v1/quarantine: input that parsed but failed validation, with the reason, newest first."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from onefold.api.deps import ContextDep, ReaderDep
from onefold.store import quarantine
from onefold.store.sqlite import check_page_limit, sqlite_int

router = APIRouter(tags=["quarantine"])


@router.get("/v1/quarantine", operation_id="list_quarantine")
def list_quarantine(
    ctx: ContextDep,
    _: ReaderDep,
    source: str | None = None,
    entity: str | None = None,
    status: str = "open",
    limit: int = 100,
    before_id: int | None = None,
) -> dict[str, Any]:
    """Page with ``before_id`` = the smallest id of the previous page."""
    if before_id is not None:
        before_id = sqlite_int(before_id, field="before_id")
    check_page_limit(limit)
    records = quarantine.list_records(ctx.read_conn(), source=source, entity=entity, status=status, limit=limit,
                                      before_id=before_id)
    return {"records": [r.as_dict() for r in records]}
