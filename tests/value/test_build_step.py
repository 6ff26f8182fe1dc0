"""The "value" build step on a generated demo retailer, checked against the generator's truth files."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from onefold.collect.backoffice import import_file
from onefold.collect.backoffice.build_step import backoffice_step
from onefold.config import load_settings
from onefold.demo import generate
from onefold.errors import ConvergenceError, InputError
from onefold.pipeline import build
from onefold.store.build import BuildContext, run_build
from onefold.store.workspace import WorkspacePaths, init_workspace, open_state
from onefold.value.allocate import allocate
from onefold.value.build_step import value_step
from onefold.value.demo_truth import person_of_profile, read_truth
from onefold.value.known_age import KnownAgeModifiedBetaGeo

# Parents before children, so no row is quarantined as an orphan.
ENTITY_ORDER = ["customers", "products", "stores", "orders", "order_items", "returns", "tickets",
                "email_interactions", "store_visits", "consents", "inventory"]


def test_empty_workspace_builds_empty_tables(workspace: WorkspacePaths) -> None:
    state = open_state(workspace)
    try:
        run_build(workspace, load_settings(workspace.root), state, [("backoffice", backoffice_step), ("value", value_step)])
    finally:
        state.close()
    con = duckdb.connect(str(workspace.warehouse_db), read_only=True)
    for table in ("customer_value", "strategic_scores", "cohort_retention", "cohort_margin",
                  "profitability_by_store", "profitability_by_channel"):
        assert con.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, WorkspacePaths]:
    root = tmp_path_factory.mktemp("value_demo")
    data = generate(root / "data", customers=1500, seed=11).out_dir
    paths = init_workspace(root / "ws")
    settings = load_settings(paths.root)
    for entity in ENTITY_ORDER:
        result = import_file(paths, entity, data / f"{entity}.csv", settings=settings)
        assert result.quarantined == 0, entity
    build(paths, settings)
    return data, paths


@pytest.mark.slow
def test_money_reconciles_with_truth(demo: tuple[Path, WorkspacePaths]) -> None:
    data, paths = demo
    con = duckdb.connect(str(paths.warehouse_db), read_only=True)
    ours = con.execute("SELECT sum(gross_revenue), sum(refunds), sum(cogs), sum(shipping_cost), sum(service_cost),"
                       " sum(net_margin) FROM customer_value").fetchone()
    truth = read_truth(data, "net_value")
    keys = ["gross_revenue", "refunds", "cogs", "shipping_cost", "service_cost", "net_value"]
    expected = [sum(float(r[k]) for r in truth) for k in keys]
    assert ours == pytest.approx(expected, abs=0.05)
    by_channel = con.execute("SELECT sum(gross_revenue) FROM profitability_by_channel").fetchone()
    assert by_channel is not None and by_channel[0] == pytest.approx(expected[0], abs=0.05)
    assert con.execute("SELECT count(*) FROM cohort_retention WHERE months_since = 0 AND retention <> 1").fetchone() == (0,)


@pytest.mark.slow
def test_net_clv_serial_returners_and_churn_against_truth(demo: tuple[Path, WorkspacePaths]) -> None:
    data, paths = demo
    con = duckdb.connect(str(paths.warehouse_db), read_only=True)
    person = person_of_profile(con, data)
    rows = con.execute("SELECT profile_id, serial_returner, churn_probability, expected_net_value"
                       " FROM customer_value").fetchall()
    # Aggregate net value over the 52-week horizon (the truth is undiscounted, so is expected_net_value).
    # Not the issue's ±2 % target: 1,500 persons are too few (the realised truth alone spreads by about
    # ±8 %, see bench/value_demo.py and bench/README.md); this bound catches a biased model (it was
    # +40 % here before the seasonal clock, cohort fits and service projection).
    predicted = sum(r[3] for r in rows if r[3] is not None)
    actual = sum(float(r["future_net_value"]) for r in read_truth(data, "net_value"))
    assert 0.8 * actual < predicted < 1.2 * actual
    flagged = {person[r[0]] for r in rows if r[1] and r[0] in person}
    serial = {r["person_id"] for r in read_truth(data, "serial_returners") if r["is_serial_returner"] == "1"}
    tp = len(flagged & serial)
    assert tp / len(flagged) >= 0.9 and tp / len(serial) >= 0.9
    churn = {r["person_id"]: int(r["churned"]) for r in read_truth(data, "churn")}
    pairs = [(churn[person[r[0]]], r[2]) for r in rows if r[0] in person and person[r[0]] in churn and r[2] is not None]
    y, p = np.array([a for a, _ in pairs]), np.array([b for _, b in pairs])
    assert roc_auc_score(y, p) >= 0.75


@pytest.mark.slow
def test_customers_on_the_books_without_an_order_still_get_a_forecast(demo: tuple[Path, WorkspacePaths]) -> None:
    """Accounts opened before the data starts with no order in it: some are alive, slow buyers (known_age.py).
    Their expected purchases are compared with the generator's expected orders for the same persons."""
    data, paths = demo
    con = duckdb.connect(str(paths.warehouse_db), read_only=True)
    person = person_of_profile(con, data)
    start = con.execute("SELECT min(ordered_at) FROM orders").fetchone()[0]
    rows = con.execute(
        "SELECT v.profile_id, v.expected_purchases, v.net_clv, min(c.created_at) < ? AS on_books,"
        " EXISTS (SELECT 1 FROM record_profile r2 JOIN orders o ON o.customer_source = r2.source"
        "   AND o.customer_id = r2.record_id WHERE r2.profile_id = v.profile_id AND r2.record_type = 'customer')"
        " AS attempted FROM customer_value v"
        " JOIN record_profile rp ON rp.profile_id = v.profile_id AND rp.record_type = 'customer'"
        " JOIN customers c ON c.source = rp.source AND c.source_customer_id = rp.record_id"
        " WHERE v.orders = 0 GROUP BY ALL", [start]).fetchall()
    on_books = [r for r in rows if r[3]]
    acquired = [r for r in rows if not r[3] and not r[4]]
    cancelled_only = [r for r in rows if not r[3] and r[4]]
    assert len(on_books) >= 50 and acquired and cancelled_only
    assert all(r[1] is not None and r[1] > 0 and r[2] is not None for r in on_books + cancelled_only)
    assert all(r[1] is None for r in acquired)  # signed up in the data and never ordered: no purchase model
    expected = {r["person_id"]: float(r["expected_future_orders"]) for r in read_truth(data, "net_value")}
    ours = sum(r[1] for r in on_books)
    truth = sum(expected.get(person.get(r[0], ""), 0.0) for r in on_books)
    assert truth > 0 and 0.6 * truth < ours < 1.6 * truth


