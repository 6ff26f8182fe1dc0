"""The files follow docs/entities.md: names, columns, enumerations, formats; junk at the intended rates."""

from __future__ import annotations

import re

import duckdb
import pytest

from onefold.demo import GenerationSummary
from onefold.demo.names import JUNK_EMAILS, JUNK_PHONES
from tests.demo.conftest import scalar

COLUMNS = {
    "customers": "source, source_customer_id, first_name, last_name, email, phone, street, city, postcode, state, "
                 "country, date_of_birth, loyalty_id, created_at",
    "products": "sku, name, category, price, unit_cost",
    "stores": "store_id, name, city, region, lat, lon",
    "orders": "order_id, customer_source, customer_id, channel, store_id, ordered_at, promised_delivery_at, "
              "delivered_at, status, subtotal, discount, shipping_cost, total",
    "order_items": "order_id, line_number, sku, qty, unit_price",
    "returns": "return_id, order_id, line_number, sku, qty, reason, returned_at, refund_amount",
    "tickets": "ticket_id, customer_source, customer_id, channel, opened_at, closed_at, topic, handling_cost",
    "email_interactions": "interaction_id, email, campaign_id, kind, occurred_at",
    "store_visits": "visit_id, store_id, customer_source, customer_id, visited_at",
    "consents": "consent_id, identifier_type, identifier, purpose, channel, status, source, at",
    "inventory": "sku, on_hand, backordered_qty, updated_at",
    "truth_person_of_record": "record_type, source, record_id, person_id",
    "truth_serial_returners": "person_id, return_rate, is_serial_returner",
    "truth_net_value": "person_id, gross_revenue, refunds, cogs, shipping_cost, service_cost, net_value, "
                       "future_net_value, future_orders, expected_future_orders, expected_future_net_value",
    "truth_churn": "person_id, churned",
}
ENUMS = {
    ("customers", "source"): {"web", "app", "pos", "call_center", "ecom_legacy"},
    ("orders", "channel"): {"web", "app", "store", "call_center"},
    ("orders", "status"): {"placed", "backordered", "shipped", "delivered", "cancelled"},
    ("tickets", "channel"): {"phone", "email", "chat", "store"},
    ("email_interactions", "kind"): {"send", "open", "click", "unsubscribe"},
    ("consents", "identifier_type"): {"email", "phone", "user_id", "customer"},
    ("consents", "purpose"): {"marketing", "analytics", "personalization", "service"},
    ("consents", "channel"): {"email", "sms", "push", "web", "phone", "all"},
    ("consents", "status"): {"granted", "withdrawn"},
}
TIMESTAMPS = [("customers", "created_at"), ("orders", "ordered_at"), ("orders", "promised_delivery_at"),
              ("orders", "delivered_at"), ("returns", "returned_at"), ("tickets", "opened_at"), ("tickets", "closed_at"),
              ("email_interactions", "occurred_at"), ("store_visits", "visited_at"), ("consents", "at"),
              ("inventory", "updated_at")]
EMAIL = r"^[a-z0-9._+-]+@[a-z0-9-]+(\.[a-z0-9-]+)+$"


@pytest.mark.parametrize("table", sorted(COLUMNS))
def test_columns_exactly_as_documented(db: duckdb.DuckDBPyConnection, table: str) -> None:
    names = [row[0] for row in db.execute(f"DESCRIBE {table}").fetchall()]
    assert names == [c.strip() for c in COLUMNS[table].split(",")]
    assert scalar(db, f"SELECT count(*) FROM {table}") > 0  # type: ignore[operator]


@pytest.mark.parametrize(("table", "column"), sorted(ENUMS))
def test_enumerations(db: duckdb.DuckDBPyConnection, table: str, column: str) -> None:
    values = {row[0] for row in db.execute(f"SELECT DISTINCT {column} FROM {table}").fetchall()}
    assert values <= ENUMS[(table, column)]


