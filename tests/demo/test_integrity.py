"""Referential integrity and money consistency of the written CSVs."""

from __future__ import annotations

import duckdb
import pytest

from tests.demo.conftest import scalar

ORPHAN_QUERIES = {
    "order_items -> orders": "SELECT count(*) FROM order_items i LEFT JOIN orders o USING (order_id) WHERE o.order_id IS NULL",
    "order_items -> products": "SELECT count(*) FROM order_items i LEFT JOIN products p USING (sku) WHERE p.sku IS NULL",
    "orders -> customers": """SELECT count(*) FROM orders o LEFT JOIN customers c
        ON c.source = o.customer_source AND c.source_customer_id = o.customer_id WHERE c.source IS NULL""",
    "orders -> stores": """SELECT count(*) FROM orders o LEFT JOIN stores s USING (store_id)
        WHERE o.store_id IS NOT NULL AND s.store_id IS NULL""",
    "returns -> order_items": """SELECT count(*) FROM returns r LEFT JOIN order_items i
        ON i.order_id = r.order_id AND i.line_number = r.line_number AND i.sku = r.sku WHERE i.order_id IS NULL""",
    "tickets -> customers": """SELECT count(*) FROM tickets t LEFT JOIN customers c
        ON c.source = t.customer_source AND c.source_customer_id = t.customer_id WHERE c.source IS NULL""",
}


@pytest.mark.parametrize("name", sorted(ORPHAN_QUERIES))
def test_no_orphans(db: duckdb.DuckDBPyConnection, name: str) -> None:
    assert scalar(db, ORPHAN_QUERIES[name]) == 0


@pytest.mark.parametrize(("table", "key"), [
    ("customers", "source, source_customer_id"), ("orders", "order_id"), ("order_items", "order_id, line_number"),
    ("returns", "return_id"), ("products", "sku"), ("stores", "store_id"), ("tickets", "ticket_id"),
])
def test_keys_unique(db: duckdb.DuckDBPyConnection, table: str, key: str) -> None:
    assert scalar(db, f"SELECT count(*) - count(DISTINCT ({key})) FROM {table}") == 0


def test_order_totals_add_up(db: duckdb.DuckDBPyConnection) -> None:
    bad = scalar(db, """
        WITH lines AS (SELECT order_id, sum(qty::INT * unit_price::DECIMAL(18,2)) AS s FROM order_items GROUP BY 1)
        SELECT count(*) FROM orders o JOIN lines l USING (order_id)
        WHERE o.subtotal::DECIMAL(18,2) <> l.s
           OR o.total::DECIMAL(18,2) <> o.subtotal::DECIMAL(18,2) - o.discount::DECIMAL(18,2)
                                        + o.shipping_cost::DECIMAL(18,2)""")
    assert bad == 0
    assert scalar(db, "SELECT count(*) FROM orders WHERE order_id NOT IN (SELECT order_id FROM order_items)") == 0


def test_refunds_within_line_value(db: duckdb.DuckDBPyConnection) -> None:
    bad = scalar(db, """
        SELECT count(*) FROM returns r JOIN order_items i USING (order_id, line_number)
        WHERE r.refund_amount::DECIMAL(18,2) > r.qty::INT * i.unit_price::DECIMAL(18,2)
           OR r.qty::INT > i.qty::INT OR r.qty::INT < 1 OR r.refund_amount::DECIMAL(18,2) <= 0""")
    assert bad == 0


def test_returns_after_delivery_and_only_delivered_orders(db: duckdb.DuckDBPyConnection) -> None:
    bad = scalar(db, """
        SELECT count(*) FROM returns r JOIN orders o USING (order_id)
        WHERE o.status <> 'delivered' OR r.returned_at::TIMESTAMP <= o.delivered_at::TIMESTAMP""")
    assert bad == 0


def test_delivery_fields_follow_status(db: duckdb.DuckDBPyConnection) -> None:
    assert scalar(db, "SELECT count(*) FROM orders WHERE (status = 'delivered') <> (delivered_at IS NOT NULL)") == 0
    assert scalar(db, "SELECT count(*) FROM orders WHERE (channel = 'store') <> (store_id IS NOT NULL)") == 0
    assert scalar(db, "SELECT count(*) FROM orders WHERE channel <> 'store' AND promised_delivery_at IS NULL") == 0
    late = scalar(db, """SELECT avg((delivered_at::TIMESTAMP > promised_delivery_at::TIMESTAMP)::INT) FROM orders
                         WHERE status = 'delivered' AND channel <> 'store'""")
    assert 0.04 < float(late) < 0.2  # type: ignore[arg-type]


def test_records_exist_before_use(db: duckdb.DuckDBPyConnection) -> None:
    bad = scalar(db, """SELECT count(*) FROM orders o JOIN customers c
        ON c.source = o.customer_source AND c.source_customer_id = o.customer_id
        WHERE c.created_at::TIMESTAMP > o.ordered_at::TIMESTAMP""")
    assert bad == 0


def test_backorders_hold_scarce_skus(db: duckdb.DuckDBPyConnection) -> None:
    assert scalar(db, "SELECT count(*) FROM orders WHERE status = 'backordered'") > 0  # type: ignore[operator]
    skus = scalar(db, """SELECT count(DISTINCT sku) FROM order_items JOIN orders USING (order_id)
                         WHERE status = 'backordered'""")
    assert skus >= 1  # type: ignore[operator]
