"""CLV columns of the "value" build step: gross and net CLV and expected net value per profile.

Expected net value over the horizon = expected gross spend × the profile's margin ratio before
service − expected service cost; ``net_clv`` is the same discounted. Each choice below fixes a
measured bias on the demo retailer (bench/value_demo.py, bench/README.md):

* the purchase model runs on a seasonal clock (seasonality.py): in calendar weeks, customers seen
  only in a Q4 peak looked faster than they are and the year ahead was over-predicted;
* customers who were already on the books when the data starts (a customer record created before
  the first order in the data) have a model of their own (known_age.py, on_books.py): observed from the
  data start with their account's age, buyers in the data and silent accounts alike, since their
  first purchase in the data is not their first. Customers acquired inside the data are fitted from
  their first purchase with the configured model (Fader, Hardie & Lee recommend fitting by cohort);
  profiles whose every order was cancelled start at their first attempt. ``frequency``, ``recency``
  and ``T`` stay the buyers' summary from their first purchase in the data (RFM as users read it), so
  silent on-books accounts and cancelled-only profiles have a forecast but no RFM summary;
* service cost is projected mostly per week of exposure (service.py): it goes on for customers who
  stopped buying, and for profiles with no order at all; only its order-driven part (one population
  regression on exposure and purchases) follows expected purchases;
* returns still to come on orders already placed (late-December parcels coming back in January) are
  subtracted (pending.py): CLV models see only purchases yet to come; so are the contacts still to
  come about them (parcels not yet delivered, returns still to come; service.py).

The margin ratio (net margin + service cost) / gross revenue is shrunk towards the ratio of customers
with as many orders, with a prior worth two average orders (returns.py), so one returned jacket does
not make a customer worthless and the frequent serial returners do not drag the occasional buyers down.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from onefold.errors import ConfigError, ConvergenceError, Location
from onefold.store.build import BuildContext
from onefold.value import build_sql as sql
from onefold.value.clv import discounted_expected_purchases, periodic_rate
from onefold.value.gamma_gamma import GammaGamma
from onefold.value.known_age import KnownAgeModifiedBetaGeo
from onefold.value.on_books import on_books_summary
from onefold.value.pending import loss_beyond, pending_return_loss
from onefold.value.predict import MODELS
from onefold.value.returns import shrunk_ratio_by_class
from onefold.value.seasonality import SeasonalClock
from onefold.value.service import (
    discounted_weeks,
    order_and_return_costs,
    service_still_to_come,
    split_service,
)
from onefold.value.summary import RFMSummary, summarize

log = logging.getLogger(__name__)

#: below this many buyers in either group, one model is fitted for everybody
MIN_COHORT = 200


def order_days(orders: pa.Table) -> np.ndarray:
    return orders.column("day").to_numpy(zero_copy_only=False).astype("datetime64[D]")


def summary_on_clock(orders: pa.Table, clock: SeasonalClock, end: dt.date) -> RFMSummary:
    """RFM summary up to ``end`` in operational weeks (seasonality.py)."""
    on_clock = orders.set_column(orders.column_names.index("day"), "day", pa.array(clock.warp(order_days(orders))))
    return summarize(on_clock, "profile_id", "day", "total", observation_end=clock.warp(np.datetime64(end))[()],
                     freq="W")


def _exposure(ctx: BuildContext) -> tuple[pa.Table, np.datetime64 | None]:
    rows = ctx.con.sql(sql.PROFILE_EXPOSURE).to_arrow_table()
    start = ctx.con.sql(sql.DATA_START).fetchall()[0][0]
    return rows, None if start is None else np.datetime64(start, "s")


def clv_columns(ctx: BuildContext, cols: dict[str, np.ndarray], money: pa.Table, orders: pa.Table,
                end: dt.date) -> RFMSummary:
    """Fill the CLV columns of ``cols`` (aligned with ``money``, sorted by profile_id); returns the
    buyers' summary. Raises ConvergenceError / InputError when a model cannot be fitted."""
    settings = ctx.settings.value
    if settings.transaction_model not in MODELS:
        raise ConfigError(f"unknown transaction model {settings.transaction_model!r}",
                          location=Location(field="value.transaction_model"), remedy=f"use {', '.join(MODELS)}")
    clock = SeasonalClock.from_purchases(order_days(orders))
    log.info("value: seasonal factors %s", np.round(clock.factors, 3).tolist())
    s = summary_on_clock(orders, clock, end)
    profiles = money.column("profile_id").to_numpy(zero_copy_only=False)
    n = len(profiles)
    at = np.searchsorted(profiles, s.customer_id)  # every buyer is a profile in _v_money
    exposure, data_start = _exposure(ctx)
    opened = exposure.column("first_record").to_numpy(zero_copy_only=False).astype("datetime64[s]")
    on_books = opened < data_start if data_start is not None else np.zeros(n, dtype=bool)
    buyer = np.zeros(n, dtype=bool)
    buyer[at] = True

    horizon = clock.weeks_after(np.datetime64(end), settings.horizon_weeks)
    x, tx, T, m = s.frequency, s.recency, s.T, s.monetary_value
    gg = GammaGamma().fit(x, m)
    spend = np.full(n, float(gg.expected_spend(np.zeros(1), np.zeros(1))[0]))  # no order yet: the population's
    spend[at] = gg.expected_spend(x, m)
    returns, delivery_days = _returns_at_cutoff(ctx, profiles, end)
    pending = pending_return_loss(**returns) if returns else np.zeros(n)
    log.info("value: returns still to come on placed orders %.2f", float(pending.sum()))
    beyond_share, relative = _loss_after_horizon(returns, delivery_days, settings.horizon_weeks, n)
    rate = periodic_rate(settings.annual_discount_rate, "W")
    steps = np.arange(1.0, horizon + 0.5)
    forecasts: list[_Forecast] = []
    if min(int((on_books & buyer).sum()), int((~on_books & buyer).sum())) >= MIN_COHORT:
        rows = np.flatnonzero(on_books)
        try:
            forecasts.append(_on_books_forecast(clock, data_start, end, opened[rows], rows, orders, profiles))
        except ConvergenceError as exc:  # its buyers are still forecast, from their first purchase in the data
            log.warning("value: on-books model skipped (%s)", exc.message)
            on_books = np.zeros(n, dtype=bool)
    else:  # too few on either side for two fits: one model for every buyer
        on_books = np.zeros(n, dtype=bool)
    acquired = ~on_books[at]
    forecasts.append(_buyers_forecast(settings.transaction_model, at[acquired], x[acquired], tx[acquired],
                                      T[acquired], _attempts_only(ctx, clock, end, profiles, ~on_books)))
    p_alive, purchases, gross, undiscounted, beyond = (np.full(n, np.nan) for _ in range(5))
    modelled = np.zeros(n, dtype=bool)
    for f in forecasts:
        r = f.rows
        modelled[r] = True
        p_alive[r] = f.p_alive
        purchases[r] = f.expected(horizon)
        gross[r] = f.discounted(steps, (1 + rate) ** -steps) * spend[r]
        undiscounted[r] = purchases[r] * spend[r]
        beyond[r] = _last_weeks_purchases(f.expected, len(r), clock, end, settings.horizon_weeks,
                                          len(beyond_share)) @ beyond_share

    periods = np.zeros(n)
    periods[at] = x + 1
    returns_seen = np.bincount(returns["return_profile"], minlength=n) if returns else None
    weekly_cost, per_purchase = _service_rates(exposure, data_start, end, periods, returns_seen)
    # Order-driven service comes per purchase; as a share of each purchase's expected spend it joins the
    # margin ratio, so net CLV stays gross CLV x ratio. The rest is per week (service.py).
    ratio = _margin_ratio(money, pending) - np.divide(per_purchase, spend, out=np.zeros_like(spend), where=spend > 0)
    # Returns dated after the horizon, of orders placed in its last weeks, are not the horizon's money
    # (as the returns of this December's orders coming in January are): the developed ratio charges them.
    beyond = beyond * spend * relative
    log.info("value: returns after the horizon of orders placed in it %.2f", float(np.nansum(beyond)))
    end_discount = (1 + rate) ** -float(settings.horizon_weeks)
    for name, values in (("frequency", x), ("recency", tx), ("T", T)):
        cols[name][at] = values
    for name, values in (("p_alive", p_alive), ("expected_purchases", purchases), ("expected_spend", spend),
                         ("gross_clv", gross), ("net_value_ratio", ratio),
                         ("net_clv", gross * ratio + beyond * end_discount),
                         ("expected_net_value", undiscounted * ratio + beyond)):
        cols[name][modelled] = values[modelled]
    _less_service(cols, modelled, weekly_cost, settings.horizon_weeks, settings.annual_discount_rate)
    if returns:
        tickets = _service_on_placed_orders(exposure, data_start, end, money, returns, pending)
        log.info("value: service still to come on placed orders %.2f", float(tickets.sum()))
        pending = pending + tickets
    for name in ("net_clv", "expected_net_value"):
        cols[name] = cols[name] - pending
    return s


