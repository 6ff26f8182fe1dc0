"""The "identity" build step on a real workspace: profiles, record_profile, ledger, stable ids,
splits and unmerges honoured by later builds."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from onefold.config import IdentitySettings, load_settings
from onefold.demo.cdp_seed import customer_rows, identify_events, seed_step
from onefold.errors import InputError
from onefold.identity.build_step import identity_step, make_identity_step
from onefold.identity.constraints import add_cannot_link
from onefold.store.build import BuildStep, connect_duckdb, run_build
from onefold.store.workspace import WorkspacePaths, init_workspace, open_state


def _build(workspace: WorkspacePaths, customers: list[dict[str, str]], step: BuildStep = identity_step,
           **settings: object) -> duckdb.DuckDBPyConnection:
    state = open_state(workspace)
    try:
        run_build(workspace, load_settings(workspace.root, **settings), state,
                  [("seed", seed_step(customers, identify_events(customers))), ("identity", step)])
    finally:
        state.close()
    return connect_duckdb(workspace.warehouse_db, read_only=True)


def test_build_resolves_every_record_and_keeps_ids_stable(workspace: WorkspacePaths) -> None:
    customers, truth = customer_rows(600, seed=3)
    con = _build(workspace, customers)
    mapping = con.execute("SELECT record_type, source, record_id, profile_id FROM record_profile").fetchall()
    customer_records = [r for r in mapping if r[0] == "customer"]
    assert len(customer_records) == len(customers)
    assert len({(r[0], r[1], r[2]) for r in mapping}) == len(mapping)  # each record exactly once
    # A web user's anonymous id, user id and customer record share one profile.
    web = next(r for r in customers if r["source"] == "web")
    by_key = {(r[0], r[1], r[2]): r[3] for r in mapping}
    assert by_key[("user_id", "events", web["source_customer_id"])] == by_key[("customer", "web", web["source_customer_id"])]
    assert by_key[("anonymous_id", "events", f"anon-{web['source_customer_id']}")] == by_key[
        ("customer", "web", web["source_customer_id"])]
    from onefold.identity.evaluate import pairwise_scores
    scores = pairwise_scores([r[3] for r in customer_records], [truth[f"{r[1]}|{r[2]}"] for r in customer_records])
    assert scores.precision >= 0.98 and scores.recall >= 0.9
    ledger = con.execute("SELECT rule, status, evidence FROM merge_ledger").fetchall()
    assert {"user_id is the web/app customer id", "anonymousId and userId on one event", "probabilistic"} <= {
        r[0] for r in ledger}
    assert all(r[1] in ("merged", "same_profile", "refused_conflict", "refused_limit") for r in ledger)
    # Two accounts of one person sharing an email: the email cannot join two user ids (limit 1),
    # the refusal is in the ledger with its reason; person-level matching may still link them.
    limited = [json.loads(r[2]) for r in ledger if r[1] == "refused_limit"]
    assert limited and {e["refused"] for e in limited} == {"limit: at most 1 user_id per profile"}
    # A shared email between different first names (a family mailbox) is refused, with the reason.
    assert all("conflict" in json.loads(r[2]) for r in ledger if r[1] == "refused_conflict")
    phones = [r[0] for r in con.execute("SELECT phone FROM profiles WHERE phone IS NOT NULL").fetchall()]
    assert phones and all(p.startswith("+1") and p[1:].isdigit() for p in phones)  # E.164
    profiles = con.execute("SELECT count(*), sum(records) FROM profiles").fetchone()
    assert profiles == (len(set(by_key.values())), len(mapping))
    con.close()
    first_ids = dict(by_key)
    # Same data again: byte-identical ids.
    con = _build(workspace, customers)
    assert {(r[0], r[1], r[2]): r[3] for r in con.execute("SELECT * FROM record_profile").fetchall()} == first_ids
    con.close()
    # 1 % more records: at least 99.9 % of existing records keep their id.
    more, _ = customer_rows(660, seed=3)
    extra = [dict(r, source_customer_id=f"x{i}", source="pos") for i, r in enumerate(more[len(customers):][:6])]
    con = _build(workspace, customers + extra)
    after = {(r[0], r[1], r[2]): r[3] for r in con.execute("SELECT * FROM record_profile").fetchall()}
    kept = sum(after[k] == v for k, v in first_ids.items())
    assert kept >= 0.999 * len(first_ids)
    con.close()


def test_split_is_honoured_by_the_next_build(workspace: WorkspacePaths, tmp_path: Path) -> None:
    customers, _ = customer_rows(300, seed=5)
    con = _build(workspace, customers)
    merged = con.execute("""SELECT a_type, a_source, a_id, b_type, b_source, b_id, edge_id FROM merge_ledger
                            WHERE rule = 'probabilistic' AND status = 'merged' ORDER BY edge_id LIMIT 1""").fetchone()
    con.close()
    assert merged is not None
    a, b = tuple(merged[0:3]), tuple(merged[3:6])
    state = open_state(workspace)
    add_cannot_link(state, [(a, b)], reason=f"unmerge {merged[6]}")
    state.close()
    con = _build(workspace, customers)
    profile = dict(((r[0], r[1], r[2]), r[3]) for r in con.execute("SELECT * FROM record_profile").fetchall())
    assert profile[a] != profile[b]
    status = con.execute("SELECT status FROM merge_ledger WHERE edge_id = ?", [merged[6]]).fetchone()
    assert status == ("refused_constraint",)
    con.close()


def _partition(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str, str], frozenset[tuple[str, str, str]]]:
    groups: dict[str, set[tuple[str, str, str]]] = {}
    keys = {}
    for record_type, source, record_id, profile in con.execute("SELECT * FROM record_profile").fetchall():
        groups.setdefault(profile, set()).add((record_type, source, record_id))
        keys[(record_type, source, record_id)] = profile
    return {k: frozenset(groups[p]) for k, p in keys.items()}


def _golden_by_members(con: duckdb.DuckDBPyConnection, partition: dict[tuple[str, str, str], frozenset[tuple[str, str, str]]]
                       ) -> dict[frozenset[tuple[str, str, str]], tuple[object, ...]]:
    members = {}
    for key, group in partition.items():
        members.setdefault(group, key)
    profile_of = {(r[0], r[1], r[2]): r[3] for r in con.execute("SELECT * FROM record_profile").fetchall()}
    rows = {r[0]: tuple(r[1:]) for r in con.execute("SELECT * FROM profiles").fetchall()}
    return {group: rows[profile_of[key]] for group, key in members.items()}


def test_incremental_build_agrees_with_a_full_rerun(workspace: WorkspacePaths, tmp_path: Path) -> None:
    everyone, _ = customer_rows(1000, seed=9)
    base, extra = everyone[:-25], everyone[-25:]  # ~1 % new records, some of them new people
    _build(workspace, base).close()
    con = _build(workspace, everyone)  # incremental: the previous build stored its model
    assert con.execute("SELECT incremental FROM identity_model").fetchone() == (True,)
    incremental = _partition(con)
    golden_incremental = _golden_by_members(con, incremental)
    con.close()
    fresh = init_workspace(tmp_path / "fresh")
    con = _build(fresh, everyone, make_identity_step(incremental=False))
    assert con.execute("SELECT incremental FROM identity_model").fetchone() == (False,)
    full = _partition(con)
    golden_full = _golden_by_members(con, full)
    con.close()
    assert incremental.keys() == full.keys()
    agree = sum(incremental[k] == full[k] for k in full) / len(full)
    # Issue 5 targets 99.9 %. The full rerun re-estimates m, u and the prior; with u drawn from pairs
    # of row numbers, the sample changed completely and borderline links moved (99.86 % measured);
    # with a sample stable under appends (`training.stable_random_pairs`) this case agrees fully.
    assert agree >= 0.999, agree
    # Golden rows the incremental run copied from the previous build equal a full recomputation.
    same = golden_incremental.keys() & golden_full.keys()
    assert len(same) >= 0.99 * len(golden_full)
    assert all(golden_incremental[m] == golden_full[m] for m in same)
    new_keys = {("customer", r["source"], r["source_customer_id"]) for r in extra}
    assert sum(incremental[k] == full[k] for k in new_keys) >= 0.9 * len(new_keys)


def test_golden_record_survivorship_is_configurable(workspace: WorkspacePaths, tmp_path: Path) -> None:
    person = {"first_name": "Ann", "email": "", "phone": "", "street": "1 Elm St", "city": "Springfield",
              "postcode": "12345", "state": "IL", "country": "US", "date_of_birth": "1980-01-02", "loyalty_id": "L77"}
    customers = [dict(person, source="pos", source_customer_id="p1", last_name="Williams", created_at="2023-01-01"),
                 dict(person, source="call_center", source_customer_id="c1", last_name="Willaims",
                      created_at="2024-06-01")]
    con = _build(workspace, customers)
    # Default: majority, ties to the more trusted source — the typo from the call does not win.
    assert con.execute("SELECT records, last_name FROM profiles").fetchall() == [(2, "Williams")]
    con.close()
    other = init_workspace(tmp_path / "other")
    con = _build(other, customers, identity=IdentitySettings(survivorship={"last_name": "most_recent"}))
    assert con.execute("SELECT last_name FROM profiles").fetchall() == [("Willaims",)]
    con.close()
    with pytest.raises(InputError, match="unknown trait.*nickname"):
        _build(init_workspace(tmp_path / "bad"), customers, identity=IdentitySettings(survivorship={"nickname": "longest"}))
