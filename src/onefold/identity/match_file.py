"""`onefold identity match`: resolve the person records of one CSV file into clusters.

Dedup of one source and linkage of two sources concatenated into one file are the same problem
here: every record is compared with every other candidate, whatever its origin.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from onefold.errors import InputError, Location
from onefold.identity.csv_input import read_records_csv
from onefold.identity.duck import RuleReport, load_records
from onefold.identity.fields import FIELD_TYPES, FieldType
from onefold.identity.matcher import MatchOptions, MatchResult, match_records
from onefold.identity.normalize import Blocklist
from onefold.schema.identifiers import sql_string_literal
from onefold.store.build import connect_duckdb, register_arrow


@dataclass
class MatchSummary:
    """Counts shown by the CLI, plus what was set aside and why."""

    records: int
    pairs: int
    links: int
    clusters: int
    refused_links: int
    rules: list[RuleReport]
    hot_values: dict[str, list[tuple[str, int]]]
    output: Path


def parse_field_options(options: list[str]) -> dict[str, FieldType]:
    """``COLUMN=TYPE`` strings to a mapping, every bad one reported at once."""
    fields: dict[str, FieldType] = {}
    problems = []
    for option in options:
        column, sep, kind = option.rpartition("=")
        if not sep or not column:
            problems.append(f"--field {option!r} is not COLUMN=TYPE")
        elif kind not in FIELD_TYPES:
            problems.append(f"--field {option!r}: unknown type {kind!r}")
        elif column in fields:
            problems.append(f"--field {option!r}: column {column!r} given twice")
        else:
            fields[column] = kind  # type: ignore[assignment]
    if not options:
        problems.append("no --field given")
    if problems:
        raise InputError("; ".join(problems),
                         remedy=f"types: {', '.join(FIELD_TYPES)}")
    return fields


def match_file(
    path: Path,
    *,
    id_column: str,
    fields: dict[str, FieldType],
    out: Path,
    blocklist: list[str],
    options: MatchOptions | None = None,
    progress: Callable[[str, float], None] | None = None,
) -> tuple[MatchSummary, MatchResult]:
    """Match the records of ``path`` and write ``record_id,cluster_id`` for each of them to ``out``.

    Rows come out in file order; the cluster id is the smallest record id in the cluster, so the same
    records give the same output whatever their order in the file. ``out`` is written to a temporary name and renamed, never left half-written.
    """
    if id_column in fields:
        raise InputError(f"the id column {id_column!r} is also given as a --field", location=Location(field=id_column))
    table = read_records_csv(path, id_column=id_column, columns=list(fields))
    opts = options or MatchOptions()
    con = connect_duckdb(":memory:")
    con.execute(f"SET memory_limit = {sql_string_literal(opts.duckdb_memory_limit)}")
    try:
        register_arrow(con, "_of_input", table)
        junk = Blocklist(blocklist)
        records = load_records(con, "_of_input", id_column=id_column, fields=fields,
                               hot_key_records=opts.hot_key_records, junk=junk.blocks)
        con.unregister("_of_input")
        # Only the ids in file order are needed from here on: free the rest of the file's columns.
        in_file_order = table.column(id_column).combine_chunks().cast(pa.string())
        del table
        result = match_records(con, records, options=options, progress=progress)
    finally:
        con.close()
    # Each input row's record number, by a hash lookup in Arrow (ids are unique).
    number = pc.index_in(in_file_order, value_set=pa.array(records.ids, type=pa.string())).to_numpy()
    write_clusters(out, zip(in_file_order.to_pylist(), records.ids[result.clusters.labels[number]].tolist(),
                            strict=True))
    summary = MatchSummary(
        records=len(records),
        pairs=len(result.candidates.left),
        links=result.links,
        clusters=result.cluster_count,
        refused_links=result.clusters.refused,
        rules=result.candidates.reports,
        hot_values={c.name: c.hot_values for c in records.columns if c.hot_values},
        output=out,
    )
    return summary, result


def write_clusters(out: Path, rows: Iterable[tuple[str, str]]) -> None:
    """``record_id,cluster_id`` rows, written to a temporary name and renamed into place."""
    partial = out.with_name(out.name + ".partial")
    with partial.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["record_id", "cluster_id"])
        writer.writerows(rows)
    os.replace(partial, out)


__all__ = ["MatchSummary", "match_file", "parse_field_options", "write_clusters"]
