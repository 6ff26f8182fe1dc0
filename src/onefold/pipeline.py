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
    """The steps in dependency order. Areas add theirs here when they have one."""
    from onefold.collect.backoffice.build_step import backoffice_step
    from onefold.collect.events.staging import stage_events

    steps: list[tuple[str, BuildStep]] = []
    steps.append(("events", stage_events))
    steps.append(("backoffice", backoffice_step))
    steps.append(("identity", __import__("onefold.identity.build_step", fromlist=["identity_step"]).identity_step))
    steps.append(("value", __import__("onefold.value.build_step", fromlist=["value_step"]).value_step))
    return steps


def build(
    paths: WorkspacePaths, settings: Settings, *, progress: Callable[[str, str, float], None] | None = None
) -> Path:
    state = open_state(paths)
    try:
        return run_build(paths, settings, state, build_steps(), progress=progress)
    finally:
        state.close()
