"""Email interactions, store visits, consents and inventory are consistent with the rest."""

from __future__ import annotations

import duckdb

from tests.demo.conftest import scalar


def test_inventory_backorders_match_open_orders(db: duckdb.DuckDBPyConnection) -> None:
    mismatched = scalar(db, """
        WITH waiting AS (
          SELECT i.sku, sum(i.qty::INT) AS qty FROM order_items i JOIN orders o USING (order_id)
          WHERE o.status = 'backordered' GROUP BY 1)
        SELECT count(*) FROM inventory v LEFT JOIN waiting w USING (sku)
        WHERE v.backordered_qty::INT > 0 AND (v.on_hand::INT <> 0 OR v.backordered_qty::INT <> w.qty)""")
    assert mismatched == 0
    assert scalar(db, "SELECT count(*) FROM inventory WHERE backordered_qty::INT > 0") >= 1  # type: ignore[operator]
    # every backordered order waits for at least one out-of-stock SKU
    assert scalar(db, """SELECT count(*) FROM orders o WHERE status = 'backordered' AND NOT EXISTS (
        SELECT 1 FROM order_items i JOIN inventory v USING (sku)
        WHERE i.order_id = o.order_id AND v.backordered_qty::INT > 0)""") == 0
    assert scalar(db, "SELECT count(*) - count(DISTINCT sku) FROM inventory") == 0
    assert scalar(db, "SELECT count(*) FROM inventory WHERE sku NOT IN (SELECT sku FROM products)") == 0


def test_email_funnel_is_ordered(db: duckdb.DuckDBPyConnection) -> None:
    kinds = dict(db.execute("SELECT kind, count(*) FROM email_interactions GROUP BY 1").fetchall())
    assert kinds["send"] > kinds["open"] > kinds["click"] > kinds["unsubscribe"] > 0
    assert scalar(db, """SELECT count(*) FROM email_interactions e WHERE kind IN ('open', 'click') AND NOT EXISTS (
        SELECT 1 FROM email_interactions s WHERE s.kind = 'send' AND s.email = e.email
        AND s.campaign_id = e.campaign_id AND s.occurred_at::TIMESTAMP < e.occurred_at::TIMESTAMP)""") == 0
    assert scalar(db, """SELECT count(*) FROM email_interactions s JOIN email_interactions u
        ON u.email = s.email AND u.kind = 'unsubscribe'
        WHERE s.kind = 'send' AND s.occurred_at::TIMESTAMP > u.occurred_at::TIMESTAMP""") == 0


def test_people_read_mail_at_their_own_hours(db: duckdb.DuckDBPyConnection) -> None:
    """Opens cluster at each person's preferred hour: most opens of a reader fall within +-2 h of their mode."""
    share = float(scalar(db, """
        WITH o AS (SELECT email, hour(occurred_at::TIMESTAMP) AS h FROM email_interactions WHERE kind = 'open'),
        m AS (SELECT email, mode(h) AS mh, count(*) AS n FROM o GROUP BY 1 HAVING count(*) >= 4)
        SELECT avg((abs(o.h - m.mh) <= 2)::INT) FROM o JOIN m USING (email)"""))  # type: ignore[arg-type]
    assert share > 0.8, share


def test_unsubscribes_withdraw_consent(db: duckdb.DuckDBPyConnection) -> None:
    assert scalar(db, """SELECT count(*) FROM email_interactions e WHERE kind = 'unsubscribe' AND NOT EXISTS (
        SELECT 1 FROM consents c WHERE c.identifier_type = 'email' AND c.identifier = e.email
        AND c.status = 'withdrawn' AND c.purpose = 'marketing')""") == 0
    assert scalar(db, """SELECT count(*) FROM email_interactions e WHERE kind = 'send' AND NOT EXISTS (
        SELECT 1 FROM consents c WHERE c.identifier_type = 'email' AND c.identifier = e.email
        AND c.status = 'granted' AND c.at::TIMESTAMP <= e.occurred_at::TIMESTAMP)""") == 0


def test_store_visits_reference_cards_and_cover_store_orders(db: duckdb.DuckDBPyConnection) -> None:
    assert scalar(db, "SELECT count(*) FROM store_visits WHERE customer_source <> 'pos'") == 0
    assert scalar(db, """SELECT count(*) FROM store_visits v LEFT JOIN customers c
        ON c.source = v.customer_source AND c.source_customer_id = v.customer_id WHERE c.source IS NULL""") == 0
    assert scalar(db, "SELECT count(*) FROM store_visits WHERE store_id NOT IN (SELECT store_id FROM stores)") == 0
    assert scalar(db, """SELECT count(*) FROM orders o WHERE channel = 'store' AND NOT EXISTS (
        SELECT 1 FROM store_visits v WHERE v.customer_id = o.customer_id AND v.store_id = o.store_id
        AND v.visited_at::TIMESTAMP BETWEEN o.ordered_at::TIMESTAMP - INTERVAL 31 MINUTE AND o.ordered_at::TIMESTAMP)""") == 0
    assert scalar(db, "SELECT count(*) FROM store_visits") > scalar(db, "SELECT count(*) FROM orders WHERE channel = 'store'")  # type: ignore[operator]


def test_readers_keep_a_weekday_or_weekend_habit(db: duckdb.DuckDBPyConnection) -> None:
    """Each reader opens mostly on weekdays or mostly at weekends; without habits (2 weekend days in
    7) the mean majority share would be ~0.74 and almost nobody would read mostly at weekends."""
    habit, weekenders = db.execute("""
        WITH o AS (SELECT email, (dayofweek(occurred_at::TIMESTAMP) IN (0, 6))::INT AS weekend
                   FROM email_interactions WHERE kind = 'open'),
        m AS (SELECT email, avg(weekend) AS w FROM o GROUP BY 1 HAVING count(*) >= 5)
        SELECT avg(greatest(w, 1 - w)), avg((w >= 0.7)::INT) FROM m""").fetchone()  # type: ignore[misc]
    assert habit > 0.85, habit
    assert weekenders > 0.1, weekenders
