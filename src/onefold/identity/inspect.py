"""I/O module: read profiles, their evidence and borderline pairs from the built warehouse, and record
user corrections (split, unmerge) as constraints for the next build."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

import orjson

from onefold.errors import InputError, NotFoundError
from onefold.identity.constraints import add_cannot_link
from onefold.identity.profile_ids import RecordKey
from onefold.store.build import connect_duckdb
from onefold.store.workspace import WorkspacePaths


@dataclass
class Explanation:
    profile_id: str
    requested: str
    """The id asked for (a retired id resolves to the profile that absorbed it)."""
    traits: dict[str, Any]
    records: list[RecordKey]
    edges: list[dict[str, Any]]


def _warehouse(paths: WorkspacePaths):  # type: ignore[no-untyped-def]
    if not paths.warehouse_db.exists():
        raise NotFoundError("no warehouse yet", remedy="run `onefold build` first")
    return connect_duckdb(paths.warehouse_db, read_only=True)


def resolve_profile_id(con: Any, profile_id: str) -> str:
    row = con.execute("SELECT profile_id FROM profile_aliases WHERE retired_id = ?", [profile_id]).fetchone()
    current = row[0] if row else profile_id
    if not con.execute("SELECT 1 FROM profiles WHERE profile_id = ?", [current]).fetchone():
        raise NotFoundError(f"no profile {profile_id!r}", remedy="see `onefold identity review` or record_profile")
    return str(current)


def explain(paths: WorkspacePaths, profile_id: str) -> Explanation:
    """The profile's golden traits, records and every ledger edge between its records."""
    con = _warehouse(paths)
    try:
        current = resolve_profile_id(con, profile_id)
        cursor = con.execute("SELECT * FROM profiles WHERE profile_id = ?", [current])
        names = [d[0] for d in cursor.description]
        traits = dict(zip(names, cursor.fetchone(), strict=True))
        records = [tuple(r) for r in con.execute(
            "SELECT record_type, source, record_id FROM record_profile WHERE profile_id = ? ORDER BY ALL", [current]
        ).fetchall()]
        cursor = con.execute("SELECT * FROM merge_ledger WHERE profile_id = ? ORDER BY weight DESC NULLS FIRST, edge_id",
                             [current])
        names = [d[0] for d in cursor.description]
        edges = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        for edge in edges:
            edge["evidence"] = orjson.loads(edge["evidence"]) if edge["evidence"] else {}
    finally:
        con.close()
    return Explanation(current, profile_id, traits, records, edges)  # type: ignore[arg-type]


def edge_tree(records: list[RecordKey], edges: list[dict[str, Any]]) -> dict[str, Any]:
    """Why the records are together, as a tree: from the profile's first record in key order, each child is a
    record and the merged edge (rule, weight, evidence) that brought it in. Edges that were not needed
    (``same_profile``) or refused stay in the flat edge list."""
    def name(key: tuple[str, ...]) -> str:
        return ":".join(key)

    around: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for edge in edges:
        if edge["status"] == "merged":
            a, b = name((edge["a_type"], edge["a_source"], edge["a_id"])), name((edge["b_type"], edge["b_source"], edge["b_id"]))
            around.setdefault(a, []).append((b, edge))
            around.setdefault(b, []).append((a, edge))
    root: dict[str, Any] = {"record": name(records[0]), "children": []} if records else {}
    seen = {root.get("record")}
    queue = [root] if records else []
    while queue:
        node = queue.pop(0)
        for other, edge in sorted(around.get(node["record"], []), key=lambda x: (x[0], x[1]["edge_id"])):
            if other in seen:
                continue
            seen.add(other)
            child = {"record": other, "edge_id": edge["edge_id"], "rule": edge["rule"], "weight": edge["weight"],
                     "evidence": edge["evidence"], "children": []}
            node["children"].append(child)
            queue.append(child)
    return root


def review_pairs(paths: WorkspacePaths, *, limit: int = 50) -> list[dict[str, Any]]:
    """Borderline probabilistic pairs (probability between 0.5 and the threshold), most likely first."""
    con = _warehouse(paths)
    try:
        rows = con.execute("""SELECT a_type, a_source, a_id, b_type, b_source, b_id, probability, evidence
                              FROM review_pairs ORDER BY probability DESC, a_id, b_id LIMIT ?""", [limit]).fetchall()
    finally:
        con.close()
    return [{"a": r[0:3], "b": r[3:6], "probability": r[6], "evidence": orjson.loads(r[7])} for r in rows]


def parse_record(text: str) -> RecordKey:
    parts = text.split(":", 2)
    if len(parts) != 3 or not all(parts):
        raise InputError(f"record {text!r} is not TYPE:SOURCE:ID (e.g. customer:web:c123, user_id:events:u1)")
    return parts[0], parts[1], parts[2]


def split(paths: WorkspacePaths, state: sqlite3.Connection, profile_id: str, records: list[RecordKey]) -> int:
    """Keep ``records`` apart from the rest of the profile from the next build on."""
    explanation = explain(paths, profile_id)
    members = set(explanation.records)
    unknown = [r for r in records if r not in members]
    if unknown:
        raise InputError(f"not in profile {explanation.profile_id}: {', '.join(':'.join(r) for r in unknown)}")
    rest = sorted(members - set(records))
    if not rest:
        raise InputError("--records lists every record of the profile; nothing would be split off")
    return add_cannot_link(state, [(a, b) for a in records for b in rest], reason=f"split {explanation.profile_id}")


def unmerge(paths: WorkspacePaths, state: sqlite3.Connection, edge_id: str) -> tuple[RecordKey, RecordKey]:
    """Forbid the two records an edge joined from sharing a profile again."""
    con = _warehouse(paths)
    try:
        row = con.execute("SELECT a_type, a_source, a_id, b_type, b_source, b_id FROM merge_ledger WHERE edge_id = ?",
                          [edge_id]).fetchone()
    finally:
        con.close()
    if row is None:
        raise NotFoundError(f"no edge {edge_id!r} in the merge ledger", remedy="see `onefold identity explain PROFILE`")
    a, b = (row[0], row[1], row[2]), (row[3], row[4], row[5])
    add_cannot_link(state, [(a, b)], reason=f"unmerge {edge_id}")
    return a, b


__all__ = ["Explanation", "edge_tree", "explain", "parse_record", "review_pairs", "split", "unmerge"]
