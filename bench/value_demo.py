"""Demo-truth checks of the "value" build step (#6): the generated retailer against its truth files.

For each (persons, seed): ``onefold demo generate``, import every entity parents-first, append
``events.jsonl`` to the event log, full ``onefold build`` (events, back office, identity, value), then compare ``customer_value`` with
``truth/``. A profile stands for the person owning most of its customer records.

Columns: money over the observed period vs truth (all six sums); Σ expected_net_value (52 weeks,
undiscounted) vs Σ truth ``expected_future_net_value`` (the generating process's expectation, the
target) and vs Σ ``future_net_value`` (its one realised draw); Σ expected_purchases vs Σ truth
``expected_future_orders`` (a diagnostic: purchases are weeks with an order, orders are orders); serial-returner precision / recall by person, with
misses and false alarms counted
as identity's when the person is not cleanly resolved (split over several profiles, or sharing a
profile with someone else) and as the flag rule's otherwise; churn AUC and calibration
(ECE) of ``churn_probability`` against truth ``churned``. The truth is the reference everywhere.

Run: ``.venv/bin/python bench/value_demo.py [--cases 1500:11,3000:42,10000:42] [--keep DIR]``.
``--keep`` caches generated data and built workspaces; a cached workspace re-runs only the value
step (on a copy of its warehouse), so a model change is measured without re-running identity.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np

from onefold.collect.backoffice import import_file
from onefold.config import load_settings
from onefold.demo import generate
from onefold.pipeline import build
from onefold.store.build import BuildContext
from onefold.store.eventlog import EventLog
from onefold.store.workspace import WorkspacePaths, init_workspace, open_state
from onefold.value.build_step import value_step
from onefold.value.churn import evaluate
from onefold.value.demo_truth import cleanly_resolved, person_of_profile, read_truth

ENTITY_ORDER = ["customers", "products", "stores", "orders", "order_items", "returns", "tickets",
                "email_interactions", "store_visits", "consents", "inventory"]
MONEY = ["gross_revenue", "refunds", "cogs", "shipping_cost", "service_cost", "net_value"]


@dataclass
class CaseResult:
    persons: int
    seed: int
    money_max_abs_diff: float
    predicted_net: float
    truth_net: float
    expected_truth_net: float
    predicted_purchases: float
    expected_truth_orders: float
    precision: float
    recall: float
    missed: int
    missed_identity: int
    false_alarms: int
    false_identity: int
    auc: float
    ece: float
    brier: float
    churn_rate: float
    seconds: float

    @property
    def net_error(self) -> float:
        """Against the realised draw."""
        return self.predicted_net / self.truth_net - 1

    @property
    def expected_error(self) -> float:
        """Against the process's expectation (the target)."""
        return self.predicted_net / self.expected_truth_net - 1


def prepare(root: Path, persons: int, seed: int) -> tuple[Path, WorkspacePaths, bool]:
    """(data dir, workspace, whether it was built now). Reuses a finished build under ``root``."""
    data, ws = root / "data", root / "ws"
    done = root / "built"
    if done.exists():
        return data, WorkspacePaths(ws), False
    shutil.rmtree(root, ignore_errors=True)
    generate(data, customers=persons, seed=seed)
    paths = init_workspace(ws)
    settings = load_settings(paths.root)
    for entity in ENTITY_ORDER:
        result = import_file(paths, entity, data / f"{entity}.csv", settings=settings)
        if result.quarantined:
            raise SystemExit(f"{entity}: {result.quarantined} rows quarantined")
    append_events(paths, data / "events.jsonl", settings.collect.segment_max_bytes)
    build(paths, settings)
    done.touch()
    return data, paths, True


def append_events(paths: WorkspacePaths, events: Path, segment_max_bytes: int) -> None:
    """Put the demo's web/app events into the workspace's event log, as the collector's writer does
    after accepting them over HTTP (the HTTP hop itself is measured in bench/ingest.py)."""
    log = EventLog(paths.events_dir, segment_max_bytes=segment_max_bytes, fsync=False)
    log.recover()
    try:
        with open(events, "rb") as fh:
            lines = [line.rstrip(b"\n") for line in fh if line.strip()]
        for lo in range(0, len(lines), 50_000):
            log.append(lines[lo:lo + 50_000])
    finally:
        log.close()


def rerun_value_step(paths: WorkspacePaths, into: Path) -> Path:
    """Copy the built warehouse and run the current value step on the copy."""
    db = into / "warehouse.duckdb"
    shutil.copyfile(paths.warehouse_db, db)
    con = duckdb.connect(str(db))
    state = open_state(paths)
    try:
        value_step(BuildContext(paths, load_settings(paths.root), con, state, False, lambda _m, _f: None))
        con.execute("CHECKPOINT")
    finally:
        state.close()
        con.close()
    return db


