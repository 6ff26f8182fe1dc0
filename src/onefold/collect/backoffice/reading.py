"""What every back-office reader shares: the batch contract, parse failures, UTF-8 repair.

Every reader yields ``pa.Table`` batches with one string column per mapped field plus ``_src_row``
(the row number the user sees) and ``_enc`` (the first field whose bytes were not UTF-8, else null),
and collects rows that cannot be split into fields in ``failures``. See ``readers.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pyarrow as pa

from onefold.collect.backoffice.columns import ColumnMap

BLOCK_BYTES = 4 << 20
"""CSV bytes parsed per batch: large enough to amortise per-batch SQL, small enough for flat memory."""
JSONL_BATCH_ROWS = 20_000
EMPTY_ROW = "empty row (every field is empty)"
"""Reason for a CSV row of empty cells (``,,,``): a record, so counted and quarantined. A blank line
(no characters at all) is not a record, as for DuckDB's read_csv and pandas."""
PARQUET_BATCH_ROWS = 100_000


class FallBack(Exception):
    """Internal signal, never raised out of the importer: the fast reader cannot go on, so the file
    is read again with the reader's slow path."""


@dataclass(frozen=True, slots=True)
class ParseFailure:
    row: int
    reason: str
    text: str


class Reader(Protocol):
    columns: ColumnMap
    failures: list[ParseFailure]

    def batches(self) -> Iterator[pa.Table]: ...

    def fraction(self) -> float: ...


def decode_column(values: pa.Array, name: str, enc: list[str | None] | None) -> tuple[pa.Array, list[str | None] | None]:
    """Binary -> UTF-8 string column. Invalid bytes are replaced (U+FFFD) and the row is marked in
    ``enc`` (created on first need) so the importer quarantines it; the fast path is one vectorised
    validation of the whole column."""
    try:
        return values.cast(pa.string()), enc
    except pa.ArrowInvalid:
        pass
    decoded: list[str | None] = []
    for i, raw in enumerate(values.to_pylist()):
        if raw is None:
            decoded.append(None)
            continue
        try:
            decoded.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            decoded.append(raw.decode("utf-8", "replace"))
            if enc is None:
                enc = [None] * len(values)
            if enc[i] is None:
                enc[i] = name
    return pa.array(decoded, pa.string()), enc


def finish(
    columns: dict[str, pa.Array], rows: np.ndarray, enc: list[str | None] | None
) -> pa.Table:
    columns["_src_row"] = pa.array(rows, pa.int64())
    columns["_enc"] = pa.array(enc, pa.string()) if enc is not None else pa.nulls(len(rows), pa.string())
    return pa.table(columns)