@pytest.mark.parametrize(("table", "column"), TIMESTAMPS)
def test_timestamps_are_iso_utc_and_inside_the_data(db: duckdb.DuckDBPyConnection, table: str, column: str) -> None:
    pattern = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"
    col = f'"{column}"'
    assert scalar(db, f"SELECT count(*) FROM {table} WHERE {col} IS NOT NULL AND NOT regexp_matches({col}, '{pattern}')") == 0
    if column != "promised_delivery_at":  # a promise may point past the snapshot
        assert scalar(db, f"SELECT count(*) FROM {table} WHERE {col} >= '2026-01-01T00:00:00Z'") == 0


def test_all_emails_are_valid(db: duckdb.DuckDBPyConnection) -> None:
    for table, column in (("customers", "email"), ("email_interactions", "email")):
        bad = db.execute(f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL "
                         f"AND NOT regexp_matches({column}, '{EMAIL}') LIMIT 5").fetchall()
        assert bad == [], (table, bad)


def test_phones_are_ten_us_digits(db: duckdb.DuckDBPyConnection) -> None:
    phones = [row[0] for row in db.execute("SELECT phone FROM customers WHERE phone IS NOT NULL").fetchall()]
    digits = [re.sub(r"\D", "", p) for p in phones]
    assert all(len(d) == 10 or (len(d) == 11 and d[0] == "1") for d in digits)
    styles = {re.sub(r"\d", "9", p) for p in phones}
    assert len(styles) >= 5  # written in several formats


def test_junk_identifiers_at_a_few_percent(db: duckdb.DuckDBPyConnection) -> None:
    junk_emails = ", ".join(f"'{e}'" for e in JUNK_EMAILS)
    junk_phones = ", ".join(f"'{p}'" for p in JUNK_PHONES)
    email_rate = float(scalar(db, f"SELECT avg((email IN ({junk_emails}))::INT) FROM customers"))  # type: ignore[arg-type]
    phone_rate = float(scalar(db, f"""SELECT avg((regexp_replace(phone, '[^0-9]', '', 'g') IN ({junk_phones}))::INT)
                                      FROM customers WHERE phone IS NOT NULL"""))  # type: ignore[arg-type]
    assert 0.01 < email_rate < 0.05, email_rate
    assert 0.01 < phone_rate < 0.06, phone_rate


def test_identity_is_hard_but_fair(db: duckdb.DuckDBPyConnection) -> None:
    """Shared family emails, nicknames and moves exist, so exact matching on one field is not enough."""
    shared = scalar(db, """SELECT count(*) FROM (SELECT c.email FROM customers c JOIN truth_person_of_record r
        ON r.source = c.source AND r.record_id = c.source_customer_id
        WHERE c.email IS NOT NULL AND c.email NOT LIKE '%test%' AND c.email NOT LIKE '%none%'
        GROUP BY 1 HAVING count(DISTINCT r.person_id) > 1)""")
    assert shared > 0  # type: ignore[operator]
    nick = scalar(db, """SELECT count(DISTINCT r.person_id) FROM customers c JOIN truth_person_of_record r
        ON r.source = c.source AND r.record_id = c.source_customer_id
        WHERE c.first_name IN ('Bob', 'Liz', 'Mike', 'Jim', 'Bill', 'Jen', 'Kate', 'Tom', 'Chris', 'Dan')""")
    assert nick > 0  # type: ignore[operator]
    two_addresses = scalar(db, """SELECT count(*) FROM (SELECT r.person_id FROM customers c JOIN truth_person_of_record r
        ON r.source = c.source AND r.record_id = c.source_customer_id WHERE c.postcode IS NOT NULL
        GROUP BY 1 HAVING count(DISTINCT c.postcode) > 1)""")
    assert two_addresses > 0  # type: ignore[operator]


def test_summary_counts_match_files(small_demo: GenerationSummary) -> None:
    for name, rows in small_demo.files.items():
        with open(small_demo.out_dir / name, encoding="utf-8") as fh:
            header = 0 if name.endswith(".jsonl") else 1
            assert sum(1 for _ in fh) - header == rows, name
