"""A warehouse seeded straight from synthetic CDP people (`cdp_people`), for identity build tests
and `bench/identity_incremental.py`: customers in the shape of docs/entities.md spread over five
sources, and the web/app users' identify and anonymous page events — without the import step, so
the identity step is measured on its own.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pyarrow as pa

from onefold.demo import cdp_people
from onefold.store.build import BuildContext

CUSTOMER_COLUMNS = ["source", "source_customer_id", "first_name", "last_name", "email", "phone", "street", "city",
                    "postcode", "state", "country", "date_of_birth", "loyalty_id", "created_at"]
SOURCES = ["web", "app", "pos", "call_center", "loyalty"]
EVENT_COLUMNS = ["message_id", "type", "user_id", "anonymous_id", "traits"]


def customer_rows(people: int, seed: int) -> tuple[list[dict[str, str]], dict[str, str]]:
    """Synthetic customers (round-robin over `SOURCES`) and the true person of each ``source|id``."""
    rows, truth = [], {}
    for number, record in enumerate(cdp_people.generate(people=people, seed=seed, junk_per_value=50)):
        source = SOURCES[number % len(SOURCES)]
        row = {"source": source, "source_customer_id": f"{source[0]}{number}", "street": record["street"],
               "country": "US", "loyalty_id": "", "created_at": f"2024-01-{1 + number % 28:02d}T00:00:00"}
        row |= {k: record[k] for k in ("first_name", "last_name", "email", "phone", "city", "postcode", "state",
                                       "date_of_birth")}
        rows.append(row)
        truth[f"{source}|{row['source_customer_id']}"] = record["person_id"]
    return rows, truth


def identify_events(customers: list[dict[str, str]]) -> list[dict[str, object]]:
    """A web/app user's identify (anonymousId + userId + email trait) and one anonymous page view each."""
    events: list[dict[str, object]] = []
    for row in customers:
        if row["source"] in ("web", "app"):
            anon = f"anon-{row['source_customer_id']}"
            events.append({"message_id": f"m1{anon}", "type": "identify", "user_id": row["source_customer_id"],
                           "anonymous_id": anon, "traits": json.dumps({"email": row["email"]})})
            events.append({"message_id": f"m2{anon}", "type": "page", "user_id": None, "anonymous_id": anon,
                           "traits": None})
    return events


def seed_step(customers: list[dict[str, str]], events: list[dict[str, object]]) -> Callable[[BuildContext], None]:
    """A build step that writes `customers` and `events` warehouse tables as the import and events
    steps would (typed timestamps, JSON traits)."""
    def step(ctx: BuildContext) -> None:
        ctx.con.register("_c", pa.table({c: [r[c] or None for r in customers] for c in CUSTOMER_COLUMNS}))
        ctx.con.execute("CREATE TABLE customers AS SELECT * EXCLUDE (created_at, date_of_birth),"
                        " CAST(created_at AS TIMESTAMP) AS created_at, TRY_CAST(date_of_birth AS DATE) AS date_of_birth"
                        " FROM _c")
        ctx.con.register("_e", pa.table({c: [e[c] for e in events] for c in EVENT_COLUMNS}))
        ctx.con.execute("CREATE TABLE events AS SELECT message_id, type, NULL::VARCHAR AS event, user_id, anonymous_id,"
                        " TIMESTAMP '2024-02-01' AS timestamp, TIMESTAMP '2024-02-01' AS received_at,"
                        " CAST(traits AS JSON) AS traits, NULL::JSON AS properties, NULL::JSON AS context FROM _e")
    return step


__all__ = ["CUSTOMER_COLUMNS", "SOURCES", "customer_rows", "identify_events", "seed_step"]
