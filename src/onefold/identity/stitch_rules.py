"""Which identifiers real-time stitching reads from an event, in which priority, under which limits.

Compiled once from :class:`onefold.config.IdentitySettings` by the writer (never per batch), so the
ingest hot path only does dict lookups. Key extraction lives here too because it is driven by the
same configuration: the enabled identifier types and their priority order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from onefold.config import IdentitySettings
from onefold.identity.normalize import Blocklist, normalize_identifier
from onefold.schema.events import ValidEvent

Key = tuple[str, str]

REALTIME_TYPES = ("user_id", "loyalty_id", "email", "phone", "anonymous_id", "device_id")
"""Identifier types real-time stitching understands (a subset of normalize.IDENTIFIER_TYPES)."""


def _trait(*names: str) -> Callable[[ValidEvent], object]:
    def read(event: ValidEvent) -> object:
        traits = event.traits
        if not traits:
            return None
        for name in names:
            value = traits.get(name)
            if value is not None:
                return value
        return None

    return read


def _device_id(event: ValidEvent) -> object:
    context = event.body.get("context")
    if not context:
        return None
    device = context.get("device")
    return device.get("id") if isinstance(device, dict) else None


_READERS: dict[str, Callable[[ValidEvent], object]] = {
    "user_id": lambda e: e.user_id,
    "anonymous_id": lambda e: e.anonymous_id,
    "email": _trait("email"),
    "phone": _trait("phone"),
    "loyalty_id": _trait("loyalty_id", "loyaltyId"),
    "device_id": _device_id,
}


@dataclass(frozen=True, slots=True)
class StitchRules:
    """The compiled per-workspace stitching rules.

    ``order`` lists enabled types strongest first; ``rank`` maps a type to its position there (lower
    wins: the event lands on the profile of its highest-ranked identifier). ``limits`` caps how many
    identifiers of a type one profile may hold; a merge or attach that would exceed it is refused.
    """

    order: tuple[str, ...]
    limits: dict[str, int]
    hot_key_max_profiles: int
    blocklist: Blocklist
    phone_region: str = "US"
    rank: dict[str, int] = field(init=False)
    _cache: dict[Key, bool] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "rank", {kind: i for i, kind in enumerate(self.order)})
        object.__setattr__(self, "_cache", {})

    @classmethod
    def from_settings(cls, settings: IdentitySettings) -> StitchRules:
        """Compile settings; unknown types in the priority list are refused at startup by the settings model."""
        enabled = set(settings.realtime_types)
        order = tuple(k for k in settings.realtime_priority if k in enabled)
        order += tuple(k for k in REALTIME_TYPES if k in enabled and k not in order)
        limits = {k: n for k, n in settings.realtime_limits.items() if k in enabled}
        return cls(order, limits, settings.hot_key_max_profiles, Blocklist(settings.blocklist),
                   settings.realtime_phone_region)

    def allowed(self, key: Key) -> bool:
        """Not blocklisted; memoised because the same ids repeat across a user's events.

        The memo is bounded (cleared past 200k entries) so a stream of unique ids cannot grow it forever.
        """
        ok = self._cache.get(key)
        if ok is None:
            if len(self._cache) > 200_000:
                self._cache.clear()
            ok = self._cache[key] = not self.blocklist.blocks(*key)
        return ok

    def event_keys(self, event: ValidEvent) -> list[Key]:
        """Identifiers the event proves belong together, strongest first (alias previousId aside)."""
        keys: list[Key] = []
        for kind in self.order:
            raw = _READERS[kind](event)
            if raw is None:
                continue
            value = normalize_identifier(kind, raw, default_region=self.phone_region)
            if value is not None and self.allowed(key := (kind, value)):
                keys.append(key)
        return keys

    def memo_key(self, event: ValidEvent) -> tuple[Any, ...] | None:
        """A cheap key under which events without traits share their identifier list (None: no sharing)."""
        if event.traits or event.type == "alias":
            return None
        device = _device_id(event) if "device_id" in self.rank else None
        if device is not None and not isinstance(device, str | int):
            return None  # an odd device id (an object) is not hashable: read it per event
        return (event.user_id, event.anonymous_id, device)
