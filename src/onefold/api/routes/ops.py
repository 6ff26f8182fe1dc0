"""Operations: /healthz for supervisors and tests, /metrics for Prometheus."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from onefold.api.deps import ContextDep

router = APIRouter(tags=["ops"])


@router.get("/healthz", operation_id="healthz")
async def healthz(ctx: ContextDep) -> dict[str, Any]:
    """Cheap on purpose (no threadpool hop): supervisors and load balancers poll it."""
    return {"status": "ok", "queue_depth": ctx.writer.depth}


@router.get("/metrics", operation_id="metrics")
def metrics(ctx: ContextDep) -> Response:
    return Response(generate_latest(ctx.metrics.registry), media_type=CONTENT_TYPE_LATEST)
