"""events.jsonl is Segment-shaped and tied to customers and truth."""

from __future__ import annotations

import csv
from collections import Counter
from decimal import Decimal
from typing import Any

import orjson
import pytest

from onefold.demo import GenerationSummary


@pytest.fixture(scope="module")
def events(small_demo: GenerationSummary) -> list[dict[str, Any]]:
    with open(small_demo.out_dir / "events.jsonl", "rb") as fh:
        return [orjson.loads(line) for line in fh]


def _csv(summary: GenerationSummary, name: str) -> list[dict[str, str]]:
    with open(summary.out_dir / name, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_every_message_is_segment_shaped(events: list[dict[str, Any]]) -> None:
    assert len(events) > 1000
    ids = Counter(e["messageId"] for e in events)
    assert ids.most_common(1)[0][1] == 1
    for e in events:
        assert e["type"] in {"identify", "track", "page", "screen", "alias"}
        assert "userId" in e or "anonymousId" in e
        assert e["timestamp"].endswith("Z") and e["sentAt"] >= e["timestamp"]
        assert e["timestamp"] < "2026-01-01"
        assert "library" in e["context"]
        if e["type"] == "track":
            assert e["event"] and isinstance(e["properties"], dict)
        if e["type"] == "alias":
            assert e["previousId"] and e["userId"]
    assert [e["timestamp"] for e in events] == sorted(e["timestamp"] for e in events)
    assert {e["type"] for e in events} == {"identify", "track", "page", "screen", "alias"}


def test_every_identifier_has_a_true_person(small_demo: GenerationSummary, events: list[dict[str, Any]]) -> None:
    truth = {(r["record_type"], r["record_id"]): r["person_id"] for r in _csv(small_demo, "truth/person_of_record.csv")}
    customers = {(r["source"], r["source_customer_id"]) for r in _csv(small_demo, "customers.csv")}
    for e in events:
        if "userId" in e:
            assert ("user_id", e["userId"]) in truth
            assert ("web", e["userId"]) in customers or ("app", e["userId"]) in customers
        for key in ("anonymousId", "previousId"):
            if key in e:
                assert ("anonymous_id", e[key]) in truth
    # an identify ties a device to the user of the same true person
    for e in events:
        if e["type"] == "identify" and "anonymousId" in e:
            assert truth[("anonymous_id", e["anonymousId"])] == truth[("user_id", e["userId"])]


def test_anonymous_browsing_precedes_sign_up(events: list[dict[str, Any]]) -> None:
    first_seen: dict[str, str] = {}
    tied_at: dict[str, str] = {}
    for e in events:
        anon = e.get("anonymousId")
        if anon:
            first_seen.setdefault(anon, e["timestamp"])
            if "userId" in e:
                tied_at.setdefault(anon, e["timestamp"])
    earlier = sum(1 for a, t in tied_at.items() if first_seen[a] < t)
    assert earlier > 0.2 * len(tied_at)


def test_order_completed_matches_orders(small_demo: GenerationSummary, events: list[dict[str, Any]]) -> None:
    orders = {r["order_id"]: r for r in _csv(small_demo, "orders.csv")}
    completed = [e for e in events if e.get("event") == "Order Completed"]
    assert completed
    for e in completed:
        props = e["properties"]
        order = orders[props["order_id"]]
        assert order["customer_id"] == e["userId"] and order["channel"] in {"web", "app"}
        assert Decimal(str(props["total"])) == Decimal(order["total"])
        subtotal = sum(Decimal(str(p["price"])) * p["quantity"] for p in props["products"])
        assert subtotal == Decimal(order["subtotal"])
    online = sum(1 for o in orders.values() if o["channel"] in {"web", "app"} and o["customer_source"] in {"web", "app"})
    assert len(completed) == online


def test_users_act_only_after_their_account_exists(small_demo: GenerationSummary,
                                                   events: list[dict[str, Any]]) -> None:
    created = {r["source_customer_id"]: r["created_at"] for r in _csv(small_demo, "customers.csv")
               if r["source"] in {"web", "app"}}
    early = [e for e in events if "userId" in e and e["timestamp"] < created[e["userId"]]]
    assert early == []
