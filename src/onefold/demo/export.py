"""Simulation arrays -> the columns of each file in docs/entities.md (only observed rows)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from onefold.demo.behaviour import APP, CHANNELS, SOURCES, WEB
from onefold.demo.catalog import Catalog, Stores
from onefold.demo.emails import KINDS, EmailActivity
from onefold.demo.engagement import CONSENT_CHANNELS, IDENTIFIER_TYPES, PURPOSES, Consents, Inventory, Visits
from onefold.demo.events import Devices
from onefold.demo.names import CITIES
from onefold.demo.orders import STATUSES, Lines, Orders, order_ids
from onefold.demo.records import Records
from onefold.demo.returns import REASONS, Returns
from onefold.demo.tickets import TICKET_CHANNELS, TOPICS, Tickets
from onefold.demo.writer import NO_TIME, arrow_ids, iso, iso_date, money, text

Columns = dict[str, Any]


def _blank(values: np.ndarray) -> pa.Array:
    """Empty strings become nulls (empty CSV fields)."""
    return text(values, missing=np.asarray(values == "", dtype=bool))


def customers(records: Records) -> Columns:
    f = records.fields
    return {
        "source": np.array(SOURCES)[records.source],
        "source_customer_id": text(records.record_id),
        **{k: _blank(f[k]) for k in ("first_name", "last_name", "email", "phone", "street", "city", "postcode",
                                     "state", "country")},
        "date_of_birth": iso_date(f["dob_days"], missing=~f["dob_present"]),
        "loyalty_id": _blank(f["loyalty_id"]),
        "created_at": iso(records.created_s),
    }


def products(catalog: Catalog) -> Columns:
    return {"sku": catalog.sku, "name": catalog.name, "category": catalog.category_names,
            "price": money(catalog.price_cents), "unit_cost": money(catalog.cost_cents)}


def stores(st: Stores) -> Columns:
    return {"store_id": st.store_id, "name": st.name, "city": np.array([CITIES[c].name for c in st.city]),
            "region": st.region(), "lat": st.lat, "lon": st.lon}


def orders(o: Orders, records: Records, st: Stores) -> Columns:
    obs = np.flatnonzero(o.observed)
    status = o.status[obs]
    delivered = np.where(status == STATUSES.index("delivered"), o.arrival_s[obs], NO_TIME)
    store = o.store[obs]
    return {
        "order_id": order_ids(obs),
        "customer_source": np.array(SOURCES)[o.source[obs]],
        "customer_id": text(records.ref(o.person[obs], o.source[obs])),
        "channel": np.array(CHANNELS)[o.channel[obs]],
        "store_id": text(np.where(store >= 0, st.store_id[np.maximum(store, 0)], ""), missing=store < 0),
        "ordered_at": iso(o.ordered_s[obs]),
        "promised_delivery_at": iso(o.promised_s[obs]),
        "delivered_at": iso(delivered),
        "status": np.array(STATUSES)[status],
        "subtotal": money(o.subtotal[obs]),
        "discount": money(o.discount[obs]),
        "shipping_cost": money(o.shipping[obs]),
        "total": money(o.total[obs]),
    }


def order_items(o: Orders, lines: Lines, catalog: Catalog) -> Columns:
    obs = np.flatnonzero(o.observed[lines.order])
    return {
        "order_id": order_ids(lines.order[obs]),
        "line_number": lines.line_number[obs],
        "sku": catalog.sku[lines.product[obs]],
        "qty": lines.qty[obs],
        "unit_price": money(lines.unit_price[obs]),
    }


def returns(r: Returns, o: Orders, lines: Lines, catalog: Catalog) -> Columns:
    obs = np.flatnonzero(r.observed)
    line = r.line[obs]
    return {
        "return_id": arrow_ids("R", obs + 1, 9),
        "order_id": order_ids(lines.order[line]),
        "line_number": lines.line_number[line],
        "sku": catalog.sku[lines.product[line]],
        "qty": r.qty[obs],
        "reason": np.array(REASONS)[r.reason[obs]],
        "returned_at": iso(r.returned_s[obs]),
        "refund_amount": money(r.refund[obs]),
    }


def tickets(t: Tickets, records: Records, ticket_src: np.ndarray) -> Columns:
    obs = np.flatnonzero(t.observed)
    person = t.person[obs]
    src = ticket_src[person]
    return {
        "ticket_id": arrow_ids("T", obs + 1, 8),
        "customer_source": np.array(SOURCES)[src],
        "customer_id": text(records.ref(person, src)),
        "channel": np.array(TICKET_CHANNELS)[t.channel[obs]],
        "opened_at": iso(t.opened_s[obs]),
        "closed_at": iso(t.closed_s[obs]),
        "topic": np.array(TOPICS)[t.topic[obs]],
        "handling_cost": money(t.cost[obs]),
    }


def email_interactions(e: EmailActivity) -> Columns:
    return {
        "interaction_id": arrow_ids("E", np.arange(1, len(e.kind) + 1), 9),
        "email": text(e.email),
        "campaign_id": arrow_ids("CMP", e.campaign, 4),
        "kind": np.array(KINDS)[e.kind],
        "occurred_at": iso(e.at_s),
    }


def store_visits(v: Visits, records: Records, st: Stores) -> Columns:
    return {
        "visit_id": arrow_ids("V", np.arange(1, len(v.at_s) + 1), 9),
        "store_id": st.store_id[v.store],
        "customer_source": np.array(SOURCES)[records.source[v.record]],
        "customer_id": text(records.record_id[v.record]),
        "visited_at": iso(v.at_s),
    }


def consents(c: Consents) -> Columns:
    return {
        "consent_id": arrow_ids("CN", np.arange(1, len(c.at_s) + 1), 9),
        "identifier_type": np.array(IDENTIFIER_TYPES)[c.identifier_type],
        "identifier": text(c.identifier),
        "purpose": np.array(PURPOSES)[c.purpose],
        "channel": np.array(CONSENT_CHANNELS)[c.channel],
        "status": np.where(c.granted, "granted", "withdrawn"),
        "source": np.array(SOURCES)[c.source],
        "at": iso(c.at_s),
    }


def inventory(inv: Inventory, catalog: Catalog) -> Columns:
    return {"sku": catalog.sku, "on_hand": inv.on_hand, "backordered_qty": inv.backordered_qty,
            "updated_at": iso(np.full(len(catalog.sku), inv.updated_s))}


def person_of_record(records: Records, devices: Devices, person_id: np.ndarray) -> Columns:
    """Customer records, then web/app userIds, then device anonymousIds, each with its true person."""
    users = np.flatnonzero(np.isin(records.source, (WEB, APP)))
    dev_source = np.where(devices.app, "app", "web")
    return {
        "record_type": np.concatenate([np.full(len(records.person), "customer"), np.full(len(users), "user_id"),
                                       np.full(len(devices.uuid), "anonymous_id")]),
        "source": np.concatenate([np.array(SOURCES)[records.source], np.array(SOURCES)[records.source[users]],
                                  dev_source]),
        "record_id": text(np.concatenate([records.record_id, records.record_id[users], devices.uuid])),
        "person_id": text(person_id[np.concatenate([records.person, records.person[users],
                                                    records.person[devices.record]])]),
    }


__all__ = ["consents", "customers", "person_of_record", "email_interactions", "inventory", "order_items", "orders", "products", "returns",
           "store_visits", "stores", "tickets"]
