"""`onefold identity match` through the real CLI, and its input errors with file/row/field."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from onefold.errors import InputError
from onefold.identity.csv_input import read_records_csv
from onefold.identity.match_file import parse_field_options
from tests.conftest import run_cli

PEOPLE = [
    ("1", "Anna", "Lee", "anna.lee@mail.com", "1980-03-07"),
    ("2", "Ana", "Lee", "anna.lee@mail.com", "1980-03-07"),
    ("3", "Anna", "Lee", "", "1980-03-07"),
    ("4", "Bob", "Ray", "bob@ray.net", "1971-01-01"),
    ("5", "Carl", "Ode", "test@test.com", "1990-05-05"),
    ("6", "Dina", "Fox", "test@test.com", "1960-12-12"),
]
_FIRST = ["Omar", "Yuki", "Pia", "Raul", "Sven", "Tara", "Uma", "Vik", "Wen", "Xia", "Yara", "Zeke"]
_LAST = ["Abbot", "Brook", "Chen", "Dunn", "Eze", "Ford", "Gale", "Hart", "Ives", "Jung"]
# Unrelated people so that name frequencies look like a real file (term-frequency adjustment).
FILLER = [(str(100 + i), f, s, f"{f}.{s}@mail.com".lower(), f"19{50 + i % 40}-0{1 + i % 9}-1{i % 10}")
          for i, (f, s) in enumerate((f, s) for f in _FIRST for s in _LAST)]


def _write(path: Path, rows: list[tuple[str, ...]], header: tuple[str, ...] = ("cid", "fn", "ln", "mail", "dob")) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_cli_writes_every_record_once_and_prints_counts(tmp_path: Path) -> None:
    src = _write(tmp_path / "people.csv", PEOPLE + FILLER)
    out = tmp_path / "clusters.csv"
    args = ["identity", "match", str(src), "--id-column", "cid", "--field", "fn=first_name", "--field",
            "ln=last_name", "--field", "mail=email", "--field", "dob=date_of_birth", "--out", str(out)]
    proc = run_cli(*args, "--json")
    summary = json.loads(proc.stdout)
    assert summary["records"] == 6 + len(FILLER) and summary["pairs_compared"] >= 2
    with out.open() as handle:
        rows = list(csv.DictReader(handle))
    assert [r["record_id"] for r in rows] == [p[0] for p in PEOPLE + FILLER]
    clusters = {r["record_id"]: r["cluster_id"] for r in rows}
    assert clusters["1"] == clusters["2"] == clusters["3"] == "1"
    assert len({clusters["4"], clusters["5"], clusters["6"], clusters["1"]}) == 4  # test@test.com is not evidence
    assert len(set(clusters.values())) == 4 + len(FILLER)
    # Shuffled rows: same clusters, same cluster ids.
    shuffled = _write(tmp_path / "shuffled.csv", list(reversed(PEOPLE + FILLER)))
    run_cli("identity", "match", str(shuffled), *args[3:-1], str(tmp_path / "again.csv"))
    with (tmp_path / "again.csv").open() as handle:
        assert {r["record_id"]: r["cluster_id"] for r in csv.DictReader(handle)} == clusters
    text = run_cli(*args).stdout
    assert "records" in text and "pairs compared" in text and "clusters" in text


def test_errors_name_file_row_and_field(tmp_path: Path) -> None:
    src = _write(tmp_path / "bad.csv", [("1", "a", "b", "", ""), ("", "c", "d", "", ""), ("1", "e", "f", "", ""),
                                        ("9", "too", "few")])
    with pytest.raises(InputError) as info:
        read_records_csv(src, id_column="cid", columns=["fn"])
    message = info.value.message
    assert message.startswith("bad.csv, row 2, field cid: empty record id")
    assert "bad.csv, row 3, field cid: duplicate record id '1' (first at row 1)" in message
    assert "bad.csv, row 4: has 3 fields, the header has 5" in message


def test_missing_columns_and_bad_field_options_are_reported_together(tmp_path: Path) -> None:
    src = _write(tmp_path / "people.csv", PEOPLE)
    with pytest.raises(InputError, match="'nope', 'zip' not in the header"):
        read_records_csv(src, id_column="nope", columns=["zip", "fn"])
    with pytest.raises(InputError, match="unknown type 'surname'.*is not COLUMN=TYPE"):
        parse_field_options(["ln=surname", "oops"])
    proc = run_cli("identity", "match", str(tmp_path / "none.csv"), "--id-column", "x", "--field", "a=city",
                   "--out", str(tmp_path / "o.csv"), check=False)
    assert proc.returncode == 1 and "no such file" in proc.stderr
    assert not (tmp_path / "o.csv").exists()


def test_well_formed_files_are_read_by_duckdb_without_the_validating_reader(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    import onefold.identity.csv_input as csv_input

    def slow_path(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the row-by-row validating reader ran on a well-formed file")

    monkeypatch.setattr(csv_input, "_read_validating", slow_path)
    table = read_records_csv(_write(tmp_path / "people.csv", PEOPLE + FILLER), id_column="cid", columns=["fn", "mail"])
    assert table.column_names == ["cid", "fn", "mail"] and table.num_rows == len(PEOPLE) + len(FILLER)
    assert table.column("mail").null_count == 1
