"""`onefold value …`: CLV predictions from a transactions file, and value-based allocation."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from onefold.cli._common import WorkspaceOpt, err, out, print_json

value_app = typer.Typer(help="Customer value: CLV net of returns, allocation by strategic score.",
                        no_args_is_help=True)


@value_app.command("clv")
def clv_command(
    transactions: Annotated[Path, typer.Option(help="CSV of transactions, one row per purchase.")],
    customer_col: Annotated[str, typer.Option(help="Customer id column.")],
    date_col: Annotated[str, typer.Option(help="Purchase date column (YYYY-MM-DD, or see --date-format).")],
    amount_col: Annotated[str, typer.Option(help="Purchase amount column.")],
    out_path: Annotated[Path, typer.Option("--out", help="Where to write the per-customer CSV.")],
    returns: Annotated[list[Path] | None, typer.Option(help="CSV(s) of refunds; repeatable.")] = None,
    returns_customer_col: Annotated[str | None, typer.Option(help="Customer column in returns (default: --customer-col).")] = None,
    returns_amount_col: Annotated[str, typer.Option(help="Refund amount column in returns.")] = "refund_amount",
    returns_date_col: Annotated[str, typer.Option(help="Date column in returns.")] = "returned_at",
    calibration_end: Annotated[str | None, typer.Option(help="Fit on data up to this date; adds holdout columns.")] = None,
    horizon: Annotated[float, typer.Option(help="Prediction horizon in periods of --freq.")] = 52,
    freq: Annotated[str, typer.Option(help="Period: D (day) or W (week).")] = "W",
    model: Annotated[str, typer.Option(help="Transaction model: bgnbd, mbgnbd or pareto.")] = "bgnbd",
    discount_rate: Annotated[float, typer.Option(help="Annual discount rate.")] = 0.10,
    date_format: Annotated[str | None, typer.Option(help="strptime format of dates, e.g. %Y%m%d.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the fit as JSON.")] = False,
) -> None:
    """Fit BG/NBD (or Pareto/NBD) + Gamma-Gamma and write one row per customer with CLV (net of returns)."""
    from onefold.value.files import read_csv, write_csv
    from onefold.value.predict import ReturnsSpec, predict_clv

    rcol = returns_customer_col or customer_col
    specs = [ReturnsSpec(read_csv(p, string_cols=[rcol]), rcol, returns_amount_col, returns_date_col, str(p))
             for p in returns or []]
    result = predict_clv(
        read_csv(transactions, string_cols=[customer_col]), customer_col=customer_col, date_col=date_col,
        amount_col=amount_col, returns=specs, calibration_end=calibration_end, horizon=horizon,
        freq=freq, model=model, annual_discount_rate=discount_rate,  # type: ignore[arg-type]
        date_format=date_format, source=str(transactions),
    )
    write_csv(out_path, result.columns)
    fits = {m.name: {"params": m.params, "log_likelihood": m.log_likelihood} for m in (result.model, result.spend_model)}
    if json_out:
        print_json({"customers": len(result.summary), "fits": fits, "out": str(out_path),
                    "population_refund_ratio": result.population_refund_ratio})
        return
    table = Table(title=f"{len(result.summary)} customers → {out_path}")
    for col in ("model", "parameters", "log-likelihood"):
        table.add_column(col)
    for name, fit in fits.items():
        params = ", ".join(f"{k}={v:.4g}" for k, v in fit["params"].items())
        table.add_row(name, params, f"{fit['log_likelihood']:.2f}")
    out.print(table)
    if result.population_refund_ratio is not None:
        err.print(f"population refund ratio {result.population_refund_ratio:.3f}; net_clv = clv × (1 − shrunk ratio)")


@value_app.command("allocate")
def allocate_command(
    workspace: WorkspaceOpt,
    sku: Annotated[str, typer.Option(help="The backordered SKU.")],
    units: Annotated[int, typer.Option(help="Units available to allocate.")],
    use_case: Annotated[str, typer.Option(help="Strategic-score use case (settings value.use_cases).")] = "backorder",
    json_out: Annotated[bool, typer.Option("--json", help="Print the allocation as JSON.")] = False,
) -> None:
    """Rank the customers waiting for a backordered SKU by strategic score and explain each choice."""
    from onefold.store.workspace import open_workspace
    from onefold.value.allocate import allocate

    rows = allocate(open_workspace(workspace).warehouse_db, sku=sku, units=units, use_case=use_case)
    if json_out:
        print_json([r.as_dict() for r in rows])
        return
    table = Table(title=f"{sku}: {units} units, {len(rows)} waiting order(s), use case {use_case}")
    for col in ("rank", "order", "customer", "waiting", "allocated", "why"):
        table.add_column(col)
    for r in rows:
        table.add_row(str(r.rank), r.order_id, r.customer, str(r.waiting), str(r.allocated), r.why)
    out.print(table)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the root app."""
    app.add_typer(value_app, name="value")
