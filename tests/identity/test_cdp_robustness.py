"""Robust defaults on CDP-style data: typos, nicknames, moves, households, phone formats and
thousands of unrelated customers sharing placeholder emails and phones (tests/identity/synthetic.py).

Issue 5's target is precision ≥ 0.999 and F1 ≥ 0.985. Measured (6,000 people, ~13.5k records,
2,000 records per junk value): seed 1 precision 0.9993, F1 0.984; seed 2 precision 0.9977,
F1 0.982. The asserted floor is the worse seed's; the target is reported as not yet met.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from onefold.config import IdentitySettings
from onefold.identity.evaluate import pairwise_scores
from onefold.identity.match_file import match_file
from tests.identity import synthetic

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("seed", [1, 2])
def test_junk_values_do_not_collapse_customers(tmp_path: Path, seed: int) -> None:
    records = synthetic.generate(people=6000, seed=seed)
    path = synthetic.write(records, tmp_path / "people.csv")
    out = tmp_path / "clusters.csv"
    summary, _ = match_file(path, id_column="record_id", fields=dict(synthetic.FIELDS),  # type: ignore[arg-type]
                            out=out, blocklist=IdentitySettings().blocklist)
    # Junk the blocklist does not know is found by hot-key detection and reported.
    assert summary.hot_values["email"] == [("noreply@ourstore.com", 2000)]
    assert summary.hot_values["phone"] == [("2125550000", 2000)]
    truth = {r["record_id"]: r["person_id"] for r in records}
    with out.open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(records)
    labels = [r["cluster_id"] for r in rows]
    scores = pairwise_scores(labels, [truth[r["record_id"]] for r in rows])
    assert scores.precision >= 0.997
    assert scores.f1 >= 0.981
    # No cluster is a junk magnet: the largest holds at most a handful of one person's records.
    assert max(Counter(labels).values()) <= 8
