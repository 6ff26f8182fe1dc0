"""Typed schemas of the back-office entities: the contract between files, the importer and the warehouse.

Pure data, no I/O. ``docs/entities.md`` documents the same fields for people who write the files; the
importer compiles these specs into vectorised checks, and the build step into typed warehouse tables.
``ENTITIES`` is ordered in the documented import order: every reference points to an entity earlier
in the list, so importing files in this order never creates orphans in clean data.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from onefold.errors import InputError


class Kind(StrEnum):
    """How a field is parsed, checked and stored."""

    TEXT = "text"
    INT = "int"
    MONEY = "money"
    FLOAT = "float"
    DATE = "date"
    TIMESTAMP = "timestamp"
    EMAIL = "email"
    PHONE = "phone"
    ENUM = "enum"


WAREHOUSE_TYPES: dict[Kind, str] = {
    Kind.TEXT: "VARCHAR",
    Kind.INT: "BIGINT",
    # Money in the store currency, rounded to cents on import (exact arithmetic in sums).
    Kind.MONEY: "DECIMAL(18,2)",
    Kind.FLOAT: "DOUBLE",
    Kind.DATE: "DATE",
    # Timestamps are converted to UTC and stored without zone; a value without offset is read as UTC.
    Kind.TIMESTAMP: "TIMESTAMP",
    Kind.EMAIL: "VARCHAR",
    Kind.PHONE: "VARCHAR",
    # Enumerations are accepted in any case and stored lower-case.
    Kind.ENUM: "VARCHAR",
}


@dataclass(frozen=True, slots=True)
class Field:
    """One column of an entity.

    ``minimum``/``maximum`` bound numeric kinds; ``minimum_exclusive`` turns ``>=`` into ``>``
    (quantities must be positive, prices may be zero).
    """

    name: str
    kind: Kind = Kind.TEXT
    required: bool = False
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    minimum_exclusive: bool = False
    maximum: float | None = None
    doc: str = ""

    @property
    def warehouse_type(self) -> str:
        return WAREHOUSE_TYPES[self.kind]


@dataclass(frozen=True, slots=True)
class Reference:
    """``fields`` of a row must match ``target_fields`` of an already imported ``entity`` row.

    Checked only when every field of the reference is filled; a half-filled reference is invalid.
    """

    fields: tuple[str, ...]
    entity: str
    target_fields: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Entity:
    """A back-office entity: its natural key, its fields and its references."""

    name: str
    key: tuple[str, ...]
    fields: tuple[Field, ...]
    references: tuple[Reference, ...] = ()
    freshness: str | None = None
    """Timestamp field whose maximum tells how fresh the data is (quality report)."""
    doc: str = ""

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @property
    def file_name(self) -> str:
        return f"{self.name}.csv"


def _money(name: str, *, required: bool = False, doc: str = "") -> Field:
    return Field(name, Kind.MONEY, required=required, minimum=0, doc=doc)


def _customer_ref() -> Reference:
    return Reference(("customer_source", "customer_id"), "customers", ("source", "source_customer_id"))


ORDER_CHANNELS = ("web", "app", "store", "call_center")
ORDER_STATUSES = ("placed", "backordered", "shipped", "delivered", "cancelled")
TICKET_CHANNELS = ("phone", "email", "chat", "store")
EMAIL_KINDS = ("send", "open", "click", "unsubscribe")
IDENTIFIER_TYPES = ("email", "phone", "user_id", "customer")
PURPOSES = ("marketing", "analytics", "personalization", "service")
CONSENT_CHANNELS = ("email", "sms", "push", "web", "phone", "all")
CONSENT_STATUSES = ("granted", "withdrawn")

_ENTITY_LIST: tuple[Entity, ...] = (
    Entity(
        "customers",
        key=("source", "source_customer_id"),
        fields=(
            Field("source", required=True, doc="system the record comes from: web, app, pos, call_center, loyalty…"),
            Field("source_customer_id", required=True, doc="the customer's id in that system"),
            Field("first_name"),
            Field("last_name"),
            Field("email", Kind.EMAIL),
            Field("phone", Kind.PHONE),
            Field("street"),
            Field("city"),
            Field("postcode"),
            Field("state"),
            Field("country"),
            Field("date_of_birth", Kind.DATE),
            Field("loyalty_id"),
            Field("created_at", Kind.TIMESTAMP),
        ),
        freshness="created_at",
        doc="one customer record per source system; identity resolution merges them into people",
    ),
    Entity(
        "products",
        key=("sku",),
        fields=(
            Field("sku", required=True),
            Field("name"),
            Field("category"),
            _money("price", doc="list price"),
            _money("unit_cost", doc="cost of goods per unit"),
        ),
    ),
    Entity(
        "stores",
        key=("store_id",),
        fields=(
            Field("store_id", required=True),
            Field("name"),
            Field("city"),
            Field("region"),
            Field("lat", Kind.FLOAT, minimum=-90, maximum=90),
            Field("lon", Kind.FLOAT, minimum=-180, maximum=180),
        ),
    ),
    Entity(
        "orders",
        key=("order_id",),
        fields=(
            Field("order_id", required=True),
            Field("customer_source", required=True),
            Field("customer_id", required=True),
            Field("channel", Kind.ENUM, required=True, choices=ORDER_CHANNELS),
            Field("store_id", doc="the store of a store order"),
            Field("ordered_at", Kind.TIMESTAMP, required=True),
            Field("promised_delivery_at", Kind.TIMESTAMP),
            Field("delivered_at", Kind.TIMESTAMP),
            Field("status", Kind.ENUM, required=True, choices=ORDER_STATUSES),
            _money("subtotal"),
            _money("discount"),
            _money("shipping_cost", doc="what shipping cost the retailer"),
            _money("total"),
        ),
        references=(_customer_ref(), Reference(("store_id",), "stores", ("store_id",))),
        freshness="ordered_at",
    ),
    Entity(
        "order_items",
        key=("order_id", "line_number"),
        fields=(
            Field("order_id", required=True),
            Field("line_number", Kind.INT, required=True, minimum=1),
            Field("sku", required=True),
            Field("qty", Kind.INT, required=True, minimum=0, minimum_exclusive=True),
            _money("unit_price", required=True),
        ),
        references=(
            Reference(("order_id",), "orders", ("order_id",)),
            Reference(("sku",), "products", ("sku",)),
        ),
    ),
    Entity(
        "returns",
        key=("return_id",),
        fields=(
            Field("return_id", required=True),
            Field("order_id", required=True),
            Field("line_number", Kind.INT, required=True, minimum=1),
            Field("sku"),
            Field("qty", Kind.INT, required=True, minimum=0, minimum_exclusive=True),
            Field("reason"),
            Field("returned_at", Kind.TIMESTAMP, required=True),
            _money("refund_amount"),
        ),
        references=(Reference(("order_id", "line_number"), "order_items", ("order_id", "line_number")),),
        freshness="returned_at",
    ),
    Entity(
        "tickets",
        key=("ticket_id",),
        fields=(
            Field("ticket_id", required=True),
            Field("customer_source", required=True),
            Field("customer_id", required=True),
            Field("channel", Kind.ENUM, required=True, choices=TICKET_CHANNELS),
            Field("opened_at", Kind.TIMESTAMP, required=True),
            Field("closed_at", Kind.TIMESTAMP),
            Field("topic"),
            _money("handling_cost", doc="cost of handling the contact"),
        ),
        references=(_customer_ref(),),
        freshness="opened_at",
    ),
    Entity(
        "email_interactions",
        key=("interaction_id",),
        fields=(
            Field("interaction_id", required=True),
            Field("email", Kind.EMAIL, required=True),
            Field("campaign_id"),
            Field("kind", Kind.ENUM, required=True, choices=EMAIL_KINDS),
            Field("occurred_at", Kind.TIMESTAMP, required=True),
        ),
        freshness="occurred_at",
    ),
    Entity(
        "store_visits",
        key=("visit_id",),
        fields=(
            Field("visit_id", required=True),
            Field("store_id", required=True),
            Field("customer_source", doc="empty for an anonymous visit"),
            Field("customer_id", doc="empty for an anonymous visit"),
            Field("visited_at", Kind.TIMESTAMP, required=True),
        ),
        references=(Reference(("store_id",), "stores", ("store_id",)), _customer_ref()),
        freshness="visited_at",
    ),
    Entity(
        "consents",
        key=("consent_id",),
        fields=(
            Field("consent_id", required=True),
            Field("identifier_type", Kind.ENUM, required=True, choices=IDENTIFIER_TYPES),
            Field("identifier", required=True),
            Field("purpose", Kind.ENUM, required=True, choices=PURPOSES),
            Field("channel", Kind.ENUM, required=True, choices=CONSENT_CHANNELS),
            Field("status", Kind.ENUM, required=True, choices=CONSENT_STATUSES),
            Field("source"),
            Field("at", Kind.TIMESTAMP, required=True),
        ),
        freshness="at",
    ),
    Entity(
        "inventory",
        key=("sku",),
        fields=(
            Field("sku", required=True),
            Field("on_hand", Kind.INT, required=True, minimum=0),
            Field("backordered_qty", Kind.INT, minimum=0),
            Field("updated_at", Kind.TIMESTAMP),
        ),
        references=(Reference(("sku",), "products", ("sku",)),),
        freshness="updated_at",
    ),
)

ENTITIES: dict[str, Entity] = {e.name: e for e in _ENTITY_LIST}
"""All entities, in the documented import order."""


def get_entity(name: str) -> Entity:
    """The entity called ``name``, or an InputError that lists the valid names."""
    try:
        return ENTITIES[name]
    except KeyError:
        raise InputError(
            f"unknown entity {name!r}", remedy=f"use one of: {', '.join(ENTITIES)}"
        ) from None


__all__ = ["ENTITIES", "Entity", "Field", "Kind", "Reference", "WAREHOUSE_TYPES", "get_entity"]