@pytest.mark.slow
def test_an_on_books_model_that_cannot_be_fitted_leaves_every_buyer_forecast(
        demo: tuple[Path, WorkspacePaths], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, paths = demo
    db = tmp_path / "warehouse.duckdb"
    shutil.copyfile(paths.warehouse_db, db)

    def no_fit(*_args: object, **_kwargs: object) -> None:
        raise ConvergenceError("forced for the test")

    monkeypatch.setattr(KnownAgeModifiedBetaGeo, "fit", no_fit)
    con = duckdb.connect(str(db))
    state = open_state(paths)
    try:
        value_step(BuildContext(paths, load_settings(paths.root), con, state, False, lambda _m, _f: None))
        missing, buyers = con.execute("SELECT count(*) FILTER (WHERE expected_purchases IS NULL), count(*)"
                                      " FROM customer_value WHERE orders > 0").fetchone()
        silent = con.execute("SELECT count(*) FROM customer_value WHERE orders = 0 AND expected_purchases IS NOT NULL"
                             " AND profile_id NOT IN (SELECT DISTINCT k.profile_id FROM record_profile k JOIN orders o"
                             " ON o.customer_source = k.source AND o.customer_id = k.record_id"
                             " WHERE k.record_type = 'customer')").fetchone()
    finally:
        state.close()
        con.close()
    assert buyers > 0 and missing == 0
    assert silent == (0,)  # without the on-books model, accounts without an order get no purchases


@pytest.mark.slow
def test_an_order_attempt_after_the_cutoff_is_not_a_first_purchase(demo: tuple[Path, WorkspacePaths],
                                                                   tmp_path: Path) -> None:
    """A cancelled order dated after the last completed one (the cutoff) is ignored, not fed to the model
    (it once made the summary drop a profile the forecast still counted, and the build failed)."""
    _, paths = demo
    db = tmp_path / "warehouse.duckdb"
    shutil.copyfile(paths.warehouse_db, db)
    con = duckdb.connect(str(db))
    state = open_state(paths)
    try:
        source, customer, profile = con.execute(
            "SELECT rp.source, rp.record_id, rp.profile_id FROM record_profile rp JOIN customer_value v USING (profile_id)"
            " WHERE rp.record_type = 'customer' AND v.orders = 0 AND v.expected_purchases IS NULL"  # acquired, silent
            " AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.customer_source = rp.source AND o.customer_id = rp.record_id)"
            " ORDER BY 1, 2 LIMIT 1").fetchone()
        con.execute("INSERT INTO orders SELECT * REPLACE ('late-attempt' AS order_id, ? AS customer_source,"
                    " ? AS customer_id, 'cancelled' AS status, ordered_at + INTERVAL 2 DAY AS ordered_at)"
                    " FROM orders ORDER BY ordered_at DESC LIMIT 1", [source, customer])
        value_step(BuildContext(paths, load_settings(paths.root), con, state, False, lambda _m, _f: None))
        forecast, missing = con.execute(
            "SELECT (SELECT expected_purchases FROM customer_value WHERE profile_id = ?),"
            " (SELECT count(*) FROM customer_value WHERE orders > 0 AND expected_purchases IS NULL)",
            [profile]).fetchone()
    finally:
        state.close()
        con.close()
    assert missing == 0
    assert forecast is None


@pytest.mark.slow
def test_allocate_ranks_waiting_customers_by_score(demo: tuple[Path, WorkspacePaths]) -> None:
    _, paths = demo
    con = duckdb.connect(str(paths.warehouse_db), read_only=True)
    sku, waiting = con.execute(
        "SELECT i.sku, sum(i.qty) FROM orders o JOIN order_items i USING (order_id) WHERE o.status = 'backordered'"
        " GROUP BY i.sku ORDER BY count(*) DESC, i.sku LIMIT 1").fetchone()
    con.close()
    units = max(1, int(waiting) // 2)
    rows = allocate(paths.warehouse_db, sku=sku, units=units)
    assert sum(r.allocated for r in rows) == min(units, int(waiting))
    scores = [r.score for r in rows if r.score is not None]
    assert scores == sorted(scores, reverse=True)
    assert all(r.why for r in rows)
    served = [r.allocated > 0 for r in rows]
    assert served == sorted(served, reverse=True)  # nobody ranked lower is served before someone higher
    with pytest.raises(InputError, match="use case"):
        allocate(paths.warehouse_db, sku=sku, units=1, use_case="nope")
