"""Back-office import: orders + order_items CSV with full validation, beside a plain DuckDB read_csv.

The peer is DuckDB reading the same file into a table of a fresh database file
(``CREATE TABLE t AS FROM read_csv(...)``, types sniffed, no checks, no quarantine): the floor for
getting a CSV into DuckDB. onefold does more: text staging with UTF-8 checks and row numbers, typed
checks (formats, ranges, enumerations), duplicate keys, reference look-ups (orders -> customers,
order_items -> orders and products), upsert by key and quarantine. Target: within 3x of the peer,
and 1M order rows with <= 1 GB peak memory.

Every measured run is a fresh child process (``measure_in_subprocess``) so its peak RSS is its own.
The CSVs are synthetic (numpy/pyarrow, fixed seed) so the bench does not depend on the demo
generator; 1 row in 1,000 of each file is deliberately bad, to exercise the quarantine path.
The machine is shared (2 cores): timings are noisy, run twice and compare. CPU seconds (every thread
of the child, from ``time.process_time``) are printed beside wall time: they depend less on what
else runs on the machine.

Usage: ``.venv/bin/python bench/import.py [--quick]`` (quick: 100k orders instead of 1M).
"""

from __future__ import annotations

import argparse
import functools
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

# DuckDB's Arrow scan imports pandas lazily whenever it is installed (here: the bench extra; core
# installs do not have it). Import it before the timed region so a one-off 1-3 s module import is not
# counted as import work.
import pandas  # noqa: F401
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import measure_in_subprocess, print_table  # noqa: E402

from onefold.collect.backoffice import import_file  # noqa: E402
from onefold.store.build import connect_duckdb  # noqa: E402
from onefold.store.workspace import init_workspace, open_workspace  # noqa: E402

TARGET_RATIO = 3.0
TARGET_PEAK_MB = 1024.0
SEED = 4


def _ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    digits = pc.utf8_lpad(pa.array(numbers).cast(pa.string()), width, "0")
    return pc.binary_join_element_wise(prefix, digits, "")


def _money(rng: np.random.Generator, n: int, low: float, high: float) -> pa.Array:
    return pa.array(np.round(rng.uniform(low, high, n), 2))


