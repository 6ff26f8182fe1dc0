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

from onefold.collect.backoffice.checks import (
    KEY_SEPARATOR,
    _key_text,
    _passes,
    _trimmed,
    _typed_from_raw,
    checked_sql,
    error_expr,
    file_text,
    key_expr,
    typed_expr,
)
from onefold.schema.entities import Entity, Field, Kind
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


# One field of every kind, a two-part key (text, whole number); some fields optional.
ALL_KINDS = Entity(
    "every_kind",
    key=("code", "line"),
    fields=(
        Field("code", required=True),
        Field("line", Kind.INT, required=True, minimum=1),
        Field("price", Kind.MONEY, minimum=0),
        Field("ratio", Kind.FLOAT),
        Field("day", Kind.DATE),
        Field("at", Kind.TIMESTAMP),
        Field("channel", Kind.ENUM, choices=("web", "app")),
        Field("email", Kind.EMAIL),
        Field("phone", Kind.PHONE),
    ),
)
TEXT_SEEDS = [*SEEDS, "49.9", "49.90", "0.00", "-0.00", "1.0", "1e2", "WEB", "web", "a@b.co", "+33 1 23 45 67 89",
              "2024-03-01 10:00:00", "1.5e-3", "0.1", "O1", " O1", "-0"]
cells = st.one_of(
    st.builds(lambda a, v, b: a + v + b, padding, st.sampled_from(TEXT_SEEDS), padding),
    st.sampled_from(TEXT_SEEDS),
    st.text(max_size=8),
    st.none(),
)


@settings(max_examples=80, deadline=None)
@given(rows=st.lists(st.tuples(st.lists(cells, min_size=9, max_size=9), st.booleans()), min_size=1, max_size=25))
def test_checked_keeps_file_text_wherever_it_cannot_be_rebuilt(
    con: duckdb.DuckDBPyConnection, rows: list[tuple[list[str | None], bool]]
) -> None:
    """Every row, good or failing (a bad field, a bad encoding), gives back its file's text and its
    key as the quarantine reports it, from the values and the texts ``checked`` keeps."""
    names = [f.name for f in ALL_KINDS.fields]
    columns = {name: pa.array([r[0][i] for r in rows], pa.string()) for i, name in enumerate(names)}
    stage = pa.table({
        "_row": pa.array(range(len(rows)), pa.int64()),
        "_src_row": pa.array(range(2, len(rows) + 2), pa.int64()),
        "_source": pa.array(["f.csv"] * len(rows)),
        "_enc": pa.array([names[0] if bad_bytes else None for _, bad_bytes in rows], pa.string()),
        **columns,
    })
    con.register("stage", stage)
    con.execute(checked_sql(ALL_KINDS))
    con.unregister("stage")
    texts = ", ".join(file_text(n) for n in names)
    typed_key = _key_text([f'"{k}"' for k in ALL_KINDS.key])
    got = con.execute(
        f"SELECT {texts}, {key_expr(ALL_KINDS, alias='')}, {typed_key} FROM checked ORDER BY _row"
    ).fetchall()
    for (raws, _), out in zip(rows, got, strict=True):
        assert list(out[: len(names)]) == raws
        parts = [None if raws[names.index(k)] is None else raws[names.index(k)].strip(CELL_PADDING) or None
                 for k in ALL_KINDS.key]
        text_key = None if None in parts else KEY_SEPARATOR.join(parts)  # type: ignore[arg-type]
        assert out[-2] == (out[-1] if out[-1] is not None else text_key), f"key of {raws!r}"
