"""Compile an entity schema into the set-based SQL that validates a whole staged file at once.

Pure: builds SQL text from the schema (identifiers are field names defined in
``onefold.schema.entities``, never user text; user values only ever flow through the tables).
Row-by-row Python per field would be ~50x slower than these vectorised expressions; Python only
formats the messages of the rows that fail.

Tables involved (all in the import connection):

- ``stage``: the input (an Arrow stream scanned once, never copied into a table): one text
  column per entity field as received, ``_row`` (unique id), ``_src_row``
  (row number in the source, as the user's editor shows it), ``_source`` (file name) and ``_enc`` (the first field whose bytes
  were not valid UTF-8, or NULL).
- ``checked``: typed values, ``_ok`` (no field problem), and ``s__<field>`` (the text as the file
  held it, kept only where it cannot be rebuilt from the typed value).
- ``verdict``: the ``_ok`` rows rejected for a duplicate key or a reference, with the message.

A row is good when it is ``_ok`` in ``checked`` and absent from ``verdict``.
"""

from __future__ import annotations

from onefold.schema.entities import Entity, Field, Kind, Reference
from onefold.schema.identifiers import CELL_PADDING
from onefold.schema.identifiers import EMAIL_PATTERN as EMAIL_SHAPE
from onefold.schema.identifiers import sql_identifier as q

KEY_SEPARATOR = "|"
"""Composite natural keys are joined with this in quarantine ``record_key`` (``O123|2``)."""

EMAIL_PATTERN = f"^{EMAIL_SHAPE}$"
# 7 to 15 digits (E.164 max) with the usual separators; junk like 0000000000 is well-formed and is
# left to identity resolution's blocklist.
PHONE_PATTERN = r"^\+?[0-9 ().\-/]{7,30}$"


def _lit(text: str) -> str:
    """A SQL string literal for our own constant text (enumeration values, messages)."""
    return "'" + text.replace("'", "''") + "'"


def _shown(col: str) -> str:
    # The offending value, cut to keep messages one line long.
    return f"CASE WHEN length({col}) > 60 THEN left({col}, 57) || '...' ELSE {col} END"


def typed_expr(f: Field, col: str) -> str:
    """Typed value of trimmed text ``col``; NULL when it does not parse."""
    match f.kind:
        case Kind.INT:
            return f"TRY_CAST({col} AS BIGINT)"
        case Kind.MONEY:
            return f"TRY_CAST({col} AS DECIMAL(18,2))"
        case Kind.FLOAT:
            return f"TRY_CAST({col} AS DOUBLE)"
        case Kind.DATE:
            return f"TRY_CAST({col} AS DATE)"
        case Kind.TIMESTAMP:
            # TIMESTAMPTZ honours offsets (+02:00, Z); stored as naive UTC.
            return f"timezone('UTC', TRY_CAST({col} AS TIMESTAMPTZ))"
        case Kind.ENUM:
            return f"lower({col})"
        case _:
            return col


_TYPE_PROBLEM = {
    Kind.INT: "is not a whole number",
    Kind.MONEY: "is not an amount (expected e.g. 12.50)",
    Kind.FLOAT: "is not a number",
    Kind.DATE: "is not a date (expected YYYY-MM-DD)",
    Kind.TIMESTAMP: "is not a timestamp (expected ISO 8601, e.g. 2024-03-01T14:05:00Z)",
}


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


def _value_tests(f: Field, text: str, typed: str) -> list[tuple[str, str]]:
    """(condition, message) of each test after the emptiness and type tests, in reporting order."""
    shown = _shown(text)
    tests: list[tuple[str, str]] = []
    if f.kind is Kind.FLOAT:
        tests.append((f"NOT isfinite({typed})", f"format('''{{}}'' is not a finite number', {shown})"))
    if f.minimum is not None:
        op, words = ("<=", "greater than") if f.minimum_exclusive else ("<", "at least")
        tests.append((
            f"{typed} {op} {_number(f.minimum)}",
            f"format('{{}} is out of range (must be {words} {_number(f.minimum)})', {shown})",
        ))
    if f.maximum is not None:
        tests.append((
            f"{typed} > {_number(f.maximum)}",
            f"format('{{}} is out of range (must be at most {_number(f.maximum)})', {shown})",
        ))
    if f.kind is Kind.ENUM:
        choices = ", ".join(_lit(c) for c in f.choices)
        tests.append((
            f"{typed} NOT IN ({choices})",
            f"format('''{{}}'' is not one of ' || {_lit(', '.join(f.choices))}, {shown})",
        ))
    if f.kind is Kind.EMAIL:
        tests.append((
            f"NOT regexp_full_match({text}, {_lit(EMAIL_PATTERN)})",
            f"format('''{{}}'' is not an email address', {shown})",
        ))
    if f.kind is Kind.PHONE:
        tests.append((
            f"NOT regexp_full_match({text}, {_lit(PHONE_PATTERN)}) "
            f"OR length(regexp_replace({text}, '[^0-9]', '', 'g')) NOT BETWEEN 7 AND 15",
            f"format('''{{}}'' is not a phone number', {shown})",
        ))
    return tests


