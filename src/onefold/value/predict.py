"""One call from transactions (and optional returns) to per-customer CLV predictions.

Used by ``onefold value clv`` and the bench: summary → transaction model (BG/NBD or Pareto/NBD) →
Gamma-Gamma spend → discounted CLV over the horizon → net of returns (see ``returns.py``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from onefold.errors import InputError, Location
from onefold.value._columns import Table, codes, day_numbers, numbers
from onefold.value.bgnbd import BetaGeo
from onefold.value.clv import clv, periodic_rate
from onefold.value.gamma_gamma import GammaGamma
from onefold.value.mbgnbd import ModifiedBetaGeo
from onefold.value.pareto_nbd import ParetoNBD
from onefold.value.returns import refund_ratio
from onefold.value.summary import Freq, RFMSummary, summarize, to_day

ModelName = Literal["bgnbd", "mbgnbd", "pareto"]
TransactionModel = BetaGeo | ModifiedBetaGeo | ParetoNBD
MODELS: dict[str, type[TransactionModel]] = {"bgnbd": BetaGeo, "mbgnbd": ModifiedBetaGeo, "pareto": ParetoNBD}


@dataclass(frozen=True)
class ReturnsSpec:
    """Where refunds are: a table with a customer column, a refund amount and a date."""

    table: Table
    customer_col: str
    amount_col: str = "refund_amount"
    date_col: str = "returned_at"
    source: str | None = None


@dataclass
class CLVResult:
    summary: RFMSummary
    model: TransactionModel
    spend_model: GammaGamma
    columns: dict[str, np.ndarray]
    population_refund_ratio: float | None = None


def _sum_by_customer(ids: np.ndarray, cust_values: np.ndarray, amounts: np.ndarray) -> np.ndarray:
    """Sum ``amounts`` of rows whose id is ``cust_values`` onto the order of ``ids`` (unknown ids dropped)."""
    pos = pc.index_in(pa.array(cust_values), value_set=pa.array(ids)).to_numpy(zero_copy_only=False)
    known = ~np.isnan(pos.astype(np.float64))
    return np.bincount(pos[known].astype(np.int64), weights=amounts[known], minlength=ids.shape[0])


def predict_clv(
    transactions: Table,
    *,
    customer_col: str,
    date_col: str,
    amount_col: str,
    returns: list[ReturnsSpec] | None = None,
    calibration_end: str | dt.date | None = None,
    observation_end: str | dt.date | None = None,
    horizon: float = 52,
    freq: Freq = "W",
    model: ModelName = "bgnbd",
    annual_discount_rate: float = 0.10,
    date_format: str | None = None,
    source: str | None = None,
    prior_orders: float = 2.0,
) -> CLVResult:
    """Fit and predict; the result's ``columns`` are the CLI's output columns, one row per customer.

    Returns after the end of the fitting period are ignored, as are returns of unknown customers.
    """
    if model not in MODELS:
        raise InputError(f"unknown model {model!r}", location=Location(field="model"), remedy=f"use {', '.join(MODELS)}")
    summary = summarize(transactions, customer_col, date_col, amount_col, calibration_end=calibration_end,
                        observation_end=observation_end, freq=freq, date_format=date_format, source=source)
    x, tx, T, m = summary.frequency, summary.recency, summary.T, summary.monetary_value
    tm = MODELS[model]().fit(x, tx, T)
    gg = GammaGamma().fit(x, m)
    spend = gg.expected_spend(x, m)
    value = clv(tm, x, tx, T, spend=spend, horizon=horizon, discount_rate=periodic_rate(annual_discount_rate, freq))
    cols = dict(summary.columns())
    cols.update({
        "p_alive": tm.p_alive(x, tx, T),
        "expected_purchases": tm.expected_purchases(horizon, x, tx, T),
        "expected_spend": spend,
        "clv": value,
    })
    pop_ratio = None
    if returns:
        end = calibration_end if calibration_end is not None else observation_end
        ratio, pop_ratio = _refund_ratios(transactions, summary.customer_id, returns, end=end,
                                          customer_col=customer_col, date_col=date_col, amount_col=amount_col,
                                          date_format=date_format, source=source, prior_orders=prior_orders)
        cols["refund_ratio"] = ratio
        cols["net_clv"] = value * (1 - ratio)
    return CLVResult(summary, tm, gg, cols, pop_ratio)


def _refund_ratios(transactions: Table, customers: np.ndarray, returns: list[ReturnsSpec], *,
                   end: str | dt.date | None, customer_col: str, date_col: str, amount_col: str,
                   date_format: str | None, source: str | None, prior_orders: float) -> tuple[np.ndarray, float]:
    """Shrunk refund ratio per customer over the fitting period, and the population ratio."""
    cust, ids = codes(transactions, customer_col, source=source)
    days = day_numbers(transactions, date_col, date_format=date_format, source=source)
    amounts = numbers(transactions, amount_col, source=source)
    end_day = to_day(end, "calibration_end")
    end_day = int(days.max()) if end_day is None else end_day
    keep = days <= end_day
    gross = _sum_by_customer(customers, ids[cust[keep]], amounts[keep])
    refunds = np.zeros_like(gross)
    for spec in returns:
        r_cust, r_ids = codes(spec.table, spec.customer_col, source=spec.source)
        r_days = day_numbers(spec.table, spec.date_col, source=spec.source)
        r_amt = numbers(spec.table, spec.amount_col, source=spec.source)
        ok = r_days <= end_day
        refunds += _sum_by_customer(customers, r_ids[r_cust[ok]], r_amt[ok])
    ratio = refund_ratio(gross, refunds, mean_order=float(amounts[keep].mean()), prior_orders=prior_orders)
    return ratio, float(refunds.sum() / gross.sum()) if gross.sum() > 0 else 0.0
