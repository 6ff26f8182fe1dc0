"""Import checks, real-time stitching and batch identity accept exactly the same email addresses."""

from __future__ import annotations

import re

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from onefold.collect.backoffice.checks import EMAIL_PATTERN as IMPORT_EMAIL_PATTERN
from onefold.identity.duck import NORMALIZE_SQL
from onefold.identity.normalize import normalize_email
from onefold.schema.identifiers import CELL_PADDING

CASES = ["\t1@1.1", "a@b.co", "A.B@Example.COM ", "a@.com", "a b@x.com", "a@x.com.", "x@y", "@x.com", "a@@x.com", ""]
emailish = st.one_of(
    st.sampled_from(CASES),
    st.text(alphabet="ab.@ \t-_+xy1", max_size=14),
    st.emails().map(lambda e: e.upper()),
)


_CON = duckdb.connect()


def _sql_normalize(value: str) -> str | None:
    row = _CON.execute(f"SELECT {NORMALIZE_SQL['email'].format(x='?')}", [value, value]).fetchall()
    return row[0][0]


@settings(max_examples=300, deadline=None)
@given(value=emailish)
def test_three_email_rules_agree(value: str) -> None:
    python = normalize_email(value)
    assert _sql_normalize(value) == python
    import_accepts = re.search(IMPORT_EMAIL_PATTERN, value.strip(CELL_PADDING)) is not None
    assert import_accepts == (python is not None)
