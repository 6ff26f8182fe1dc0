"""`ws.value`: act on customer value (see onefold.value)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from onefold.store.workspace import WorkspacePaths

if TYPE_CHECKING:
    from onefold.value.allocate import Allocation


class ValueNamespace:
    def __init__(self, paths: WorkspacePaths) -> None:
        self._paths = paths

    def allocate(self, sku: str, units: int, *, use_case: str = "backorder") -> list[Allocation]:
        """Rank the orders waiting for a backordered SKU by strategic score, each with its reason."""
        from onefold.value.allocate import allocate

        return allocate(self._paths.warehouse_db, sku=sku, units=units, use_case=use_case)
