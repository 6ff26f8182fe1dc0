"""Formats of identifiers, shared by import checks, real-time stitching and batch identity so that
all three accept and reject the same values."""

from __future__ import annotations

EMAIL_PATTERN = r"[^@\s]+@[^@\s]+\.[^@\s.]+"
"""A whole email address (match it in full): one @, no whitespace, a dot in the domain, and a
top-level part after it. Deliberately loose beyond that: mailbox rules vary, and a typo that still
has this shape is identity resolution's concern, not the importer's."""

CELL_PADDING = " \t"
"""What is trimmed from both ends of an identifier before it is checked or normalised: spaces and
tabs, the same in the importer's SQL, the batch normaliser's SQL and the real-time Python path (Python's
``str.strip()`` and DuckDB's ``trim()`` disagree on tabs, so neither default is used)."""


def sql_string_literal(text: str) -> str:
    """A SQL string literal of one of onefold's own constants (never user text)."""
    return "'" + text.replace("'", "''") + "'"


def sql_identifier(name: str) -> str:
    """A double-quoted SQL identifier for a name defined in onefold's own schema (entity fields,
    table names). User-supplied names go through sqlglot instead (identity.duck.quote)."""
    return '"' + name.replace('"', '""') + '"'
