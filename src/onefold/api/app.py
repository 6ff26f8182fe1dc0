"""The onefold HTTP API: ``create_app(settings)`` builds one app instance; nothing at import time.

One acceptor process, one worker: the event log has a single writer (onefold.collect.events.writer);
the event index and real-time stitching follow the log in a child process (…events.indexer).
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.routing import APIRoute

from onefold.api import errors
from onefold.api.auth import KeyCache
from onefold.api.deps import AppContext
from onefold.api.routes import collect, docs, events, identity_rt, ops, profiles, quarantine
from onefold.collect.events import CollectMetrics, EventWriter, IndexFollower
from onefold.config import Settings
from onefold.store.workspace import open_state, open_workspace

GIL_SWITCH_SECONDS = 0.0005
"""The writer thread gives up the GIL at every write, fsync and SQLite call; with Python's default
5 ms switch interval, each time it waits up to 5 ms for the event loop (decoding the next request)
to let go, which added tens of ms to each group commit. 0.5 ms measured p99 ack latency at
5,000 events/s 2-7x lower on the shared bench machine (bench/README.md)."""


def _operation_id(route: APIRoute) -> str:
    # Stable ids for generated clients: the route's declared operation id or its function name.
    return route.operation_id or route.name


def create_app(settings: Settings) -> FastAPI:
    paths = open_workspace(settings.workspace)
    open_state(paths).close()  # apply pending migrations before anything reads
    metrics = CollectMetrics()
    indexer = IndexFollower(paths, settings)
    writer = EventWriter(paths, settings, metrics=metrics, on_index_stall=indexer.ensure_running)
    ctx = AppContext(paths, settings, writer, indexer, metrics,
                     KeyCache(paths, ttl_seconds=settings.collect.key_cache_seconds))

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        previous_switch = sys.getswitchinterval()
        sys.setswitchinterval(GIL_SWITCH_SECONDS)
        # Order matters: cut a torn log tail, index whatever the log holds past the index (so the
        # writer's in-memory dedup set starts empty whatever the crash left), then accept events.
        writer.recover()
        indexer.start()
        writer.start()
        metrics.watch_queue(lambda: writer.depth)
        try:
            yield
        finally:
            writer.stop()
            indexer.stop()
            ctx.keys.close()
            sys.setswitchinterval(previous_switch)

    app = FastAPI(
        title="onefold",
        summary="Segment-compatible collection API and customer profiles.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # served by routes/docs.py from local assets
        redoc_url=None,
        generate_unique_id_function=_operation_id,
        # Prometheus at /metrics is onefold's telemetry; FastAPI's OpenTelemetry hooks would only add
        # per-request work on the ingest hot path.
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
    )
    app.state.ctx = ctx
    errors.install(app)
    docs.install(app)
    for module in (collect, events, profiles, identity_rt, quarantine, ops):
        app.include_router(module.router)
    return app
