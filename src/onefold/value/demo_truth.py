"""Reading the demo generator's ``truth/`` files against a built warehouse (tests and bench/value_demo.py).

A profile stands for the person who owns most of its customer records; a person is *cleanly
resolved* when their customer records form exactly one profile that holds no one else's records.
"""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb

_PROFILE_PERSON = (
    "SELECT rp.profile_id, p.person_id FROM record_profile rp JOIN read_csv(?, all_varchar=true) p"
    " ON p.record_type = 'customer' AND p.source = rp.source AND p.record_id = rp.record_id"
    " WHERE rp.record_type = 'customer'"
)


def read_truth(data: Path, name: str) -> list[dict[str, str]]:
    """Rows of ``data/truth/<name>.csv``."""
    with open(data / "truth" / f"{name}.csv", newline="") as fh:
        return list(csv.DictReader(fh))


def _records_file(data: Path) -> list[str]:
    return [str(data / "truth" / "person_of_record.csv")]


def person_of_profile(con: duckdb.DuckDBPyConnection, data: Path) -> dict[str, str]:
    """Profile id → the person owning most of its customer records (ties broken by id)."""
    rows = con.execute(f"SELECT profile_id, person_id, count(*) AS n FROM ({_PROFILE_PERSON}) GROUP BY ALL"
                       " ORDER BY n DESC, profile_id, person_id", _records_file(data)).fetchall()
    out: dict[str, str] = {}
    for profile, person, _ in rows:
        out.setdefault(profile, person)
    return out


def cleanly_resolved(con: duckdb.DuckDBPyConnection, data: Path) -> set[str]:
    """Persons whose customer records form exactly one profile holding no one else's records."""
    rows = con.execute(
        f"WITH pp AS ({_PROFILE_PERSON}),"
        " pure AS (SELECT profile_id FROM pp GROUP BY profile_id HAVING count(DISTINCT person_id) = 1)"
        " SELECT person_id FROM pp GROUP BY person_id"
        " HAVING count(DISTINCT profile_id) = 1 AND bool_and(profile_id IN (SELECT profile_id FROM pure))",
        _records_file(data)).fetchall()
    return {r[0] for r in rows}


__all__ = ["cleanly_resolved", "person_of_profile", "read_truth"]
