"""One profile id space: the id the real-time API returns is the id the warehouse uses after `onefold
build`, and every retired id (real-time or build) keeps resolving — real server, real CLI build."""

from __future__ import annotations

from pathlib import Path

from onefold.store.build import connect_duckdb
from tests.conftest import Server, run_cli, running_server
from tests.identity_rt.conftest import Api

HEADER = "source,source_customer_id,first_name,last_name,email,phone,street,city,postcode,state,country," \
         "date_of_birth,loyalty_id,created_at\n"


def _build(srv: Server) -> dict[tuple[str, str, str], str]:
    run_cli("build", "--workspace", str(srv.paths.root))
    con = connect_duckdb(srv.paths.warehouse_db, read_only=True)
    try:
        return {(r[0], r[1], r[2]): r[3] for r in con.execute("SELECT * FROM record_profile").fetchall()}
    finally:
        con.close()


def _warehouse_explain(srv: Server, profile: str) -> str:
    import json

    out = run_cli("identity", "explain", profile, "--json", "--workspace", str(srv.paths.root)).stdout
    return str(json.loads(out)["profile_id"])


def test_build_adopts_realtime_ids_and_older_back_office_id_wins_a_merge(tmp_path: Path) -> None:
    with running_server(tmp_path) as srv:
        api = Api(srv)
        try:
            customers = tmp_path / "customers.csv"
            customers.write_text(HEADER + "pos,P1,Grace,Hopper,grace@example.org,,1 Navy Rd,Arlington,22201,VA,US,"
                                          ",,2019-05-01T10:00:00Z\n")
            run_cli("import", "customers", str(customers), "--workspace", str(srv.paths.root))
            api.send({"type": "identify", "userId": "u-ada", "anonymousId": "a-ada", "traits": {"email": "ada@example.org"}},
                     {"type": "page", "anonymousId": "a-solo"},
                     {"type": "identify", "userId": "u-grace", "anonymousId": "a-grace"})
            ada, solo, grace = (api.profile(r)["profile_id"] for r in ("user_id:u-ada", "anonymous_id:a-solo",
                                                                        "user_id:u-grace"))
            assert all(p.startswith("rt_") for p in (ada, solo, grace))
            first = _build(srv)
            # The warehouse adopted the real-time ids; the back-office-only customer got a build id.
            assert first[("user_id", "events", "u-ada")] == first[("anonymous_id", "events", "a-ada")] == ada
            assert first[("anonymous_id", "events", "a-solo")] == solo
            assert first[("user_id", "events", "u-grace")] == grace
            hopper = first[("customer", "pos", "P1")]
            assert hopper.startswith("prof_") and hopper != grace
            assert api.profile("user_id:u-ada")["profile_id"] == ada  # unchanged for the API
            assert _build(srv) == first  # a rerun on the same data: byte-identical ids
            # Grace identifies with the email of the older back-office record: the build merges them,
            # keeps the older id, and the real-time API answers with it from then on.
            api.send({"type": "identify", "userId": "u-grace", "traits": {"email": "grace@example.org"}})
            assert api.profile("user_id:u-grace")["profile_id"] == grace  # before the build: nothing to adopt
            second = _build(srv)
            assert second[("user_id", "events", "u-grace")] == second[("customer", "pos", "P1")] == hopper
            seen = api.profile("user_id:u-grace")
            assert seen["profile_id"] == hopper and seen["realtime_profile_id"] == grace
            assert grace in seen["retired_ids"]
            assert api.profile(f"profile_id:{grace}")["profile_id"] == hopper  # the retired id resolves
            assert api.profile(f"profile_id:{hopper}")["realtime_profile_id"] == grace
            assert _warehouse_explain(srv, grace) == hopper  # in the warehouse too
            assert api.profile("user_id:u-ada")["profile_id"] == ada
            # A real-time merge after the build: both ids resolve to the survivor in both places.
            api.send({"type": "track", "event": "Login", "userId": "u-ada", "anonymousId": "a-solo"})
            assert api.profile(f"profile_id:{solo}")["profile_id"] == ada
            third = _build(srv)
            assert third[("anonymous_id", "events", "a-solo")] == ada
            assert _warehouse_explain(srv, solo) == ada
            assert _build(srv) == third
        finally:
            api.close()


def test_unknown_profile_id_is_404_with_the_id(tmp_path: Path) -> None:
    with running_server(tmp_path) as srv:
        api = Api(srv)
        try:
            resp = api.get("/v1/profiles/profile_id:prof_nothing")
            assert resp.status_code == 404 and "prof_nothing" in resp.text
        finally:
            api.close()
