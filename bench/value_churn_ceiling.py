"""How well can anyone rank churn on the demo retailer? The Bayes-optimal score from purchase histories.

The generator (src/onefold/demo/behaviour.py, orders.py) makes each buyer's purchases an MBG/NBD
process in seasonal "operational" time with known population parameters: rate λ ~ Gamma(0.9, scale
3 per year), dropout after each purchase p ~ Beta(1.3, 6.5). Given the true parameters, the true
seasonal clock and perfect identity, the best possible churn score *from purchase histories alone*
is P(no purchase in the 52-week horizon | x, t_x, T) under that model (x, t_x, T are sufficient for
λ and p). Its AUC against truth ``churned`` is the ceiling for any RFM-only churn model. Since
src/onefold/demo/fade.py, email opens, store visits and web/app sessions fade after a person's
dropout, so a model that also reads engagement (``onefold build``; bench/value_demo.py) can pass it.

The purchase simulation is replayed with the generator's own functions and seed, and the replay is
checked against the ``truth/churn.csv`` that ``generate`` writes for the same seed.

Run: ``.venv/bin/python bench/value_churn_ceiling.py [--cases 10000:42,10000:1,30000:1]``.
"""

from __future__ import annotations

import argparse
import csv
import tempfile
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

from onefold.demo import generate, timeline
from onefold.demo.orders import CANCELLED
from onefold.demo.world import draw_commerce

R, ALPHA_WEEKS, A, B = 0.9, 365.25 / (3.0 * 7), 1.3, 6.5  # behaviour.py, rates in operational weeks


def ceiling(persons: int, seed: int) -> tuple[float, float, int]:
    """(Bayes-optimal AUC, churn rate, buyers), after checking the replay against the truth file."""
    world = draw_commerce(np.random.default_rng(seed), persons)  # the same draws as demo generate
    orders = world.orders
    live = orders.status != CANCELLED
    seen, ahead = live & orders.observed, live & ~orders.observed
    weeks = timeline.to_operational((orders.ordered_s - timeline.OBS_START_S) / timeline.DAY_S) / 7
    end = float(timeline.to_operational(timeline.OBS_DAYS)) / 7
    horizon = float(timeline.to_operational(timeline.HORIZON_END_DAY)) / 7 - end
    first = np.full(persons, np.inf)
    last = np.full(persons, -np.inf)
    np.minimum.at(first, orders.person[seen], weeks[seen])
    np.maximum.at(last, orders.person[seen], weeks[seen])
    buyers = np.flatnonzero(np.isfinite(first))
    x = np.bincount(orders.person[seen], minlength=persons)[buyers] - 1.0
    tx, T = last[buyers] - first[buyers], end - first[buyers]
    churned = (np.bincount(orders.person[ahead], minlength=persons)[buyers] == 0).astype(int)
    with tempfile.TemporaryDirectory(prefix="onefold-churn-ceiling-") as tmp:
        generate(Path(tmp), customers=persons, seed=seed)
        with open(Path(tmp) / "truth" / "churn.csv", newline="") as fh:
            truth = {r["person_id"]: int(r["churned"]) for r in csv.DictReader(fh)}
    replay = {f"P{i + 1:07d}": int(c) for i, c in zip(buyers, churned, strict=True)}
    if replay != truth:
        raise SystemExit(f"{persons}:{seed}: the replay does not match truth/churn.csv; update this script")
    p_alive = 1 / (1 + A / (B + x) * ((ALPHA_WEEKS + T) / (ALPHA_WEEKS + tx)) ** (R + x))
    p_buy = p_alive * (1 - ((ALPHA_WEEKS + T) / (ALPHA_WEEKS + T + horizon)) ** (R + x))
    return float(roc_auc_score(churned, 1 - p_buy)), float(churned.mean()), len(buyers)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default="1500:11,3000:42,10000:42,10000:1,10000:2,30000:1",
                        help="comma-separated persons:seed pairs")
    args = parser.parse_args()
    print("| demo (persons, seed) | buyers | churn rate | Bayes-optimal churn AUC |")
    print("|---|---|---|---|")
    for case in args.cases.split(","):
        persons, seed = (int(v) for v in case.split(":"))
        auc, rate, buyers = ceiling(persons, seed)
        print(f"| {persons:,}, {seed} | {buyers:,} | {rate:.3f} | {auc:.3f} |", flush=True)


if __name__ == "__main__":
    main()
