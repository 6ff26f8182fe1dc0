"""Ground truth agrees with the written data (recomputed independently in SQL)."""

from __future__ import annotations

import json

import duckdb

from onefold.demo import GenerationSummary
from tests.demo.conftest import SEED, SMALL_N, scalar

# Per-person observed money recomputed from the CSVs only, following truth.py's documented rules.
_MONEY_SQL = """
WITH rec AS (SELECT source, record_id, person_id FROM truth_person_of_record WHERE record_type = 'customer'),
o AS (
  SELECT r.person_id, o.order_id, o.total::DECIMAL(18,2) AS total, o.shipping_cost::DECIMAL(18,2) AS ship
  FROM orders o JOIN rec r ON r.source = o.customer_source AND r.record_id = o.customer_id
  WHERE o.status <> 'cancelled'),
li AS (
  SELECT o.person_id, i.order_id, i.line_number, i.qty::INT AS qty, i.unit_price::DECIMAL(18,2) AS price,
         p.unit_cost::DECIMAL(18,2) AS cost
  FROM order_items i JOIN o USING (order_id) JOIN products p USING (sku)),
ret AS (
  SELECT li.person_id, r.qty::INT AS qty, r.refund_amount::DECIMAL(18,2) AS refund, li.cost, li.price
  FROM returns r JOIN li USING (order_id, line_number)),
tk AS (
  SELECT r.person_id, t.handling_cost::DECIMAL(18,2) AS cost
  FROM tickets t JOIN rec r ON r.source = t.customer_source AND r.record_id = t.customer_id),
per AS (
  SELECT person_id,
    (SELECT coalesce(sum(total), 0) FROM o WHERE o.person_id = p.person_id) AS gross,
    (SELECT coalesce(sum(ship), 0) FROM o WHERE o.person_id = p.person_id) AS ship,
    (SELECT coalesce(sum(qty * cost), 0) FROM li WHERE li.person_id = p.person_id)
      - (SELECT coalesce(sum(qty * cost), 0) FROM ret WHERE ret.person_id = p.person_id) AS cogs,
    (SELECT coalesce(sum(refund), 0) FROM ret WHERE ret.person_id = p.person_id) AS refunds,
    (SELECT coalesce(sum(cost), 0) FROM tk WHERE tk.person_id = p.person_id) AS service,
    (SELECT coalesce(sum(qty * price), 0) FROM li WHERE li.person_id = p.person_id) AS bought,
    (SELECT coalesce(sum(qty * price), 0) FROM ret WHERE ret.person_id = p.person_id) AS returned,
    (SELECT count(*) FROM o WHERE o.person_id = p.person_id) AS n_orders
  FROM truth_net_value p)
SELECT per.*, t.gross_revenue::DECIMAL(18,2) AS t_gross, t.refunds::DECIMAL(18,2) AS t_refunds,
       t.cogs::DECIMAL(18,2) AS t_cogs, t.shipping_cost::DECIMAL(18,2) AS t_ship,
       t.service_cost::DECIMAL(18,2) AS t_service, t.net_value::DECIMAL(18,2) AS t_net,
       s.return_rate::DOUBLE AS t_rate, s.is_serial_returner::INT AS t_serial
FROM per JOIN truth_net_value t USING (person_id) JOIN truth_serial_returners s USING (person_id)
"""


def test_every_customer_record_has_a_person(db: duckdb.DuckDBPyConnection) -> None:
    missing = scalar(db, """SELECT count(*) FROM customers c LEFT JOIN truth_person_of_record r
        ON r.record_type = 'customer' AND r.source = c.source AND r.record_id = c.source_customer_id
        WHERE r.person_id IS NULL""")
    assert missing == 0
    assert scalar(db, "SELECT count(*) FROM truth_person_of_record WHERE record_type = 'customer'") == \
        scalar(db, "SELECT count(*) FROM customers")