@dataclass(frozen=True)
class _Forecast:
    """One cohort's purchase forecast: its profiles (indices into ``_v_money``), P(alive) and
    E[purchases in the next t] / its discounted sum over steps (clv.py)."""

    rows: np.ndarray
    p_alive: np.ndarray
    expected: Callable[[float], np.ndarray]
    discounted: Callable[[np.ndarray, np.ndarray], np.ndarray]


def _attempts_only(ctx: BuildContext, clock: SeasonalClock, end: dt.date, profiles: np.ndarray,
                   eligible: np.ndarray) -> tuple[np.ndarray, RFMSummary] | None:
    """(profile indices, summary) of the ``eligible`` profiles whose every order was cancelled: a
    one-time buyer at their first attempt. On the demo retailer they were all of the horizon's gross
    from profiles acquired in the data without an order (0.5-0.6 %; bench/README.md)."""
    stop = dt.datetime.combine(end + dt.timedelta(days=1), dt.time())
    attempts = ctx.con.sql(sql.ATTEMPTS_ONLY, params={"stop": stop}).to_arrow_table()
    rows = np.searchsorted(profiles, attempts.column("profile_id").to_numpy(zero_copy_only=False))
    keep = eligible[rows]
    if not keep.any():
        return None
    return rows[keep], summary_on_clock(attempts.filter(pa.array(keep)), clock, end)


