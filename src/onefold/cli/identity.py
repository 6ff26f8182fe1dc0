"""CLI commands for identity resolution: `onefold identity ...`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from onefold.cli._common import WorkspaceOpt, err, out, print_json

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
    from onefold.identity.match_settings import match_options

    settings = load_settings().identity
    fields = parse_field_options(field)
    options = match_options(settings, threshold=threshold)
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


@identity_app.command("explain")
def explain(profile: Annotated[str, typer.Argument(help="Profile id (a retired id also resolves).")],
            workspace: WorkspaceOpt, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Show why a profile's records are together: a tree of edges with their evidence."""
    from rich.tree import Tree

    from onefold.identity.inspect import edge_tree
    from onefold.identity.inspect import explain as explain_profile
    from onefold.store.workspace import open_workspace

    info = explain_profile(open_workspace(workspace), profile)
    if as_json:
        print_json({"profile_id": info.profile_id, "traits": info.traits, "records": info.records,
                    "tree": edge_tree(info.records, info.edges), "edges": info.edges})
        return
    title = info.profile_id + (f" (retired id {info.requested} resolves here)" if info.requested != info.profile_id else "")
    tree = Tree(f"[bold]{title}[/] — {len(info.records)} records")
    traits = tree.add("golden record")
    for name, value in info.traits.items():
        if name not in ("profile_id",) and value not in (None, ""):
            traits.add(f"{name}: {value}")
    def evidence(node: Tree, values: dict[str, object]) -> None:
        for key, value in values.items():
            if isinstance(value, dict):
                node.add(f"{key}: " + ", ".join(f"{k} {v:+.1f}" for k, v in value.items()))
            else:
                node.add(f"{key}: {value}")

    def weight(value: float | None) -> str:
        return "" if value is None else f", weight {value:.1f}"

    why = edge_tree(info.records, info.edges)
    stack = [(tree.add(f"[bold]{why['record']}[/] (root)"), why)] if why else []
    while stack:
        branch, node = stack.pop()
        for child in node["children"]:
            sub = branch.add(f"⇄ [bold]{child['record']}[/]  {child['rule']}{weight(child['weight'])}"
                             f"  [dim]{child['edge_id']}[/]")
            evidence(sub, child["evidence"])
            stack.append((sub, child))
    others = [e for e in info.edges if e["status"] != "merged"]
    extra = tree.add(f"{len(others)} other edges (redundant or refused)")
    for edge in others:
        a = ":".join((edge["a_type"], edge["a_source"], edge["a_id"]))
        b = ":".join((edge["b_type"], edge["b_source"], edge["b_id"]))
        evidence(extra.add(f"{a} ⇄ {b}  [dim]{edge['edge_id']}[/]  {edge['rule']} ({edge['status']}"
                           f"{weight(edge['weight'])})"), edge["evidence"])
    out.print(tree)


@identity_app.command("split")
def split(profile: Annotated[str, typer.Argument(help="Profile id.")],
          records: Annotated[list[str], typer.Option("--records", help="TYPE:SOURCE:ID to split off (repeatable).")],
          workspace: WorkspaceOpt) -> None:
    """Split records off a profile; the next `onefold build` keeps them apart for good."""
    from onefold.identity.inspect import parse_record
    from onefold.identity.inspect import split as split_profile
    from onefold.store.workspace import open_state, open_workspace

    paths = open_workspace(workspace)
    state = open_state(paths)
    try:
        added = split_profile(paths, state, profile, [parse_record(r) for r in records])
    finally:
        state.close()
    out.print(f"recorded {added} must-not-link constraint(s); run `onefold build` to apply")


@identity_app.command("unmerge")
def unmerge(edge: Annotated[str, typer.Argument(help="Edge id from `identity explain`.")],
            workspace: WorkspaceOpt) -> None:
    """Undo one merge edge; the next `onefold build` will not join those two records again."""
    from onefold.identity.inspect import unmerge as unmerge_edge
    from onefold.store.workspace import open_state, open_workspace

    paths = open_workspace(workspace)
    state = open_state(paths)
    try:
        a, b = unmerge_edge(paths, state, edge)
    finally:
        state.close()
    out.print(f"{':'.join(a)} and {':'.join(b)} will stay apart; run `onefold build` to apply")


@identity_app.command("review")
def review(workspace: WorkspaceOpt, limit: Annotated[int, typer.Option(help="Pairs to show.")] = 20,
           as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List borderline pairs (match probability between 0.5 and the link threshold)."""
    from onefold.identity.inspect import review_pairs
    from onefold.store.workspace import open_workspace

    pairs = review_pairs(open_workspace(workspace), limit=limit)
    if as_json:
        print_json(pairs)
        return
    table = Table(title=f"{len(pairs)} borderline pairs (not merged)")
    for column in ("record a", "record b", "probability", "evidence (log2 weight)"):
        table.add_column(column)
    for pair in pairs:
        table.add_row(":".join(pair["a"]), ":".join(pair["b"]), f"{pair['probability']:.3f}",
                      ", ".join(f"{k} {v:+.1f}" for k, v in pair["evidence"].items()))
    out.print(table)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the root app."""
    app.add_typer(identity_app, name="identity")
