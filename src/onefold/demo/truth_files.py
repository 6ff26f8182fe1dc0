"""The columns of each ``truth/`` CSV (definitions in truth.py, layout in docs/entities.md)."""

from __future__ import annotations

import numpy as np

from onefold.demo import export, truth
from onefold.demo.catalog import Catalog
from onefold.demo.events import Devices
from onefold.demo.expected import Expected
from onefold.demo.orders import CANCELLED, Lines, Orders
from onefold.demo.records import Records
from onefold.demo.returns import Returns
from onefold.demo.tickets import Tickets
from onefold.demo.writer import money, text


def truth_tables(person_id: np.ndarray, records: Records, devices: Devices, catalog: Catalog, orders: Orders,
                 lines: Lines, returns_: Returns, tickets: Tickets, expected: Expected) -> dict[str, export.Columns]:
    """File name (under ``truth/``) -> columns."""
    n = len(person_id)
    pid = text(person_id)
    rt = truth.serial_returners(n, orders, lines, returns_)
    seen = truth.money(n, catalog, orders, lines, returns_, tickets, observed=True)
    future = truth.money(n, catalog, orders, lines, returns_, tickets, observed=False)
    buyers, churned = truth.churn(n, orders)
    return {
        "person_of_record.csv": export.person_of_record(records, devices, person_id),
        "serial_returners.csv": {"person_id": pid, "return_rate": np.round(rt.return_rate, 6),
                                 "is_serial_returner": rt.is_serial.astype(np.int64)},
        "net_value.csv": {"person_id": pid, "gross_revenue": money(seen.gross), "refunds": money(seen.refunds),
                          "cogs": money(seen.cogs), "shipping_cost": money(seen.shipping),
                          "service_cost": money(seen.service), "net_value": money(seen.net),
                          "future_net_value": money(future.net),
                          "future_orders": np.bincount(orders.person[~orders.observed & (orders.status != CANCELLED)],
                                                       minlength=n),
                          "expected_future_orders": np.round(expected.orders, 4),
                          "expected_future_net_value": money(np.round(expected.net_cents).astype(np.int64))},
        "churn.csv": {"person_id": text(person_id[buyers]), "churned": churned},
    }


__all__ = ["truth_tables"]
