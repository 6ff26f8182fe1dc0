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
to lose ``total × F(a) × k_i`` more, where ``k_i`` is the customer's loss ratio relative to the
population's, shrunk with a prior worth two average orders (returns.py): serial returners' parcels
come back more often than others'. Parcels that came (or are) later than promised are developed
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
    if return_lag.size == 0:
        return np.zeros(len(order_age)), 0.0
    window = float(min(max(np.quantile(return_lag, LAG_QUANTILE), 1.0), MAX_LAG_DAYS))
    developed = order_age >= window
    base = float(order_total[developed].sum())
    if base <= 0:
        return np.zeros(len(order_age)), window
    dev = return_order_age >= window
    lags, losses = return_lag[dev], return_loss[dev]
    order = np.argsort(lags)
    lags, later = lags[order], np.concatenate([np.cumsum(losses[order][::-1])[::-1], [0.0]])
    # later[j] = loss of returns with sorted index >= j; returns strictly after age a start at
    # the first lag > a.
    share = later[np.searchsorted(lags, order_age, side="right")] / base
    return np.where(order_age < window, share, 0.0), window


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
    share = np.zeros(len(order_age))
    groups = [(order_late, return_late), (~order_late, ~return_late)] if (
        order_late is not None and return_late is not None) else [(np.ones(len(order_age), dtype=bool),
                                                                     np.ones(len(return_lag), dtype=bool))]
    for o_in, r_in in groups:
        share[o_in], _ = loss_after(order_age[o_in], order_total[o_in], return_lag[r_in], return_loss[r_in],
                                    return_order_age[r_in])
    gross = np.bincount(order_profile, order_total, minlength=n_profiles)
    loss = np.bincount(return_profile, return_loss, minlength=n_profiles)
    n_orders = max(len(order_total), 1)
    prior = max(2.0 * float(order_total.sum()) / n_orders, 1e-9)
    pop = float(loss.sum() / gross.sum()) if gross.sum() > 0 else 0.0
    relative = shrunk_ratio(loss, gross, prior_weight=prior) / pop if pop > 0 else np.ones(n_profiles)
    return np.bincount(order_profile, order_total * share, minlength=n_profiles) * relative


__all__ = ["LAG_QUANTILE", "MAX_LAG_DAYS", "loss_after", "pending_return_loss"]
