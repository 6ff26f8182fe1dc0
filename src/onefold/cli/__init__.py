"""The `onefold` command: thin Typer commands over the library.

Errors: a Terminal error prints one line and exits 1; a Transient one exits 75 (EX_TEMPFAIL) so
scripts can retry; anything else is a bug, reported in one line with exit 70 (EX_SOFTWARE).
Tracebacks only with ``--debug``.
"""

from __future__ import annotations

import logging
import sys

import typer

from onefold.cli import backoffice, collect, core, demo, identity, value
from onefold.cli._common import err
from onefold.errors import OnefoldError, Transient

app = typer.Typer(
    name="onefold",
    help="onefold: an open-source Customer Data Platform.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

for module in (core, collect, backoffice, demo, identity, value):
    module.register(app)

EX_TEMPFAIL = 75
EX_SOFTWARE = 70


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    if debug:
        args.remove("--debug")
        logging.basicConfig(level=logging.DEBUG)
    try:
        # Standalone mode: Typer reports usage errors (bad option values) itself, as one message
        # with exit code 2; only onefold's own errors reach the handler below.
        app(args=args, prog_name="onefold", standalone_mode=True)
    except OnefoldError as exc:
        if debug:
            raise
        err.print(f"error: {exc.message}", markup=False)
        sys.exit(EX_TEMPFAIL if isinstance(exc, Transient) else 1)
    except Exception as exc:
        # A bug, not bad input: say so in one line and keep the traceback for --debug.
        if debug:
            raise
        err.print(f"internal error: {type(exc).__name__}: {exc} (rerun with --debug for the traceback)",
                  markup=False)
        sys.exit(EX_SOFTWARE)
