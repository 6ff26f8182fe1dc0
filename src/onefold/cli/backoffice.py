"""Back-office commands: `import`, `quarantine list|show|retry`, `quality`, `build`, `sql`.

Thin shells: parse options, call one library function, render. Results go to stdout (tables or
``--json``), progress bars and summaries to stderr so ``--json`` output stays parseable.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from onefold.cli._common import WorkspaceOpt, err, out, print_json
from onefold.errors import InputError
from onefold.store import quarantine as qstore
from onefold.store.workspace import open_state, open_workspace

quarantine_app = typer.Typer(help="Inspect and retry quarantined back-office rows.", no_args_is_help=True)


class OutputFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


class FileFormat(StrEnum):
    csv = "csv"
    jsonl = "jsonl"
    parquet = "parquet"


def register(app: typer.Typer) -> None:
    """Add this area's commands to the root app."""
    app.command("import")(import_cmd)
    app.add_typer(quarantine_app, name="quarantine")
    app.command("build")(build_cmd)
    app.command("sql")(sql_cmd)
    app.command("quality")(quality_cmd)


@contextmanager
def progress_bar(title: str) -> Iterator[Progress]:
    """A Rich progress bar on stderr (silent when stderr is not a terminal)."""
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as bar:
        bar.add_task(title, total=1.0)
        yield bar


def import_cmd(
    workspace: WorkspaceOpt,
    entity: Annotated[str, typer.Argument(help="Entity of the rows, e.g. orders (see docs/entities.md).")],
    file: Annotated[Path, typer.Argument(help="CSV, JSONL or Parquet file.")],
    fmt: Annotated[FileFormat | None, typer.Option("--format", help="File format (default: from the suffix).")] = None,
    maps: Annotated[list[str] | None, typer.Option("--map", help="source_col=field; repeat as needed.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help='Print {"read", "loaded", "quarantined"} only.')] = False,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 1 if any row was quarantined.")] = False,
) -> None:
    """Import a back-office file: good rows land, bad rows go to the quarantine with the reason."""
    # Imported here: pyarrow and DuckDB take a second to load, which other commands need not pay.
    from onefold.collect.backoffice import import_file
    from onefold.collect.backoffice.columns import parse_map_options

    paths = open_workspace(workspace)
    mapping = parse_map_options(maps or [])
    with progress_bar(f"import {entity}") as bar:
        task = bar.task_ids[0]
        result = import_file(
            paths,
            entity,
            file,
            fmt=fmt.value if fmt else None,
            mapping=mapping,
            progress=lambda message, fraction: bar.update(task, completed=fraction, description=message),
        )
    if as_json:
        print_json(result.counts())
    else:
        for label, n in list(result.reasons.items())[:10]:
            err.print(f"  {n} × {label}", markup=False)
        if result.ignored_columns:
            err.print(f"ignored columns (no such field): {', '.join(result.ignored_columns)}", markup=False)
        if result.released:
            err.print(f"released {result.released} previously quarantined row(s) now accepted")
        out.print(
            f"{result.source}: read {result.read}, loaded {result.loaded}, quarantined {result.quarantined}",
            markup=False,
        )
    if strict and result.quarantined:
        raise InputError(
            f"--strict: {result.quarantined} of {result.read} row(s) quarantined",
            remedy="see `onefold quarantine list`",
        )