def _buyers_forecast(model_name: str, rows: np.ndarray, x: np.ndarray, tx: np.ndarray, T: np.ndarray,
                     attempts: tuple[np.ndarray, RFMSummary] | None = None) -> _Forecast:
    """Customers whose first purchase is in the data, from that purchase (the configured model); the
    profiles with only cancelled orders (``attempts``) are forecast by the same fit."""
    tm = MODELS[model_name]().fit(x, tx, T)
    log.info("value: %s on %d buyers (and %d with only cancelled orders): %s", model_name, len(rows),
             0 if attempts is None else len(attempts[0]), tm.params)
    if attempts is not None:
        rows = np.concatenate([rows, attempts[0]])
        x, tx, T = (np.concatenate([a, b]) for a, b in zip((x, tx, T), (attempts[1].frequency, attempts[1].recency,
                                                                         attempts[1].T), strict=True))
    return _Forecast(rows, tm.p_alive(x, tx, T), lambda t: tm.expected_purchases(t, x, tx, T),
                     lambda times, discount: discounted_expected_purchases(tm, x, tx, T, times, discount))


def _on_books_forecast(clock: SeasonalClock, data_start: np.datetime64, end: dt.date, opened: np.ndarray,
                       rows: np.ndarray, orders: pa.Table, profiles: np.ndarray) -> _Forecast:
    """Customers already on the books when the data starts, buyers or not, from the data start with
    their account's age (known_age.py)."""
    order_profile = orders.column("profile_id").to_numpy(zero_copy_only=False)
    position = np.searchsorted(profiles, order_profile)
    in_cohort = np.zeros(len(profiles), dtype=bool)
    in_cohort[rows] = True
    mine = in_cohort[position]
    index = np.searchsorted(rows, position[mine])
    ob = on_books_summary(clock, data_start, end, opened, index, order_days(orders)[mine])
    tm = KnownAgeModifiedBetaGeo().fit(ob.frequency, ob.recency, ob.T, ob.age)
    log.info("value: on-books model on %d profiles (%d without an order): %s", len(rows),
             int((ob.frequency == 0).sum()), tm.params)
    args = (ob.frequency, ob.recency, ob.T, ob.age)
    return _Forecast(rows, tm.p_alive(*args), lambda t: tm.expected_purchases(t, *args),
                     lambda times, discount: tm.discounted_purchases(times, discount, *args))


