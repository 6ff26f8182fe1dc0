"""Streaming readers: a CSV, JSONL or Parquet file in, Arrow batches of text columns out.

Every reader yields ``pa.Table`` batches with one string column per mapped field plus ``_src_row``
(the row number the user sees: data row 1 is the first row under a CSV header, line N of a JSONL
file, row N of a Parquet file) and ``_enc`` (the first field whose bytes were not UTF-8, else null).
Memory stays flat in file size: only one batch is alive at a time.

Rows that cannot even be split into fields (wrong number of CSV fields, a JSONL line that is not a
JSON object) are collected in ``failures`` instead; the importer quarantines them, so every row read
is accounted for. Blank lines are not records: they are skipped but still counted for row numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from onefold.collect.backoffice.columns import ColumnMap, resolve_columns
from onefold.errors import InputError, Location
from onefold.schema.entities import Entity

BLOCK_BYTES = 4 << 20
"""CSV bytes parsed per batch: large enough to amortise per-batch SQL, small enough for flat memory."""
JSONL_BATCH_ROWS = 20_000
PARQUET_BATCH_ROWS = 100_000


class FallBack(Exception):
    """The fast reader cannot go on; restart the file with the reader's slow path."""


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


def _finish(
    columns: dict[str, pa.Array], rows: np.ndarray, enc: list[str | None] | None
) -> pa.Table:
    columns["_src_row"] = pa.array(rows, pa.int64())
    columns["_enc"] = pa.array(enc if enc is not None else [None] * len(rows), pa.string())
    return pa.table(columns)


class CsvReader:
    """pyarrow's streaming CSV reader over binary columns (UTF-8 is checked per column afterwards,
    because a string column makes pyarrow abort the whole file on one bad byte)."""

    def __init__(self, path: Path, entity: Entity, mapping: Mapping[str, str] | None) -> None:
        self.path = path
        self.failures: list[ParseFailure] = []
        self._blank_rows: list[int] = []
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
        return _finish(out, np.asarray([n for n, _ in chunk], dtype=np.int64), enc)

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
        table = _finish(out, rows, enc)
        if pc.any(blank).as_py():
            table = table.filter(pc.invert(blank))
        yield table


class JsonlReader:
    """One JSON object per line. Values are kept as text (numbers as written, nested values as JSON)
    so the same typed checks apply as for CSV. Keys that map to no field are ignored and reported."""

    def __init__(self, path: Path, entity: Entity, mapping: Mapping[str, str] | None) -> None:
        self.path = path
        self.entity = entity
        self.failures: list[ParseFailure] = []
        self._mapping = dict(mapping or {})
        self._ignored: set[str] = set()
        self._lowered = {f.lower(): f for f in entity.field_names}
        resolve_columns(list(self._mapping), entity, self._mapping, source=path.name, check_required=False)
        self._size = max(path.stat().st_size, 1)
        self._done = 0

    @property
    def columns(self) -> ColumnMap:
        return ColumnMap(self.entity.field_names, tuple(sorted(self._ignored)))

    def fraction(self) -> float:
        return min(self._done / self._size, 1.0)

    def _field(self, key: str) -> str | None:
        name = self._mapping.get(key) or self._lowered.get(key.strip().lower())
        if name is None:
            self._ignored.add(key)
        return name

    def batches(self) -> Iterator[pa.Table]:
        cols: dict[str, list[str | None]] = {f: [] for f in self.entity.field_names}
        rows: list[int] = []
        enc: list[str | None] = []
        with self.path.open("rb") as f:
            for number, line in enumerate(f, start=1):
                self._done += len(line)
                if not line.strip():
                    continue
                record, bad_field = self._parse(number, line)
                if record is None:
                    continue
                for name in cols:
                    cols[name].append(record.get(name))
                rows.append(number)
                enc.append(bad_field)
                if len(rows) >= JSONL_BATCH_ROWS:
                    yield self._table(cols, rows, enc)
                    cols, rows, enc = {f: [] for f in cols}, [], []
        if rows:
            yield self._table(cols, rows, enc)

    def _parse(self, number: int, line: bytes) -> tuple[dict[str, str | None] | None, str | None]:
        bad_utf8 = False
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            bad_utf8 = True
            line = line.decode("utf-8", "replace").encode()
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            self.failures.append(ParseFailure(number, f"not valid JSON ({exc.args[0]})", line.decode(errors="replace")))
            return None, None
        if not isinstance(obj, dict):
            self.failures.append(ParseFailure(number, "not a JSON object", line.decode(errors="replace")))
            return None, None
        record: dict[str, str | None] = {}
        bad_field = None
        for key, value in obj.items():
            name = self._field(str(key))
            if name is None:
                continue
            text = _as_text(value)
            record[name] = text
            if bad_utf8 and bad_field is None and text is not None and "\ufffd" in text:
                bad_field = name
        if bad_utf8 and bad_field is None:
            bad_field = "(line)"
        return record, bad_field

    @staticmethod
    def _table(cols: dict[str, list[str | None]], rows: list[int], enc: list[str | None]) -> pa.Table:
        out = {name: pa.array(values, pa.string()) for name, values in cols.items()}
        return _finish(out, np.asarray(rows, dtype=np.int64), enc)


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return orjson.dumps(value).decode()


