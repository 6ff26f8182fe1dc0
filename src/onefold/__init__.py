"""onefold: an open-source Customer Data Platform.

Collect every touchpoint, resolve identities into golden records, value customers net of returns
and costs, and act on it. Start with ``onefold.Workspace`` (or the ``onefold`` CLI); see README.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from onefold.errors import OnefoldError

if TYPE_CHECKING:
    from onefold._workspace import Workspace

__version__ = "0.1.0"

__all__ = ["OnefoldError", "Workspace", "__version__"]


def __getattr__(name: str) -> Any:
    # Lazy, so `import onefold.errors` (and the server's hot path) does not load DuckDB and friends.
    if name == "Workspace":
        from onefold._workspace import Workspace

        return Workspace
    raise AttributeError(f"module 'onefold' has no attribute {name!r}")
