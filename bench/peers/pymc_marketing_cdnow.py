"""PyMC-Marketing's side of bench/value.py: the same CDNOW_master pipeline with MAP fits.

Run by bench/value.py with the peers' interpreter (``make bench-peers`` builds ``.venv-peers``; its
pins are in bench/peers/requirements.txt): PyMC-Marketing pulls PyMC, PyTensor and a C toolchain at
run time, so it stays out of onefold's own environment. Reads the transactions CSV the bench wrote,
prints one JSON line: best-of-N end-to-end seconds and the holdout MAE / aggregate error, computed
as bench/value.py computes them for onefold and lifetimes.

End to end = summary (``rfm_train_test_split``, FHL's convention: daily periods in weeks) +
BG/NBD MAP + Gamma-Gamma MAP + E[Y(39)] + expected spend + 52-week CLV at 10 %/year, as the others.
"""

from __future__ import annotations

import json
import sys
import time
import warnings

import numpy as np
import pandas as pd


def pipeline(frame: pd.DataFrame, calibration_end: str, observation_end: str) -> dict[str, np.ndarray]:
    from pymc_marketing.clv import BetaGeoModel, GammaGammaModel
    from pymc_marketing.clv.utils import customer_lifetime_value

    s = rfm_split(frame, calibration_end, observation_end)
    bg = BetaGeoModel(data=s[["customer_id", "frequency", "recency", "T"]])
    bg.fit(method="map", progressbar=False)
    rep = s[(s["frequency"] > 0) & (s["monetary_value"] > 0)]  # as onefold and lifetimes: zero-spend repeaters out
    gg = GammaGammaModel(data=rep[["customer_id", "frequency", "monetary_value"]])
    gg.fit(method="map", progressbar=False)
    pred = bg.expected_purchases(future_t=39).to_numpy().ravel()
    spend = gg.expected_customer_spend(s[["customer_id", "frequency", "monetary_value"]])
    data = s[["customer_id", "frequency", "recency", "T"]].assign(future_spend=spend.to_numpy().ravel())
    value = customer_lifetime_value(bg, data, future_t=12, discount_rate=0.0080, time_unit="W")  # as lifetimes
    return {"pred": pred, "actual": s["test_frequency"].to_numpy(), "clv": value.to_numpy().ravel()}


def rfm_split(frame: pd.DataFrame, calibration_end: str, observation_end: str) -> pd.DataFrame:
    from pymc_marketing.clv.utils import rfm_train_test_split

    return rfm_train_test_split(frame, "customer_id", "date", train_period_end=calibration_end,
                                test_period_end=observation_end, time_unit="D", time_scaler=7,
                                monetary_value_col="amount")


def main() -> int:
    path, calibration_end, observation_end, repeats = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    frame = pd.read_csv(path, parse_dates=["date"])
    best, out = float("inf"), {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(repeats):  # the first run also compiles PyTensor's C code (cached on disk after)
            start = time.perf_counter()
            out = pipeline(frame, calibration_end, observation_end)
            best = min(best, time.perf_counter() - start)
    import pymc_marketing

    pred, actual = out["pred"], out["actual"]
    print(json.dumps({"version": pymc_marketing.__version__, "seconds": best,
                      "mae": float(np.abs(pred - actual).mean()), "aggregate": float(pred.sum() / actual.sum() - 1),
                      "clv": float(np.nansum(out["clv"])), "customers": int(len(pred))}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
