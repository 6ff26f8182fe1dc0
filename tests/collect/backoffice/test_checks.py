"""The importer's fast per-field checks give the same answers as the plain rule they shortcut.

``checked_sql`` casts numbers, dates and timestamps from the text as received and trims only where
that cast fails; the messages (``error_expr``) trim first. Both must agree on every value, or a
row could land with a value its quarantine message would call invalid.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from onefold.collect.backoffice.checks import _passes, _trimmed, _typed_from_raw, error_expr, typed_expr
from onefold.schema.entities import Field, Kind
from onefold.schema.identifiers import CELL_PADDING

FIELDS = [
    Field("n", Kind.INT, required=True, minimum=1),
    Field("n", Kind.INT, minimum=0, minimum_exclusive=True, maximum=100),
    Field("n", Kind.MONEY, minimum=0),
    Field("n", Kind.FLOAT, required=True),
    Field("n", Kind.DATE),
    Field("n", Kind.TIMESTAMP, required=True),
]
SEEDS = ["7", "0", "-3", "007", "+7", "1e3", "12.5", "12.345", "101", "nan", "inf", "2024-02-29", "2023-02-29",
         "2024-03-01T10:00:00Z", "2024-03-01 10:00:00+05:00", "2024-03-01T10:00", "", "x", "1,5", "٣"]
padding = st.text(alphabet=" \t\n\r\x0b\x0c\u00a0", max_size=3)
values = st.one_of(
    st.builds(lambda a, v, b: a + v + b, padding, st.sampled_from(SEEDS), padding),
    st.text(max_size=8),
    st.none(),
)


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    return con


@pytest.mark.parametrize("field", FIELDS, ids=lambda f: f"{f.kind}-{'req' if f.required else 'opt'}")
@settings(max_examples=40, deadline=None)
@given(raws=st.lists(values, min_size=1, max_size=30))
def test_fast_cast_and_verdict_match_trim_first(con: duckdb.DuckDBPyConnection, field: Field, raws: list[str | None]) -> None:
    con.register("cells", pa.table({"raw": pa.array(raws, pa.string())}))
    trimmed = _trimmed("raw")
    fast_typed = _typed_from_raw(field, "raw")
    rows = con.execute(
        f"SELECT raw, {fast_typed} IS NOT DISTINCT FROM {typed_expr(field, trimmed)}, "
        f"{_passes(field, 'raw', fast_typed, trimmed)}, "
        f"{error_expr(field, trimmed, typed_expr(field, trimmed), is_key=False)} IS NULL FROM cells"
    ).fetchall()
    con.unregister("cells")
    for raw, same_value, fast_ok, plain_ok in rows:
        assert same_value, f"typed value differs for {raw!r}"
        assert fast_ok == plain_ok, f"verdict differs for {raw!r}: fast {fast_ok}, plain {plain_ok}"


@settings(max_examples=60, deadline=None)
@given(raws=st.lists(st.one_of(values, st.text(alphabet=" \tab\u00a0", max_size=6)), min_size=1, max_size=30))
def test_trimmed_drops_only_spaces_and_tabs(con: duckdb.DuckDBPyConnection, raws: list[str | None]) -> None:
    con.register("cells", pa.table({"raw": pa.array(raws, pa.string())}))
    got = [r[0] for r in con.execute(f"SELECT {_trimmed('raw')} FROM cells").fetchall()]
    con.unregister("cells")
    assert got == [None if r is None else (r.strip(CELL_PADDING) or None) for r in raws]
