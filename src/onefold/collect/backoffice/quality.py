"""`onefold quality`: is the back-office data fit for analysis? One report per entity.

- completeness: share of landed rows with each field filled;
- invalid rate: open quarantined rows / (landed + open quarantined) — what validation kept out;
- duplicates: landed records sharing an identifier that should be personal (customers' email,
  phone, loyalty id; keys cannot repeat, the upsert prevents it);
- orphans: open quarantined rows rejected for an unknown reference (they wait for their parent,
  see `onefold quarantine retry`), plus landed rows whose parent is missing (0 unless raw.duckdb was
  edited by hand);
- freshness: the latest value of the entity's main timestamp and its age in days.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from onefold.collect.backoffice.checks import dangling_sql, q
from onefold.collect.backoffice.importer import open_records
from onefold.config import Settings, load_settings
from onefold.schema.entities import ENTITIES, Entity
from onefold.store import quarantine
from onefold.store.raw import RawStore
from onefold.store.workspace import WorkspacePaths, open_state

DUPLICATE_FIELDS: dict[str, tuple[str, ...]] = {"customers": ("email", "phone", "loyalty_id")}
ORPHAN_PREFIX = "unknown "
"""Reference failures start with this (see checks._orphans)."""


@dataclass
class EntityQuality:
    entity: str
    rows: int
    quarantined: int
    invalid_rate: float
    completeness: dict[str, float] = field(default_factory=dict)
    duplicates: dict[str, int] = field(default_factory=dict)
    orphans_quarantined: int = 0
    orphans_landed: int = 0
    latest: str | None = None
    age_days: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _entity_quality(store: RawStore, entity: Entity, quarantined: int, orphans: int, now: datetime) -> EntityQuality:
    name = q(entity.name)
    counts = store.fetch(f"SELECT count(*), {', '.join(f'count({q(f)})' for f in entity.field_names)} FROM {name}")[0]
    rows = int(counts[0])
    report = EntityQuality(
        entity=entity.name,
        rows=rows,
        quarantined=quarantined,
        invalid_rate=quarantined / (rows + quarantined) if rows + quarantined else 0.0,
        completeness={f: (int(c) / rows if rows else 0.0) for f, c in zip(entity.field_names, counts[1:], strict=True)},
        orphans_quarantined=orphans,
    )
    for f in DUPLICATE_FIELDS.get(entity.name, ()):
        report.duplicates[f] = int(
            store.scalar(
                f"SELECT coalesce(sum(n), 0) FROM (SELECT count(*) AS n FROM {name} WHERE {q(f)} IS NOT NULL "
                f"GROUP BY lower({q(f)}) HAVING count(*) > 1)"
            )
        )
    for ref in entity.references:
        report.orphans_landed += int(store.scalar(dangling_sql(entity, ref)))
    if entity.freshness:
        latest = store.scalar(f"SELECT max({q(entity.freshness)}) FROM {name}")
        if latest is not None:
            report.latest = latest.isoformat()
            report.age_days = round((now.replace(tzinfo=None) - latest).total_seconds() / 86400, 2)
    return report


def quality_report(
    paths: WorkspacePaths, *, settings: Settings | None = None, now: datetime | None = None
) -> list[EntityQuality]:
    """The report for every entity, in import order."""
    settings = settings or load_settings(paths.root)
    now = (now or datetime.now(UTC)).astimezone(UTC)
    state = open_state(paths)
    try:
        open_counts = quarantine.counts(state)
        orphans = {
            e: sum(1 for r in open_records(state, e) if r.reason.startswith(ORPHAN_PREFIX))
            for e in ENTITIES
            if open_counts.get(e)
        }
    finally:
        state.close()
    with RawStore.open(paths, memory_limit=settings.imports.memory_limit, threads=settings.imports.threads) as store:
        return [
            _entity_quality(store, entity, open_counts.get(entity.name, 0), orphans.get(entity.name, 0), now)
            for entity in ENTITIES.values()
        ]
