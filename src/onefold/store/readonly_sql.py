"""`onefold sql`: run one read-only query against the warehouse.

Two independent guards, so one mistake cannot write: the statement is parsed with sqlglot and refused
unless it is a single query (SELECT / WITH / UNION / VALUES / DESCRIBE / SHOW) with no data-changing
or session-changing node anywhere in its tree; and the connection itself is opened read-only with
external access (files, URLs, ATTACH) switched off and the configuration locked.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import duckdb
import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

from onefold.errors import InputError, WorkspaceError
from onefold.store.build import connect_duckdb
from onefold.store.workspace import WorkspacePaths

log = logging.getLogger(__name__)

_READS = (exp.Query, exp.Describe, exp.Show)
_WRITES = (
    exp.DML, exp.DDL, exp.Command, exp.Copy, exp.Set, exp.Pragma, exp.Attach, exp.Detach, exp.Use,
    exp.Transaction, exp.Commit, exp.Export, exp.Install,
)


@dataclass(frozen=True, slots=True)
class QueryResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


def check_read_only(sql: str) -> None:
    """Raise InputError unless ``sql`` is exactly one read statement."""
    try:
        statements = [s for s in sqlglot.parse(sql, read="duckdb") if s is not None]
    except ParseError as exc:
        raise InputError(f"not valid SQL: {exc.errors[0]['description'] if exc.errors else exc}") from exc
    if len(statements) != 1:
        raise InputError(f"expected exactly one statement, got {len(statements)}", remedy="run one query at a time")
    statement = statements[0]
    writes = [node for node in statement.walk() if isinstance(node, _WRITES)]
    if writes or not isinstance(statement, _READS):
        kind = type(writes[0] if writes else statement).__name__.upper()
        raise InputError(f"only read queries are allowed, not {kind}", remedy="onefold sql runs SELECT queries")


def run_query(paths: WorkspacePaths, sql: str, *, limit: int | None = None) -> QueryResult:
    """Check ``sql``, then run it on a read-only connection to warehouse.duckdb."""
    check_read_only(sql)
    if not paths.warehouse_db.exists():
        raise WorkspaceError("there is no warehouse yet", remedy="run `onefold build` first")
    con = connect_duckdb(paths.warehouse_db, read_only=True)
    try:
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
        try:
            cursor = con.execute(sql)
            columns = [d[0] for d in cursor.description or []]
            rows = cursor.fetchmany(limit) if limit is not None else cursor.fetchall()
        except duckdb.Error as exc:
            raise InputError(f"query failed: {str(exc).splitlines()[0]}") from exc
    finally:
        con.close()
    return QueryResult(columns, rows)


__all__ = ["QueryResult", "check_read_only", "run_query"]
