"""Run the compiled checks over the staged rows and turn each failing row into a quarantine record.

One message per row: the first problem names the field (``Location.field``); further problems of the
same row are appended ("; also field qty: ...") so one fix-up pass can correct them all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pyarrow as pa

from onefold.collect.backoffice.checks import bad_rows_sql, checked_sql, problem_columns, verdict_sql
from onefold.collect.backoffice.readers import ParseFailure
from onefold.schema.entities import Entity
from onefold.store.quarantine import QuarantineRecord
from onefold.store.raw import RawStore

ENCODING_PROBLEM = "invalid UTF-8 bytes (the file is not UTF-8 on this row; re-save it as UTF-8)"
ENCODING_MARK = "_invalid_utf8"
"""Payload key naming the field whose bytes were replaced; such rows are never retried as they are."""
LINE_MARK = "_line"
"""Payload key holding the text of a row that could not be split into fields."""


@dataclass(frozen=True, slots=True)
class BadRow:
    """A row that failed: identifiers to find it again, and the message."""

    row_id: int
    src_row: int
    record_key: str | None
    field: str | None
    reason: str
    payload: dict[str, object]


def run_checks(
    store: RawStore, entity: Entity, batches: Iterable[pa.Table], *, keys_unique: Callable[[], bool] | None = None
) -> list[BadRow]:
    """Scan ``batches`` once into ``checked``, then ``verdict``; return the failing rows.

    ``keys_unique``, asked once the batches are consumed, says whether the keys were proven distinct
    while they streamed past (``key_order.KeyOrder``); the duplicate check is then skipped."""
    store.stage(entity, batches)
    store.run(checked_sql(entity))
    store.run(verdict_sql(entity, duplicates=not (keys_unique is not None and keys_unique())))
    problems = problem_columns(entity)
    bad: list[BadRow] = []
    n_problem = len(problems)
    for row in store.fetch(bad_rows_sql(entity)):
        row_id, src_row, key, enc = row[0], row[1], row[2], row[3]
        messages = row[4 : 4 + n_problem]
        raw_values = row[4 + n_problem :]
        payload: dict[str, object] = {
            f.name: v for f, v in zip(entity.fields, raw_values, strict=True) if v is not None
        }
        found = [(field, msg) for (field, _), msg in zip(problems, messages, strict=True) if msg is not None]
        if enc is not None:
            payload[ENCODING_MARK] = enc
            found.insert(0, (enc if enc in entity.field_names else None, ENCODING_PROBLEM))
        if not found:  # defensive: a row that is not good must say why
            found = [(None, "rejected by validation")]
        first_field, first = found[0]
        reason = first + "".join(f"; also field {f}: {m}" for f, m in found[1:])
        bad.append(BadRow(row_id, src_row, key, first_field, reason, payload))
    return bad


def to_records(entity: Entity, source: str, bad: list[BadRow], failures: list[ParseFailure]) -> list[QuarantineRecord]:
    records = [
        QuarantineRecord(
            source=source,
            entity=entity.name,
            reason=b.reason,
            payload=b.payload,
            row_number=b.src_row,
            field=b.field,
            record_key=b.record_key,
        )
        for b in bad
    ]
    records += [
        QuarantineRecord(source=source, entity=entity.name, reason=f.reason, payload={LINE_MARK: f.text}, row_number=f.row)
        for f in failures
    ]
    records.sort(key=lambda r: r.row_number or 0)
    return records
