"""`onefold import ENTITY FILE`: stream a file into raw.duckdb, quarantining every bad row.

The contract, checked before returning: ``read == loaded + quarantined``. Steps:

1. read the file in batches of text columns into a TEMP ``stage`` table (flat memory, spills to disk);
2. run the compiled checks in DuckDB (types, required, formats, ranges, enumerations, duplicate keys,
   references to rows already in raw.duckdb);
3. upsert good rows by natural key (idempotent), release open quarantine records whose key just
   landed (a corrected file fixes earlier rejects), then quarantine this file's bad rows — skipping
   any identical open record, so re-importing an unchanged file adds nothing.

The upsert commits before the quarantine write; if the process dies in between, re-importing the
file restores the quarantine records (the upsert being idempotent).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa

from onefold.collect.backoffice.checks import good_rows_sql
from onefold.collect.backoffice.key_order import KeyOrder
from onefold.collect.backoffice.prefetch import prefetched
from onefold.collect.backoffice.readers import FallBack, Reader, open_reader
from onefold.collect.backoffice.validate import run_checks, to_records
from onefold.config import Settings, load_settings
from onefold.errors import OnefoldError
from onefold.schema.entities import Entity, get_entity
from onefold.store import quarantine
from onefold.store.quarantine import QuarantineRecord
from onefold.store.raw import RawStore
from onefold.store.sqlite import transaction
from onefold.store.workspace import WorkspacePaths, open_state

log = logging.getLogger(__name__)

ImportProgress = Callable[[str, float], None]


@dataclass
class ImportResult:
    """Counts of one import. ``read == loaded + quarantined`` always holds."""

    entity: str
    source: str
    read: int
    loaded: int
    quarantined: int
    released: int = 0
    ignored_columns: tuple[str, ...] = ()
    reasons: dict[str, int] = field(default_factory=dict)
    """Quarantined rows per first problem (field: message without the value), for the summary."""

    def counts(self) -> dict[str, int]:
        return {"read": self.read, "loaded": self.loaded, "quarantined": self.quarantined}


def import_file(
    paths: WorkspacePaths,
    entity: str,
    file: str | Path,
    *,
    fmt: str | None = None,
    mapping: Mapping[str, str] | None = None,
    settings: Settings | None = None,
    progress: ImportProgress | None = None,
) -> ImportResult:
    """Import one file of ``entity`` rows into the workspace. Raises InputError for a file that
    cannot be read at all (unknown format, missing required column); bad rows never raise."""
    spec = get_entity(entity)
    path = Path(file)
    settings = settings or load_settings(paths.root)
    report = progress or (lambda _m, _f: None)
    reader = open_reader(path, spec, fmt=fmt, mapping=mapping)
    source = path.name
    with RawStore.open(paths, memory_limit=settings.imports.memory_limit, threads=settings.imports.threads) as store:
        # The key order is followed on the read-ahead thread, beside DuckDB, not on its scan.
        counter = _Counter(reader, source, report, KeyOrder(spec))
        batches = prefetched(counter.key_order.follow(reader.batches()))
        bad = run_checks(store, spec, counter.wrap(batches), keys_unique=counter.keys_unique)
        if isinstance(counter.error, FallBack):
            log.warning("%s: fast CSV reader gave up (%s); reading it again slowly", source, counter.error)
            counter = _Counter(reader, source, report, KeyOrder(spec))
            batches = counter.key_order.follow(reader.python_batches())  # type: ignore[attr-defined]
            bad = run_checks(store, spec, counter.wrap(batches), keys_unique=counter.keys_unique)
        if counter.error is not None:
            raise counter.error
        staged = counter.rows
        records = to_records(spec, source, bad, reader.failures)
        report("loading", 0.9)
        loaded = store.upsert(spec, good_rows_sql(spec), source=source)
        state = open_state(paths)
        try:
            released = _release_landed(state, store, spec)
            _add_new(state, spec, source, records)
        finally:
            state.close()
    result = ImportResult(
        entity=spec.name,
        source=source,
        read=staged + len(reader.failures),
        loaded=loaded,
        quarantined=len(records),
        released=released,
        ignored_columns=reader.columns.ignored,
        reasons=summarise(records),
    )
    if result.read != result.loaded + result.quarantined:  # the contract; never expected to fire
        raise OnefoldError(f"import of {source} does not reconcile: {result.counts()}")
    report("done", 1.0)
    log.info("imported %s into %s: %s", source, spec.name, result.counts())
    return result


class _Counter:
    """Counts rows on their way into DuckDB and reports progress. Errors raised while DuckDB scans
    the stream (the fast reader's FallBack, an InputError about the file) would surface as a generic
    DuckDB error; they are kept here and re-raised (or acted on) once the scan has ended."""

    def __init__(self, reader: Reader, source: str, report: ImportProgress, key_order: KeyOrder) -> None:
        self.reader, self.source, self.report = reader, source, report
        self.key_order = key_order
        self.rows = 0
        self.error: FallBack | OnefoldError | None = None

    def keys_unique(self) -> bool:
        """Whether every row streamed and its keys were proven distinct (see ``key_order.py``)."""
        return self.error is None and self.key_order.unique

    def wrap(self, batches: Iterator[pa.Table]) -> Iterator[pa.Table]:
        try:
            for batch in batches:
                self.rows += batch.num_rows
                self.report(f"reading {self.source}", 0.8 * self.reader.fraction())
                yield _with_ids(batch)
        except (FallBack, OnefoldError) as exc:
            self.error = exc


def _with_ids(batch: pa.Table) -> pa.Table:
    # No ``_source`` column: every row has the same file name, bound once at the upsert instead of
    # carried as 2M copies through staging and the checked table.
    return batch.append_column("_row", batch.column("_src_row"))


def open_records(state: Any, entity: str, *, source: str | None = None) -> Iterator[QuarantineRecord]:
    """Every open quarantine record of ``entity`` (optionally from one source), page by page."""
    before: int | None = None
    while True:
        page = quarantine.list_records(state, entity=entity, source=source, limit=5000, before_id=before)
        yield from page
        if len(page) < 5000:
            return
        before = min(r.id for r in page if r.id is not None)


def _release_landed(state: Any, store: RawStore, entity: Entity) -> int:
    keys = sorted({r.record_key for r in open_records(state, entity.name) if r.record_key})
    landed = store.keys_in_good(keys)
    if not landed:
        return 0
    with transaction(state):
        return quarantine.release(state, entity=entity.name, record_keys=landed)


def _identity(r: QuarantineRecord) -> tuple[Any, ...]:
    return (r.row_number, r.reason, r.record_key, orjson.dumps(r.payload, option=orjson.OPT_SORT_KEYS, default=str))


def _add_new(state: Any, entity: Entity, source: str, records: list[QuarantineRecord]) -> int:
    if not records:
        return 0
    existing = {_identity(r) for r in open_records(state, entity.name, source=source)}
    new = [r for r in records if _identity(r) not in existing]
    with transaction(state):
        return quarantine.add(state, new)


def summarise(records: list[QuarantineRecord]) -> dict[str, int]:
    """Count records per field and kind of problem (the message up to the quoted value)."""
    summary: dict[str, int] = {}
    for r in records:
        kind = re.sub(r"'[^']*'", "'…'", r.reason.split("; also", 1)[0])
        label = f"{r.field}: {kind}" if r.field else kind
        summary[label] = summary.get(label, 0) + 1
    return dict(sorted(summary.items(), key=lambda kv: -kv[1]))