def write_files(folder: Path, orders: int) -> dict[str, int]:
    """customers, products, stores, orders and order_items CSVs; returns data rows per file."""
    rng = np.random.default_rng(SEED)
    customers, skus = max(orders // 10, 100), 2_000
    start = np.datetime64("2023-01-01T00:00:00", "s").astype(np.int64)
    pacsv.write_csv(
        pa.table({"source": pa.array(["web"] * customers), "source_customer_id": _ids("C", np.arange(customers), 8),
                  "email": pc.binary_join_element_wise(_ids("p", np.arange(customers), 8), "@example.com", ""), "created_at": pa.array(["2022-06-01T00:00:00Z"] * customers)}),
        folder / "customers.csv",
    )
    pacsv.write_csv(pa.table({"sku": _ids("SKU-", np.arange(skus), 5), "price": _money(rng, skus, 1, 300)}),
                    folder / "products.csv")
    pacsv.write_csv(pa.table({"store_id": _ids("S", np.arange(20), 3)}), folder / "stores.csv")

    seconds = start + rng.integers(0, 3 * 365 * 86400, orders)
    ordered = pc.strftime(pa.array(seconds.astype("datetime64[s]")), format="%Y-%m-%dT%H:%M:%SZ")
    channel = rng.choice(np.array(["web", "app", "store", "call_center"]), orders)
    store = np.where(channel == "store", np.char.add("S", np.char.zfill(rng.integers(0, 20, orders).astype(str), 3)), "")
    total = np.round(rng.uniform(5, 500, orders), 2)
    customer = _ids("C", rng.integers(0, customers, orders), 8).to_pylist()
    bad = rng.choice(orders, orders // 1000, replace=False)
    for i in bad:  # deliberate junk: unknown customers
        customer[i] = "NOPE"
    pacsv.write_csv(
        pa.table({
            "order_id": _ids("O", np.arange(orders), 9), "customer_source": pa.array(["web"] * orders),
            "customer_id": pa.array(customer), "channel": pa.array(channel), "store_id": pa.array(store),
            "ordered_at": ordered, "status": pa.array(rng.choice(np.array(["placed", "delivered", "shipped"]), orders)),
            "subtotal": pa.array(total), "discount": pa.array(np.zeros(orders)), "shipping_cost": pa.array(np.full(orders, 4.95)),
            "total": pa.array(total),
        }),
        folder / "orders.csv",
    )
    lines = rng.integers(1, 4, orders)
    order_of_item = np.repeat(np.arange(orders), lines)
    line_number = np.arange(len(order_of_item)) - np.repeat(np.cumsum(lines) - lines, lines) + 1
    qty = rng.integers(1, 4, len(order_of_item))
    qty[rng.choice(len(qty), len(qty) // 1000, replace=False)] = 0  # deliberate junk: qty 0
    pacsv.write_csv(
        pa.table({"order_id": _ids("O", order_of_item, 9), "line_number": pa.array(line_number),
                  "sku": _ids("SKU-", rng.integers(0, skus, len(qty)), 5), "qty": pa.array(qty),
                  "unit_price": _money(rng, len(qty), 1, 300)}),
        folder / "order_items.csv",
    )
    return {"customers": customers, "orders": orders, "order_items": len(qty)}


def prepare(folder: str, orders: int) -> dict[str, int]:
    """Write the CSVs and import the parents of orders and order lines (untimed)."""
    sizes = write_files(Path(folder), orders)
    ws = init_workspace(Path(folder) / "ws")
    for name in ("customers", "products", "stores"):
        import_file(ws, name, Path(folder) / f"{name}.csv")
    return sizes


def peer_read_csv(csv_path: str, db_path: str) -> tuple[int, float]:
    """Rows read and CPU seconds (all threads of the child process) of the plain DuckDB read."""
    start = time.process_time()
    con = connect_duckdb(db_path)
    try:
        con.execute("SET enable_progress_bar = false")
        con.execute("CREATE OR REPLACE TABLE t AS FROM read_csv(?)", [csv_path])
        rows = con.execute("SELECT count(*) FROM t").fetchall()
    finally:
        con.close()
    return int(rows[0][0]), time.process_time() - start


def onefold_import(workspace: str, entity: str, csv_path: str) -> tuple[dict[str, int], float]:
    """Import counts and CPU seconds (all threads of the child process)."""
    start = time.process_time()
    counts = import_file(open_workspace(workspace), entity, csv_path).counts()
    return counts, time.process_time() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100k orders instead of 1M")
    args = parser.parse_args()
    orders = 100_000 if args.quick else 1_000_000
    tmp = Path(tempfile.mkdtemp(prefix="onefold-bench-import-"))
    try:
        # In a child: a measured child starts from its parent's peak RSS (Linux keeps the high-water
        # mark across fork and exec), so a parent that built the files itself would floor every peak.
        _, sizes = measure_in_subprocess("prepare", functools.partial(prepare, str(tmp), orders))
        ws = open_workspace(tmp / "ws")
        rows = []
        for entity in ("orders", "order_items"):
            csv_path = str(tmp / f"{entity}.csv")
            peer, (n, peer_cpu) = measure_in_subprocess(
                "duckdb read_csv", functools.partial(peer_read_csv, csv_path, str(tmp / "peer.duckdb"))
            )
            ours, (counts, our_cpu) = measure_in_subprocess(
                "onefold import", functools.partial(onefold_import, str(ws.root), entity, csv_path)
            )
            assert n == counts["read"] == sizes[entity], (n, counts, sizes[entity])
            ratio = ours.seconds / peer.seconds
            rows.append([
                entity, f"{n:,}", f"{peer.seconds:.2f}", f"{ours.seconds:.2f}", f"{ratio:.2f}x",
                f"{peer_cpu:.2f}/{our_cpu:.2f}", f"{our_cpu / peer_cpu:.2f}x",
                f"{n / ours.seconds / 1000:,.0f}k", f"{counts['quarantined']:,}",
                f"{peer.peak_mb:,.0f}/{ours.peak_mb:,.0f}",
                "ok" if ratio <= TARGET_RATIO and (ours.peak_mb or 0) <= TARGET_PEAK_MB else "OVER",
            ])
            (tmp / "peer.duckdb").unlink(missing_ok=True)
        print_table(
            f"onefold import (validated) vs plain DuckDB read_csv; target <= {TARGET_RATIO:g}x wall, <= {TARGET_PEAK_MB:,.0f} MB",
            ["file", "rows", "peer s", "onefold s", "ratio", "CPU s peer/ours", "CPU ratio", "rows/s", "quarantined",
             "peak MB peer/ours", "target"],
            rows,
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
