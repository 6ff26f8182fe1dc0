"""Synthetic retailer generation: wall time, rows/s and peak memory for 100k persons.

There is no peer generator to run beside it (Faker/SDV do not produce linked omnichannel data with
ground truth), so the table prints onefold's absolute figures against the target (100k persons in
<= 60 s). Each size runs in a fresh child process (``measure_in_subprocess``) so peak RSS is its own.
Rows are all written data rows: every CSV (without headers) plus events.jsonl lines; truth files
are counted separately. Timings on a shared machine are noisy; run twice and compare.

Usage: ``.venv/bin/python bench/generate.py [--quick]`` (quick: 10k persons only).
"""

from __future__ import annotations

import argparse
import functools
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import measure_in_subprocess, print_table  # noqa: E402

from onefold.demo import generate  # noqa: E402  (imported here so the child's timing excludes imports)

TARGET_S = 60.0


def run(customers: int, out: str) -> dict[str, int]:
    return generate(Path(out), customers=customers, seed=42).files


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10k persons only")
    args = parser.parse_args()
    sizes = [10_000] if args.quick else [10_000, 100_000]
    rows, volumes = [], []
    for n in sizes:
        tmp = tempfile.mkdtemp(prefix="onefold-bench-gen-")
        try:
            m, files = measure_in_subprocess(f"generate {n:,}", functools.partial(run, n, tmp))
            size_mb = sum(p.stat().st_size for p in Path(tmp).rglob("*") if p.is_file()) / 1e6
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        data_rows = sum(v for k, v in files.items() if not k.startswith("truth/"))
        verdict = "-" if n != 100_000 else ("ok" if m.seconds <= TARGET_S else "OVER")
        rows.append([f"{n:,} persons", "none", f"{m.seconds:.1f} s", f"{data_rows / m.seconds:,.0f}",
                     f"{m.peak_mb:,.0f} MB" if m.peak_mb else "?", verdict])
        volumes.append([f"{n:,}", f"{files['orders.csv']:,}", f"{files['order_items.csv']:,}",
                        f"{files['events.jsonl']:,}", f"{data_rows:,}", f"{size_mb:,.0f} MB"])
    print_table("demo generate, seed 42 (rows/s = all data rows written / wall time)",
                ["work", "peer", "onefold", "rows/s", "peak RSS", "<= 60 s"], rows)
    print_table("what was written", ["persons", "orders", "lines", "events", "data rows", "on disk"], volumes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
