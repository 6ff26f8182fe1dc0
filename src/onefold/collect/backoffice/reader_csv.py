"""CSV: pyarrow's streaming reader, with a forgiving pure-Python path for files it refuses."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from onefold.collect.backoffice.columns import resolve_columns
from onefold.collect.backoffice.reading import (
    BLOCK_BYTES,
    JSONL_BATCH_ROWS,
    FallBack,
    ParseFailure,
    decode_column,
    finish,
)
from onefold.errors import InputError, Location
from onefold.schema.entities import Entity


class CsvReader:
    """pyarrow's streaming CSV reader over binary columns (UTF-8 is checked per column afterwards,
    because a string column makes pyarrow abort the whole file on one bad byte)."""

    def __init__(self, path: Path, entity: Entity, mapping: Mapping[str, str] | None) -> None:
        self.path = path
        self.failures: list[ParseFailure] = []
        self._file: BinaryIO | None = None
        self._size = max(path.stat().st_size, 1)
        with path.open("rb") as f:
            first = f.readline()
        if not first.strip():
            raise InputError("the file is empty or has no header row", location=Location(source=path.name))
        text = first.decode("utf-8-sig", "replace")
        self.headers = next(csv.reader(io.StringIO(text)))
        if len(set(self.headers)) != len(self.headers):
            raise InputError(f"duplicate column names in header: {self.headers}", location=Location(path.name, 0))
        self.columns = resolve_columns(self.headers, entity, mapping, source=path.name)

    def _on_invalid(self, row: Any) -> str:
        data_row = int(row.number) - 1 if row.number is not None else -1
        self.failures.append(
            ParseFailure(
                data_row,
                f"row has {row.actual_columns} fields, expected {row.expected_columns} (check quotes and delimiters)",
                row.text,
            )
        )
        return "skip"

    def fraction(self) -> float:
        if self._file is None or self._file.closed:
            return 1.0
        try:
            return min(self._file.tell() / self._size, 1.0)
        except OSError:  # a text file being iterated (slow path) cannot tell its position
            return 0.5

    def batches(self) -> Iterator[pa.Table]:
        """Fast path: pyarrow. If it gives up on the file (it cannot report a malformed row whose
        bytes are not UTF-8), raise FallBack so the caller restarts with ``python_batches``."""
        names = [f"c{i}" for i in range(len(self.headers))]
        with self.path.open("rb") as self._file:
            try:
                reader = self._open_fast(names)
            except pa.ArrowInvalid as exc:  # the first block is parsed on open
                raise FallBack(str(exc)) from exc
            emitted = 0
            while True:
                try:
                    batch = reader.read_next_batch()
                except StopIteration:
                    return
                except pa.ArrowInvalid as exc:
                    raise FallBack(str(exc)) from exc
                n = batch.num_rows
                rows = np.arange(emitted + 1, emitted + n + 1, dtype=np.int64)
                # Rows skipped by the handler shift the numbers of every later row.
                for skipped in sorted(f.row for f in self.failures if f.row > 0):
                    rows[rows >= skipped] += 1
                emitted += n
                yield from self._convert(batch, rows)

    def _open_fast(self, names: list[str]) -> pacsv.CSVStreamingReader:
        return pacsv.open_csv(
            self._file,
            # Threads off: pyarrow reports invalid rows' numbers only when parsing in order.
            read_options=pacsv.ReadOptions(use_threads=False, skip_rows=1, column_names=names, block_size=BLOCK_BYTES),
            parse_options=pacsv.ParseOptions(
                newlines_in_values=True, ignore_empty_lines=False, invalid_row_handler=self._on_invalid
            ),
            convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.binary())),
        )

    def python_batches(self) -> Iterator[pa.Table]:
        """Slow, forgiving path (Python's csv module over surrogate-escaped text) for files pyarrow
        refuses: every record is still counted, split and checked the same way."""
        self.failures.clear()
        width = len(self.headers)
        with self.path.open(encoding="utf-8", errors="surrogateescape", newline="") as self._file:  # type: ignore[assignment]
            records = csv.reader(self._file)  # type: ignore[arg-type]
            try:
                next(records)
                chunk: list[tuple[int, list[str]]] = []
                for number, record in enumerate(records, start=1):
                    if not any(record):
                        continue
                    if len(record) != width:
                        text = ",".join(record).encode("utf-8", "surrogateescape").decode("utf-8", "replace")
                        self.failures.append(
                            ParseFailure(number, f"row has {len(record)} fields, expected {width} (check quotes and delimiters)", text)
                        )
                        continue
                    chunk.append((number, record))
                    if len(chunk) >= JSONL_BATCH_ROWS:
                        yield self._python_table(chunk)
                        chunk = []
            except csv.Error as exc:
                raise InputError(f"unreadable CSV ({exc})", location=Location(self.path.name, records.line_num)) from exc
            if chunk:
                yield self._python_table(chunk)

    def _python_table(self, chunk: list[tuple[int, list[str]]]) -> pa.Table:
        enc: list[str | None] = [None] * len(chunk)
        out: dict[str, pa.Array] = {}
        for i, field_name in enumerate(self.columns.fields):
            if field_name is None:
                continue
            values: list[str] = []
            for j, (_, record) in enumerate(chunk):
                value = record[i]
                if not value.isascii() and any("\udc80" <= ch <= "\udcff" for ch in value):
                    value = value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
                    enc[j] = enc[j] or field_name
                values.append(value)
            out[field_name] = pa.array(values, pa.string())
        return finish(out, np.asarray([n for n, _ in chunk], dtype=np.int64), enc)

    def _convert(self, batch: pa.RecordBatch, rows: np.ndarray) -> Iterator[pa.Table]:
        # A row whose every cell is empty is a blank line, not a record (pure Arrow: no numpy round trip).
        blank = pa.array(np.ones(batch.num_rows, dtype=bool))
        for column in batch.columns:
            blank = pc.and_(blank, pc.equal(pc.fill_null(pc.binary_length(column), 0), 0))
        enc: list[str | None] | None = None
        out: dict[str, pa.Array] = {}
        for i, field_name in enumerate(self.columns.fields):
            if field_name is None:
                continue
            out[field_name], enc = decode_column(batch.column(i), field_name, enc)
        table = finish(out, rows, enc)
        if pc.any(blank).as_py():
            table = table.filter(pc.invert(blank))
        yield table
