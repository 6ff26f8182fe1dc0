"""Golden-record traits: which of a profile's values survives, per trait and configurable.

Strategies (the usual MDM survivorship rules):
- ``most_recent``: the value from the most recently created record (people move, change phones);
- ``most_frequent``: the value most records agree on (typos lose to the majority);
- ``longest``: the most complete spelling ("Katherine" over "Kate", a street with its number);
- ``source_priority``: the value from the most trusted source (list order), e.g. loyalty over web.
Ties fall back to the most recent record, then to the value itself, so the result is deterministic.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

Strategy = Literal["most_recent", "most_frequent", "longest", "source_priority"]
STRATEGIES: tuple[Strategy, ...] = ("most_recent", "most_frequent", "longest", "source_priority")


@dataclass(frozen=True, slots=True)
class Candidate:
    """One record's value for a trait."""

    value: str
    source: str
    created_at: str
    """ISO timestamp (string order is time order); empty when unknown."""


def survive(candidates: Sequence[Candidate], strategy: Strategy, *, source_priority: Sequence[str] = ()) -> str | None:
    """The surviving value, or None when no record has one."""
    present = [c for c in candidates if c.value]
    if not present:
        return None
    recency = {id(c): (c.created_at, c.value) for c in present}
    if strategy == "most_recent":
        return max(present, key=lambda c: recency[id(c)]).value
    if strategy == "most_frequent":
        counts = Counter(c.value for c in present)
        return max(present, key=lambda c: (counts[c.value], recency[id(c)])).value
    if strategy == "longest":
        return max(present, key=lambda c: (len(c.value), recency[id(c)])).value
    if strategy == "source_priority":
        rank = {s: len(source_priority) - i for i, s in enumerate(source_priority)}
        return max(present, key=lambda c: (rank.get(c.source, 0), recency[id(c)])).value
    raise ValueError(f"unknown survivorship strategy {strategy!r} (expected one of {', '.join(STRATEGIES)})")


__all__ = ["STRATEGIES", "Candidate", "Strategy", "survive"]
