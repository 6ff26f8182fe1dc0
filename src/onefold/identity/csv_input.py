"""I/O module: read a CSV of person records for `onefold identity match`, validating as it goes.

Python's csv module (not DuckDB's sniffer) parses the file so that every problem is reported with
the file, the data row as an editor shows it (data row 1 = line 2) and the field. All problems are
collected and raised once, so the user fixes the file in one pass.
"""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pyarrow as pa

from onefold.errors import InputError, Location
from onefold.identity.duck import quote
from onefold.store.build import connect_duckdb

MAX_REPORTED = 10


def read_records_csv(path: Path, *, id_column: str, columns: list[str]) -> pa.Table:
    """The id column and ``columns`` of ``path`` as an Arrow table of strings (empty cells → null).

    DuckDB's parallel reader serves well-formed files; anything it rejects, or any missing column or
    bad id, is read again by the validating Python reader, which reports every problem with its row.

    Raises:
        InputError: missing file or columns, ragged rows, empty or duplicate record ids.
    """
    wanted = [id_column, *dict.fromkeys(c for c in columns if c != id_column)]
    fast = _read_with_duckdb(path, wanted) if path.is_file() else None
    return fast if fast is not None else _read_validating(path, id_column=id_column, columns=columns)


def _read_with_duckdb(path: Path, wanted: list[str]) -> pa.Table | None:
    """The table when the file is well-formed and its ids are present and unique; else None."""
    con = connect_duckdb(":memory:")
    try:
        con.execute(
            "CREATE TEMP TABLE _of_csv AS SELECT * FROM read_csv(?, all_varchar = true, header = true, delim = ',',"
            " quote = '\"', escape = '\"', strict_mode = true, null_padding = false)",
            [str(path)],
        )
        header = [row[0] for row in con.execute("DESCRIBE _of_csv").fetchall()]
        if any(c not in header for c in wanted):
            return None
        ident = quote(wanted[0])
        bad = con.execute(
            f"SELECT count(*) FILTER (WHERE nullif(trim({ident}), '') IS NULL), count(*) - count(DISTINCT trim({ident}))"
            " FROM _of_csv"
        ).fetchall()[0]  # fetchall finishes the result: the connection refuses new work before that
        if bad[0] or bad[1]:
            return None
        select = ", ".join([f"trim({ident}) AS {ident}", *(quote(c) for c in wanted[1:])])
        return con.sql(f"SELECT {select} FROM _of_csv").to_arrow_table()
    except duckdb.Error:
        return None
    finally:
        con.close()


def _read_validating(path: Path, *, id_column: str, columns: list[str]) -> pa.Table:
    source = path.name
    if not path.is_file():
        raise InputError(f"no such file: {path}", location=Location(source=str(path)))
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle, skipinitialspace=True)  # Febrl writes ", value"
            header = next(reader, None)
            if not header:
                raise InputError("the file is empty (expected a header row)", location=Location(source=source))
            wanted = [id_column, *dict.fromkeys(c for c in columns if c != id_column)]
            missing = [c for c in wanted if c not in header]
            if missing:
                raise InputError(
                    f"column(s) {', '.join(repr(c) for c in missing)} not in the header",
                    location=Location(source=source),
                    remedy=f"the header has: {', '.join(header)}",
                )
            positions = [header.index(c) for c in wanted]
            data: list[list[str | None]] = [[] for _ in wanted]
            problems: list[InputError] = []
            first_row: dict[str, int] = {}
            for row_number, row in enumerate(reader, start=1):
                if len(row) != len(header):
                    if not any(row):
                        continue  # a blank line is not a record
                    problems.append(InputError(
                        f"has {len(row)} fields, the header has {len(header)}",
                        location=Location(source, row_number)))
                    continue
                record_id = row[positions[0]].strip()
                if not record_id:
                    problems.append(InputError("empty record id", location=Location(source, row_number, id_column)))
                elif record_id in first_row:
                    problems.append(InputError(
                        f"duplicate record id {record_id!r} (first at row {first_row[record_id]})",
                        location=Location(source, row_number, id_column)))
                else:
                    first_row[record_id] = row_number
                for values, position in zip(data, positions, strict=True):
                    values.append(row[position] or None)
    except UnicodeDecodeError as exc:
        raise InputError(f"is not UTF-8 text ({exc.reason})", location=Location(source=source)) from exc
    except csv.Error as exc:
        raise InputError(f"is not valid CSV: {exc}", location=Location(source=source)) from exc
    if problems:
        raise _combine(problems)
    return pa.table({name: pa.array(values, type=pa.string()) for name, values in zip(wanted, data, strict=True)})


def _combine(problems: list[InputError]) -> InputError:
    first = problems[0]
    if len(problems) == 1:
        return first
    others = "; ".join(str(p.message) for p in problems[1:MAX_REPORTED])
    more = f" and {len(problems) - MAX_REPORTED} more" if len(problems) > MAX_REPORTED else ""
    return InputError(f"{first.problem} (also: {others}{more})", location=first.location,
                      remedy="fix these rows and run again; nothing was written")


__all__ = ["read_records_csv"]
