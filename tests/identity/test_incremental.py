"""Incremental identity builds (`identity.incremental`): only what new records and events touch is
resolved again; the outcome is the full rebuild's, and every other row is copied unchanged."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import duckdb

from onefold.config import IdentitySettings, load_settings
from onefold.demo.cdp_seed import customer_rows, identify_events, seed_step
from onefold.identity.build_step import identity_step, make_identity_step
from onefold.identity.constraints import add_cannot_link
from onefold.identity.inspect import explain
from onefold.store.build import BuildContext, BuildStep, connect_duckdb, run_build
from onefold.store.workspace import WorkspacePaths, init_workspace, open_state

Key = tuple[str, str, str]


def _build(workspace: WorkspacePaths, customers: list[dict[str, str]], events: list[dict[str, object]] | None = None,
           step: BuildStep = identity_step, **settings: Any) -> duckdb.DuckDBPyConnection:
    state = open_state(workspace)
    try:
        run_build(workspace, load_settings(workspace.root, **settings), state,
                  [("seed", seed_step(customers, identify_events(customers) + (events or []))), ("identity", step)])
    finally:
        state.close()
    return connect_duckdb(workspace.warehouse_db, read_only=True)


def _partition(con: duckdb.DuckDBPyConnection) -> dict[Key, frozenset[Key]]:
    groups: dict[str, set[Key]] = {}
    keys: dict[Key, str] = {}
    for record_type, source, record_id, profile in con.execute("SELECT * FROM record_profile").fetchall():
        groups.setdefault(profile, set()).add((record_type, source, record_id))
        keys[(record_type, source, record_id)] = profile
    return {k: frozenset(groups[p]) for k, p in keys.items()}


def _model(con: duckdb.DuckDBPyConnection) -> tuple[bool, int]:
    row = con.execute("SELECT incremental, resolved_records FROM identity_model").fetchone()
    assert row is not None
    return bool(row[0]), int(row[1])


def _identify(user: str, anon: str, email: str, number: int) -> dict[str, object]:
    return {"message_id": f"extra{number}", "type": "identify", "user_id": user, "anonymous_id": anon,
            "traits": json.dumps({"email": email})}


def _consistent(con: duckdb.DuckDBPyConnection) -> None:
    """Every record once, profiles and the stored graph in step with record_profile."""
    records = con.execute("SELECT count(*), count(DISTINCT (record_type, source, record_id)) FROM record_profile").fetchone()
    assert records is not None and records[0] == records[1]
    assert con.execute("SELECT count(*), sum(records) FROM profiles").fetchone() == (
        con.execute("SELECT count(DISTINCT profile_id) FROM record_profile").fetchone()[0], records[0])  # type: ignore[index]
    assert con.execute("SELECT count(*) FROM identity_nodes").fetchone() == (records[0],)
    assert con.execute("SELECT count(*) - count(DISTINCT edge_id) FROM merge_ledger").fetchone() == (0,)
    assert con.execute("""SELECT count(*) FROM merge_ledger l JOIN record_profile a
        ON (a.record_type, a.source, a.record_id) = (l.a_type, l.a_source, l.a_id) JOIN record_profile b
        ON (b.record_type, b.source, b.record_id) = (l.b_type, l.b_source, l.b_id)
        WHERE l.status IN ('merged', 'same_profile') AND a.profile_id <> b.profile_id""").fetchone() == (0,)


def test_new_records_and_events_resolve_as_a_full_rebuild_would(workspace: WorkspacePaths, tmp_path: Path) -> None:
    everyone, _ = customer_rows(1500, seed=21)
    base = everyone[:-30]
    _build(workspace, base).close()
    web = [r for r in base if r["source"] == "web"]
    # New evidence between records that are already resolved: a known user identifies with another
    # customer's email, and a known anonymous id turns out to be another known user.
    events = [_identify(web[0]["source_customer_id"], f"anon-{web[0]['source_customer_id']}", web[1]["email"], 1),
              _identify(web[2]["source_customer_id"], f"anon-{web[3]['source_customer_id']}", "", 2)]
    con = _build(workspace, everyone, events)
    incremental, resolved = _model(con)
    assert incremental and 0 < resolved < 0.25 * con.execute("SELECT count(*) FROM record_profile").fetchone()[0]  # type: ignore[index]
    _consistent(con)
    got = _partition(con)
    con.close()
    fresh = init_workspace(tmp_path / "fresh")
    con = _build(fresh, everyone, events, make_identity_step(incremental=False))
    assert _model(con)[0] is False
    full = _partition(con)
    con.close()
    assert got.keys() == full.keys()
    assert sum(got[k] == full[k] for k in full) >= 0.999 * len(full)
    # The deterministic evidence itself is resolved exactly.
    for user, other in ((web[0], web[1]), (web[2], web[3])):
        a, b = ("user_id", "events", user["source_customer_id"]), ("customer", "web", other["source_customer_id"])
        assert (b in got[a]) == (b in full[a])


def test_a_rerun_without_new_data_changes_nothing(workspace: WorkspacePaths) -> None:
    customers, _ = customer_rows(600, seed=4)
    con = _build(workspace, customers)
    tables = ("record_profile", "profiles", "merge_ledger", "profile_aliases", "identity_links", "identity_nodes")
    before = {t: sorted(con.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in tables}
    con.close()
    con = _build(workspace, customers)
    assert _model(con) == (True, 0)
    assert {t: sorted(con.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in tables} == before
    con.close()


def test_a_value_turning_hot_undoes_its_merges_as_a_full_rebuild_would(workspace: WorkspacePaths, tmp_path: Path) -> None:
    settings = IdentitySettings(hot_key_records=3)
    people, _ = customer_rows(300, seed=8)
    shared = [dict(people[i], source="pos", source_customer_id=f"s{i}", first_name="Ann", email="family@example.com")
              for i in range(4)]
    _build(workspace, people + shared[:3], identity=settings).close()
    con = connect_duckdb(workspace.warehouse_db, read_only=True)
    holders = {r[0] for r in con.execute("SELECT profile_id FROM record_profile WHERE record_id IN ('s0', 's1', 's2')").fetchall()}
    con.close()
    assert len(holders) == 1  # three holders: evidence
    con = _build(workspace, people + shared, identity=settings)
    assert _model(con)[0]
    got = _partition(con)
    con.close()
    fresh = init_workspace(tmp_path / "fresh")
    con = _build(fresh, people + shared, step=make_identity_step(incremental=False), identity=settings)
    full = _partition(con)
    con.close()
    keys = [("customer", "pos", f"s{i}") for i in range(4)]
    assert [got[k] for k in keys] == [full[k] for k in keys]
    assert len({got[k] for k in keys}) > 1  # four holders: hot, no longer evidence


def test_changed_settings_rebuild_everything(workspace: WorkspacePaths) -> None:
    customers, _ = customer_rows(300, seed=2)
    _build(workspace, customers).close()
    con = _build(workspace, customers, identity=IdentitySettings(match_threshold=0.9))
    assert _model(con)[0] is False
    con.close()


def test_incrementally_built_profiles_explain_and_unmerge(workspace: WorkspacePaths) -> None:
    everyone, _ = customer_rows(800, seed=13)
    _build(workspace, everyone[:-20]).close()
    con = _build(workspace, everyone)
    assert _model(con)[0]
    new = {("customer", r["source"], r["source_customer_id"]) for r in everyone[-20:]}
    edge = next(row for row in con.execute("""SELECT edge_id, profile_id, a_type, a_source, a_id, b_type, b_source, b_id
        FROM merge_ledger WHERE rule = 'probabilistic' AND status = 'merged' ORDER BY edge_id""").fetchall()
                if tuple(row[2:5]) in new or tuple(row[5:8]) in new)
    con.close()
    explained = explain(workspace, edge[1])
    a, b = tuple(edge[2:5]), tuple(edge[5:8])
    assert a in explained.records and b in explained.records
    assert edge[0] in {e["edge_id"] for e in explained.edges}
    state = open_state(workspace)
    add_cannot_link(state, [(a, b)], reason=f"unmerge {edge[0]}")  # type: ignore[list-item]
    state.close()
    con = _build(workspace, everyone)
    assert _model(con)[0]
    profile = {(r[0], r[1], r[2]): r[3] for r in con.execute("SELECT * FROM record_profile").fetchall()}
    assert profile[a] != profile[b]  # type: ignore[index]
    assert con.execute("SELECT status FROM merge_ledger WHERE edge_id = ?", [edge[0]]).fetchone() == ("refused_constraint",)
    _consistent(con)
    con.close()


def _full_rerun(tmp_path: Path, customers: list[dict[str, str]]) -> duckdb.DuckDBPyConnection:
    return _build(init_workspace(tmp_path / "fresh"), customers, step=make_identity_step(incremental=False))


def _golden(con: duckdb.DuckDBPyConnection) -> dict[frozenset[Key], tuple[object, ...]]:
    """Golden rows by the records they hold (ids may differ between builds)."""
    groups: dict[str, set[Key]] = {}
    for record_type, source, record_id, profile in con.execute("SELECT * FROM record_profile").fetchall():
        groups.setdefault(profile, set()).add((record_type, source, record_id))
    members = {p: frozenset(m) for p, m in groups.items()}
    return {members[r[0]]: r[1:] for r in con.execute("SELECT * EXCLUDE (created_at) FROM profiles").fetchall()}


def test_an_email_edited_in_place_moves_the_record_to_its_new_profile(workspace: WorkspacePaths, tmp_path: Path) -> None:
    people, _ = customer_rows(300, seed=5)
    template = next(r for r in people if r["source"] == "pos")
    ann = dict(template, source="pos", source_customer_id="ann1", first_name="Ann", last_name="Quist",
               email="ann.quist@example.com", phone="+1 202 555 0101", street="1 Elm St", date_of_birth="1980-02-03")
    bob = dict(template, source="loyalty", source_customer_id="bob1", first_name="Bob", last_name="Marlow",
               email="bob.marlow@example.com", phone="+1 202 555 0199", street="9 Oak Ave", date_of_birth="1971-07-08")
    moved = dict(ann, source="call_center", source_customer_id="x1")
    before = [*people, ann, bob, moved]
    _build(workspace, before).close()
    con = connect_duckdb(workspace.warehouse_db, read_only=True)
    x, a, b = ("customer", "call_center", "x1"), ("customer", "pos", "ann1"), ("customer", "loyalty", "bob1")
    assert a in _partition(con)[x]  # same email, name, phone: one person
    con.close()
    # The back office corrects x1: it was Bob's record all along (new email, phone, name, address).
    edited = dict(bob, source="call_center", source_customer_id="x1", email="BOB.MARLOW@example.com ")
    after = [*people, ann, bob, edited]
    con = _build(workspace, after)
    assert _model(con)[0]
    got, golden = _partition(con), _golden(con)
    _consistent(con)
    con.close()
    assert a not in got[x] and b in got[x]
    con = _full_rerun(tmp_path, after)
    assert got == _partition(con) and golden == _golden(con)
    con.close()


def test_an_address_edited_in_place_updates_the_golden_record(workspace: WorkspacePaths, tmp_path: Path) -> None:
    people, _ = customer_rows(300, seed=6)
    _build(workspace, people).close()
    con = connect_duckdb(workspace.warehouse_db, read_only=True)
    alone = {k for k, m in _partition(con).items() if len(m) == 1 and k[0] == "customer" and k[1] == "pos"}
    con.close()
    row = next(r for r in people if ("customer", r["source"], r["source_customer_id"]) in alone)
    row["street"], row["city"], row["postcode"] = "77 Harbour Rd", "Portland", "97201"
    con = _build(workspace, people)
    assert _model(con)[0]
    profile = con.execute("SELECT profile_id FROM record_profile WHERE source = ? AND record_id = ?",
                          [row["source"], row["source_customer_id"]]).fetchone()
    golden = con.execute("SELECT street, city, postcode FROM profiles WHERE profile_id = ?", [profile[0]]).fetchone()  # type: ignore[index]
    got, got_golden = _partition(con), _golden(con)
    con.close()
    assert golden == ("77 Harbour Rd", "Portland", "97201")
    con = _full_rerun(tmp_path, people)
    assert got == _partition(con) and got_golden == _golden(con)
    con.close()


def test_many_edits_and_new_records_agree_with_a_full_rerun(workspace: WorkspacePaths, tmp_path: Path) -> None:
    everyone, _ = customer_rows(1200, seed=17)
    _build(workspace, everyone[:-20]).close()
    offline = [r for r in everyone[:-20] if r["source"] in ("pos", "call_center", "loyalty")]
    edited = offline[::25]
    for number, row in enumerate(edited):
        donor = offline[(number * 7 + 3) % len(offline)]
        change = ("email", "phone", "last_name", "street")[number % 4]
        row[change] = donor[change] if number % 2 else f"{row[change]}x"
    con = _build(workspace, everyone)
    assert _model(con)[0]
    _consistent(con)
    got = _partition(con)
    con.close()
    con = _full_rerun(tmp_path, everyone)
    full = _partition(con)
    con.close()
    assert got.keys() == full.keys()
    assert sum(got[k] == full[k] for k in full) >= 0.999 * len(full)
    assert all(got[k] == full[k] for k in (("customer", r["source"], r["source_customer_id"]) for r in edited))


def test_an_edit_that_may_release_a_hot_value_rebuilds_everything(workspace: WorkspacePaths) -> None:
    settings = IdentitySettings(hot_key_records=3)
    people, _ = customer_rows(200, seed=9)
    shared = [dict(people[i], source="pos", source_customer_id=f"s{i}", first_name="Ann", email="family@example.com")
              for i in range(4)]
    _build(workspace, people + shared, identity=settings).close()
    shared[0]["email"] = "ann.own@example.com"
    con = _build(workspace, people + shared, identity=settings)
    assert _model(con)[0] is False
    con.close()


def test_tables_updated_in_place_equal_those_written_into_a_fresh_file(workspace: WorkspacePaths, tmp_path: Path) -> None:
    everyone, _ = customer_rows(800, seed=31)
    base = everyone[:-20]
    web = [r for r in base if r["source"] == "web"]
    _build(workspace, base).close()
    fresh = WorkspacePaths(tmp_path / "fresh")
    shutil.copytree(workspace.root, fresh.root)
    events = [_identify(web[0]["source_customer_id"], f"anon-{web[0]['source_customer_id']}", web[1]["email"], 1)]
    edited = [dict(r, email=f"x{r['email']}") if i % 40 == 0 and r["source"] == "pos" else r for i, r in enumerate(everyone)]
    in_place = _build(workspace, edited, events)

    def without_carrying(ctx: BuildContext) -> None:  # run_build then writes a new file, as before
        identity_step(ctx)

    copied = _build(fresh, edited, events, without_carrying)
    assert _model(in_place)[0] and _model(copied)[0]
    tables = [r[0] for r in in_place.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
    assert not [t for t in tables if t.startswith("_of_")]  # no scratch table left in the warehouse
    assert tables == [r[0] for r in copied.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
    stamped = {"merge_ledger": "built_at", "profile_aliases": "retired_at"}  # the clock of each build
    for table in tables:
        query = f"SELECT * EXCLUDE ({stamped[table]}) FROM {table}" if table in stamped else f"SELECT * FROM {table}"
        assert sorted(in_place.execute(query).fetchall(), key=repr) == sorted(copied.execute(query).fetchall(), key=repr), table
    _consistent(in_place)
    in_place.close()
    copied.close()
