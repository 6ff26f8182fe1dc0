"""onefold.identity: deterministic and probabilistic identity resolution (Fellegi–Sunter 1969).

Public names only; the modules behind them may move. Names load lazily (module ``__getattr__``) so
the real-time path, which imports only ``onefold.identity.normalize``, does not pay for NumPy,
rapidfuzz and DuckDB at start-up.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "BlockKey": "blocking",
    "BlockingRule": "blocking",
    "default_rules": "blocking",
    "PairScores": "evaluate",
    "pairwise_scores": "evaluate",
    "FellegiSunter": "fellegi_sunter",
    "FSParams": "fellegi_sunter",
    "FIELD_SPECS": "fields",
    "FIELD_TYPES": "fields",
    "FieldType": "fields",
    "MatchSummary": "match_file",
    "match_file": "match_file",
    "MatchOptions": "matcher",
    "MatchResult": "matcher",
    "match_records": "matcher",
}


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'onefold.identity' has no attribute {name!r}")
    return getattr(importlib.import_module(f"onefold.identity.{_EXPORTS[name]}"), name)


__all__ = sorted(_EXPORTS)
