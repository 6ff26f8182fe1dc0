"""Real-time stitching over a real state.sqlite: links, merges (older survives), blocklist."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from onefold.config import IdentitySettings
from onefold.identity.stitch import StitchRules, stitch
from onefold.schema.events import Received, ValidEvent, validate_event
from onefold.store import stitch_graph as graph
from onefold.store.sqlite import transaction
from onefold.store.workspace import WorkspacePaths, open_state

RULES = StitchRules.from_settings(IdentitySettings(blocklist=["test@test.com", "null", "0000000000"]))


def _ev(**body: Any) -> ValidEvent:
    result = validate_event(body, received=Received.now(at=datetime(2025, 1, 1, tzinfo=UTC)))
    assert isinstance(result, ValidEvent), result
    return result


def _run(conn: Any, seq0: int, *events: ValidEvent) -> None:
    with transaction(conn):
        stitch(conn, [(seq0 + i, e) for i, e in enumerate(events)], rules=RULES)


def test_two_profiles_merge_when_an_identify_links_them(workspace: WorkspacePaths) -> None:
    conn = open_state(workspace)
    _run(conn, 1, _ev(type="page", anonymousId="a1"), _ev(type="page", anonymousId="a2"))
    p1, p2 = graph.resolve(conn, ("anonymous_id", "a1")), graph.resolve(conn, ("anonymous_id", "a2"))
    assert p1 is not None and p2 is not None and p1 != p2
    _run(conn, 3, _ev(type="identify", anonymousId="a2", userId="u", traits={"phone": "+1 415 555 0100"}),
         _ev(type="identify", anonymousId="a1", traits={"phone": "(415) 555-0100", "name": "Ada"}))
    assert graph.resolve(conn, ("anonymous_id", "a2")) == p1 == graph.resolve(conn, ("phone", "+14155550100"))
    profile = graph.get_profile(conn, p1)
    assert profile is not None and profile.event_count == 4 and profile.traits["name"] == "Ada"
    assert graph.get_profile(conn, p2) is None
    assert conn.execute("SELECT new_id FROM stitch_merges WHERE old_id = ?", (p2,)).fetchone()[0] == p1


def test_blocklisted_values_never_link(workspace: WorkspacePaths) -> None:
    conn = open_state(workspace)
    _run(conn, 1, _ev(type="identify", userId="x", traits={"email": "TEST@test.com", "phone": "000-000-0000"}),
         _ev(type="identify", userId="y", traits={"email": "test@test.com"}))
    assert graph.resolve(conn, ("user_id", "x")) != graph.resolve(conn, ("user_id", "y"))
    assert graph.resolve(conn, ("email", "test@test.com")) is None


def test_alias_of_two_user_ids_is_refused_by_the_user_id_limit(workspace: WorkspacePaths) -> None:
    conn = open_state(workspace)
    _run(conn, 1, _ev(type="track", userId="old", event="E"))
    _run(conn, 2, _ev(type="alias", previousId="old", userId="new"))
    old, new = graph.resolve(conn, ("user_id", "old")), graph.resolve(conn, ("user_id", "new"))
    assert old is not None and new is not None and old != new
    assert graph.resolve(conn, ("anonymous_id", "old")) is None
    rule = conn.execute("SELECT rule FROM stitch_refused_merges WHERE kind = 'user_id' AND value = 'old'").fetchone()
    assert rule[0] == "limit: at most 1 user_id per profile"


def test_alias_links_previous_user_id_when_the_limit_allows(workspace: WorkspacePaths) -> None:
    conn = open_state(workspace)
    rules = StitchRules.from_settings(IdentitySettings(realtime_limits={"user_id": 2}))
    for seq, event in enumerate([_ev(type="track", userId="old", event="E"),
                                 _ev(type="alias", previousId="old", userId="new")], start=1):
        with transaction(conn):
            stitch(conn, [(seq, event)], rules=rules)
    assert graph.resolve(conn, ("user_id", "old")) == graph.resolve(conn, ("user_id", "new"))
