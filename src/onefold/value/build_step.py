"""Build step "value": per-profile money, CLV net of returns and costs, churn, strategic scores.

Reads the warehouse tables of the back-office step (docs/entities.md) and, when the identity step
ran, ``record_profile`` (one row per golden record); otherwise each customer reference
``customer_source:customer_id`` is its own profile. Writes:

* ``customer_value``: one row per profile — money (build_sql.py), return rate and serial-returner
  flag, RFM scores (quintiles, 5 = best), BG/NBD + Gamma-Gamma gross CLV, net CLV, churn
  probability, preferred channel and best hour/day to reach, acquisition cohort;
* ``strategic_scores(profile_id, use_case, score, explanation)``: weighted percentile ranks per use
  case from ``settings.value.use_cases`` (long format, so use-case names never become identifiers);
* ``cohort_retention``, ``cohort_margin``, ``profitability_by_store``, ``profitability_by_channel``.

Net CLV: gross CLV × the profile's margin ratio before service, less service cost ahead (build_clv.py);
``expected_net_value`` is the same undiscounted, comparable with realised net value over the horizon.
"""

from __future__ import annotations

import datetime as dt
import logging

import numpy as np
import pyarrow as pa

from onefold.errors import ConvergenceError, InputError
from onefold.store.build import BuildContext, register_arrow
from onefold.value import build_sql as sql
from onefold.value.build_clv import clv_columns
from onefold.value.churn import ChurnDataset, ChurnModel, engagement_recency, transaction_features
from onefold.value.scores import percentile, rfm_scores, strategic_scores

log = logging.getLogger(__name__)

MODEL_COLUMNS = ("frequency", "recency", "T", "p_alive", "expected_purchases", "expected_spend", "gross_clv",
                 "net_value_ratio", "net_clv", "expected_net_value", "churn_probability")


def value_step(ctx: BuildContext) -> None:
    con = ctx.con
    con.execute(sql.KEY_WITH_PROFILES if ctx.table_exists("record_profile") else sql.KEY_WITHOUT_PROFILES)
    for i, statement in enumerate((sql.ORDERS, sql.MONEY, sql.TOUCHES, sql.REACH)):
        ctx.progress("aggregating money and engagement", 0.3 * i / 4)
        con.execute(statement)
    con.execute(sql.BROWSE if ctx.table_exists("events") else sql.NO_BROWSE)
    money = con.sql("SELECT profile_id, gross_revenue, net_margin, service_cost, orders FROM _v_money ORDER BY profile_id"
                        ).to_arrow_table()
    orders = con.sql("SELECT profile_id, ordered_at::DATE AS day, total FROM _v_orders").to_arrow_table()
    ctx.progress("fitting CLV models", 0.4)
    model = _model_columns(ctx, money, orders)
    register_arrow(con, "_v_model", model)
    con.execute("""
        CREATE OR REPLACE TABLE customer_value AS
        SELECT m.*, m.return_rate >= $rate AND m.orders >= $min_orders AS serial_returner,
               r.preferred_channel, r.best_hour, r.best_day,
               COALESCE(r.email_engagements, 0) AS email_engagements, COALESCE(r.store_visits, 0) AS store_visits,
               x.* EXCLUDE (profile_id)
        FROM _v_money m LEFT JOIN _v_reach r USING (profile_id) LEFT JOIN _v_model x USING (profile_id)
        ORDER BY m.profile_id""",
        {"rate": ctx.settings.value.serial_returner_rate, "min_orders": ctx.settings.value.serial_returner_min_orders})
    ctx.progress("strategic scores", 0.85)
    register_arrow(con, "_v_scores", strategic_scores(model, ctx.settings.value.use_cases))
    con.execute("CREATE OR REPLACE TABLE strategic_scores AS SELECT * FROM _v_scores")
    for statement in (sql.COHORT_RETENTION, sql.COHORT_MARGIN, sql.PROFITABILITY_BY_STORE,
                      sql.PROFITABILITY_BY_CHANNEL):
        con.execute(statement)
    con.unregister("_v_model")
    con.unregister("_v_scores")


