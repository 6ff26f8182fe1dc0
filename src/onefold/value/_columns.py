"""Reading columns out of user tables without requiring pandas.

Accepts a pyarrow ``Table``, a pandas ``DataFrame`` or any mapping of column name to array-like.
Everything is converted to pyarrow, then NumPy; errors name the column and the first bad row
(1-based data rows, as an editor shows a CSV without its header line).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from onefold.errors import InputError, Location

Table = Any
"""A pyarrow Table, a pandas DataFrame or a mapping of column name to array-like."""


def column(data: Table, name: str, *, source: str | None = None) -> pa.Array:
    """One column as a pyarrow array; a missing column is an InputError listing the columns present."""
    if isinstance(data, pa.Table):
        names = list(data.column_names)
        if name not in names:
            raise _missing(name, names, source)
        return data.column(name).combine_chunks()
    cols = getattr(data, "columns", None)
    if cols is None:
        cols = data.keys() if isinstance(data, Mapping) else []
    names = [str(c) for c in cols]
    if name not in names:
        raise _missing(name, names, source)
    values = data[name]
    if isinstance(values, pa.ChunkedArray):
        return values.combine_chunks()
    if isinstance(values, pa.Array):
        return values
    return pa.array(values)


def _missing(name: str, names: list[str], source: str | None) -> InputError:
    return InputError(
        f"column {name!r} not found",
        location=Location(source=source, field=name),
        remedy=f"columns present: {', '.join(names) or 'none'}",
    )


def first_bad_row(mask: np.ndarray) -> int:
    """1-based row number of the first True in ``mask``."""
    return int(np.flatnonzero(mask)[0]) + 1


def _check_nulls(arr: pa.Array, name: str, source: str | None) -> None:
    if arr.null_count:
        row = first_bad_row(np.asarray(arr.is_null().to_numpy(zero_copy_only=False)))
        raise InputError(
            f"{arr.null_count} empty value(s); the first is here",
            location=Location(source=source, row=row, field=name),
        )


def day_numbers(data: Table, name: str, *, date_format: str | None = None, source: str | None = None) -> np.ndarray:
    """Days since 1970-01-01 (int64) for a date column.

    Strings are read as ISO dates (only the first 10 characters, ``YYYY-MM-DD``, so timestamps such
    as ``2024-03-01T14:05:00Z`` keep the calendar date as written) unless ``date_format`` (strptime
    codes, e.g. ``%Y%m%d``) is given; integers such as ``19970101`` need ``date_format``.
    """
    arr = column(data, name, source=source)
    _check_nulls(arr, name, source)
    typ = arr.type
    try:
        if pa.types.is_integer(typ):
            if date_format is None:
                raise InputError(
                    "integer dates need a date format",
                    location=Location(source=source, field=name),
                    remedy="pass date_format, e.g. '%Y%m%d'",
                )
            arr = pc.strptime(arr.cast(pa.string()), format=date_format, unit="s")
        elif pa.types.is_string(typ) or pa.types.is_large_string(typ):
            if date_format is None:
                arr = pc.utf8_slice_codeunits(arr, 0, 10).cast(pa.date32())
            else:
                arr = pc.strptime(arr, format=date_format, unit="s")
        elif not (pa.types.is_timestamp(typ) or pa.types.is_date(typ)):
            raise InputError(
                f"expected dates, got {typ}", location=Location(source=source, field=name)
            )
        days = arr.cast(pa.date32()).cast(pa.int32())
    except pa.ArrowInvalid as exc:
        raise InputError(
            f"cannot read dates ({exc})",
            location=Location(source=source, field=name),
            remedy=f"expected {date_format or 'YYYY-MM-DD'}",
        ) from exc
    return np.asarray(days.to_numpy(zero_copy_only=False), dtype=np.int64)


def numbers(data: Table, name: str, *, source: str | None = None, allow_negative: bool = False) -> np.ndarray:
    """A float64 column; empty, non-numeric, non-finite or (unless allowed) negative values are errors."""
    arr = column(data, name, source=source)
    _check_nulls(arr, name, source)
    try:
        values = np.asarray(arr.cast(pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise InputError(f"expected numbers ({exc})", location=Location(source=source, field=name)) from exc
    check_values(values, name, source=source, allow_negative=allow_negative)
    return values


def check_values(values: np.ndarray, name: str, *, source: str | None = None, allow_negative: bool = False) -> None:
    """Reject NaN/inf and (unless allowed) negative values, naming the column and the first bad row."""
    bad = ~np.isfinite(values)
    if bad.any():
        raise InputError(
            f"{int(bad.sum())} value(s) are not finite numbers; the first is here",
            location=Location(source=source, row=first_bad_row(bad), field=name),
        )
    if not allow_negative:
        neg = values < 0
        if neg.any():
            raise InputError(
                f"{int(neg.sum())} negative value(s); the first is {values[neg][0]:g}",
                location=Location(source=source, row=first_bad_row(neg), field=name),
            )


def codes(data: Table, name: str, *, source: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Dictionary-encode an id column: (int codes per row, unique ids in first-seen order)."""
    arr = column(data, name, source=source)
    _check_nulls(arr, name, source)
    if not (pa.types.is_string(arr.type) or pa.types.is_integer(arr.type) or pa.types.is_large_string(arr.type)):
        arr = arr.cast(pa.string())
    enc = arr.dictionary_encode()
    idx = np.asarray(enc.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
    return idx, enc.dictionary.to_numpy(zero_copy_only=False)