def measure(data: Path, db: Path, persons: int, seed: int, seconds: float) -> CaseResult:
    con = duckdb.connect(str(db), read_only=True)
    try:
        ours = con.execute("SELECT sum(gross_revenue), sum(refunds), sum(cogs), sum(shipping_cost),"
                           " sum(service_cost), sum(net_margin) FROM customer_value").fetchone()
        net_truth = read_truth(data, "net_value")
        expected = [sum(float(r[k]) for r in net_truth) for k in MONEY]
        money_diff = max(abs(a - b) for a, b in zip(ours or (), expected, strict=True))
        predicted = float(con.execute("SELECT sum(expected_net_value) FROM customer_value").fetchone()[0] or 0.0)
        actual = sum(float(r["future_net_value"]) for r in net_truth)
        expected_net = sum(float(r["expected_future_net_value"]) for r in net_truth)
        expected_orders = sum(float(r["expected_future_orders"]) for r in net_truth)
        purchases = float(con.execute("SELECT sum(expected_purchases) FROM customer_value").fetchone()[0] or 0.0)

        person = person_of_profile(con, data)
        rows = con.execute("SELECT profile_id, serial_returner, churn_probability FROM customer_value").fetchall()
        flagged = {person[p] for p, flag, _ in rows if flag and p in person}
        serial = {r["person_id"] for r in read_truth(data, "serial_returners") if r["is_serial_returner"] == "1"}
        tp = len(flagged & serial)
        missed = serial - flagged
        # A miss or false alarm on a person split over profiles, or sharing one with someone else, is
        # identity's; on a cleanly resolved person it is the flag rule's.
        clean = cleanly_resolved(con, data)
        missed_identity = len(missed - clean)
        false_identity = len((flagged - serial) - clean)

        churn = {r["person_id"]: int(r["churned"]) for r in read_truth(data, "churn")}
        # A person split over several profiles gets the churn score of their main profile (most orders).
        score: dict[str, tuple[float, float]] = {}
        for p, orders, prob in con.execute("SELECT profile_id, orders, churn_probability FROM customer_value"
                                           " WHERE churn_probability IS NOT NULL").fetchall():
            who = person.get(p)
            if who in churn and (who not in score or orders > score[who][0]):
                score[who] = (orders, prob)
        ids = sorted(score)
        metrics = evaluate(np.array([churn[i] for i in ids]), np.array([score[i][1] for i in ids]))
    finally:
        con.close()
    return CaseResult(persons, seed, money_diff, predicted, actual, expected_net, purchases, expected_orders, tp / max(len(flagged), 1),
                      tp / max(len(serial), 1), len(missed), missed_identity, len(flagged - serial), false_identity,
                      metrics["auc"], metrics["ece"],
                      metrics["brier"], metrics["churn_rate"], seconds)


def run_case(persons: int, seed: int, keep: Path | None) -> CaseResult:
    with tempfile.TemporaryDirectory(prefix="onefold-value-demo-") as tmp:
        root = (keep if keep else Path(tmp)) / f"demo_{persons}_{seed}"
        start = time.perf_counter()
        data, paths, fresh = prepare(root, persons, seed)
        db = paths.warehouse_db if fresh else rerun_value_step(paths, Path(tmp))
        return measure(data, db, persons, seed, time.perf_counter() - start)


def print_table(results: list[CaseResult]) -> None:
    print("| demo (persons, seed) | money vs truth (max abs diff) | Σ expected net 52 w | truth Σ expected net |"
          " error vs expected | truth Σ realised net | error vs realised | Σ purchases / truth Σ expected orders |"
          " serial P / R | missed (identity) | false (identity) | churn AUC | ECE | Brier | churn rate |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r.persons:,}, {r.seed} | {r.money_max_abs_diff:.2f} | {r.predicted_net:,.0f} |"
              f" {r.expected_truth_net:,.0f} | {r.expected_error:+.1%} | {r.truth_net:,.0f} |"
              f" {r.net_error:+.1%} | {r.predicted_purchases:,.0f} / {r.expected_truth_orders:,.0f} |"
              f" {r.precision:.3f} / {r.recall:.3f} | {r.missed} ({r.missed_identity}) |"
              f" {r.false_alarms} ({r.false_identity}) |"
              f" {r.auc:.3f} | {r.ece:.3f} | {r.brier:.3f} | {r.churn_rate:.2f} |")
    for label, errors, truth_sum in (
            ("vs expected", np.array([r.expected_error for r in results]), sum(r.expected_truth_net for r in results)),
            ("vs realised", np.array([r.net_error for r in results]), sum(r.truth_net for r in results))):
        sd = errors.std(ddof=1) if len(errors) > 1 else 0.0
        print(f"\nnet error {label}: mean {errors.mean():+.1%}, sd {sd:.1%};"
              f" pooled {sum(r.predicted_net for r in results) / truth_sum - 1:+.1%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default="1500:11,3000:42,10000:42",
                        help="comma-separated persons:seed pairs")
    parser.add_argument("--keep", type=Path, help="cache generated data and builds in this folder")
    parser.add_argument("--verbose", action="store_true", help="log the value step (seasonal factors, backtest)")
    args = parser.parse_args()
    if args.verbose:
        logging.basicConfig(format="  %(message)s")
        logging.getLogger("onefold.value").setLevel(logging.INFO)
    cases = [tuple(int(v) for v in c.split(":")) for c in args.cases.split(",")]
    results = []
    for persons, seed in cases:
        results.append(run_case(persons, seed, args.keep))
        r = results[-1]
        print(f"# {persons}:{seed} done in {r.seconds:.0f} s: net {r.expected_error:+.1%} vs expected,"
              f" {r.net_error:+.1%} vs realised, P/R {r.precision:.3f}/"
              f"{r.recall:.3f}, AUC {r.auc:.3f}", flush=True)
    print_table(results)


if __name__ == "__main__":
    main()
