"""`onefold demo generate`: write the synthetic retailer (CSVs, events, truth) into a folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from onefold.cli._common import err, out

demo_app = typer.Typer(help="The synthetic demo retailer.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the root app."""
    app.add_typer(demo_app, name="demo")


@demo_app.command("generate")
def generate_cmd(
    customers: Annotated[int, typer.Option("--customers", "-n", help="Number of true persons.")] = 20_000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed; same seed and count give identical files.")] = 42,
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Folder to write into.")] = Path("demo-data"),
) -> None:
    """Generate the demo retailer: one CSV per entity, events.jsonl and truth/ files."""
    from onefold.demo import STEPS, generate

    columns = (TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task("generating", total=len(STEPS))

        def step(name: str) -> None:
            bar.update(task, description=name, completed=STEPS.index(name))

        summary = generate(out_dir, customers=customers, seed=seed, progress=step)
        bar.update(task, completed=len(STEPS))
    table = Table("file", "rows", title=f"wrote {summary.out_dir} (seed {seed}, {customers:,} persons)")
    for name, rows in summary.files.items():
        table.add_row(name, f"{rows:,}")
    out.print(table)
