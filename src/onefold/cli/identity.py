"""CLI commands for identity resolution: `onefold identity ...`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from onefold.cli._common import err, out, print_json

identity_app = typer.Typer(help="Identity resolution: match records, inspect and correct profiles.",
                           no_args_is_help=True)


@identity_app.command("match")
def match(
    input_csv: Annotated[Path, typer.Argument(metavar="INPUT.csv", help="CSV of person records with a header.")],
    id_column: Annotated[str, typer.Option("--id-column", help="Column holding each record's unique id.")],
    field: Annotated[list[str], typer.Option("--field", help="COLUMN=TYPE, repeatable (e.g. surname=last_name).")],
    out_path: Annotated[Path, typer.Option("--out", help="Where to write record_id,cluster_id.")],
    threshold: Annotated[float | None, typer.Option(help="Link probability threshold (default: settings).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Cluster the records of one CSV (dedup, or linkage of sources concatenated in one file)."""
    from onefold.config import load_settings
    from onefold.identity.match_file import match_file, parse_field_options
    from onefold.identity.matcher import MatchOptions

    settings = load_settings().identity
    fields = parse_field_options(field)
    options = MatchOptions(threshold=threshold if threshold is not None else settings.match_threshold)
    with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=err,
                  transient=True) as bar:
        task = bar.add_task("reading", total=1.0)
        summary, _ = match_file(input_csv, id_column=id_column, fields=fields, out=out_path,
                                blocklist=settings.blocklist, options=options,
                                progress=lambda message, fraction: bar.update(task, description=message,
                                                                              completed=fraction))
    if as_json:
        print_json({
            "records": summary.records, "pairs_compared": summary.pairs, "links": summary.links,
            "clusters": summary.clusters, "refused_links": summary.refused_links,
            "rules": [{"rule": r.rule.describe(), "pairs": r.pairs, "new_pairs": r.new_pairs,
                       "skipped_blocks": r.skipped_blocks} for r in summary.rules],
            "hot_values": summary.hot_values, "output": str(summary.output),
        })
        return
    counts = Table(title="identity match", show_header=False)
    for name, value in (("records", summary.records), ("pairs compared", summary.pairs),
                        ("links", summary.links), ("clusters", summary.clusters),
                        ("links refused (chaining guard)", summary.refused_links)):
        counts.add_row(name, f"{value:,}")
    out.print(counts)
    rules = Table(title="blocking rules (a pair is compared once, credited to the first rule finding it)")
    for column in ("rule", "pairs", "new pairs", "blocks skipped (too common)"):
        rules.add_column(column)
    for report in summary.rules:
        rules.add_row(report.rule.describe(), f"{report.pairs:,}", f"{report.new_pairs:,}",
                      f"{report.skipped_blocks:,}")
    out.print(rules)
    for column, values in summary.hot_values.items():
        shown = ", ".join(f"{v!r} ({n} records)" for v, n in values[:5])
        out.print(f"[yellow]not used as evidence[/] (shared by too many records) in {column}: {shown}")
    out.print(f"wrote {summary.output}")


def register(app: typer.Typer) -> None:
    """Add this area's commands to the root app."""
    app.add_typer(identity_app, name="identity")