def _last_weeks_purchases(expected: Callable[[float], np.ndarray], n: int, clock: SeasonalClock, end: dt.date,
                          horizon_weeks: int, weeks: int) -> np.ndarray:
    """Expected purchases of the ``n`` customers (rows) in each of the horizon's last ``weeks`` calendar
    weeks (column j: the week ending j weeks before the horizon ends), on the model's seasonal clock."""
    at = [clock.weeks_after(np.datetime64(end), horizon_weeks - j) for j in range(weeks + 1)]
    cumulative = np.column_stack([expected(t) if t > 0 else np.zeros(n) for t in at])
    return cumulative[:, :-1] - cumulative[:, 1:] if weeks else np.zeros((n, 0))


def _margin_ratio(money: pa.Table, pending: np.ndarray) -> np.ndarray:
    """(Net margin + service cost − returns still to come) / gross revenue per profile, shrunk with a
    prior of two average orders towards the ratio of customers with as many orders (returns.py
    ``shrunk_ratio_by_class``): the margin of the orders seen, developed (their returns all in)."""
    def col(name: str) -> np.ndarray:
        return np.asarray(money.column(name).to_numpy(zero_copy_only=False), dtype=np.float64)

    gross, orders = col("gross_revenue"), col("orders")
    prior = 2.0 * float(gross.sum() / max(orders.sum(), 1.0))
    return shrunk_ratio_by_class(col("net_margin") + col("service_cost") - pending, gross, orders,
                                 prior_weight=max(prior, 1e-9))


def _exposure_weeks(exposure: pa.Table, data_start: np.datetime64 | None, end: dt.date) -> tuple[np.ndarray, np.ndarray]:
    """(weeks on the books in the data up to the cutoff, service cost) per profile, aligned with ``_v_money``."""
    stop = np.datetime64(end + dt.timedelta(days=1), "s")
    first = exposure.column("first_seen").to_numpy(zero_copy_only=False).astype("datetime64[s]")
    if data_start is not None:
        first = np.maximum(first, data_start)
    weeks = np.nan_to_num((stop - first).astype(np.float64) / (7 * 86400.0))
    return weeks, np.asarray(exposure.column("service_cost").to_numpy(zero_copy_only=False), dtype=np.float64)


def _service_on_placed_orders(exposure: pa.Table, data_start: np.datetime64 | None, end: dt.date, money: pa.Table,
                              returns: dict[str, Any], pending: np.ndarray) -> np.ndarray:
    """Contacts still to come about orders already placed (service.py ``service_still_to_come``): per
    parcel not yet delivered, and per return still to come (the expected loss still to come over the
    mean loss of a return)."""
    weeks, cost = _exposure_weeks(exposure, data_start, end)
    n = len(weeks)
    orders = np.asarray(money.column("orders").to_numpy(zero_copy_only=False), dtype=np.float64)
    returns_seen = np.bincount(returns["return_profile"], minlength=n).astype(np.float64)
    per_order, per_return = order_and_return_costs(cost, weeks, orders, returns_seen)
    loss = returns["return_loss"]
    mean_loss = float(loss.sum() / loss.size) if loss.size else 0.0
    to_come = pending / mean_loss if mean_loss > 0 else np.zeros(n)
    log.info("value: service %.3f per order, %.3f per return", per_order, per_return)
    # An order not delivered by the cutoff is at age 0 (``_returns_at_cutoff``).
    undelivered = returns["order_profile"][returns["order_age"] <= 0]
    return service_still_to_come(n, undelivered, to_come, per_order, per_return)


def _service_rates(exposure: pa.Table, data_start: np.datetime64 | None, end: dt.date,
                   purchases: np.ndarray, returns: np.ndarray | None) -> tuple[np.ndarray, float]:
    """(background service cost per week ahead per profile, aligned with ``_v_money``; service cost
    per purchase) (service.py). ``purchases``: periods with an order per profile, as the model counts
    them; ``returns``: returns seen per profile."""
    weeks, cost = _exposure_weeks(exposure, data_start, end)
    per_purchase, weekly = split_service(cost, weeks, purchases, returns)
    log.info("value: service %.3f per purchase, %.3f per week on average", per_purchase, float(weekly.mean()))
    return weekly, per_purchase


