"""Engagement-recency churn features: capped days since the last touch, and "never" kept apart."""

from __future__ import annotations

import numpy as np

from onefold.value.churn import engagement_recency


def test_recency_is_capped_and_never_is_flagged() -> None:
    feats = engagement_recency("email", np.array([3.0, 2000.0, np.nan, -1.0]), cap_days=730)
    assert feats["days_since_email"].tolist() == [3.0, 730.0, 730.0, 0.0]
    assert feats["ever_email"].tolist() == [1.0, 1.0, 0.0, 1.0]
