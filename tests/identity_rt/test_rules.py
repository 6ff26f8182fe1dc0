"""Real-time stitching rules over a real server: limits, priority, blocklist, hot keys, ledger.

Every read happens right after the write's ack (no sleeps): the writer stitches inside the
transaction that precedes the ack, so what a test reads is what a client sees within the second.
"""

from __future__ import annotations

from typing import Any

from tests.conftest import Server
from tests.identity_rt.conftest import Api


def _identify(user: str | None = None, anon: str | None = None, mid: str | None = None, **traits: Any) -> dict[str, Any]:
    event: dict[str, Any] = {"type": "identify", "traits": traits}
    if user is not None:
        event["userId"] = user
    if anon is not None:
        event["anonymousId"] = anon
    if mid is not None:
        event["messageId"] = mid
    return event


def _ids(profile: dict[str, Any], kind: str) -> list[str]:
    return [i["value"] for i in profile["identifiers"] if i["type"] == kind]


def test_email_limit_refuses_the_sixth_and_records_it(api: Api) -> None:
    api.send(*[_identify("lim-u", email=f"lim{i}@example.com") for i in range(6)])
    profile = api.profile("user_id:lim-u")
    assert _ids(profile, "email") == [f"lim{i}@example.com" for i in range(5)]
    assert api.get("/v1/profiles/email:lim5@example.com").status_code == 404
    refused = api.get("/v1/identity/refused-merges", profile=profile["profile_id"]).json()["refused_merges"]
    assert [(r["kind"], r["value"], r["rule"], r["other_profile_id"]) for r in refused] == [
        ("email", "lim5@example.com", "limit: at most 5 email per profile", None)]


def test_shared_email_cannot_merge_two_user_ids_and_the_event_lands_on_its_user(api: Api) -> None:
    api.send(_identify("pr-u1", email="pr-shared@example.com", name="One"))
    api.send(_identify("pr-u2", email="PR-Shared@example.com", mid="pr-m2", name="Two"))
    one, two = api.profile("user_id:pr-u1"), api.profile("user_id:pr-u2")
    assert one["profile_id"] != two["profile_id"]
    assert api.profile("email:pr-shared@example.com")["profile_id"] == one["profile_id"]  # first owner keeps it
    assert two["traits"]["name"] == "Two" and one["traits"]["name"] == "One" and two["event_count"] == 1
    refused = api.get("/v1/identity/refused-merges", profile=two["profile_id"]).json()["refused_merges"]
    assert [(r["profile_id"], r["other_profile_id"], r["kind"], r["rule"], r["message_id"]) for r in refused] == [
        (two["profile_id"], one["profile_id"], "email", "limit: at most 1 user_id per profile", "pr-m2")]


def test_user_id_outranks_anonymous_id(api: Api) -> None:
    api.send(_identify("rk-u1", anon="rk-a1"), _identify("rk-u2"))
    api.send({"type": "track", "event": "Clicked", "userId": "rk-u2", "anonymousId": "rk-a1"})
    u1, u2 = api.profile("user_id:rk-u1"), api.profile("user_id:rk-u2")
    assert u1["profile_id"] != u2["profile_id"]
    assert (u1["event_count"], u2["event_count"]) == (1, 2)
    assert api.profile("anonymous_id:rk-a1")["profile_id"] == u1["profile_id"]


def test_email_outranks_phone(api: Api) -> None:
    api.send(_identify(anon="ep-a1", email="ep1@example.com"), _identify(anon="ep-a2", phone="+1 415 555 0199"))
    api.send(_identify(anon="ep-a3", email="ep3@example.com"))
    # The new anonymous id joins the email's profile, which then absorbs the phone's (older id survives).
    api.send(_identify(anon="ep-a4", phone="(415) 555-0199", email="ep1@example.com"))
    by_email, by_phone = api.profile("email:ep1@example.com"), api.profile("phone:+14155550199")
    assert by_email["profile_id"] == by_phone["profile_id"]
    assert sorted(_ids(by_email, "anonymous_id")) == ["ep-a1", "ep-a2", "ep-a4"]


def test_loyalty_and_device_ids_link_and_resolve(api: Api) -> None:
    api.send({"type": "page", "anonymousId": "dv-a1", "context": {"device": {"id": "dev-77"}}})
    api.send({"type": "identify", "userId": "dv-u", "traits": {"loyaltyId": "L-9001"},
              "context": {"device": {"id": "dev-77"}}})
    profile = api.profile("device_id:dev-77")
    assert profile["profile_id"] == api.profile("loyalty_id:L-9001")["profile_id"]
    assert profile["profile_id"] == api.profile("anonymous_id:dv-a1")["profile_id"]
    assert _ids(profile, "user_id") == ["dv-u"]