class ParquetReader:
    """Typed Parquet columns are cast to text, then checked like CSV; nested columns are refused."""

    def __init__(self, path: Path, entity: Entity, mapping: Mapping[str, str] | None) -> None:
        self.path = path
        self.failures: list[ParseFailure] = []
        try:
            self._file = pq.ParquetFile(path)
        except (pa.ArrowInvalid, OSError) as exc:
            raise InputError(f"not a readable Parquet file ({exc})", location=Location(source=path.name)) from exc
        self.headers = list(self._file.schema_arrow.names)
        self.columns = resolve_columns(self.headers, entity, mapping, source=path.name)
        self._groups = max(self._file.num_row_groups, 1)
        self._rows_done = 0

    def fraction(self) -> float:
        total = max(self._file.metadata.num_rows, 1)
        return min(self._rows_done / total, 1.0)

    def batches(self) -> Iterator[pa.Table]:
        wanted = [h for h, f in zip(self.headers, self.columns.fields, strict=True) if f is not None]
        fields = dict(zip(self.headers, self.columns.fields, strict=True))
        for batch in self._file.iter_batches(batch_size=PARQUET_BATCH_ROWS, columns=wanted):
            enc: list[str | None] | None = None
            out: dict[str, pa.Array] = {}
            for header in wanted:
                name = fields[header]
                assert name is not None
                out[name], enc = self._text(batch.column(header), header, name, enc)
            rows = np.arange(self._rows_done + 1, self._rows_done + batch.num_rows + 1, dtype=np.int64)
            self._rows_done += batch.num_rows
            yield _finish(out, rows, enc)

    def _text(
        self, values: pa.Array, header: str, name: str, enc: list[str | None] | None
    ) -> tuple[pa.Array, list[str | None] | None]:
        if pa.types.is_binary(values.type) or pa.types.is_large_binary(values.type):
            return decode_column(values.cast(pa.binary()), name, enc)
        if pa.types.is_nested(values.type):
            raise InputError(
                f"column {header!r} has nested type {values.type}; only flat columns can be imported",
                location=Location(source=self.path.name, field=header),
            )
        try:
            return values.cast(pa.string()), enc
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise InputError(
                f"column {header!r} of type {values.type} cannot be read as text ({exc})",
                location=Location(source=self.path.name, field=header),
            ) from exc


FORMATS: dict[str, Callable[[Path, Entity, Mapping[str, str] | None], Reader]] = {
    "csv": CsvReader,
    "jsonl": JsonlReader,
    "parquet": ParquetReader,
}
SUFFIXES = {".csv": "csv", ".txt": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl",
            ".parquet": "parquet", ".pq": "parquet"}


def open_reader(path: Path, entity: Entity, *, fmt: str | None = None, mapping: Mapping[str, str] | None = None) -> Reader:
    """Pick the reader from ``fmt`` or the file suffix, and resolve the column mapping up front."""
    if fmt is None:
        fmt = SUFFIXES.get(path.suffix.lower())
        if fmt is None:
            raise InputError(
                f"cannot tell the format of {path.name} from its suffix",
                location=Location(source=path.name),
                remedy="pass --format csv, jsonl or parquet",
            )
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}", remedy="use csv, jsonl or parquet")
    if not path.is_file():
        raise InputError(f"no such file: {path}", location=Location(source=path.name))
    return FORMATS[fmt](path, entity, mapping)


__all__ = ["FORMATS", "ParseFailure", "Reader", "open_reader"]