def _model_columns(ctx: BuildContext, money: pa.Table, orders: pa.Table) -> pa.Table:
    """CLV, churn and ranks per profile, aligned with ``money`` (sorted by profile_id)."""
    settings = ctx.settings.value
    profiles = money.column("profile_id").to_numpy(zero_copy_only=False)
    n = len(profiles)
    cols: dict[str, np.ndarray] = {c: np.full(n, np.nan) for c in MODEL_COLUMNS}
    if orders.num_rows:
        end = max(orders.column("day").to_pylist())
        try:
            buyers = clv_columns(ctx, cols, money, orders, end).customer_id
        except (ConvergenceError, InputError) as exc:
            log.warning("value: CLV models skipped (%s)", exc.message)
            buyers = np.unique(orders.column("profile_id").to_numpy(zero_copy_only=False))
        cols["churn_probability"][np.searchsorted(profiles, buyers)] = _churn(ctx, orders, buyers, end,
                                                                              settings.horizon_weeks)
    table: dict[str, pa.Array] = {"profile_id": pa.array(profiles)}
    # NaN (not modelled: no purchase yet, or a model skipped) is stored as NULL.
    table.update({k: pa.array(v, from_pandas=True) for k, v in cols.items()})
    table.update({k: pa.array(v) for k, v in rfm_scores(money, cols).items()})
    table.update({f"pct_{k}": pa.array(v) for k, v in _components(money, cols).items()})
    return pa.table(table)


def _churn(ctx: BuildContext, orders: pa.Table, buyers: np.ndarray, end: dt.date, horizon: int) -> np.ndarray:
    """P(no order in the horizon) per buyer: trained on the cutoff one horizon before the end."""
    cutoff = end - dt.timedelta(weeks=horizon)
    try:
        train = _with_behaviour(ctx, transaction_features(orders, "profile_id", "day", "total", cutoff=cutoff,
                                                          horizon_weeks=horizon), cutoff)
        now = _with_behaviour(ctx, transaction_features(orders, "profile_id", "day", "total", cutoff=end,
                                                        horizon_weeks=horizon), end)
        if train.names != now.names:  # BG/NBD features could be fitted at one cutoff only
            keep = [n for n in train.names if n in now.names]
            train, now = _select(train, keep), _select(now, keep)
        churn = ChurnModel(calibrate=True).fit(train).predict_churn(now)
    except InputError as exc:
        log.warning("value: churn model skipped (%s)", exc.message)
        return np.full(len(buyers), np.nan)
    pos = {p: i for i, p in enumerate(now.customer_id.tolist())}
    return np.array([churn[pos[b]] if b in pos else np.nan for b in buyers.tolist()])


def _select(data: ChurnDataset, names: list[str]) -> ChurnDataset:
    idx = [data.names.index(n) for n in names]
    return ChurnDataset(data.customer_id, names, data.X[:, idx], data.y)


def _with_behaviour(ctx: BuildContext, data: ChurnDataset, cutoff: dt.date) -> ChurnDataset:
    """Add returns, service contacts and engagement before ``cutoff`` to the RFM features."""
    ts = dt.datetime.combine(cutoff, dt.time(23, 59, 59))
    rows = ctx.con.sql(sql.BEHAVIOUR_BEFORE, params={"cutoff": ts}).to_arrow_table()
    ids = rows.column("profile_id").to_numpy(zero_copy_only=False)
    order = np.argsort(ids)
    at = order[np.searchsorted(ids, data.customer_id, sorter=order)]
    def column(name: str) -> np.ndarray:
        return np.asarray(rows.column(name).to_numpy(zero_copy_only=False), dtype=np.float64)[at]

    extra = {name: column(name) for name in ("refund_ratio", "tickets_26w", "engagement_13w", "engagement_52w")}
    for channel in ("email", "visit", "browse"):
        extra.update(engagement_recency(channel, column(f"days_since_{channel}")))
    return data.with_features(extra)


def _components(money: pa.Table, cols: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Percentile ranks (0..1) of the strategic-score components; missing values rank lowest."""
    return {
        "net_clv": percentile(cols["net_clv"]),
        "net_margin": percentile(money.column("net_margin").to_numpy(zero_copy_only=False)),
        "loyalty": percentile(money.column("orders").to_numpy(zero_copy_only=False).astype(np.float64)),
        "churn_risk": percentile(cols["churn_probability"]),
    }
