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
    EMPTY_ROW,
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
        empty: list[int] = []
        last_row = 0
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
                    break
                except pa.ArrowInvalid as exc:
                    raise FallBack(str(exc)) from exc
                n = batch.num_rows
                rows = np.arange(emitted + 1, emitted + n + 1, dtype=np.int64)
                # Rows skipped by the handler shift the numbers of every later row.
                for skipped in sorted(f.row for f in self.failures if f.row > 0):
                    rows[rows >= skipped] += 1
                emitted += n
                if n:
                    last_row = int(rows[-1])
                table, empty_rows = self._convert(batch, rows)
                empty.extend(empty_rows)
                yield table
        # Added only now: failures found during the read renumber the rows that follow them.
        blank = blank_lines(self.path, empty, last_row)
        self.failures.extend(self._empty_row(row) for row in empty if row not in blank)
        self.failures.sort(key=lambda f: f.row)

    def _empty_row(self, row: int) -> ParseFailure:
        return ParseFailure(row, EMPTY_ROW, "," * (len(self.headers) - 1))

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
                    if not record:  # a blank line
                        continue
                    if not any(record):
                        self.failures.append(ParseFailure(number, EMPTY_ROW, ",".join(record)))
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

    def _convert(self, batch: pa.RecordBatch, rows: np.ndarray) -> tuple[pa.Table, list[int]]:
        """The batch as text columns without its all-empty rows, and the numbers of those rows.

        pyarrow gives a blank line and a row of empty cells (``,,``) alike; which is which is
        settled once the file is read (``blank_lines``). Pure Arrow: no numpy round trip.
        """
        empty = _all_empty(batch)
        enc: list[str | None] | None = None
        out: dict[str, pa.Array] = {}
        for i, field_name in enumerate(self.columns.fields):
            if field_name is None:
                continue
            out[field_name], enc = decode_column(batch.column(i), field_name, enc)
        table = finish(out, rows, enc)
        if empty is None:
            return table, []
        return table.filter(pc.invert(empty)), rows[empty.to_numpy(zero_copy_only=False)].tolist()


def _all_empty(batch: pa.RecordBatch) -> pa.Array | None:
    """Which rows have every cell empty, or None when no row does (the usual case, told from the
    first column alone: most files never leave it empty)."""
    empty: pa.Array | None = None
    for column in batch.columns:
        this = pc.equal(pc.fill_null(pc.binary_length(column), 0), 0)
        empty = this if empty is None else pc.and_(empty, this)
        if not pc.any(empty).as_py():
            return None
    return empty


def blank_lines(path: Path, candidates: list[int], last_row: int) -> set[int]:
    """Which ``candidates`` (data rows whose every cell is empty) are blank lines, not records.

    Blank lines at the end of the file (the usual case) are told from the tail bytes; any other
    candidate needs the file read again with the csv module up to it, which is slow but only
    happens for files with blank or empty rows inside.
    """
    if not candidates:
        return set()
    blank = set(range(last_row - _trailing_blank_lines(path) + 1, last_row + 1)) & set(candidates)
    inside = sorted(set(candidates) - blank)
    if not inside:
        return blank
    wanted, last = set(inside), inside[-1]
    with path.open(encoding="utf-8", errors="surrogateescape", newline="") as f:
        records = csv.reader(f)
        next(records, None)
        for number, record in enumerate(records, start=1):
            if number in wanted and not record:
                blank.add(number)
            if number >= last:
                break
    return blank


def _trailing_blank_lines(path: Path) -> int:
    """Blank lines after the last line with content: the line breaks that end the file, minus the
    one that ends that last line."""
    with path.open("rb") as f:
        size = f.seek(0, io.SEEK_END)
        step = 4096
        while True:
            start = max(size - step, 0)
            f.seek(start)
            tail = f.read(size - start)
            content = tail.rstrip(b"\r\n")
            if content or start == 0:
                break
            step *= 4
    breaks = tail[len(content):].replace(b"\r\n", b"\n")
    return max(len(breaks) - 1, 0)