def error_expr(f: Field, text: str, typed: str, *, is_key: bool) -> str:
    """CASE expression giving the problem with one field, or NULL when the value is fine."""
    whens: list[str] = []
    if f.required:
        problem = "missing key (required field is empty)" if is_key else "required field is empty"
        whens.append(f"WHEN {text} IS NULL THEN {_lit(problem)}")
    else:
        whens.append(f"WHEN {text} IS NULL THEN NULL")
    if f.kind in _TYPE_PROBLEM:
        whens.append(f"WHEN {typed} IS NULL THEN format('''{{}}'' ' || {_lit(_TYPE_PROBLEM[f.kind])}, {_shown(text)})")
    whens += [f"WHEN {test} THEN {message}" for test, message in _value_tests(f, text, typed)]
    return "CASE " + " ".join(whens) + " END"


def _key_text(parts: list[str]) -> str:
    all_present = " AND ".join(f"{p} IS NOT NULL" for p in parts)
    text = ", ".join(f"CAST({p} AS VARCHAR)" for p in parts)
    return f"CASE WHEN {all_present} THEN concat_ws({_lit(KEY_SEPARATOR)}, {text}) END"


def key_expr(entity: Entity, alias: str = "c.") -> str:
    """Natural key as text, from ``checked``: the typed key ('2' for '02', so a corrected row releases
    the quarantined one), else the trimmed text as received of a row that failed (NULL if a part is
    empty)."""
    typed = _key_text([f"{alias}{q(k)}" for k in entity.key])
    text = _key_text([_trimmed(file_text(k, alias)) for k in entity.key])
    return f"coalesce({typed}, {text})"


def file_text(field: str, alias: str = "") -> str:
    """The field's text as the file held it, from ``checked``: kept where it differs from the typed
    value's own text, else that text (see ``checked_sql``)."""
    return f"coalesce({alias}{q('s__' + field)}, CAST({alias}{q(field)} AS VARCHAR))"


def _trimmed(col: str) -> str:
    """Spaces and tabs around a value are dropped; empty means NULL. Testing the ends first is about
    twice as fast as trimming every value (most values have nothing to trim), and ``prefix``/``suffix``
    about a third faster than their aliases ``starts_with``/``ends_with`` (DuckDB 2.0, 2M values)."""
    ends = " OR ".join(f"{fn}({col}, {_lit(ch)})" for fn in ("prefix", "suffix") for ch in CELL_PADDING)
    return f"CASE WHEN {col} = '' THEN NULL WHEN {ends} THEN NULLIF(trim({col}, {_lit(CELL_PADDING)}), '') ELSE {col} END"


def _field_columns(entity: Entity, source: str) -> tuple[str, str, str]:
    """Trimmed text (``t__``), typed value (``v__``) and problem (``e__``) of every field, each a
    select list computed from the text columns named ``source`` + field."""
    trimmed = ", ".join(f"{_trimmed(q(source + f.name))} AS {q('t__' + f.name)}" for f in entity.fields)
    typed = ", ".join(f"{typed_expr(f, q('t__' + f.name))} AS {q('v__' + f.name)}" for f in entity.fields)
    errors = ", ".join(
        f"{error_expr(f, q('t__' + f.name), q('v__' + f.name), is_key=f.name in entity.key)} AS {q('e__' + f.name)}"
        for f in entity.fields
    )
    return trimmed, typed, errors


_CAST_KINDS = frozenset(_TYPE_PROBLEM)
"""Kinds whose value is a cast of the text. DuckDB's casts to these types skip spaces and tabs
around a number or date themselves (and, for timestamps, before it), so the text is trimmed only
where the cast of the text as received fails: about one value in a thousand, instead of all."""


