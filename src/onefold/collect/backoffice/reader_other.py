"""JSONL and Parquet readers: values become text so the same typed checks apply as for CSV."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from onefold.collect.backoffice.columns import ColumnMap, resolve_columns
from onefold.collect.backoffice.reading import (
    JSONL_BATCH_ROWS,
    PARQUET_BATCH_ROWS,
    ParseFailure,
    decode_column,
    finish,
)
from onefold.errors import InputError, Location
from onefold.schema.entities import Entity


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
        return finish(out, np.asarray(rows, dtype=np.int64), enc)


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
            yield finish(out, rows, enc)

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
