from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pytest

from onefold.errors import InputError
from onefold.value import RFMSummary, summarize


def test_cdnow_summary_matches_published(cdnow_summary: RFMSummary, published_summary: dict[str, np.ndarray]) -> None:
    # Published values are rounded to 2 decimals.
    assert len(cdnow_summary) == 2357
    np.testing.assert_array_equal(cdnow_summary.frequency, published_summary["x"])
    np.testing.assert_allclose(cdnow_summary.recency, published_summary["t_x"], atol=0.006)
    np.testing.assert_allclose(cdnow_summary.T, published_summary["T"], atol=0.006)
    np.testing.assert_allclose(cdnow_summary.monetary_value, published_summary["zbar"], atol=0.006)
    assert cdnow_summary.frequency_holdout is not None
    assert cdnow_summary.frequency_holdout.sum() > 0
    assert cdnow_summary.duration_holdout is not None
    assert cdnow_summary.duration_holdout[0] == pytest.approx(273 / 7)


def test_weekly_periods_collapse_and_holdout() -> None:
    data = {
        "c": ["a", "a", "a", "b", "a", "b", "c"],
        # 2024-01-01 is a Monday: the first two purchases of "a" share a week.
        "d": ["2024-01-01", "2024-01-03", "2024-01-15", "2024-01-02", "2024-02-05", "2024-02-20", "2024-02-21"],
        "v": [10.0, 5.0, 20.0, 7.0, 99.0, 3.0, 1.0],
    }
    s = summarize(data, "c", "d", "v", calibration_end="2024-01-31", observation_end="2024-02-29")
    got = {cid: i for i, cid in enumerate(s.customer_id)}
    assert set(got) == {"a", "b"}  # "c" first bought after calibration
    a, b = got["a"], got["b"]
    assert s.frequency[a] == 1 and s.recency[a] == 2 and s.monetary_value[a] == 20.0
    assert s.T[a] == 4  # week of 2024-01-29 minus week of 2024-01-01
    assert s.frequency[b] == 0 and s.recency[b] == 0 and s.monetary_value[b] == 0
    assert s.frequency_holdout is not None and s.monetary_value_holdout is not None
    assert s.frequency_holdout[a] == 1 and s.monetary_value_holdout[a] == 99.0
    assert s.frequency_holdout[b] == 1
    assert str(s.first_period_start[a]) == "2024-01-01"


def test_accepts_arrow_pandas_and_dates() -> None:
    table = pa.table({"c": [1, 1, 2], "d": [dt.date(2024, 1, 1), dt.date(2024, 1, 9), dt.date(2024, 1, 2)],
                      "v": [1.0, 2.0, 3.0]})
    s = summarize(table, "c", "d", "v", freq="D")
    assert list(s.frequency) == [1, 0] and list(s.T) == [8, 7]
    pd = pytest.importorskip("pandas")
    frame = s.to_pandas()
    assert list(frame.columns[:2]) == ["frequency", "recency"]
    s2 = summarize(pd.DataFrame(table.to_pandas()), "c", "d", "v", freq="D")
    np.testing.assert_array_equal(s2.T, s.T)


@pytest.mark.parametrize(
    ("data", "kwargs", "field", "row"),
    [
        ({"c": ["a"], "d": ["2024-01-01"], "v": [-1.0]}, {}, "v", 1),
        ({"c": ["a", "b"], "d": ["2024-01-01", "2024-13-01"], "v": [1.0, 1.0]}, {}, "d", None),
        ({"c": ["a", None], "d": ["2024-01-01", "2024-01-02"], "v": [1.0, 1.0]}, {}, "c", 2),
        ({"c": ["a"], "d": ["2024-01-01"], "v": [1.0]}, {"amount_col": "amount"}, "amount", None),
        ({"c": ["a"], "d": [20240101], "v": [1.0]}, {}, "d", None),
        ({"c": [], "d": [], "v": []}, {}, None, None),
    ],
)
def test_bad_input_names_the_column(data: dict, kwargs: dict, field: str | None, row: int | None) -> None:
    args = {"amount_col": "v", **kwargs}
    with pytest.raises(InputError) as info:
        summarize(data, "c", "d", **args)
    if field:
        assert info.value.location is not None and info.value.location.field == field
        assert field in str(info.value)
    if row:
        assert info.value.location is not None and info.value.location.row == row


def test_integer_dates_with_format() -> None:
    s = summarize({"c": ["a", "a"], "d": [19970101, 19970108], "v": [1.0, 2.0]}, "c", "d", "v",
                  freq="D", date_format="%Y%m%d")
    assert s.recency[0] == 7


def test_calibration_after_observation_is_rejected() -> None:
    with pytest.raises(InputError, match="calibration_end"):
        summarize({"c": ["a"], "d": ["2024-01-01"]}, "c", "d", calibration_end="2024-02-01")
