"""Returns still to come at the cutoff (#6): ``value/pending.py`` against the demo generator's own returns.

Replays the generator of ``onefold demo generate --customers N --seed S`` up to its returns (same
draws as the written data), shows the estimator what the data show at the cutoff (non-cancelled
orders, delivery dates only for delivered parcels, returns dated before the cutoff, lateness as
``promised < delivered or cutoff``, each person as one profile: identity is taken as perfect), and
compares its expected loss (refund − cost of the goods back) with

- *realised*: the returns the written data's own draw sends back after the cutoff, and
- *expected*: their mean given what the data show, over ``--reps`` fresh draws of the returns step on
  the same orders (per line, among the draws in which it had not gone back before the cutoff),

by status at the cutoff (delivered, shipped, backordered, placed). A quality check only; no timing.

Run: ``.venv/bin/python bench/value_pending.py [--cases 10000:1,10000:4] [--reps 40]``.
"""

from __future__ import annotations

import argparse

import numpy as np

from onefold.demo import timeline
from onefold.demo.orders import CANCELLED, STATUSES, Lines, Orders
from onefold.demo.returns import Returns, make_returns
from onefold.demo.world import draw_commerce
from onefold.demo.writer import NO_TIME
from onefold.value.pending import pending_order_loss


def replay(persons: int, seed: int):  # noqa: ANN201 - the generator's own objects
    """The generator's world up to its returns, drawn exactly as ``demo.api.generate`` draws it."""
    w = draw_commerce(np.random.default_rng(seed), persons)
    return w.beh, w.catalog, w.orders, w.lines, w.returns


def line_loss(returns_: Returns, lines: Lines, cost_cents: np.ndarray, *, after: bool) -> np.ndarray:
    """Loss (currency) per order line of its return dated after (or before) the cutoff."""
    loss = (returns_.refund - returns_.qty * cost_cents[lines.product[returns_.line]]) / 100.0
    pick = returns_.observed != after
    return np.bincount(returns_.line[pick], loss[pick], minlength=len(lines.order))


def conditional_expectation(beh, catalog, orders: Orders, lines: Lines, returns_: Returns,  # noqa: ANN001
                            seed: int, reps: int) -> np.ndarray:
    """Per line, the mean loss after the cutoff over fresh draws of the returns step in which the line
    had not gone back before the cutoff (what the data show), and 0 for lines that had: the target of
    an estimator that sees the data at the cutoff, given each person's latent traits."""
    returned_before = np.zeros(len(lines.order), dtype=bool)
    returned_before[returns_.line[returns_.observed]] = True
    total, weight = np.zeros(len(lines.order)), np.zeros(len(lines.order))
    for k in range(reps):
        draw = make_returns(np.random.default_rng([seed, 7919, k]), beh, catalog, orders, lines)
        still = np.ones(len(lines.order), dtype=bool)
        still[draw.line[draw.observed]] = False
        total += np.where(still, line_loss(draw, lines, catalog.cost_cents, after=True), 0.0)
        weight += still
    return np.where(returned_before | (weight == 0), 0.0, total / np.maximum(weight, 1))


def estimate(orders: Orders, lines: Lines, returns_: Returns, cost_cents: np.ndarray,
             kept: np.ndarray) -> np.ndarray:
    """What ``pending.py`` expects per kept order from what the data show at the cutoff."""
    cutoff = timeline.OBS_END_S
    delivered = orders.arrival_s[kept] < cutoff
    age = np.where(delivered, (cutoff - orders.arrival_s[kept]) / 86400.0, 0.0)
    promised = orders.promised_s[kept]
    late = (promised != NO_TIME) & (promised < np.where(delivered, orders.arrival_s[kept], cutoff))
    position = np.full(len(orders.person), -1)
    position[kept] = np.arange(len(kept))
    seen = returns_.observed & (position[lines.order[returns_.line]] >= 0)
    of = position[lines.order[returns_.line[seen]]]
    lag = (returns_.returned_s[seen] - orders.arrival_s[kept][of]) / 86400.0
    loss = (returns_.refund[seen] - returns_.qty[seen] * cost_cents[lines.product[returns_.line[seen]]]) / 100.0
    profile = orders.person[kept]
    return pending_order_loss(int(profile.max()) + 1, profile, age, orders.total[kept] / 100.0, profile[of],
                              np.maximum(lag, 0.0), loss, age[of], order_late=late, return_late=late[of])


def run_case(persons: int, seed: int, reps: int) -> None:
    beh, catalog, orders, lines, returns_ = replay(persons, seed)
    kept = np.flatnonzero(orders.observed & (orders.status != CANCELLED))
    position = np.full(len(orders.person), -1)
    position[kept] = np.arange(len(kept))
    of_line = position[lines.order]
    on_kept = of_line >= 0

    def per_order(values: np.ndarray) -> np.ndarray:
        return np.bincount(of_line[on_kept], values[on_kept], minlength=len(kept))

    found = estimate(orders, lines, returns_, catalog.cost_cents, kept)
    realised = per_order(line_loss(returns_, lines, catalog.cost_cents, after=True))
    expected = per_order(conditional_expectation(beh, catalog, orders, lines, returns_, seed, reps))
    status = orders.status[kept]
    groups = [("all", np.ones(len(kept), dtype=bool)), ("not delivered", status != STATUSES.index("delivered"))]
    groups += [(STATUSES[s], status == s) for s in range(4)]
    for name, m in groups:
        print(f"| {persons:,}, {seed} | {name} | {int(m.sum()):,} | {found[m].sum():,.0f} | {realised[m].sum():,.0f} |"
              f" {expected[m].sum():,.0f} | {found[m].sum() / max(expected[m].sum(), 1e-9) - 1:+.1%} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default="10000:1,10000:4", help="comma-separated persons:seed pairs")
    parser.add_argument("--reps", type=int, default=40, help="fresh draws of the returns step for the expectation")
    args = parser.parse_args()
    print("| demo (persons, seed) | orders at the cutoff | n | found | realised after the cutoff |"
          " expected after the cutoff | found vs expected |")
    print("|---|---|---|---|---|---|---|")
    for case in args.cases.split(","):
        persons, seed = (int(v) for v in case.split(":"))
        run_case(persons, seed, args.reps)


if __name__ == "__main__":
    main()
