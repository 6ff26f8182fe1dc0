"""Returns still to come on orders already placed: the part of a recent order's value that will go back.

A customer's net value over the horizon also pays for the returns of the orders she placed just
before the cutoff: goods shipped in late December come back in January. CLV models look only at
purchases yet to come, so without this term net value ahead is over-stated by the refunds in the
pipeline (about 4–5 % of the horizon's net on the demo retailer, whose Q4 peak fills it).

Estimated as insurers develop claims (a chain-ladder on one axis): on orders old enough that their
returns are complete (delivered longer ago than the 99.5th percentile of the return lag, at most a
year; the return clock starts at delivery, so a backordered parcel still has its whole window
ahead), the share of order value lost to returns *after* age ``a``,

    F(a) = Σ_{returns r of developed orders, lag_r > a} loss_r / Σ_{developed orders} total,

with loss = refund − cost of the goods back in stock. An order of age ``a`` at the cutoff is expected
to lose ``total × F(a) × k_i`` more, where ``k_i`` is the customer's losses seen so far over what
the development says her orders should have lost by now (Σ total × (F(0) − F(age))), relative to
the population's and shrunk with a prior worth two average orders (returns.py, a Cape Cod-style
credibility): serial returners' parcels come back more often than others', and fresh orders, not
yet returnable, must not count as exposure. Parcels that came (or are) later than promised are developed
apart from the others when the orders say so: they are sent back more often.
"""

from __future__ import annotations

import numpy as np

from onefold.value.returns import shrunk_ratio

#: returns later than this are not waited for (days)
MAX_LAG_DAYS = 365.0
LAG_QUANTILE = 0.995


def loss_after(order_age: np.ndarray, order_total: np.ndarray, return_lag: np.ndarray, return_loss: np.ndarray,
               return_order_age: np.ndarray) -> tuple[np.ndarray, float]:
    """(F(age) per order, the development window in days). Ages and lags in days (float)."""
    share, _, window = _development(order_age, order_total, return_lag, return_loss, return_order_age)
    return share, window


def _development(order_age: np.ndarray, order_total: np.ndarray, return_lag: np.ndarray, return_loss: np.ndarray,
                 return_order_age: np.ndarray) -> tuple[np.ndarray, float, float]:
    """(F(age) per order, F of a fresh order (the whole loss share), the development window in days)."""
    if return_lag.size == 0:
        return np.zeros(len(order_age)), 0.0, 0.0
    window = float(min(max(np.quantile(return_lag, LAG_QUANTILE), 1.0), MAX_LAG_DAYS))
    developed = order_age >= window
    base = float(order_total[developed].sum())
    if base <= 0:
        return np.zeros(len(order_age)), 0.0, window
    dev = return_order_age >= window
    lags, losses = return_lag[dev], return_loss[dev]
    order = np.argsort(lags)
    lags, later = lags[order], np.concatenate([np.cumsum(losses[order][::-1])[::-1], [0.0]])
    # later[j] = loss of returns with sorted index >= j; returns strictly after age a start at
    # the first lag > a.
    share = later[np.searchsorted(lags, order_age, side="right")] / base
    return np.where(order_age < window, share, 0.0), float(later[0] / base), window


def pending_return_loss(n_profiles: int, order_profile: np.ndarray, order_age: np.ndarray, order_total: np.ndarray,
                        return_profile: np.ndarray, return_lag: np.ndarray, return_loss: np.ndarray,
                        return_order_age: np.ndarray, *, order_late: np.ndarray | None = None,
                        return_late: np.ndarray | None = None) -> np.ndarray:
    """Expected loss to returns still to come per profile (currency), from its orders' ages at the cutoff.

    Args:
        n_profiles: profiles are indexed 0..n-1 in ``order_profile`` and ``return_profile``.
        order_age: days from each (non-cancelled) order's delivery to the cutoff (0 when not delivered);
            ``order_total`` its value.
        return_lag: days from delivery to the return; ``return_loss`` refund − goods-back cost;
        return_order_age: age at the cutoff of the order each return belongs to.
        order_late, return_late: whether the order (of each return) came later than promised; late
            parcels go back more often, so each group is developed on its own when both are given.
    """
    per_order = pending_order_loss(n_profiles, order_profile, order_age, order_total, return_profile, return_lag,
                                   return_loss, return_order_age, order_late=order_late, return_late=return_late)
    return np.bincount(order_profile, per_order, minlength=n_profiles)


