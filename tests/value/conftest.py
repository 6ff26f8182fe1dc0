"""CDNOW reference data from the installed lifetimes wheel (skips cleanly when it is absent)."""

from __future__ import annotations

import csv
import importlib.metadata

import numpy as np
import pytest

from onefold.value import RFMSummary, summarize
from onefold.value.datasets import CALIBRATION_END, OBSERVATION_END, lifetimes_file, load_cdnow


def _need_lifetimes() -> None:
    try:
        importlib.metadata.distribution("lifetimes")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("reference extra (lifetimes wheel) not installed")


@pytest.fixture(scope="session")
def cdnow_sample() -> dict[str, np.ndarray]:
    _need_lifetimes()
    return load_cdnow("CDNOW_sample.txt")


@pytest.fixture(scope="session")
def cdnow_summary(cdnow_sample: dict[str, np.ndarray]) -> RFMSummary:
    """FHL 2005's summary: daily periods expressed in weeks, 39-week calibration to 1997-09-30."""
    return summarize(cdnow_sample, "customer_id", "date", "amount", calibration_end=CALIBRATION_END,
                     observation_end=OBSERVATION_END, freq="D", freq_multiplier=7)


@pytest.fixture(scope="session")
def published_summary() -> dict[str, np.ndarray]:
    """cdnow_customers_summary_with_transactions.csv: ID, x, t_x, T, zbar as published by Hardie."""
    _need_lifetimes()
    with open(lifetimes_file("cdnow_customers_summary_with_transactions.csv")) as fh:
        rows = list(csv.DictReader(fh))
    return {k: np.array([float(r[k]) for r in rows]) for k in ("x", "t_x", "T", "zbar")}


@pytest.fixture(scope="session")
def cdnow_master() -> dict[str, np.ndarray]:
    _need_lifetimes()
    return load_cdnow("CDNOW_master.txt")
