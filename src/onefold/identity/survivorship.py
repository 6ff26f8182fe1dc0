"""Golden-record traits: which of a profile's values survives, per trait and configurable.

Strategies (the usual MDM survivorship rules):
- ``most_recent``: the value from the most recently created record (people move, change phones);
- ``most_frequent``: the value most records agree on (typos lose to the majority);
- ``longest``: the most complete spelling ("Katherine" over "Kate", a street with its number);
- ``source_priority``: the value from the most trusted source (list order), e.g. loyalty over web.
Ties fall back to the most trusted source, then the most recent record, then the value itself, so
the result is deterministic (two records "Williams" from the web and "Willaims" from a call, one each:
the web's spelling wins).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
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
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown survivorship strategy {strategy!r} (expected one of {', '.join(STRATEGIES)})")
    value = present[0].value
    if all(c.value == value for c in present):
        # Every rule picks one of the candidates' values: with one distinct value (most traits of
        # most profiles) there is nothing to rank. A build calls this once per profile and trait.
        return value
    rank = _source_rank(tuple(source_priority))
    # Ties: the most trusted source, then the most recent record, then the value (module docstring).
    if strategy == "most_recent":
        return max(present, key=lambda c: (c.created_at, rank.get(c.source, 0), c.value)).value
    if strategy == "most_frequent":
        counts = Counter(c.value for c in present)
        return max(present, key=lambda c: (counts[c.value], rank.get(c.source, 0), c.created_at, c.value)).value
    if strategy == "longest":
        return max(present, key=lambda c: (len(c.value), rank.get(c.source, 0), c.created_at, c.value)).value
    return max(present, key=lambda c: (rank.get(c.source, 0), c.created_at, c.value)).value


@lru_cache(maxsize=8)
def _source_rank(source_priority: tuple[str, ...]) -> dict[str, int]:
    """Source → trust (the first listed is the most trusted; unlisted sources 0)."""
    return {s: len(source_priority) - i for i, s in enumerate(source_priority)}


DEFAULT_RULES: dict[str, Strategy] = {
    "first_name": "most_frequent", "last_name": "most_frequent", "email": "most_recent", "phone": "most_recent",
    "street": "most_recent", "city": "most_recent", "postcode": "most_recent", "state": "most_recent",
    "country": "most_recent", "date_of_birth": "most_frequent", "loyalty_id": "most_recent",
}
"""Golden traits and their default rule: names and birth dates by majority (a typo loses to the
agreeing records), contact details and address by recency (people move and change phones)."""


def trait_rules(overrides: Mapping[str, str]) -> dict[str, Strategy]:
    """The defaults with the workspace's overrides; an unknown trait or strategy is a clear error."""
    unknown = sorted(set(overrides) - set(DEFAULT_RULES))
    if unknown:
        raise ValueError(f"identity.survivorship: unknown trait(s) {', '.join(unknown)} "
                         f"(golden traits: {', '.join(DEFAULT_RULES)})")
    bad = sorted(f"{t}={s}" for t, s in overrides.items() if s not in STRATEGIES)
    if bad:
        raise ValueError(f"identity.survivorship: unknown strategy in {', '.join(bad)} "
                         f"(expected one of {', '.join(STRATEGIES)})")
    return {**DEFAULT_RULES, **overrides}  # type: ignore[dict-item]


__all__ = ["DEFAULT_RULES", "STRATEGIES", "Candidate", "Strategy", "survive", "trait_rules"]