def _loss_after_horizon(returns: dict[str, Any] | None, delivery_days: np.ndarray, horizon_weeks: int,
                        n_profiles: int) -> tuple[np.ndarray, np.ndarray]:
    """(F for an order placed in each of the horizon's last calendar weeks, j = 0 the last one, up to
    the last week with F > 0; k_i per profile) (pending.py ``loss_beyond``). The return clock starts at
    delivery, so F is averaged over the delivery times seen (20 quantiles)."""
    if returns is None:
        return np.zeros(0), np.ones(n_profiles)
    lags = np.quantile(delivery_days, np.linspace(0.025, 0.975, 20)) if delivery_days.size else np.zeros(1)
    placed = 7.0 * np.arange(horizon_weeks) + 3.5  # days before the horizon ends, middle of each week
    ages = np.maximum(placed[:, None] - lags[None, :], 0.0)
    share, relative = loss_beyond(**returns, ages=ages.ravel())
    return np.trim_zeros(share.reshape(ages.shape).mean(axis=1), "b"), relative


def _returns_at_cutoff(ctx: BuildContext, profiles: np.ndarray,
                       end: dt.date) -> tuple[dict[str, Any] | None, np.ndarray]:
    """Orders and returns as of the cutoff, as pending.py takes them (None without orders), and the
    days from order to delivery of the delivered orders. Ages count from delivery; an order not
    delivered by the cutoff is at age 0."""
    stop = np.datetime64(end + dt.timedelta(days=1), "s")

    def days_before_stop(col: pa.ChunkedArray) -> np.ndarray:
        at = col.to_numpy(zero_copy_only=False).astype("datetime64[s]")
        age = (stop - at).astype(np.float64) / 86400.0
        return np.where(np.isnan(age), 0.0, np.maximum(age, 0.0))

    params = {"stop": dt.datetime.combine(end + dt.timedelta(days=1), dt.time())}
    orders = ctx.con.sql(sql.PENDING_ORDERS, params=params).to_arrow_table()
    if not orders.num_rows:
        return None, np.zeros(0)
    delivery = orders.column("delivery_days").to_numpy(zero_copy_only=False).astype(np.float64)
    delivery = delivery[np.isfinite(delivery) & (delivery >= 0)]
    rets = ctx.con.sql(sql.PENDING_RETURNS, params=params).to_arrow_table()
    delivered = rets.column("delivered_at").to_numpy(zero_copy_only=False).astype("datetime64[s]")
    returned = rets.column("returned_at").to_numpy(zero_copy_only=False).astype("datetime64[s]")
    return {
        "n_profiles": len(profiles),
        "order_profile": np.searchsorted(profiles, orders.column("profile_id").to_numpy(zero_copy_only=False)),
        "order_age": days_before_stop(orders.column("delivered_at")),
        "order_total": orders.column("total").to_numpy(zero_copy_only=False).astype(np.float64),
        "return_profile": np.searchsorted(profiles, rets.column("profile_id").to_numpy(zero_copy_only=False)),
        "return_lag": np.maximum((returned - delivered).astype(np.float64) / 86400.0, 0.0),
        "return_loss": np.nan_to_num(rets.column("loss").to_numpy(zero_copy_only=False).astype(np.float64)),
        "return_order_age": days_before_stop(rets.column("arrived_at")),
        "order_late": orders.column("late").to_numpy(zero_copy_only=False).astype(bool),
        "return_late": rets.column("late").to_numpy(zero_copy_only=False).astype(bool),
    }, delivery


def _less_service(cols: dict[str, np.ndarray], modelled: np.ndarray, weekly_cost: np.ndarray, horizon: int,
                  annual_rate: float) -> None:
    """Net CLV and expected net value less service cost ahead; a profile no purchase model covers (no
    order yet, and not on the books before the data) only costs service."""
    pv_weeks = discounted_weeks(horizon, periodic_rate(annual_rate, "W"))
    for name, weeks in (("net_clv", pv_weeks), ("expected_net_value", float(horizon))):
        cols[name] = np.where(modelled, cols[name], 0.0) - weekly_cost * weeks


__all__ = ["MIN_COHORT", "clv_columns", "order_days", "summary_on_clock"]
