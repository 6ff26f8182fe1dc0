"""Build step "backoffice": landed raw.* rows become the typed warehouse tables, one per entity.

Every entity table is created even when nothing was imported (empty, with the documented types), so
the identity and value steps can always query ``customers``, ``orders``, ... without checking first.
Columns are the entity fields in schema order, then ``_source`` and ``_row`` (the file and row each
record came from, for lineage) and ``_loaded_at``.
"""

from __future__ import annotations

from onefold.collect.backoffice.checks import q
from onefold.schema.entities import ENTITIES
from onefold.store.build import BuildContext
from onefold.store.raw import META_COLUMNS, entity_columns_ddl


def backoffice_step(ctx: BuildContext) -> None:
    """Copy each raw entity table into the new warehouse, ordered by key for compact zone maps."""
    names = list(ENTITIES.values())
    for i, entity in enumerate(names):
        ctx.progress(f"{entity.name}", i / len(names))
        ctx.con.execute(f"CREATE TABLE main.{q(entity.name)} ({entity_columns_ddl(entity)})")
        if ctx.table_exists(entity.name, schema="main", catalog="raw"):
            columns = ", ".join(q(c) for c in (*entity.field_names, *(n for n, _ in META_COLUMNS)))
            order = ", ".join(q(k) for k in entity.key)
            ctx.con.execute(
                f"INSERT INTO main.{q(entity.name)} ({columns}) SELECT {columns} FROM raw.{q(entity.name)} ORDER BY {order}"
            )
