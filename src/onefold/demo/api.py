"""``generate()``: the synthetic retailer end to end, deterministic for a seed.

One ``numpy.random.Generator`` seeded with ``seed`` drives every draw, always in the same order, so
the same (seed, customers) writes byte-identical files. ``customers`` is the number of true persons;
each appears as one or more customer records (about 1.8 on average).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import orjson

from onefold.demo import export, truth
from onefold.demo.behaviour import SOURCES
from onefold.demo.emails import make_email_activity
from onefold.demo.engagement import make_consents, make_inventory, make_visits
from onefold.demo.events import make_events, write_events
from onefold.demo.expected import expected_future
from onefold.demo.fade import engaged_until
from onefold.demo.records import make_records, share_loyalty_with_app, ticket_source
from onefold.demo.tickets import make_tickets
from onefold.demo.truth_files import truth_tables
from onefold.demo.world import draw_commerce
from onefold.demo.writer import write_csv
from onefold.errors import InputError

log = logging.getLogger(__name__)

#: step names reported to ``progress`` in order (the CLI sizes its progress bar with this)
STEPS = ("people", "orders", "returns", "tickets", "records", "engagement", "events", "write entities",
         "expected future", "write truth")
MAX_CUSTOMERS = 1_000_000  # ~9 GB of memory at the top (about 9 MB per 1,000 persons)


@dataclass
class GenerationSummary:
    """What ``generate`` wrote: file name (relative to the output folder) -> data rows."""

    out_dir: Path
    seed: int
    customers: int
    files: dict[str, int] = field(default_factory=dict)


def _check(customers: int, seed: int) -> None:
    if not isinstance(customers, int) or isinstance(customers, bool) or not 1 <= customers <= MAX_CUSTOMERS:
        raise InputError(f"customers must be an integer from 1 to {MAX_CUSTOMERS:,}, got {customers!r}",
                         remedy="pass e.g. --customers 20000")
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise InputError(f"seed must be a non-negative integer, got {seed!r}")


def generate(out_dir: Path | str, *, customers: int, seed: int,
             progress: Callable[[str], None] | None = None) -> GenerationSummary:
    """Simulate the retailer and write its CSVs, events and ``truth/`` files into ``out_dir``.

    Args:
        out_dir: folder to write into (created; existing files of the same names are replaced).
        customers: number of true persons.
        seed: random seed; the same seed and count give byte-identical output.
        progress: called with each step name of ``STEPS`` as it starts.
    """
    _check(customers, seed)
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError(f"{out} exists and is not a folder", remedy="choose another --out")
    step = progress or (lambda name: log.info("demo: %s", name))
    rng = np.random.default_rng(seed)
    summary = GenerationSummary(out, seed, customers)

    world = draw_commerce(rng, customers, step)
    persons, catalog, stores, beh = world.persons, world.catalog, world.stores, world.beh
    left_day, orders, lines, returns_ = world.left_day, world.orders, world.lines, world.returns
    step("tickets")
    tickets = make_tickets(rng, beh, persons.birth_day, orders, returns_, lines.order)
    step("records")
    first_use = np.full((customers, len(SOURCES)), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first_use, (orders.person, orders.source), orders.ordered_s)
    t_src = ticket_source(beh)
    np.minimum.at(first_use, (tickets.person, t_src[tickets.person]), tickets.opened_s)
    records = make_records(rng, persons, beh, first_use)
    share_loyalty_with_app(rng, records)

    step("engagement")
    until = engaged_until(rng, left_day)
    primary_rec = records.lookup[np.arange(customers), beh.primary]
    email = make_email_activity(rng, records.fields["email"][primary_rec], records.source[primary_rec],
                                records.created_s[primary_rec], until)
    visits = make_visits(rng, records, orders, beh.home_store, len(stores.store_id), until)
    consents = make_consents(rng, records, email)
    inventory = make_inventory(rng, len(catalog.sku), orders, lines, orders.scarce)

    step("events")
    event_rows, devices = make_events(rng, records, orders, lines, catalog, until,
                                      beh.lam * 365.25 * beh.buyer)
    out.mkdir(parents=True, exist_ok=True)
    summary.files["events.jsonl"] = write_events(rng, out / "events.jsonl", event_rows, devices, records, orders,
                                                 lines, catalog)

    step("write entities")
    files = {
        "customers.csv": export.customers(records),
        "products.csv": export.products(catalog),
        "stores.csv": export.stores(stores),
        "orders.csv": export.orders(orders, records, stores),
        "order_items.csv": export.order_items(orders, lines, catalog),
        "returns.csv": export.returns(returns_, orders, lines, catalog),
        "tickets.csv": export.tickets(tickets, records, t_src),
        "email_interactions.csv": export.email_interactions(email),
        "store_visits.csv": export.store_visits(visits, records, stores),
        "consents.csv": export.consents(consents),
        "inventory.csv": export.inventory(inventory, catalog),
    }
    for name, columns in files.items():
        summary.files[name] = write_csv(out / name, columns)

    step("expected future")
    expected = expected_future(seed, beh, catalog, len(stores.store_id), left_day, orders, lines, returns_, tickets)
    step("write truth")
    tables = truth_tables(persons.person_id, records, devices, catalog, orders, lines, returns_, tickets, expected)
    for name, columns in tables.items():
        summary.files[f"truth/{name}"] = write_csv(out / "truth" / name, columns)
    (out / "truth" / "meta.json").write_bytes(
        orjson.dumps(truth.meta(seed=seed, customers=customers), option=orjson.OPT_INDENT_2) + b"\n")
    log.info("demo: wrote %d files to %s", len(summary.files), out)
    return summary


__all__ = ["STEPS", "GenerationSummary", "generate"]
