"""Reference data sets read from the installed ``lifetimes`` wheel (the ``reference`` extra).

The CDNOW files of Fader & Hardie ship inside lifetimes; we locate them with importlib.metadata and
never import lifetimes, so onefold does not depend on it at run time. Nothing is downloaded.

* ``CDNOW_sample.txt``: 1/10th sample (2,357 customers): customer id, customer index, date
  (YYYYMMDD), number of CDs, dollar value; used by Fader, Hardie & Lee (2005).
* ``CDNOW_master.txt``: the full cohort (23,570 customers), same columns without the index.
"""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import numpy as np

from onefold.errors import InputError, Location

CALIBRATION_END = "1997-09-30"
OBSERVATION_END = "1998-06-30"


def lifetimes_file(name: str) -> Path:
    """Path of a data file inside the installed lifetimes wheel."""
    try:
        path = Path(str(importlib.metadata.distribution("lifetimes").locate_file(f"lifetimes/datasets/{name}")))
    except importlib.metadata.PackageNotFoundError as exc:
        raise InputError("lifetimes is not installed", remedy="pip install 'onefold[reference]'") from exc
    if not path.exists():
        raise InputError("file not found in the lifetimes wheel", location=Location(source=str(path)))
    return path


def load_cdnow(name: str = "CDNOW_sample.txt") -> dict[str, np.ndarray]:
    """CDNOW transactions as columns ``customer_id`` (str), ``date`` (datetime64[D]), ``quantity``,
    ``amount``."""
    path = lifetimes_file(name)
    skip = 1 if path.read_text()[:200].lstrip().startswith("customer") else 0
    raw = np.loadtxt(path, dtype=str, skiprows=skip)
    cols = {"CDNOW_sample.txt": (0, 2, 3, 4)}.get(name, (0, 1, 2, 3))
    ids, dates, qty, amount = (raw[:, i] for i in cols)
    ymd = dates.astype(np.int64)
    months = (ymd // 10000 - 1970) * 12 + (ymd // 100 % 100 - 1)
    day = months.astype("datetime64[M]").astype("datetime64[D]") + (ymd % 100 - 1)
    return {
        "customer_id": ids,
        "date": day,
        "quantity": qty.astype(np.float64),
        "amount": amount.astype(np.float64),
    }
