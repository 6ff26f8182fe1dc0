"""The matcher's knobs from the workspace settings (one place for the build and `identity match`)."""

from __future__ import annotations

from onefold.config import IdentitySettings
from onefold.identity.matcher import MatchOptions


def match_options(settings: IdentitySettings, *, threshold: float | None = None) -> MatchOptions:
    """``threshold`` overrides ``settings.match_threshold`` (the CLI's ``--threshold``)."""
    return MatchOptions(threshold=settings.match_threshold if threshold is None else threshold,
                        max_block_size=settings.max_block_size, hot_key_records=settings.hot_key_records)


__all__ = ["match_options"]
