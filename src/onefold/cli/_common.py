"""Shared pieces of the CLI: the --workspace option, consoles, and JSON output."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console

from onefold.config import DEFAULT_WORKSPACE

# Rich output goes to stderr for progress and to stdout for results, so `--json` stays parseable.
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def _default_workspace() -> Path:
    return Path(os.environ.get("ONEFOLD_HOME") or DEFAULT_WORKSPACE)


WorkspaceOpt = Annotated[
    Path,
    typer.Option(
        "--workspace",
        "-w",
        help="Workspace folder (default: $ONEFOLD_HOME, else ./onefold-data).",
        default_factory=_default_workspace,
        show_default=False,
    ),
]


def print_json(data: Any) -> None:
    sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2, default=str).decode() + "\n")
    sys.stdout.flush()