def test_merge_keeps_the_older_id_retired_id_resolves_and_ledger_explains(api: Api) -> None:
    api.send({"type": "page", "anonymousId": "mg-a", "name": "Home"})
    api.send({"type": "page", "anonymousId": "mg-b", "name": "Home"})
    older, newer = api.profile("anonymous_id:mg-a")["profile_id"], api.profile("anonymous_id:mg-b")["profile_id"]
    assert int(older[3:]) < int(newer[3:])
    api.send(_identify("mg-u", anon="mg-b"))
    api.send({"type": "track", "event": "Login", "userId": "mg-u", "anonymousId": "mg-a", "messageId": "mg-link"})
    merged = api.profile(f"profile_id:{newer}")
    assert merged["profile_id"] == older and merged["retired_ids"] == [newer]
    assert merged["event_count"] == 4 and sorted(_ids(merged, "anonymous_id")) == ["mg-a", "mg-b"]
    assert api.profile("user_id:mg-u")["profile_id"] == older
    explained = api.get(f"/v1/identity/profiles/{newer}/merges").json()
    assert explained["profile_id"] == older and explained["retired_ids"] == [newer]
    assert [(m["survivor_id"], m["retired_id"], m["kind"], m["value"], m["message_id"])
            for m in explained["merges"]] == [(older, newer, "anonymous_id", "mg-a", "mg-link")]
    assert api.get("/v1/identity/profiles/rt_999999999/merges").status_code == 404
    assert api.get("/v1/profiles/profile_id:bogus").status_code == 404  # any id may be a warehouse id


def _distinct_profiles(srv: Server, kind: str, values: list[str]) -> int:
    """How many profiles the values resolve to, read from the server's own state (2,000 HTTP lookups
    would only slow the test down; the lookups themselves are covered above)."""
    from onefold.store.sqlite import connect

    conn = connect(srv.paths.state_db)
    try:
        found = {}
        for value in values:
            row = conn.execute("SELECT profile_id FROM stitch_identifiers WHERE kind = ? AND value = ?",
                               (kind, value)).fetchone()
            found[value] = row[0] if row else None
        assert None not in found.values()
        return len(set(found.values()))
    finally:
        conn.close()


def test_blocklisted_values_never_merge_2000_users(api: Api, rt_server: Server) -> None:
    users = [f"bl-u{i}" for i in range(2000)]
    api.send(*[_identify(u, email="test@test.com", phone="000-000-0000") for u in users])
    assert _distinct_profiles(rt_server, "user_id", users) == 2000
    assert api.get("/v1/profiles/email:test@test.com").status_code == 404
    assert api.get("/v1/profiles/phone:0000000000").status_code in (400, 404)


def test_hot_email_never_merges_2000_users(api: Api, rt_server: Server) -> None:
    users = [f"hk-u{i}" for i in range(2000)]
    for start in range(0, 2000, 500):  # across several group commits
        api.send(*[_identify(u, email="family@hot.example") for u in users[start : start + 500]])
    assert _distinct_profiles(rt_server, "user_id", users) == 2000
    hot = api.get("/v1/identity/hot-keys").json()["hot_keys"]
    assert {"kind": "email", "value": "family@hot.example", "profiles": 11} in [
        {k: h[k] for k in ("kind", "value", "profiles")} for h in hot]
    refused = api.get("/v1/identity/refused-merges", limit=1000).json()["refused_merges"]
    assert 0 < sum(r["value"] == "family@hot.example" for r in refused) <= 10  # bounded: hot keys stop producing rows


def test_hot_email_collapses_at_most_ten_anonymous_profiles(api: Api, rt_server: Server) -> None:
    anons = [f"ha-a{i}" for i in range(2000)]
    api.send(*[{"type": "page", "anonymousId": a, "name": "Home"} for a in anons])
    api.send(*[_identify(anon=a, email="shared@hot.example") for a in anons])
    assert _distinct_profiles(rt_server, "anonymous_id", anons) >= 2000 - 10
    assert "shared@hot.example" in [h["value"] for h in api.get("/v1/identity/hot-keys").json()["hot_keys"]]
    refused = api.get("/v1/identity/refused-merges", limit=1000).json()["refused_merges"]
    assert [r["rule"] for r in refused if r["value"] == "shared@hot.example"] == [
        "hot identifier: links more than 10 profiles"]


def test_hot_email_on_first_contact_attaches_at_most_ten_new_visitors(api: Api, rt_server: Server) -> None:
    """2,000 strangers whose very first event is an identify with the same email never conflict with
    anyone, so only counting the new people an identifier brings in keeps them apart."""
    anons = [f"fc-a{i}" for i in range(2000)]
    api.send(*[_identify(anon=a, email="first@hot.example") for a in anons])
    assert _distinct_profiles(rt_server, "anonymous_id", anons) >= 2000 - 9
    owner = api.profile("email:first@hot.example")
    assert len(_ids(owner, "anonymous_id")) == 10
    assert owner["hot_identifiers"] == [{"type": "email", "value": "first@hot.example"}]
    assert api.profile("anonymous_id:fc-a1999")["hot_identifiers"] == []
    assert "first@hot.example" in [h["value"] for h in api.get("/v1/identity/hot-keys").json()["hot_keys"]]


def test_a_user_id_gathers_any_number_of_new_devices(api: Api) -> None:
    api.send(*[{"type": "track", "event": "Opened", "userId": "dev-many", "anonymousId": f"dm-a{i}"}
               for i in range(50)])
    assert len(_ids(api.profile("user_id:dev-many"), "anonymous_id")) == 50