@quarantine_app.command("list")
def quarantine_list(
    workspace: WorkspaceOpt,
    entity: Annotated[str | None, typer.Option(help="Only this entity.")] = None,
    source: Annotated[str | None, typer.Option(help="Only rows from this file name.")] = None,
    include_released: Annotated[bool, typer.Option("--all", help="Include released rows.")] = False,
    limit: Annotated[int, typer.Option(help="Most rows to show.")] = 50,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Quarantined rows, newest first, with where and why."""
    conn = open_state(open_workspace(workspace))
    try:
        records = qstore.list_records(
            conn, entity=entity, source=source, status=None if include_released else "open", limit=limit
        )
    finally:
        conn.close()
    if as_json:
        print_json([r.as_dict() for r in records])
        return
    table = Table("id", "entity", "source", "row", "field", "reason", "status")
    for r in records:
        table.add_row(str(r.id), r.entity, r.source, str(r.row_number or ""), r.field or "", r.reason, r.status)
    out.print(table)


@quarantine_app.command("show")
def quarantine_show(
    workspace: WorkspaceOpt,
    record_id: Annotated[int, typer.Argument(help="Id from `quarantine list`.")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """One quarantined row: location, reason and the row as received."""
    conn = open_state(open_workspace(workspace))
    try:
        record = qstore.get(conn, record_id)
    finally:
        conn.close()
    if as_json:
        print_json(record.as_dict())
        return
    table = Table("", "", show_header=False)
    for key, value in record.as_dict().items():
        if key != "payload":
            table.add_row(key, "" if value is None else str(value))
    for key, value in (record.payload or {}).items():
        table.add_row(f"payload.{key}", shown_value(value))
    out.print(table)


def shown_value(value: object) -> Text:
    """A payload value as the file held it: plain text (never Rich markup), quoted as JSON when
    quotes are needed to see it (empty, spaces or tabs around it, control characters)."""
    text = str(value)
    if text == "" or text != text.strip() or not text.isprintable():
        return Text(orjson.dumps(text).decode())
    return Text(text)


def write_csv(columns: list[str], rows: list[tuple[object, ...]]) -> None:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(["" if v is None else v for v in row] for row in rows)


def build_cmd(workspace: WorkspaceOpt) -> None:
    """Build the warehouse (events, back office, identity, value) into a new file and swap it in."""
    from onefold.config import load_settings
    from onefold.pipeline import build

    paths = open_workspace(workspace)
    with progress_bar("build") as bar:
        task = bar.task_ids[0]
        target = build(
            paths,
            load_settings(paths.root),
            progress=lambda step, message, fraction: bar.update(
                task, completed=fraction, description=f"{step}: {message}"
            ),
        )
    err.print(f"warehouse built: {target}", markup=False)


def sql_cmd(
    workspace: WorkspaceOpt,
    query: Annotated[str, typer.Argument(help="One read-only query, e.g. \"SELECT count(*) FROM orders\".")],
    fmt: Annotated[OutputFormat, typer.Option("--format", help="table, csv or json.")] = OutputFormat.table,
    limit: Annotated[int | None, typer.Option(help="Most rows to print.")] = None,
) -> None:
    """Run a read-only query on the warehouse; anything but a single read is refused."""
    from onefold.store.readonly_sql import run_query

    result = run_query(open_workspace(workspace), query, limit=limit)
    if fmt is OutputFormat.json:
        print_json(result.records())
    elif fmt is OutputFormat.csv:
        write_csv(result.columns, result.rows)
    else:
        table = Table(*result.columns)
        for row in result.rows:
            table.add_row(*("" if v is None else str(v) for v in row))
        out.print(table)


@quarantine_app.command("retry")
def quarantine_retry(
    workspace: WorkspaceOpt,
    entity: Annotated[str | None, typer.Option(help="Only this entity.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Re-check open quarantined rows (e.g. orphans whose parent has arrived); land those that pass."""
    from onefold.collect.backoffice.retry import retry_quarantined

    result = retry_quarantined(open_workspace(workspace), entity=entity)
    if as_json:
        print_json(result.as_dict())
        return
    out.print(f"re-checked {result.checked}, released {result.released}, still open {result.still_open}")
    if result.not_retryable:
        err.print(
            f"{result.not_retryable} row(s) could not be split into fields or were not UTF-8: "
            "fix the file and import it again"
        )


def quality_cmd(
    workspace: WorkspaceOpt,
    as_json: Annotated[bool, typer.Option("--json", help="The full report as JSON.")] = False,
) -> None:
    """Data-quality report per entity: completeness, invalid rate, duplicates, orphans, freshness."""
    from onefold.collect.backoffice.quality import quality_report

    reports = quality_report(open_workspace(workspace))
    if as_json:
        print_json([r.as_dict() for r in reports])
        return
    table = Table(
        "entity", "rows", "invalid", "orphans", "records sharing", "latest", "age (days)", "least complete"
    )
    for r in reports:
        worst = sorted(((f, c) for f, c in r.completeness.items() if c < 1), key=lambda kv: kv[1])[:2]
        table.add_row(
            r.entity,
            str(r.rows),
            f"{r.quarantined} ({r.invalid_rate:.1%})",
            str(r.orphans_quarantined + r.orphans_landed),
            ", ".join(f"{f} {n}" for f, n in r.duplicates.items() if n) or "-",
            r.latest or "-",
            "-" if r.age_days is None else f"{r.age_days:g}",
            ", ".join(f"{f} {c:.0%}" for f, c in worst) or ("all filled" if r.rows else "-"),
        )
    out.print(table)
