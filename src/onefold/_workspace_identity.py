"""`ws.identity`: inspect and correct golden records (see onefold.identity.inspect)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from onefold.store.workspace import WorkspacePaths, open_state

if TYPE_CHECKING:
    from onefold.identity.inspect import Explanation


class IdentityNamespace:
    def __init__(self, paths: WorkspacePaths) -> None:
        self._paths = paths

    def explain(self, profile_id: str) -> Explanation:
        """Golden traits, records and every ledger edge with its evidence (retired ids resolve)."""
        from onefold.identity.inspect import explain

        return explain(self._paths, profile_id)

    def review(self, *, limit: int = 50) -> list[dict[str, Any]]:
        """Borderline pairs that were not merged, most likely first."""
        from onefold.identity.inspect import review_pairs

        return review_pairs(self._paths, limit=limit)

    def split(self, profile_id: str, records: list[str]) -> int:
        """Keep ``records`` (``TYPE:SOURCE:ID``) apart from the rest of the profile from the next build on."""
        from onefold.identity.inspect import parse_record, split

        state = open_state(self._paths)
        try:
            return split(self._paths, state, profile_id, [parse_record(r) for r in records])
        finally:
            state.close()

    def unmerge(self, edge_id: str) -> tuple[tuple[str, str, str], tuple[str, str, str]]:
        """Forbid the two records an edge joined from sharing a profile again."""
        from onefold.identity.inspect import unmerge

        state = open_state(self._paths)
        try:
            return unmerge(self._paths, state, edge_id)
        finally:
            state.close()
