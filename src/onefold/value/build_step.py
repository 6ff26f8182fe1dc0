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

Net CLV: gross CLV × the profile's net-value ratio (net margin / gross revenue, shrunk towards the
population ratio with a prior worth two average orders, see returns.py); ``expected_net_value`` is
the same undiscounted, comparable with realised net value over the horizon.
"""

from __future__ import annotations

import datetime as dt
import logging

import numpy as np
import pyarrow as pa

from onefold.errors import ConfigError, ConvergenceError, InputError, Location
from onefold.store.build import BuildContext, register_arrow
from onefold.value import build_sql as sql
from onefold.value.churn import ChurnDataset, ChurnModel, transaction_features
from onefold.value.clv import clv, periodic_rate
from onefold.value.gamma_gamma import GammaGamma
from onefold.value.predict import MODELS, TransactionModel
from onefold.value.returns import shrunk_ratio
from onefold.value.scores import percentile, rfm_scores, strategic_scores
from onefold.value.summary import RFMSummary, summarize

log = logging.getLogger(__name__)

MODEL_COLUMNS = ("frequency", "recency", "T", "p_alive", "expected_purchases", "expected_spend", "gross_clv",
                 "net_value_ratio", "net_clv", "expected_net_value", "churn_probability")


def value_step(ctx: BuildContext) -> None:
    con = ctx.con
    con.execute(sql.KEY_WITH_PROFILES if ctx.table_exists("record_profile") else sql.KEY_WITHOUT_PROFILES)
    for i, statement in enumerate((sql.ORDERS, sql.MONEY, sql.TOUCHES, sql.REACH)):
        ctx.progress("aggregating money and engagement", 0.3 * i / 4)
        con.execute(statement)
    money = con.sql("SELECT profile_id, gross_revenue, net_margin, orders FROM _v_money ORDER BY profile_id"
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
        s = summarize(orders, "profile_id", "day", "total", observation_end=end, freq="W")
        at = np.searchsorted(profiles, s.customer_id)  # every buyer is a profile in _v_money
        try:
            tm, gg = _fit(s, settings.transaction_model)
            factor = _backtest_factor(ctx, orders, end, settings.horizon_weeks, settings.transaction_model)
        except (ConvergenceError, InputError) as exc:
            log.warning("value: CLV models skipped (%s)", exc.message)
        else:
            _clv_columns(cols, at, s, tm, gg, money, settings.horizon_weeks, settings.annual_discount_rate, factor)
        cols["churn_probability"][at] = _churn(ctx, orders, s.customer_id, end, settings.horizon_weeks)
    table: dict[str, pa.Array] = {"profile_id": pa.array(profiles)}
    # NaN (not modelled: no purchase yet, or a model skipped) is stored as NULL.
    table.update({k: pa.array(v, from_pandas=True) for k, v in cols.items()})
    table.update({k: pa.array(v) for k, v in rfm_scores(money, cols).items()})
    table.update({f"pct_{k}": pa.array(v) for k, v in _components(money, cols).items()})
    return pa.table(table)


def _fit(s: RFMSummary, model: str) -> tuple[TransactionModel, GammaGamma]:
    if model not in MODELS:
        raise ConfigError(f"unknown transaction model {model!r}", location=Location(field="value.transaction_model"),
                          remedy=f"use {', '.join(MODELS)}")
    tm = MODELS[model]().fit(s.frequency, s.recency, s.T)
    return tm, GammaGamma().fit(s.frequency, s.monetary_value)


def _net_ratio(gross: np.ndarray, net: np.ndarray, orders: float) -> np.ndarray:
    """Net value per unit of gross revenue, shrunk with a prior worth two average orders."""
    prior = 2.0 * float(gross.sum() / max(orders, 1.0))
    return shrunk_ratio(net, gross, prior_weight=max(prior, 1e-9))


def _backtest_factor(ctx: BuildContext, orders: pa.Table, end: dt.date, horizon: int, model: str) -> float:
    """Aggregate calibration measured inside the observed data, never on the future.

    Refit everything as of one horizon before the end, predict each then-known buyer's net value over
    the following horizon, and compare the total with what those buyers really produced in that
    window. The ratio corrects what a stationary model misses at the population level (trend, a
    changing mix); it is 1 when the data is shorter than two horizons.
    """
    cutoff = end - dt.timedelta(weeks=horizon)
    days = orders.column("day").to_numpy(zero_copy_only=False).astype("datetime64[D]")
    if days.min() > np.datetime64(cutoff - dt.timedelta(weeks=horizon)):
        return 1.0
    s = summarize(orders, "profile_id", "day", "total", observation_end=cutoff, freq="W")
    tm, gg = _fit(s, model)
    undiscounted = clv(tm, s.frequency, s.recency, s.T, spend=gg.expected_spend(s.frequency, s.monetary_value),
                       horizon=horizon)
    cut_ts = dt.datetime.combine(cutoff, dt.time(23, 59, 59))
    before = _window(ctx, dt.datetime(1900, 1, 1), cut_ts, s.customer_id)
    after = _window(ctx, cut_ts, dt.datetime.combine(end, dt.time(23, 59, 59)), s.customer_id)
    predicted = float((undiscounted * _net_ratio(before[0], before[1], float((s.frequency + 1).sum()))).sum())
    realised = float(after[1].sum())
    factor = realised / predicted if predicted > 0 else 1.0
    log.info("value: backtest at %s predicted %.2f, realised %.2f, factor %.4f", cutoff, predicted, realised, factor)
    return factor


def _window(ctx: BuildContext, lo: dt.datetime, hi: dt.datetime, profiles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(gross, net) per profile in (lo, hi], aligned with ``profiles`` (0 when nothing happened)."""
    rows = ctx.con.sql(sql.WINDOW_MONEY, params={"lo": lo, "hi": hi}).to_arrow_table()
    ids = rows.column("profile_id").to_numpy(zero_copy_only=False)
    pos = {p: i for i, p in enumerate(ids.tolist())}
    idx = np.array([pos.get(p, -1) for p in profiles.tolist()], dtype=np.int64)
    out = []
    for name in ("gross", "net"):
        col = np.append(np.asarray(rows.column(name).to_numpy(zero_copy_only=False), dtype=np.float64), 0.0)
        out.append(col[idx])  # index -1 picks the appended 0
    return out[0], out[1]


