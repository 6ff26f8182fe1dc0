"""`onefold build`: the ordered batch pipeline, staging → identity → value.

Each area exposes one build step (a function of `BuildContext`); this module only orders them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from onefold.config import Settings
from onefold.store.build import BuildStep, run_build
from onefold.store.workspace import WorkspacePaths, open_state


def build_steps() -> list[tuple[str, BuildStep]]:
    """The steps in dependency order: each reads what the ones before it wrote."""
    # Imported here, not at module top, so `onefold --help` does not load every area's dependencies.
    from onefold.collect.backoffice.build_step import backoffice_step
    from onefold.collect.events.staging import stage_events
    from onefold.identity.build_step import identity_step
    from onefold.value.build_step import value_step

    return [
        ("events", stage_events),
        ("backoffice", backoffice_step),
        ("identity", identity_step),
        ("value", value_step),
    ]


def build(
    paths: WorkspacePaths, settings: Settings, *, progress: Callable[[str, str, float], None] | None = None
) -> Path:
    state = open_state(paths)
    try:
        return run_build(paths, settings, state, build_steps(), progress=progress)
    finally:
        state.close()
