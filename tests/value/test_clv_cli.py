from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
import pytest

from onefold.value.predict import ReturnsSpec, predict_clv
from onefold.value.returns import refund_ratio, shrunk_ratio
from tests.conftest import run_cli


def test_shrinkage_pulls_small_spenders_towards_population() -> None:
    gross = np.array([10.0, 1000.0, 1000.0, 0.0])
    refunds = np.array([10.0, 750.0, 0.0, 0.0])
    ratio = refund_ratio(gross, refunds, mean_order=50.0)
    pop = refunds.sum() / gross.sum()
    assert ratio[0] < 0.5  # one returned item on a small order is weak evidence
    assert ratio[1] == pytest.approx((750 + 100 * pop) / 1100)
    assert ratio[3] == pytest.approx(pop)  # no history: the population ratio
    assert shrunk_ratio(refunds, gross, prior_weight=1e-9)[1] == pytest.approx(0.75)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory, cdnow_sample: dict[str, np.ndarray]) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("clv")
    tx, ret = root / "tx.csv", root / "returns.csv"
    d = cdnow_sample
    pcsv.write_csv(pa.table({"cust": d["customer_id"], "day": d["date"], "amt": d["amount"]}), tx)
    # Customer 00004 returns half of everything; nobody else returns anything.
    heavy = d["customer_id"] == "00004"
    pcsv.write_csv(pa.table({"cust": d["customer_id"][heavy], "returned_at": d["date"][heavy],
                             "refund_amount": d["amount"][heavy] / 2}), ret)
    return tx, ret


def test_predict_clv_nets_returns(files: tuple[Path, Path]) -> None:
    tx, ret = files
    table = pcsv.read_csv(tx, convert_options=pcsv.ConvertOptions(column_types={"cust": pa.string()}))
    rtable = pcsv.read_csv(ret, convert_options=pcsv.ConvertOptions(column_types={"cust": pa.string()}))
    res = predict_clv(table, customer_col="cust", date_col="day", amount_col="amt",
                      returns=[ReturnsSpec(rtable, "cust")], calibration_end="1997-09-30", horizon=39)
    cols = res.columns
    i = int(np.flatnonzero(cols["customer_id"] == "00004")[0])
    assert 0.2 < cols["refund_ratio"][i] < 0.5
    others = np.delete(cols["refund_ratio"], i)
    assert np.all(others < 0.01)
    assert np.all(cols["net_clv"] <= cols["clv"] + 1e-12)
    # Refunds after the calibration end are ignored: only calibration-period refunds count.
    assert res.population_refund_ratio is not None and 0 < res.population_refund_ratio < 0.01


def test_cli_writes_one_row_per_customer(files: tuple[Path, Path], tmp_path: Path) -> None:
    tx, ret = files
    out = tmp_path / "preds.csv"
    proc = run_cli("value", "clv", "--transactions", str(tx), "--customer-col", "cust", "--date-col", "day",
                   "--amount-col", "amt", "--returns", str(ret), "--calibration-end", "1997-09-30",
                   "--horizon", "39", "--model", "pareto", "--out", str(out))
    assert "ParetoNBD" in proc.stdout and "GammaGamma" in proc.stdout and "log-likelihood" in proc.stdout
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 2357
    assert {"customer_id", "frequency", "recency", "T", "monetary_value", "p_alive", "expected_purchases",
            "expected_spend", "clv", "net_clv"} <= set(rows[0])
    assert rows[0]["customer_id"] == "00004"
    assert sum(float(r["expected_purchases"]) for r in rows) > 0


def test_cli_names_the_bad_column(files: tuple[Path, Path], tmp_path: Path) -> None:
    tx, _ = files
    proc = run_cli("value", "clv", "--transactions", str(tx), "--customer-col", "cust", "--date-col", "when",
                   "--amount-col", "amt", "--out", str(tmp_path / "p.csv"), check=False)
    assert proc.returncode == 1
    assert "when" in proc.stderr and "not found" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "p.csv").exists()