def test_persons_appear_in_several_sources(db: duckdb.DuckDBPyConnection) -> None:
    per_person = float(scalar(db, """SELECT count(*) / count(DISTINCT person_id) FROM truth_person_of_record
                                     WHERE record_type = 'customer'"""))  # type: ignore[arg-type]
    assert 1.4 < per_person < 2.5
    assert scalar(db, "SELECT count(DISTINCT person_id) FROM truth_person_of_record") == SMALL_N


def test_observed_net_value_recomputes_exactly(db: duckdb.DuckDBPyConnection) -> None:
    db.execute(f"CREATE OR REPLACE TEMP TABLE money AS {_MONEY_SQL}")
    assert scalar(db, "SELECT count(*) FROM money") == SMALL_N
    for ours, theirs in (("gross", "t_gross"), ("refunds", "t_refunds"), ("cogs", "t_cogs"), ("ship", "t_ship"),
                         ("service", "t_service")):
        assert scalar(db, f"SELECT count(*) FROM money WHERE {ours} <> {theirs}") == 0, ours
    assert scalar(db, "SELECT count(*) FROM money WHERE gross - refunds - cogs - ship - service <> t_net") == 0
    assert scalar(db, "SELECT sum(gross) FROM money") > 0  # type: ignore[operator]


def test_serial_returner_flags_recompute(db: duckdb.DuckDBPyConnection) -> None:
    db.execute(f"CREATE OR REPLACE TEMP TABLE money2 AS {_MONEY_SQL}")
    rate_off = scalar(db, """SELECT count(*) FROM money2
        WHERE abs(CASE WHEN bought > 0 THEN returned / bought ELSE 0 END - t_rate) > 1e-6""")
    assert rate_off == 0
    flag_off = scalar(db, """SELECT count(*) FROM money2
        WHERE ((bought > 0 AND returned / bought >= 0.75 AND n_orders >= 4)::INT) <> t_serial""")
    assert flag_off == 0
    share = float(scalar(db, "SELECT avg(t_serial) FROM money2 WHERE n_orders > 0"))  # type: ignore[arg-type]
    assert 0.015 < share < 0.07, share


def test_churn_covers_exactly_the_observed_buyers(db: duckdb.DuckDBPyConnection) -> None:
    buyers = scalar(db, """SELECT count(DISTINCT r.person_id) FROM orders o JOIN truth_person_of_record r
        ON r.source = o.customer_source AND r.record_id = o.customer_id WHERE o.status <> 'cancelled'""")
    assert scalar(db, "SELECT count(*) FROM truth_churn") == buyers
    rate = float(scalar(db, "SELECT avg(churned::INT) FROM truth_churn"))  # type: ignore[arg-type]
    assert 0.2 < rate < 0.8, rate


def test_future_value_is_informative(db: duckdb.DuckDBPyConnection) -> None:
    """Past value predicts future value (CLV models have signal), and churners are worth ~nothing later."""
    corr = float(scalar(db, """SELECT corr(net_value::DOUBLE, future_net_value::DOUBLE) FROM truth_net_value"""))  # type: ignore[arg-type]
    assert corr > 0.2, corr
    churner_future = float(scalar(db, """SELECT avg(future_net_value::DOUBLE) FROM truth_net_value
        JOIN truth_churn USING (person_id) WHERE churned = '1'"""))  # type: ignore[arg-type]
    stayer_future = float(scalar(db, """SELECT avg(future_net_value::DOUBLE) FROM truth_net_value
        JOIN truth_churn USING (person_id) WHERE churned = '0'"""))  # type: ignore[arg-type]
    assert churner_future < 0.2 * stayer_future


def test_meta(small_demo: GenerationSummary) -> None:
    meta = json.loads((small_demo.out_dir / "truth" / "meta.json").read_text())
    assert meta["seed"] == SEED and meta["customers"] == SMALL_N
    assert meta["observation_end"] == "2026-01-01T00:00:00Z"
    assert meta["horizon_end"] > meta["observation_end"]
