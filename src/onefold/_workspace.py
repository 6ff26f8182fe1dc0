"""`onefold.Workspace`: the Python facade over one workspace folder.

A thin shell like the CLI: each method calls one library function. Namespaces group the workflow
(``ws.identity``, ``ws.value``) the way the CLI groups commands, so tab-completion shows it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from onefold._workspace_identity import IdentityNamespace
from onefold._workspace_value import ValueNamespace
from onefold.config import Settings, load_settings
from onefold.store.workspace import WorkspacePaths, init_workspace, open_workspace

if TYPE_CHECKING:
    from onefold.collect.backoffice import ImportResult
    from onefold.store.readonly_sql import QueryResult


class Workspace:
    """One workspace folder: event log, operational state, landed rows and the warehouse.

    Use ``Workspace.create(path)`` for a new folder (idempotent) or ``Workspace(path)`` for an
    existing one. Settings come from ``ONEFOLD_*`` environment variables unless given.
    """

    def __init__(self, path: str | Path, *, settings: Settings | None = None) -> None:
        self.paths: WorkspacePaths = open_workspace(path)
        self.settings: Settings = settings or load_settings(self.paths.root)
        self.identity = IdentityNamespace(self.paths)
        self.value = ValueNamespace(self.paths)

    @classmethod
    def create(cls, path: str | Path, *, settings: Settings | None = None) -> Workspace:
        init_workspace(path)
        return cls(path, settings=settings)

    def __repr__(self) -> str:
        return f"Workspace({str(self.paths.root)!r})"

    def import_file(
        self, entity: str, file: str | Path, *, fmt: str | None = None, mapping: Mapping[str, str] | None = None
    ) -> ImportResult:
        """Validate and land one back-office file; bad rows go to the quarantine (see docs/entities.md)."""
        from onefold.collect.backoffice import import_file

        return import_file(self.paths, entity, file, fmt=fmt, mapping=mapping, settings=self.settings)

    def build(self, *, progress: Callable[[str, str, float], None] | None = None) -> Path:
        """Build the warehouse (events → back office → identity → value) and swap it in."""
        from onefold.pipeline import build

        return build(self.paths, self.settings, progress=progress)

    def sql(self, query: str, *, limit: int | None = None) -> QueryResult:
        """Run one read-only query on the warehouse; anything else is refused."""
        from onefold.store.readonly_sql import run_query

        return run_query(self.paths, query, limit=limit)

    def records(self, query: str, *, limit: int | None = None) -> list[dict[str, Any]]:
        """`sql` as a list of dicts, one per row."""
        return self.sql(query, limit=limit).records()
