"""Shared helpers for bench scripts: timing, peak memory, and the result table.

Each bench runs onefold and a named peer in the same run and prints work, peer, onefold, ratio,
quality and peak memory. Peak memory of a block is measured in a child process when isolation
matters (``measure_in_subprocess``), otherwise as RSS high-water mark deltas.
"""

from __future__ import annotations

import multiprocessing as mp
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.table import Table


@dataclass
class Measurement:
    name: str
    seconds: float
    peak_mb: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def timed(name: str, fn: Callable[[], Any]) -> tuple[Measurement, Any]:
    start = time.perf_counter()
    result = fn()
    return Measurement(name, time.perf_counter() - start), result


def _child(fn: Callable[[], Any], queue: Any) -> None:
    start = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    queue.put((seconds, peak_kb / 1024, result))


def measure_in_subprocess(name: str, fn: Callable[[], Any]) -> tuple[Measurement, Any]:
    """Run ``fn`` (a picklable top-level function) in a fresh process: wall time and peak RSS."""
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(fn, queue))
    proc.start()
    seconds, peak_mb, result = queue.get()
    proc.join()
    return Measurement(name, seconds, peak_mb), result


def print_table(title: str, columns: list[str], rows: list[list[Any]]) -> None:
    table = Table(title=title)
    for col in columns:
        table.add_column(col)
    for row in rows:
        table.add_row(*[f"{v:.4g}" if isinstance(v, float) else str(v) for v in row])
    Console().print(table)
