"""`onefold identity explain / review / split / unmerge` on a built workspace, through the real CLI."""

from __future__ import annotations

import json

from onefold.demo.cdp_seed import customer_rows
from onefold.store.workspace import WorkspacePaths
from tests.conftest import run_cli
from tests.identity.test_build_step import _build


def test_explain_review_unmerge_and_split(workspace: WorkspacePaths) -> None:
    customers, _ = customer_rows(300, seed=11)
    con = _build(workspace, customers)
    profile, a_type, a_source, a_id = con.execute("""
        SELECT profile_id, a_type, a_source, a_id FROM merge_ledger WHERE rule = 'probabilistic' AND status = 'merged'
        ORDER BY edge_id LIMIT 1""").fetchone()
    con.close()
    ws = ["--workspace", str(workspace.root)]
    info = json.loads(run_cli("identity", "explain", profile, *ws, "--json").stdout)
    assert info["profile_id"] == profile and [a_type, a_source, a_id] in info["records"]
    edge = next(e for e in info["edges"] if e["rule"] == "probabilistic")
    assert edge["evidence"]["fields"] and 0.95 <= edge["evidence"]["probability"] <= 1
    tree = run_cli("identity", "explain", profile, *ws, env={"COLUMNS": "250"}).stdout
    assert profile in tree and "probabilistic" in tree and "golden record" in tree
    pairs = json.loads(run_cli("identity", "review", *ws, "--json").stdout)
    assert all(0.5 <= p["probability"] < 0.95 for p in pairs)

    run_cli("identity", "unmerge", edge["edge_id"], *ws)
    records = [":".join(r) for r in info["records"]]
    run_cli("identity", "split", profile, "--records", records[0], *ws)
    con = _build(workspace, customers)
    after = dict(((r[0], r[1], r[2]), r[3]) for r in con.execute("SELECT * FROM record_profile").fetchall())
    con.close()
    first = tuple(records[0].split(":", 2))
    assert all(after[first] != after[tuple(r.split(":", 2))] for r in records[1:])
    a = (edge["a_type"], edge["a_source"], edge["a_id"])
    b = (edge["b_type"], edge["b_source"], edge["b_id"])
    assert after[a] != after[b]

    bad = run_cli("identity", "split", profile, "--records", "nonsense", *ws, check=False)
    assert bad.returncode == 1 and "TYPE:SOURCE:ID" in bad.stderr
    missing = run_cli("identity", "explain", "prof_nope", *ws, check=False)
    assert missing.returncode == 1 and "no profile" in missing.stderr