def _clv_columns(cols: dict[str, np.ndarray], at: np.ndarray, s: RFMSummary, tm: TransactionModel,
                 gg: GammaGamma, money: pa.Table, horizon: int, annual_rate: float, factor: float) -> None:
    x, tx, T, m = s.frequency, s.recency, s.T, s.monetary_value
    spend = gg.expected_spend(x, m)
    gross = clv(tm, x, tx, T, spend=spend, horizon=horizon, discount_rate=periodic_rate(annual_rate, "W"))
    undiscounted = clv(tm, x, tx, T, spend=spend, horizon=horizon)
    revenue = money.column("gross_revenue").to_numpy(zero_copy_only=False)[at]
    margin = money.column("net_margin").to_numpy(zero_copy_only=False)[at]
    ratio = _net_ratio(revenue, margin, float(money.column("orders").to_numpy(zero_copy_only=False).sum()))
    for name, values in (("frequency", x), ("recency", tx), ("T", T), ("p_alive", tm.p_alive(x, tx, T)),
                         ("expected_purchases", tm.expected_purchases(horizon, x, tx, T)),
                         ("expected_spend", spend), ("gross_clv", gross), ("net_value_ratio", ratio),
                         ("net_clv", gross * ratio * factor), ("expected_net_value", undiscounted * ratio * factor)):
        cols[name][at] = values


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
        churn = ChurnModel().fit(train).predict_churn(now)
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
    extra = {name: np.asarray(rows.column(name).to_numpy(zero_copy_only=False), dtype=np.float64)[at]
             for name in ("refund_ratio", "tickets_26w", "engagement_13w", "engagement_52w")}
    return data.with_features(extra)


def _components(money: pa.Table, cols: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Percentile ranks (0..1) of the strategic-score components; missing values rank lowest."""
    return {
        "net_clv": percentile(cols["net_clv"]),
        "net_margin": percentile(money.column("net_margin").to_numpy(zero_copy_only=False)),
        "loyalty": percentile(money.column("orders").to_numpy(zero_copy_only=False).astype(np.float64)),
        "churn_risk": percentile(cols["churn_probability"]),
    }
