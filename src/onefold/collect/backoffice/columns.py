"""Map a file's columns to entity fields: exact names, case-insensitively, or ``--map source_col=field``.

Pure. A missing required column fails the whole file up front (one clear error instead of every
row quarantined with the same reason); columns that map to no field are ignored and reported.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from onefold.errors import InputError, Location
from onefold.schema.entities import Entity


@dataclass(frozen=True, slots=True)
class ColumnMap:
    """``fields[i]`` is the field that column ``i`` of the file feeds, or None when it is ignored."""

    fields: tuple[str | None, ...]
    ignored: tuple[str, ...]

    @property
    def present(self) -> tuple[str, ...]:
        return tuple(f for f in self.fields if f is not None)


def parse_map_options(options: Sequence[str]) -> dict[str, str]:
    """``["Order No=order_id", ...]`` -> ``{"Order No": "order_id"}``."""
    mapping: dict[str, str] = {}
    for option in options:
        source, sep, target = option.partition("=")
        if not sep or not source.strip() or not target.strip():
            raise InputError(f"--map {option!r} is not source_col=field", remedy="e.g. --map 'Order No=order_id'")
        mapping[source.strip()] = target.strip()
    return mapping


def resolve_columns(
    headers: Sequence[str], entity: Entity, mapping: Mapping[str, str] | None, *, source: str, check_required: bool = True
) -> ColumnMap:
    """Decide which field each header feeds. Raises InputError naming the file and the column."""
    mapping = dict(mapping or {})
    where = Location(source=source)
    for target in mapping.values():
        if target not in entity.field_names:
            raise InputError(
                f"--map target {target!r} is not a field of {entity.name}",
                location=where,
                remedy=f"fields: {', '.join(entity.field_names)}",
            )
    lowered = {f.lower(): f for f in entity.field_names}
    fields: list[str | None] = []
    ignored: list[str] = []
    used: dict[str, str] = {}
    for header in headers:
        name = header.strip()
        field = mapping.get(name) or mapping.get(header) or lowered.get(name.lower())
        if field is None or (field in used and name not in mapping):
            fields.append(None)
            ignored.append(header)
            continue
        if field in used:
            raise InputError(
                f"columns {used[field]!r} and {header!r} both map to field {field}",
                location=where,
                remedy="drop one of them or map it elsewhere with --map",
            )
        used[field] = header
        fields.append(field)
    unknown_sources = [s for s in mapping if s not in headers and s not in {h.strip() for h in headers}]
    if unknown_sources:
        raise InputError(
            f"--map names column(s) not in the file: {', '.join(map(repr, unknown_sources))}",
            location=where,
            remedy=f"columns are: {', '.join(headers)}",
        )
    if check_required:
        missing = [f.name for f in entity.fields if f.required and f.name not in used]
        if missing:
            raise InputError(
                f"no column for required field(s) {', '.join(missing)} of {entity.name}",
                location=where,
                remedy=f"columns are: {', '.join(headers)}; map one with --map source_col=field",
            )
    return ColumnMap(tuple(fields), tuple(ignored))