def _typed_from_raw(f: Field, raw: str) -> str:
    """``typed_expr`` of the trimmed text, computed from the untrimmed text ``raw``.

    Equal to ``typed_expr(f, _trimmed(raw))`` for every input (``tests/.../test_checks.py``
    compares them over generated padded values): a cast that accepts the text as received gives the
    value the trimmed text would, and ``coalesce`` evaluates the trimmed fallback only for the rows
    whose first cast failed.
    """
    return f"coalesce({typed_expr(f, raw)}, {typed_expr(f, _trimmed(raw))})"


def _passes(f: Field, raw: str, typed: str, trimmed: str) -> str:
    """True exactly when ``error_expr`` is NULL (the field has no problem).

    For a cast kind the trimmed text is computed only where the typed value is NULL (empty, all
    padding, or not a value): a CASE evaluates a branch only for the rows that reach it. The value
    tests of a cast kind read only the typed value, which is never NULL in their branch.
    """
    if f.kind not in _CAST_KINDS:
        return f"{error_expr(f, trimmed, typed, is_key=False)} IS NULL"
    tests = [test for test, _ in _value_tests(f, raw, typed)]
    fine = f"NOT ({' OR '.join(tests)})" if tests else "true"
    empty_ok = "false" if f.required else f"{trimmed} IS NULL"
    return f"CASE WHEN {typed} IS NOT NULL THEN {fine} ELSE {empty_ok} END"


def checked_sql(entity: Entity) -> str:
    """``CREATE TEMP TABLE checked``: typed values and whether every field passed, per staged row.

    Only the verdict ``_ok`` is kept, not the problems: the messages are built later for the few
    rows that failed (``bad_rows_sql``), from the text kept for them.

    ``s__<field>`` keeps the value exactly as the file held it (untrimmed, unconverted) wherever it
    could not be rebuilt from the typed value, i.e. wherever the text is not the typed value's own
    text (' 7', '02', '49.9', '2024-03-01T10:00:00Z', and any text whose cast failed, whose value is
    NULL). The same rule holds for good and failing rows, so ``file_text`` (``coalesce(s__f,
    CAST(f AS VARCHAR))``) is the file's text for every row, and a row rejected later (duplicate,
    orphan) is quarantined as it was written without keeping a second copy of every value. Testing
    ``_ok`` first cost a further projection of every text column (≈ 0.1 CPU s per 2M order lines).

    Text kinds are trimmed for every row (the trimmed text is their value); cast kinds are cast
    from the text as received and trimmed only where that fails (``_typed_from_raw``), which was
    the largest single cost of this statement.
    """
    trimmed = ", ".join(
        f"{_trimmed(q(f.name))} AS {q('t__' + f.name)}" for f in entity.fields if f.kind not in _CAST_KINDS
    )
    typed = ", ".join(
        f"{_typed_from_raw(f, q('r__' + f.name)) if f.kind in _CAST_KINDS else typed_expr(f, q('t__' + f.name))}"
        f" AS {q('v__' + f.name)}"
        for f in entity.fields
    )
    values = ", ".join(f"{q('v__' + f.name)} AS {q(f.name)}" for f in entity.fields)
    ok = " AND ".join(
        "(" + _passes(f, q("r__" + f.name), q("v__" + f.name), _trimmed(q("r__" + f.name)) if f.kind in _CAST_KINDS
                      else q("t__" + f.name)) + ")"
        for f in entity.fields
    )
    kept = ", ".join(
        # An empty (NULL) text compares as NULL and the ELSE keeps NULL: as IS NOT DISTINCT FROM, but cheaper.
        f"CASE WHEN {q('r__' + f.name)} = CAST({q('v__' + f.name)} AS VARCHAR) THEN NULL "
        f"ELSE {q('r__' + f.name)} END AS {q('s__' + f.name)}"
        for f in entity.fields
    )
    raw = ", ".join(f"{q(f.name)} AS {q('r__' + f.name)}" for f in entity.fields)
    first = ", ".join(x for x in (raw, trimmed) if x)
    return (
        "CREATE OR REPLACE TEMP TABLE checked AS\n"
        f"WITH t AS (SELECT _row, _src_row, _source, _enc, {first} FROM stage),\n"
        f"y AS (SELECT t.*, {typed} FROM t)\n"
        f"SELECT _row, _src_row, _source, _enc, {values}, _enc IS NULL AND {ok} AS _ok, {kept} FROM y"
    )


