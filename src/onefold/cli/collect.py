"""`onefold serve`: the collection API and read endpoints in one uvicorn process."""

from __future__ import annotations

import logging

import typer

from onefold.cli._common import WorkspaceOpt, err
from onefold.config import load_settings
from onefold.store.workspace import open_workspace


def register(app: typer.Typer) -> None:
    """Add this area's commands to the root app."""
    app.command("serve")(serve)


def serve(
    workspace: WorkspaceOpt,
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="TCP port."),
    log_level: str = typer.Option("warning", help="uvicorn log level."),
) -> None:
    """Serve the API. One worker on purpose: the event log has a single writer."""
    import uvicorn

    from onefold.api import create_app

    open_workspace(workspace)
    settings = load_settings(workspace)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = create_app(settings)
    err.print(f"onefold API on http://{host}:{port}  (docs: http://{host}:{port}/docs)")
    uvicorn.run(app, host=host, port=port, workers=1, log_level=log_level, access_log=False,
                loop="uvloop", http="httptools", timeout_graceful_shutdown=10)
