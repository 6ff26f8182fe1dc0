"""A small generated retailer shared by the demo tests (generated once per session)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from onefold.demo import GenerationSummary, generate

SMALL_N = 1500
SEED = 7


@pytest.fixture(scope="session")
def small_demo(tmp_path_factory: pytest.TempPathFactory) -> GenerationSummary:
    return generate(tmp_path_factory.mktemp("demo") / "out", customers=SMALL_N, seed=SEED)


@pytest.fixture(scope="session")
def db(small_demo: GenerationSummary) -> duckdb.DuckDBPyConnection:
    """The generated CSVs as DuckDB views named after the files (truth files as truth_<name>)."""
    con = duckdb.connect()
    root: Path = small_demo.out_dir
    for path in sorted(root.glob("*.csv")) + sorted((root / "truth").glob("*.csv")):
        name = path.stem if path.parent == root else f"truth_{path.stem}"
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_csv('{path}', header=true, all_varchar=true)")
    return con


def scalar(con: duckdb.DuckDBPyConnection, sql: str) -> object:
    row = con.execute(sql).fetchone()
    assert row is not None
    return row[0]