def _orphans(ref: Reference, column: str, catalog: str) -> list[str]:
    """Queries yielding ``(_row, message AS column)`` for the ``_ok`` rows with a bad ``ref``.

    Only the orphans come out, and no full-width row is carried through a join. ``NOT IN`` makes
    DuckDB hash the parent's keys; an ``ANTI JOIN`` was planned the other way round (hashing the
    whole input) and took three times as long. References always point at a parent's key (never NULL), and a
    reference is checked only when all its fields are filled; a half-filled one is its own problem.
    """
    filled = " AND ".join(f"c.{q(f)} IS NOT NULL" for f in ref.fields)
    names = "/".join(ref.fields)
    shown = " || '/' || ".join(f"CAST(c.{q(f)} AS VARCHAR)" for f in ref.fields)
    mine = ", ".join(f"c.{q(f)}" for f in ref.fields)
    theirs = ", ".join(f"p.{q(t)}" for t in ref.target_fields)
    theirs_filled = " AND ".join(f"p.{q(t)} IS NOT NULL" for t in ref.target_fields)
    message = (
        f"format('unknown {names} ''{{}}'' (no such {ref.entity} row imported; import {ref.entity} first,"
        f" then run `onefold quarantine retry`)', {shown})"
    )
    queries = [
        f"SELECT c._row, {message} AS {q(column)} FROM checked c WHERE c._ok AND {filled} AND ({mine}) NOT IN "
        f"(SELECT {theirs} FROM {catalog}.{q(ref.entity)} p WHERE {theirs_filled})"
    ]
    if len(ref.fields) > 1:
        some = " OR ".join(f"c.{q(f)} IS NOT NULL" for f in ref.fields)
        both = " and ".join(ref.fields)
        partial = _lit(f"{both} must be filled together or left empty together")
        queries.append(f"SELECT c._row, {partial} AS {q(column)} FROM checked c WHERE c._ok AND ({some}) AND NOT ({filled})")
    return queries


def _reference_join(ref: Reference, alias: str, catalog: str) -> str:
    on = " AND ".join(f"{alias}.{q(t)} = c.{q(f)}" for f, t in zip(ref.fields, ref.target_fields, strict=True))
    return f"LEFT JOIN {catalog}.{q(ref.entity)} {alias} ON {on}"


def dangling_sql(entity: Entity, ref: Reference, *, catalog: str = "main") -> str:
    """Count of landed ``entity`` rows whose ``ref`` parent is missing (quality report)."""
    filled = " AND ".join(f"c.{q(f)} IS NOT NULL" for f in ref.fields)
    return (
        f"SELECT count(*) FROM {catalog}.{q(entity.name)} c {_reference_join(ref, 'p', catalog)} "
        f"WHERE {filled} AND p.{q(ref.target_fields[0])} IS NULL"
    )


def verdict_columns(entity: Entity) -> list[str]:
    """Message columns of ``verdict``: the duplicate check, then one per reference."""
    return ["e__dup", *(f"r__{i}" for i in range(len(entity.references)))]


def verdict_sql(entity: Entity, *, catalog: str = "main", duplicates: bool = True) -> str:
    """``CREATE TEMP TABLE verdict``: the ``_ok`` rows rejected for a duplicate key or a reference.

    A later row with the same key as an earlier valid row is quarantined (the first one wins), so
    one file never upserts the same key twice. References are looked up in ``catalog`` (raw.duckdb).
    Each check is its own query that emits only its rejects (an aggregate for repeated keys, a
    ``NOT IN`` per reference); the few rejects are then folded into one row each. Joining every
    input row to every parent and testing afterwards cost about three times as much.
    """
    keys = ", ".join(q(k) for k in entity.key)
    mine = ", ".join(f"c.{q(k)}" for k in entity.key)
    key_names = "/".join(entity.key)
    # Count only, not a window over the whole input: only the few repeated keys come out, and
    # the first row of each is found among their rows alone (cheaper than min/arg_min for all).
    repeated = f"SELECT {keys} FROM checked WHERE _ok GROUP BY {keys} HAVING count(*) > 1"
    dup = (
        f"format('duplicate key {key_names} ''{{}}'' (same as row {{}}; the first one was kept)', "
        f"{key_expr(entity)}, first_value(c._src_row) OVER w)"
    )
    dups = (
        f"SELECT c._row, {dup} AS e__dup FROM checked c WHERE c._ok AND ({mine}) IN ({repeated}) "
        f"WINDOW w AS (PARTITION BY {mine} ORDER BY c._row) QUALIFY row_number() OVER w > 1"
    )
    if not duplicates:  # the keys were proven distinct (``key_order.py``): the check would reject nothing
        dups = "SELECT CAST(NULL AS BIGINT) AS _row, CAST(NULL AS VARCHAR) AS e__dup WHERE false"
    columns = verdict_columns(entity)
    parts = [(columns[0], dups)]
    for column, ref in zip(columns[1:], entity.references, strict=True):
        parts += [(column, query) for query in _orphans(ref, column, catalog)]
    # One row per rejected input row, with NULL in the columns of the checks it passed.
    union = " UNION ALL ".join(
        "SELECT _row, " + ", ".join(q(c) if c == own else f"CAST(NULL AS VARCHAR) AS {q(c)}" for c in columns)
        + f" FROM ({query})"
        for own, query in parts
    )
    folded = ", ".join(f"max({q(c)}) AS {q(c)}" for c in columns)
    return f"CREATE OR REPLACE TEMP TABLE verdict AS SELECT _row, {folded} FROM ({union}) GROUP BY _row"


