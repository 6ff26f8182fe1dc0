"""Columns to files: exact money text, ISO timestamps, and fast CSV writing through Arrow.

Money is simulated in integer cents so every total, refund and truth figure is exact; it is written
as a plain decimal (``1234`` cents -> ``12.34``, ``-5`` -> ``-0.05``). Timestamps are epoch seconds
written as ISO 8601 UTC with a ``Z``; a negative sentinel (``NO_TIME``) is written as an empty field.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

STR = np.dtypes.StringDType()
NO_TIME = np.iinfo(np.int64).min  # "no timestamp" (not delivered yet, never closed, ...)


def money(cents: np.ndarray) -> pa.Array:
    """Integer cents -> decimal text with two places, exact for any int64."""
    cents = np.asarray(cents, dtype=np.int64)
    absolute = np.abs(cents)
    units = pc.cast(pa.array(absolute // 100), pa.string())
    frac = pc.utf8_lpad(pc.cast(pa.array(absolute % 100), pa.string()), width=2, padding="0")
    sign = pa.array(np.where(cents < 0, "-", ""))
    return pc.binary_join_element_wise(sign, units, ".", frac, "")


def iso(seconds: np.ndarray) -> pa.Array:
    """Epoch seconds -> ``YYYY-MM-DDTHH:MM:SSZ``; ``NO_TIME`` -> null (empty CSV field).

    Casting to text and patching the separator is ~5x faster than ``strftime`` in Arrow.
    """
    seconds = np.asarray(seconds, dtype=np.int64)
    mask = seconds == NO_TIME
    ts = pa.array(np.where(mask, 0, seconds), mask=mask).view(pa.timestamp("s"))
    plain = pc.utf8_replace_slice(pc.cast(ts, pa.string()), start=10, stop=11, replacement="T")
    return pc.binary_join_element_wise(plain, "Z", "")


def iso_date(days_since_epoch: np.ndarray, *, missing: np.ndarray | None = None) -> pa.Array:
    """Days since 1970-01-01 -> ``YYYY-MM-DD``; rows flagged in ``missing`` become null."""
    values = np.asarray(days_since_epoch, dtype=np.int64).astype("datetime64[D]")
    return pc.strftime(pa.array(values, mask=missing), format="%Y-%m-%d")


def text(values: Any, *, missing: np.ndarray | None = None) -> pa.Array:
    """Strings (numpy or list) -> Arrow strings; rows flagged in ``missing`` become null."""
    if isinstance(values, pa.Array):
        arr = values
    else:
        # numpy StringDType -> object is the fast path into Arrow (direct conversion is ~10x slower)
        arr = pa.array(np.asarray(values).astype(object), type=pa.string())
    if missing is not None:
        arr = pc.if_else(pa.array(missing), pa.scalar(None, pa.string()), arr)
    return arr


def sequential_ids(prefix: str, n: int, width: int, *, numbers: np.ndarray | None = None) -> np.ndarray:
    """``prefix`` + zero-padded numbers (1..n unless given), e.g. ``O000000001``."""
    nums = np.arange(1, n + 1) if numbers is None else numbers
    digits = np.strings.zfill(nums.astype(str).astype(STR), width)
    return np.strings.add(np.array(prefix, dtype=STR), digits)


def _arrow(col: Any) -> pa.Array | pa.ChunkedArray:
    if isinstance(col, pa.Array | pa.ChunkedArray):
        return col
    arr = np.asarray(col)
    if arr.dtype.kind in "UOT":
        return text(arr)
    return pa.array(arr)


def arrow_ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """Arrow-native ``prefix`` + zero-padded numbers, for ids that are only written (no numpy copy)."""
    digits = pc.utf8_lpad(pc.cast(pa.array(np.asarray(numbers, dtype=np.int64)), pa.string()), width=width, padding="0")
    return pc.binary_join_element_wise(prefix, digits, "")


def write_csv(path: Path, columns: Mapping[str, Any]) -> int:
    """Write columns (in the given order) as a CSV with a header; returns the row count.

    Nulls are written as empty fields and strings are quoted only when needed, so the files read
    back the same in DuckDB, pandas or a spreadsheet.
    """
    table = pa.table({name: _arrow(col) for name, col in columns.items()})
    path.parent.mkdir(parents=True, exist_ok=True)
    options = pacsv.WriteOptions(include_header=True, quoting_style="needed")
    pacsv.write_csv(table, str(path), write_options=options)
    return table.num_rows


__all__ = ["NO_TIME", "STR", "arrow_ids", "sequential_ids", "iso", "iso_date", "money", "text", "write_csv"]