def pending_order_loss(n_profiles: int, order_profile: np.ndarray, order_age: np.ndarray, order_total: np.ndarray,
                       return_profile: np.ndarray, return_lag: np.ndarray, return_loss: np.ndarray,
                       return_order_age: np.ndarray, *, order_late: np.ndarray | None = None,
                       return_late: np.ndarray | None = None) -> np.ndarray:
    """Expected loss to returns still to come per order (arguments as ``pending_return_loss``).

    The customer's ratio compares her losses seen so far with what the population's development
    says her orders should have lost *by now* (Σ total × (F(0) − F(age))), not with her whole spend:
    an order placed last week has had no time to come back, so counting it as exposure would dilute
    the ratio of exactly the customers whose orders are pending (a first-time December buyer would
    count as returning a third less than average, a serial returner's fresh orders would hide her).
    """
    after, whole = _after_and_whole(order_age, order_total, return_lag, return_loss, return_order_age,
                                    order_late, return_late)
    relative = _relative_loss(n_profiles, order_profile, order_total, after, whole, return_profile, return_loss)
    return order_total * after * relative[order_profile]


def loss_beyond(n_profiles: int, order_profile: np.ndarray, order_age: np.ndarray, order_total: np.ndarray,
                return_profile: np.ndarray, return_lag: np.ndarray, return_loss: np.ndarray,
                return_order_age: np.ndarray, ages: np.ndarray, *, order_late: np.ndarray | None = None,
                return_late: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(F at ``ages``, each profile's relative loss factor k_i): an order of value v delivered ``ages``
    days before some date is expected to lose v × F × k_i to returns dated after it.

    Arguments as ``pending_return_loss``. F is developed on late and on-time parcels pooled (a future
    order's lateness is unknown); k_i is the same factor ``pending_order_loss`` applies.
    """
    after, whole = _after_and_whole(order_age, order_total, return_lag, return_loss, return_order_age,
                                    order_late, return_late)
    relative = _relative_loss(n_profiles, order_profile, order_total, after, whole, return_profile, return_loss)
    ages = np.asarray(ages, dtype=np.float64)
    # Orders of value 0 at the query ages leave the development's base (developed order value) unchanged.
    share, _, _ = _development(np.concatenate([order_age, ages]), np.concatenate([order_total, np.zeros(len(ages))]),
                               return_lag, return_loss, return_order_age)
    return share[len(order_age):], relative


def _after_and_whole(order_age: np.ndarray, order_total: np.ndarray, return_lag: np.ndarray, return_loss: np.ndarray,
                     return_order_age: np.ndarray, order_late: np.ndarray | None,
                     return_late: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Per order, (F(age), F(0)) of its group (late or on time when both flags are given)."""
    after = np.zeros(len(order_age))
    whole = np.zeros(len(order_age))
    groups = [(order_late, return_late), (~order_late, ~return_late)] if (
        order_late is not None and return_late is not None) else [(np.ones(len(order_age), dtype=bool),
                                                                     np.ones(len(return_lag), dtype=bool))]
    for o_in, r_in in groups:
        after[o_in], whole[o_in], _ = _development(order_age[o_in], order_total[o_in], return_lag[r_in],
                                                   return_loss[r_in], return_order_age[r_in])
    return after, whole


def _relative_loss(n_profiles: int, order_profile: np.ndarray, order_total: np.ndarray, after: np.ndarray,
                   whole: np.ndarray, return_profile: np.ndarray, return_loss: np.ndarray) -> np.ndarray:
    """k_i: losses seen over what the development says the orders should have lost by now, relative to
    the population's, shrunk with a prior worth two average orders' expected loss."""
    seen_expected = np.bincount(order_profile, order_total * np.maximum(whole - after, 0.0), minlength=n_profiles)
    loss = np.bincount(return_profile, return_loss, minlength=n_profiles)
    prior = max(2.0 * float(seen_expected.sum()) / max(len(order_total), 1), 1e-9)
    pop = float(loss.sum() / seen_expected.sum()) if seen_expected.sum() > 0 else 0.0
    return shrunk_ratio(loss, seen_expected, prior_weight=prior) / pop if pop > 0 else np.ones(n_profiles)


__all__ = ["LAG_QUANTILE", "MAX_LAG_DAYS", "loss_after", "loss_beyond", "pending_order_loss", "pending_return_loss"]
