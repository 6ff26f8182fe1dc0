"""Shared helpers for back-office tests: the clean case files and importing them in order."""

from __future__ import annotations

from pathlib import Path

from onefold.collect.backoffice import ImportResult, import_file
from onefold.schema.entities import ENTITIES
from onefold.store.workspace import WorkspacePaths

CASES = Path(__file__).parent / "cases"


def import_clean(paths: WorkspacePaths, *, upto: str | None = None) -> dict[str, ImportResult]:
    """Import every clean case file in the documented order (stopping after ``upto``)."""
    results = {}
    for name in ENTITIES:
        results[name] = import_file(paths, name, CASES / f"{name}.csv")
        if name == upto:
            break
    return results
