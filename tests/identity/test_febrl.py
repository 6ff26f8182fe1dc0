"""Reference accuracy on Febrl with default settings and no labels (issue 5's targets)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from onefold.config import IdentitySettings
from onefold.identity.datasets import FEBRL_FIELDS, concatenated, entity, febrl_path
from onefold.identity.evaluate import pairwise_scores
from onefold.identity.match_file import match_file

pytestmark = pytest.mark.slow


def _scores(path: Path, tmp_path: Path) -> tuple[float, float, float, int]:
    out = tmp_path / "clusters.csv"
    summary, _ = match_file(path, id_column="rec_id", fields=dict(FEBRL_FIELDS), out=out,  # type: ignore[arg-type]
                            blocklist=IdentitySettings().blocklist)
    with out.open() as handle:
        rows = list(csv.DictReader(handle))
    ids = [r["record_id"] for r in rows]
    assert len(ids) == len(set(ids)) == summary.records  # every record exactly once
    scores = pairwise_scores([r["cluster_id"] for r in rows], [entity(i) for i in ids])
    return scores.precision, scores.recall, scores.f1, summary.records


def test_febrl4_linkage_as_one_table(tmp_path: Path) -> None:
    path = concatenated(["dataset4a.csv", "dataset4b.csv"], tmp_path / "febrl4.csv")
    precision, recall, f1, records = _scores(path, tmp_path)
    assert records == 10_000
    assert precision >= 0.9998 and recall >= 0.9995
    assert f1 >= 0.9998


def test_febrl3_dedup(tmp_path: Path) -> None:
    precision, recall, f1, records = _scores(febrl_path("dataset3.csv"), tmp_path)
    assert records == 5_000
    assert precision >= 0.9995 and recall >= 0.999
    assert f1 >= 0.9995
