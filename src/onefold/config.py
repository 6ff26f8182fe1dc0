"""Settings, resolved once per process by `load_settings()` and passed down explicitly.

Environment variables use the prefix ``ONEFOLD_`` and ``__`` for nesting, e.g.
``ONEFOLD_COLLECT__MAX_QUEUE_EVENTS=50000``. Nothing here is built at import time.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_WORKSPACE = "onefold-data"


class _Section(BaseModel):
    model_config = ConfigDict(use_attribute_docstrings=True, extra="forbid")


class CollectSettings(_Section):
    max_event_bytes: int = 32 * 1024
    """Largest accepted single event, as Segment's HTTP API (32 KB)."""
    max_batch_bytes: int = 500 * 1024
    """Largest accepted request body after decompression, as Segment's batch limit (500 KB)."""
    max_queue_events: int = 100_000
    """Events waiting for the durable writer; beyond this the API answers 429 with Retry-After."""
    fsync: bool = True
    """Fsync the event log before acknowledging. Turn off only for benchmarks of the baseline."""
    group_commit_max_events: int = 5_000
    """Most events written and fsynced together in one group commit."""
    segment_max_bytes: int = 64 * 1024 * 1024
    """Event-log segment size before rolling to a new file."""
    key_cache_seconds: float = 1.0
    """How long a verified API key is cached in the server; revocation takes effect within this time."""


class IdentitySettings(_Section):
    match_threshold: float = 0.95
    """Posterior match probability above which two records are linked (documented default)."""
    blocklist: list[str] = Field(
        default_factory=lambda: [
            "", "null", "none", "undefined", "nan", "n/a", "na", "0", "-1", "unknown",
            "test@test.com", "test@example.com", "noemail@noemail.com", "none@none.com",
            "0000000000", "1111111111", "1234567890", "9999999999",
        ]
    )
    """Identifier values never used as merge evidence (compared case-insensitively after normalising)."""


class ValueSettings(_Section):
    horizon_weeks: int = 52
    """CLV horizon in weeks."""
    annual_discount_rate: float = 0.10
    """Discount rate applied to future cash flows in CLV."""
    serial_returner_rate: float = 0.75
    """Return rate (by value) at or above which a customer with enough orders is a serial returner."""


class ImportSettings(_Section):
    memory_limit: str = "512MB"
    """DuckDB memory limit while importing or checking back-office files; beyond it DuckDB spills to disk."""
    threads: int | None = None
    """DuckDB threads for imports (default: all cores)."""


class Settings(BaseSettings):
    """All onefold settings. See `onefold config show` for the resolved values."""

    model_config = SettingsConfigDict(
        env_prefix="ONEFOLD_",
        env_nested_delimiter="__",
        env_ignore_empty=True,
        extra="ignore",
        use_attribute_docstrings=True,
    )

    workspace: Path = Path(DEFAULT_WORKSPACE)
    """Workspace folder holding the event log, operational state and warehouse."""
    collect: CollectSettings = Field(default_factory=CollectSettings)
    """Collection API and event log."""
    identity: IdentitySettings = Field(default_factory=IdentitySettings)
    """Identity resolution."""
    value: ValueSettings = Field(default_factory=ValueSettings)
    """Customer value models."""
    imports: ImportSettings = Field(default_factory=ImportSettings)
    """Back-office file imports (`onefold import`)."""


def load_settings(workspace: str | Path | None = None, **overrides: object) -> Settings:
    """Resolve settings: explicit arguments win over ``ONEFOLD_*`` environment variables.

    ``ONEFOLD_HOME`` is accepted as the workspace location (the documented CLI default).
    """
    if workspace is None and os.environ.get("ONEFOLD_HOME"):
        workspace = os.environ["ONEFOLD_HOME"]
    if workspace is not None:
        overrides["workspace"] = Path(workspace)
    return Settings(**overrides)  # type: ignore[arg-type]


__all__ = ["CollectSettings", "IdentitySettings", "ImportSettings", "Settings", "ValueSettings", "load_settings"]