def problem_columns(entity: Entity) -> list[tuple[str, str]]:
    """(field to report, column holding the message) in the order problems are reported."""
    cols = [(f.name, f"e__{f.name}") for f in entity.fields]
    cols.append((entity.key[0], "e__dup"))
    cols.extend((r.fields[0], column) for r, column in zip(entity.references, verdict_columns(entity)[1:], strict=True))
    return cols


def bad_rows_sql(entity: Entity) -> str:
    """Rows that failed any check, with their messages and values, in source order.

    Values are the text exactly as the file held it (``file_text``); NULL for a field the
    file did not have (or a JSON null). Field problems are worked out again here from that text,
    the same expressions as in ``checked_sql``, for these few rows only.
    """
    trimmed, typed, errors = _field_columns(entity, "o__")
    problems = ", ".join(
        f"CASE WHEN c._ok THEN NULL ELSE {q('e__' + f.name)} END AS {q('e__' + f.name)}" for f in entity.fields
    )
    late = ", ".join(f"v.{q(c)}" for c in verdict_columns(entity))
    raw = ", ".join(f"c.{q('o__' + f.name)}" for f in entity.fields)
    texts = ", ".join(f"{file_text(f.name)} AS {q('o__' + f.name)}" for f in entity.fields)
    # The few bad rows are picked before anything is computed per row.
    picked = (
        f"SELECT *, {texts} FROM checked "
        "WHERE _row IN (SELECT _row FROM checked WHERE NOT _ok UNION ALL SELECT _row FROM verdict)"
    )
    return (
        f"WITH b0 AS ({picked}), b1 AS (SELECT *, {trimmed} FROM b0), b2 AS (SELECT *, {typed} FROM b1), "
        f"c AS (SELECT *, {errors} FROM b2) "
        f"SELECT c._row, c._src_row, {key_expr(entity)}, c._enc, {problems}, {late}, {raw} FROM c "
        "LEFT JOIN verdict v USING (_row) ORDER BY c._row"
    )


def good_rows_sql(entity: Entity) -> str:
    """Typed good rows, ready to upsert."""
    cols = ", ".join(f"c.{q(f.name)}" for f in entity.fields)
    return (
        f"SELECT {cols}, c._source, c._src_row AS _row, {key_expr(entity)} AS _key, c._row AS _id FROM checked c "
        "WHERE c._ok AND c._row NOT IN (SELECT _row FROM verdict)"
    )


def keep_landed_sql(entity: Entity) -> str:
    """Reject (add to verdict) the rows whose key is already in the entity table.

    Used by retry: a quarantined row (say, a duplicate of a row that landed) must never overwrite
    data that was accepted since; it stays open until a corrected file is imported.
    """
    match = " AND ".join(f"t.{q(k)} = c.{q(k)}" for k in entity.key)
    return (
        "INSERT INTO verdict BY NAME SELECT c._row, 'key already landed' AS e__dup FROM checked c "
        f"WHERE c._ok AND c._row NOT IN (SELECT _row FROM verdict) "
        f"AND EXISTS (SELECT 1 FROM main.{q(entity.name)} t WHERE {match})"
    )
