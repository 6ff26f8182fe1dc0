"""`onefold sql` guards: a single read statement, on a read-only connection without external access."""

from __future__ import annotations

import pytest

from onefold.errors import InputError, WorkspaceError
from onefold.store.build import connect_duckdb
from onefold.store.readonly_sql import check_read_only, run_query
from onefold.store.workspace import WorkspacePaths


@pytest.fixture
def warehouse(workspace: WorkspacePaths) -> WorkspacePaths:
    con = connect_duckdb(workspace.warehouse_db)
    con.execute("CREATE TABLE orders AS SELECT 'O' || i AS order_id, i AS total FROM range(5) t(i)")
    con.close()
    return workspace


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT count(*) FROM orders",
        "FROM orders",
        "WITH x AS (SELECT 1 AS a) SELECT * FROM x",
        "SELECT 1 UNION ALL SELECT 2",
        "DESCRIBE orders",
        "SELECT 'a; DROP TABLE orders' AS s",
    ],
)
def test_reads_are_accepted(sql: str) -> None:
    check_read_only(sql)


@pytest.mark.parametrize(
    ("sql", "words"),
    [
        ("DROP TABLE orders", "not DROP"),
        ("DELETE FROM orders", "not DELETE"),
        ("INSERT INTO orders VALUES ('x', 1)", "not INSERT"),
        ("UPDATE orders SET total = 0", "not UPDATE"),
        ("CREATE TABLE t AS SELECT 1", "not CREATE"),
        ("COPY orders TO 'out.csv'", "not COPY"),
        ("ATTACH 'other.duckdb' AS o", "not ATTACH"),
        ("SET threads = 1", "not SET"),
        ("SELECT 1; DROP TABLE orders", "exactly one statement"),
        ("SELECT FROM WHERE (", "not valid SQL"),
    ],
)
def test_anything_but_one_read_is_refused(sql: str, words: str) -> None:
    with pytest.raises(InputError) as info:
        check_read_only(sql)
    assert words in info.value.message


def test_query_returns_columns_and_rows(warehouse: WorkspacePaths) -> None:
    result = run_query(warehouse, "SELECT order_id, total FROM orders WHERE total >= 3 ORDER BY total")
    assert result.columns == ["order_id", "total"]
    assert result.rows == [("O3", 3), ("O4", 4)]
    assert result.records()[0] == {"order_id": "O3", "total": 3}


def test_external_files_are_out_of_reach(warehouse: WorkspacePaths) -> None:
    (warehouse.root / "secret.csv").write_text("a\n1\n")
    with pytest.raises(InputError, match="query failed"):
        run_query(warehouse, f"SELECT * FROM read_csv('{warehouse.root / 'secret.csv'}')")


def test_missing_warehouse_says_to_build(workspace: WorkspacePaths) -> None:
    with pytest.raises(WorkspaceError, match="onefold build"):
        run_query(workspace, "SELECT 1")
