"""The generating process shows the documented shape: seasonality, margins, late deliveries, returns."""

from __future__ import annotations

import duckdb

from tests.demo.conftest import scalar


def _f(db: duckdb.DuckDBPyConnection, sql: str) -> float:
    return float(scalar(db, sql))  # type: ignore[arg-type]


def test_q4_peak(db: duckdb.DuckDBPyConnection) -> None:
    q4 = _f(db, "SELECT avg((month(ordered_at::TIMESTAMP) IN (11, 12))::INT) FROM orders")
    assert q4 > 1.3 * 2 / 12, q4  # Nov+Dec carry well over their 1/6 share


def test_margins_differ_by_category(db: duckdb.DuckDBPyConnection) -> None:
    margins = dict(db.execute("""SELECT category, avg(1 - unit_cost::DOUBLE / price::DOUBLE) FROM products
                                 GROUP BY 1""").fetchall())
    assert margins["electronics"] < 0.2 < 0.5 < margins["beauty"]
    assert all(0 < m < 1 for m in margins.values())


def test_late_deliveries_raise_tickets(db: duckdb.DuckDBPyConnection) -> None:
    late_share = _f(db, """SELECT avg((delivered_at::TIMESTAMP > promised_delivery_at::TIMESTAMP)::INT) FROM orders
                          WHERE status = 'delivered' AND channel <> 'store'""")
    assert 0.05 < late_share < 0.15
    assert _f(db, "SELECT count(*) FROM tickets WHERE topic = 'late_delivery'") > 0


def test_serial_returners_are_a_distinct_group(db: duckdb.DuckDBPyConnection) -> None:
    serial = _f(db, "SELECT avg(return_rate::DOUBLE) FROM truth_serial_returners WHERE is_serial_returner = '1'")
    others = _f(db, """SELECT avg(return_rate::DOUBLE) FROM truth_serial_returners s JOIN truth_churn USING (person_id)
                       WHERE is_serial_returner = '0'""")
    assert serial >= 0.75 and others < 0.25, (serial, others)


def test_purchase_frequency_is_heterogeneous(db: duckdb.DuckDBPyConnection) -> None:
    """Many one-time buyers and a long tail of frequent ones, as a BG/NBD population has."""
    db.execute("""CREATE OR REPLACE TEMP TABLE freq AS SELECT p.person_id, count(*) AS n FROM orders o
        JOIN truth_person_of_record p ON p.record_type = 'customer' AND p.source = o.customer_source
        AND p.record_id = o.customer_id GROUP BY 1""")
    one_timers = _f(db, "SELECT avg((n = 1)::INT) FROM freq")
    tail = _f(db, "SELECT quantile_cont(n, 0.95) FROM freq")
    assert 0.2 < one_timers < 0.7 and tail >= 8, (one_timers, tail)


def test_channels_and_sources(db: duckdb.DuckDBPyConnection) -> None:
    shares = dict(db.execute("SELECT channel, count(*) / sum(count(*)) OVER () FROM orders GROUP BY 1").fetchall())
    assert set(shares) == {"web", "app", "store", "call_center"}
    assert shares["call_center"] < 0.1 < shares["store"]
    assert scalar(db, """SELECT count(*) FROM orders WHERE customer_source = 'ecom_legacy'
                         AND ordered_at >= '2023-08-29'""") == 0
