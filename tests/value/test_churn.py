"""Churn on CDNOW: "buys again in the next 13 weeks", temporal split, against a logistic RFM baseline."""

from __future__ import annotations

import numpy as np
import pytest

from onefold.errors import InputError, NotFittedError
from onefold.value.churn import ChurnModel, evaluate, rfm_baseline, stack, transaction_features

TRAIN_CUTOFFS = ["1997-09-09", "1997-10-07", "1997-11-04", "1997-12-02", "1997-12-30"]
TEST_CUTOFF = "1998-03-31"  # labels 1998-04-01 .. 1998-06-30, after every training label


@pytest.fixture(scope="module")
def split(cdnow_master: dict[str, np.ndarray]) -> tuple:
    feats = [transaction_features(cdnow_master, "customer_id", "date", "amount", cutoff=c) for c in TRAIN_CUTOFFS]
    test = transaction_features(cdnow_master, "customer_id", "date", "amount", cutoff=TEST_CUTOFF)
    return stack(feats), test


def test_features_do_not_look_ahead(cdnow_master: dict[str, np.ndarray]) -> None:
    ds = transaction_features(cdnow_master, "customer_id", "date", "amount", cutoff="1997-03-31")
    # Only customers seen by the cutoff, and the label covers exactly the next 13 weeks.
    assert len(ds.customer_id) == len(np.unique(cdnow_master["customer_id"][cdnow_master["date"] <= np.datetime64("1997-03-31")]))
    assert ds.y is not None and 0 < ds.y.mean() < 1
    last = transaction_features(cdnow_master, "customer_id", "date", "amount", cutoff="1998-06-01")
    assert last.y is None  # the data ends before the horizon does


def test_beats_logistic_rfm_and_is_calibrated(split: tuple) -> None:
    train, test = split
    churned = 1 - test.y
    model = ChurnModel().fit(train)
    ours = evaluate(churned, model.predict_churn(test))
    base = evaluate(churned, rfm_baseline(train, test))
    palive = evaluate(churned, 1 - test.column("p_alive"))
    assert ours["auc"] > base["auc"]
    assert ours["auc"] > 0.83
    assert ours["ece"] < 0.03 and ours["brier"] <= base["brier"]
    assert palive["auc"] < 0.6  # why P(alive) alone is never the churn score


def test_errors(split: tuple) -> None:
    train, test = split
    with pytest.raises(NotFittedError):
        ChurnModel().predict_churn(test)
    with pytest.raises(InputError, match="features differ"):
        ChurnModel().fit(train).predict_churn(test.with_features({"extra": np.zeros(len(test.customer_id))}))
    with pytest.raises(InputError, match="kind"):
        ChurnModel(kind="forest").fit(train)  # type: ignore[arg-type]
