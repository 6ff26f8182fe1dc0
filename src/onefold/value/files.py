"""CSV in and out for the value commands (the only file I/O of the value package besides datasets)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv

from onefold.errors import InputError, Location


def read_csv(path: Path, *, string_cols: list[str]) -> pa.Table:
    """Read a CSV with a header; ``string_cols`` stay text (ids such as ``00042`` keep their zeros)."""
    if not path.is_file():
        raise InputError("file not found", location=Location(source=str(path)))
    try:
        return pcsv.read_csv(
            path, convert_options=pcsv.ConvertOptions(column_types=dict.fromkeys(string_cols, pa.string()))
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise InputError(f"cannot read CSV ({exc})", location=Location(source=str(path))) from exc


def write_csv(path: Path, columns: dict[str, np.ndarray]) -> None:
    """Write columns to ``path`` atomically (a temporary file renamed into place)."""
    tmp = path.with_name(path.name + ".tmp")
    pcsv.write_csv(pa.table({k: pa.array(v) for k, v in columns.items()}), tmp)
    tmp.replace(path)
