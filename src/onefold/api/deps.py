"""Typed dependencies shared by the routers."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request

from onefold.api.auth import KeyCache, basic_auth_user
from onefold.collect.events import CollectMetrics, EventWriter, IndexFollower, wait_until_indexed
from onefold.config import Settings
from onefold.govern.keys import ApiKey
from onefold.store.sqlite import connect
from onefold.store.workspace import WorkspacePaths

if TYPE_CHECKING:  # engines are imported only by store/ at run time
    import sqlite3

log = logging.getLogger(__name__)

READ_WAIT_SECONDS = 3.0
"""Longest a read waits for the indexer to reach the last acknowledged event. Backpressure keeps the
indexer within about half a second; this is the margin for a starved machine, past which a read is
served stale (and logged) rather than hang."""


@dataclass
class AppContext:
    """Everything one app instance owns; built by create_app, never at import."""

    paths: WorkspacePaths
    settings: Settings
    writer: EventWriter
    indexer: IndexFollower
    metrics: CollectMetrics
    keys: KeyCache
    _local: threading.local = field(default_factory=threading.local)

    def read_conn(self) -> sqlite3.Connection:
        """A state.sqlite connection for the current worker thread (reads only; WAL lets them run
        beside the writer), once the event index and profiles reflect every event acknowledged so far.

        The indexer follows the log within milliseconds; if it falls behind by more than
        ``READ_WAIT_SECONDS`` the read is served anyway (stale) rather than hang, and logged.
        """
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = connect(self.paths.state_db, synchronous="NORMAL")
        acked = self.writer.last_seq
        if not wait_until_indexed(conn, acked, timeout_s=READ_WAIT_SECONDS):
            log.warning("the event index is behind the log (seq %d); serving a stale read", acked)
            self.indexer.ensure_running()
        return conn


# Dependencies are `async def` on purpose: FastAPI runs sync dependencies in its threadpool, a
# thread hop per request that costs more than the work they do.
async def get_context(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.ctx
    return ctx


ContextDep = Annotated[AppContext, Depends(get_context)]


async def require_reader(request: Request, ctx: ContextDep) -> ApiKey:
    """Reads need a reader or admin key (HTTP Basic, key as username); cached like write keys."""
    return ctx.keys.authorize(basic_auth_user(request.headers.get("authorization")), "read")


ReaderDep = Annotated[ApiKey, Depends(require_reader)]


async def require_admin(request: Request, ctx: ContextDep) -> ApiKey:
    """Corrections (identity split / unmerge) need an admin key."""
    return ctx.keys.authorize(basic_auth_user(request.headers.get("authorization")), "admin")


AdminDep = Annotated[ApiKey, Depends(require_admin)]
