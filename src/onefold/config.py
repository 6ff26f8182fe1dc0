"""Settings, resolved once per process by `load_settings()` and passed down explicitly.

Environment variables use the prefix ``ONEFOLD_`` and ``__`` for nesting, e.g.
``ONEFOLD_COLLECT__MAX_QUEUE_EVENTS=50000``. Nothing here is built at import time.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

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
    max_index_lag_seconds: float = 0.5
    """Backpressure: the writer commits no further ahead of the indexer (event index + real-time
    profiles) than this, so reads reflect an acknowledged event within about this time; when the
    indexer is slower than ingest, acks slow down (and the bounded queue answers 429)."""
    max_index_lag_events: int = 5_000
    """Backpressure by work as well as by time: the writer also waits while more acknowledged events
    than this are not indexed yet (a burst of identify events, ≈ 200 µs each to stitch, could
    otherwise be acknowledged within ``max_index_lag_seconds`` and take seconds to index)."""
    group_commit_max_events: int = 5_000
    """Most events written and fsynced together in one group commit."""
    segment_max_bytes: int = 64 * 1024 * 1024
    """Event-log segment size before rolling to a new file."""
    key_cache_seconds: float = 1.0
    """How long a verified API key is cached in the server; revocation takes effect within this time."""


RealtimeType = Literal["user_id", "loyalty_id", "email", "phone", "anonymous_id", "device_id"]
SurvivorshipStrategy = Literal["most_recent", "most_frequent", "longest", "source_priority"]


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
    realtime_types: list[RealtimeType] = Field(
        default_factory=lambda: ["user_id", "loyalty_id", "email", "phone", "anonymous_id", "device_id"]
    )
    """Identifier types real-time stitching reads from events (email/phone/loyalty_id from identify
    traits, device_id from context.device.id); leave a type out to ignore it in this workspace."""
    realtime_priority: list[RealtimeType] = Field(
        default_factory=lambda: ["user_id", "loyalty_id", "email", "phone", "anonymous_id", "device_id"]
    )
    """Strongest first: an event lands on the profile of its highest-priority identifier."""
    realtime_limits: dict[RealtimeType, int] = Field(
        default_factory=lambda: {"user_id": 1, "loyalty_id": 1, "email": 5, "phone": 5}
    )
    """Most identifiers of a type one profile may hold, in real time and in `onefold build` (where
    the priority order above also decides which deterministic evidence is followed first); a merge
    that would exceed it is refused and recorded with the reason (types not listed are unlimited)."""
    hot_key_max_profiles: int = Field(default=10, ge=2)
    """An identifier that tries to link more distinct profiles than this turns hot: it is reported
    and no longer used as merge evidence."""
    hot_key_records: int = Field(default=25, ge=2)
    """Build and `identity match`: an email, phone or loyalty id on more records than this is shared
    junk (a store's phone, test@test.com), reported and not used as evidence."""
    max_block_size: int = Field(default=100, ge=2)
    """Build and `identity match`: a blocking key shared by more records than this is too common to
    separate people; its block is skipped and reported (why 100: `MatchOptions.max_block_size`)."""
    survivorship: dict[str, SurvivorshipStrategy] = Field(default_factory=dict)
    """Golden-record rule per trait, overriding the defaults (first_name, last_name, date_of_birth:
    most_frequent; email, phone, address, loyalty_id: most_recent), e.g. ``{last_name = "longest"}``.
    Strategies: most_recent, most_frequent, longest, source_priority."""
    source_priority: list[str] = Field(default_factory=lambda: ["web", "app", "loyalty", "pos", "call_center"])
    """Most trusted source first: the ``source_priority`` strategy, and the tie-break of the others
    (people type their own names online; an agent transcribing a call makes more typos)."""
    realtime_phone_region: str = "US"
    """Region assumed for phone numbers written without a country code (E.164 normalisation)."""


class ValueSettings(_Section):
    horizon_weeks: int = 52
    """CLV horizon in weeks."""
    annual_discount_rate: float = 0.10
    """Discount rate applied to future cash flows in CLV."""
    serial_returner_rate: float = 0.75
    """Return rate (by value) at or above which a customer with enough orders is a serial returner."""
    serial_returner_min_orders: int = 4
    """Non-cancelled orders a customer needs before the serial-returner flag can be set."""
    transaction_model: str = "mbgnbd"
    """Repeat-purchase model for CLV in the build: mbgnbd (MBG/NBD: one-time buyers can have left),
    bgnbd (BG/NBD) or pareto (Pareto/NBD)."""
    use_cases: dict[str, dict[str, float]] = Field(
        default_factory=lambda: {
            "backorder": {"net_clv": 0.5, "net_margin": 0.2, "loyalty": 0.2, "churn_risk": -0.1},
            "retention": {"net_clv": 0.4, "churn_risk": 0.4, "loyalty": 0.2},
            "vip": {"net_clv": 0.4, "net_margin": 0.4, "loyalty": 0.2},
        }
    )
    """Strategic score weights per use case over percentile ranks of net_clv, net_margin, loyalty
    (order frequency) and churn_risk; a negative weight penalises that component."""


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
