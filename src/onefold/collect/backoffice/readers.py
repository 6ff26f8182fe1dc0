"""Streaming readers: a CSV, JSONL or Parquet file in, Arrow batches of text columns out.

Every reader yields ``pa.Table`` batches with one string column per mapped field plus ``_src_row``
(the row number the user sees: data row 1 is the first row under a CSV header, line N of a JSONL
file, row N of a Parquet file) and ``_enc`` (the first field whose bytes were not UTF-8, else null).
Memory stays flat in file size: only one batch is alive at a time.

Rows that cannot even be split into fields (wrong number of CSV fields, a JSONL line that is not a
JSON object) are collected in ``failures`` instead; the importer quarantines them, so every row read
is accounted for. Blank lines are not records: they are skipped but still counted for row numbers;
a CSV row of empty cells (``,,``) is a record, collected in ``failures`` as an empty row.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from onefold.collect.backoffice.reader_csv import CsvReader
from onefold.collect.backoffice.reader_other import JsonlReader, ParquetReader
from onefold.collect.backoffice.reading import FallBack, ParseFailure, Reader
from onefold.errors import InputError, Location
from onefold.schema.entities import Entity

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


__all__ = ["FORMATS", "FallBack", "ParseFailure", "Reader", "open_reader"]
