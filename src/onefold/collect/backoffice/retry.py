"""`onefold quarantine retry`: re-validate open quarantined rows against the data as it is now.

The typical case is an orphan: an order line quarantined because its order had not been imported
yet. Once the orders file is in, retry runs the same checks on the stored rows (as received, mapped
to field names) and lands the ones that now pass, releasing their quarantine records by id.
Entities are retried in import order, so a parent released in this run can unlock its children.

Rows that could not be split into fields, or whose bytes were not UTF-8, are never retried as they
are: what was stored is a repaired copy, and landing it would hide the damage. Nor is a row whose key
has landed since (e.g. a duplicate of an accepted row): it must not overwrite accepted data. Fix the
file and re-import it instead; that releases them by key.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from onefold.collect.backoffice.checks import good_rows_sql, keep_landed_sql
from onefold.collect.backoffice.importer import open_records
from onefold.collect.backoffice.validate import ENCODING_MARK, LINE_MARK, run_checks
from onefold.config import Settings, load_settings
from onefold.schema.entities import ENTITIES, Entity, get_entity
from onefold.store import quarantine
from onefold.store.quarantine import QuarantineRecord
from onefold.store.raw import RawStore
from onefold.store.sqlite import transaction
from onefold.store.workspace import WorkspacePaths, open_state


@dataclass
class RetryResult:
    checked: int = 0
    released: int = 0
    not_retryable: int = 0

    @property
    def still_open(self) -> int:
        return self.checked - self.released + self.not_retryable

    def as_dict(self) -> dict[str, int]:
        return {
            "checked": self.checked,
            "released": self.released,
            "still_open": self.still_open,
            "not_retryable": self.not_retryable,
        }


def _retryable(record: QuarantineRecord) -> bool:
    payload = record.payload
    return isinstance(payload, dict) and LINE_MARK not in payload and ENCODING_MARK not in payload


def _as_table(entity: Entity, records: list[QuarantineRecord]) -> pa.Table:
    columns: dict[str, pa.Array] = {
        "_row": pa.array([r.id for r in records], pa.int64()),
        "_src_row": pa.array([r.row_number or 0 for r in records], pa.int64()),
        "_source": pa.array([r.source for r in records], pa.string()),
    }
    for name in entity.field_names:
        values = [r.payload.get(name) for r in records]
        columns[name] = pa.array([None if v is None else str(v) for v in values], pa.string())
    return pa.table(columns)


def retry_quarantined(
    paths: WorkspacePaths, *, entity: str | None = None, settings: Settings | None = None
) -> RetryResult:
    """Re-check open quarantined back-office rows; land and release those that now pass."""
    settings = settings or load_settings(paths.root)
    targets = [get_entity(entity)] if entity else list(ENTITIES.values())
    result = RetryResult()
    state = open_state(paths)
    try:
        with RawStore.open(paths, memory_limit=settings.imports.memory_limit, threads=settings.imports.threads) as store:
            for spec in targets:
                records = list(open_records(state, spec.name))
                retryable = [r for r in records if _retryable(r)]
                result.not_retryable += len(records) - len(retryable)
                if not retryable:
                    continue
                result.checked += len(retryable)
                run_checks(store, spec, [_as_table(spec, retryable)])
                store.run(keep_landed_sql(spec))
                store.upsert(spec, good_rows_sql(spec))
                passed = [int(r[0]) for r in store.fetch("SELECT _id FROM good")]
                with transaction(state):
                    result.released += quarantine.release_ids(state, passed)
    finally:
        state.close()
    return result
