"""One root error for everything onefold raises, plus retry markers.

Every error builds its message from structured fields (where, what, remedy) so the same text can be
shown by the CLI, returned by the API and stored beside a quarantined record. Messages never carry
ANSI colour codes or secrets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class Transient:
    """Marker mixin: retrying the same operation later may succeed (busy file, full queue, timeout)."""


class Terminal:
    """Marker mixin: retrying the same input will fail the same way; fix the input or the config."""


@dataclass(frozen=True, slots=True)
class Location:
    """Where a problem sits in the user's input. Rows are 1-based data rows as an editor shows them
    (for a CSV with a header, data row 1 is line 2 of the file)."""

    source: str | None = None
    row: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        parts = []
        if self.source:
            parts.append(self.source)
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.field:
            parts.append(f"field {self.field}")
        return ", ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        return {"source": self.source, "row": self.row, "field": self.field}


class OnefoldError(Exception):
    """Root of every error onefold raises.

    Args:
        problem: what is wrong, in the user's terms.
        location: where it is, when the error comes from user input.
        remedy: what to do about it, when there is something to do.
    """

    def __init__(self, problem: str, *, location: Location | None = None, remedy: str | None = None) -> None:
        self.problem = problem
        self.location = location
        self.remedy = remedy
        super().__init__(self.message)

    @property
    def message(self) -> str:
        text = f"{self.location}: {self.problem}" if self.location and str(self.location) else self.problem
        if self.remedy:
            text = f"{text} ({self.remedy})"
        return text

    def attrs(self) -> dict[str, Any]:
        """Structured fields for JSON responses and quarantine rows."""
        return {
            "error": type(self).__name__,
            "message": self.message,
            "problem": self.problem,
            "location": self.location.as_dict() if self.location else None,
            "remedy": self.remedy,
        }

    def __reduce__(self) -> tuple[Any, ...]:
        # Keep errors picklable across worker processes despite the keyword-only constructor.
        return (_rebuild, (type(self), self.problem, self.location, self.remedy))


def _rebuild(cls: type[OnefoldError], problem: str, location: Location | None, remedy: str | None) -> OnefoldError:
    return cls(problem, location=location, remedy=remedy)


class InputError(OnefoldError, Terminal):
    """User input (a file, a request body, a CLI argument) is invalid."""


class ConfigError(OnefoldError, Terminal):
    """Settings or workspace configuration are invalid."""


class WorkspaceError(OnefoldError, Terminal):
    """The workspace folder is missing, not initialised, or from an incompatible version."""


class NotFoundError(OnefoldError, Terminal):
    """A named thing (profile, key, quarantined record) does not exist."""


class AuthError(OnefoldError, Terminal):
    """Missing, unknown or revoked credentials (HTTP 401)."""


class PermissionDenied(OnefoldError, Terminal):
    """Valid credentials without the role the operation needs (HTTP 403)."""


class LimitExceeded(InputError):
    """A request or record is larger than a documented limit (HTTP 400/413)."""

    def __init__(self, problem: str, *, limit: str, location: Location | None = None, remedy: str | None = None):
        self.limit = limit
        super().__init__(problem, location=location, remedy=remedy)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_limit, (self.problem, self.limit, self.location, self.remedy))


def _rebuild_limit(problem: str, limit: str, location: Location | None, remedy: str | None) -> LimitExceeded:
    return LimitExceeded(problem, limit=limit, location=location, remedy=remedy)


class Busy(OnefoldError, Transient):
    """The system is temporarily overloaded or a file is held by another process; retry later."""

    def __init__(self, problem: str, *, retry_after_s: float = 1.0, remedy: str | None = None) -> None:
        self.retry_after_s = retry_after_s
        super().__init__(problem, remedy=remedy)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_busy, (self.problem, self.retry_after_s, self.remedy))


def _rebuild_busy(problem: str, retry_after_s: float, remedy: str | None) -> Busy:
    return Busy(problem, retry_after_s=retry_after_s, remedy=remedy)


class NotFittedError(OnefoldError, Terminal):
    """A model method that needs fitted parameters was called before fit()."""


class ConvergenceError(OnefoldError, Terminal):
    """A model fit did not converge."""


class UnsupportedByEngine(OnefoldError, Terminal):
    """The engine in use lacks a capability this operation needs."""


__all__ = [
    "AuthError",
    "Busy",
    "ConfigError",
    "ConvergenceError",
    "InputError",
    "LimitExceeded",
    "Location",
    "NotFittedError",
    "NotFoundError",
    "OnefoldError",
    "PermissionDenied",
    "Terminal",
    "Transient",
    "UnsupportedByEngine",
    "WorkspaceError",
]
