"""Identity resolution: onefold beside Splink 5 and recordlinkage on Febrl, in the same run.

Each tool runs in a fresh subprocess (`measure_in_subprocess`). "s work" is the time from reading
the CSV to clusters, after the tool's libraries are imported; "s cold" adds the imports (large here:
the VM sets PYTHONDONTWRITEBYTECODE, so every import compiles from source). Peak RSS is the child's. Quality is pairwise
precision/recall/F1 of the final clusters against the truth in the Febrl record ids.

Peer set-ups (each tool's documented unsupervised workflow, tuned for Febrl as their docs show):
- Splink 5 (DuckDB): dedupe_only; comparisons NameComparison (given, surname, tf-adjusted),
  DateOfBirthComparison (YYYYMMDD strings), DamerauLevenshtein on soc_sec_id, Jaro-Winkler on
  address_1/address_2/suburb, Levenshtein on postcode, exact street_number (tf) and state; blocking
  rules for prediction: given+surname, surname↔given swapped, date_of_birth, soc_sec_id,
  street_number+address_1, postcode+street_number, state+address_1; λ from deterministic rules
  (recall 0.8), u from 1e6 random pairs, EM trained on two rules (date_of_birth; postcode) so every
  comparison gets m estimates; links at match probability ≥ 0.95, connected components.
- recordlinkage 0.16: union of block indexes (given+surname, date_of_birth, soc_sec_id, postcode),
  binary string comparisons (Jaro-Winkler ≥ 0.85, exact, DOB and postcode exact), ECMClassifier
  (unsupervised EM), connected components.
- onefold: `match_file` with its defaults (no per-dataset settings).

`--synthetic PEOPLE` adds the synthetic CDP set (`onefold.demo.cdp_people`, generated once, in its
own process, before any tool runs): onefold with the same defaults, and Splink set up as
`run_splink_synthetic` documents (recordlinkage is not run there).

Usage: .venv/bin/python bench/identity.py [--quick] [--skip-febrl] [--synthetic PEOPLE [--no-splink-synthetic]]
(--quick: Febrl3 only; 445,000 people make ~1.0M records)
"""

from __future__ import annotations

import argparse
import csv
import functools
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import measure_in_subprocess, print_table  # noqa: E402

from onefold.identity.datasets import FEBRL_FIELDS as FIELDS  # noqa: E402
from onefold.identity.datasets import concatenated as write_dataset  # noqa: E402

Run = tuple[float, list[tuple[str, str]]]
"""(seconds of work after imports, (record id, cluster id) pairs)."""


def run_onefold(path: str, fields: dict[str, str], id_column: str) -> Run:
    # DuckDB imports pandas (when installed) lazily the first time it scans a Python/Arrow object;
    # do that before the timer, as the peers import pandas before theirs.
    import pyarrow as pa

    from onefold.config import IdentitySettings
    from onefold.identity.match_file import match_file
    from onefold.store.build import connect_duckdb

    warm = connect_duckdb(":memory:")
    warm.register("_warm", pa.table({"x": [1]}))
    warm.sql("SELECT x FROM _warm").to_arrow_table()
    start = time.perf_counter()
    out = Path(path).with_suffix(".onefold.csv")
    match_file(Path(path), id_column=id_column, fields=fields, out=out,  # type: ignore[arg-type]
               blocklist=IdentitySettings().blocklist)
    with out.open() as handle:
        return time.perf_counter() - start, [(r["record_id"], r["cluster_id"]) for r in csv.DictReader(handle)]


def run_splink(path: str) -> Run:
    import logging

    import pandas as pd
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    start = time.perf_counter()
    logging.getLogger("splink").setLevel(logging.ERROR)
    df = pd.read_csv(path, dtype=str, keep_default_na=False).replace("", None)
    settings = SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="rec_id",
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True, datetime_format="%Y%m%d"),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.JaroWinklerAtThresholds("address_1", [0.9, 0.7]),
            cl.JaroWinklerAtThresholds("address_2", [0.9, 0.7]),
            cl.JaroWinklerAtThresholds("suburb", [0.9, 0.7]),
            cl.LevenshteinAtThresholds("postcode", [1]),
            cl.ExactMatch("state"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("given_name", "surname"),
            "l.given_name = r.surname and l.surname = r.given_name",
            block_on("date_of_birth"),
            block_on("soc_sec_id"),
            block_on("street_number", "address_1"),
            block_on("postcode", "street_number"),
            block_on("state", "address_1"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    db_api = DuckDBAPI()
    linker = Linker(db_api.register(df), settings)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("soc_sec_id", "date_of_birth"), block_on("given_name", "surname", "date_of_birth")], recall=0.8
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("postcode"))
    predictions = linker.inference.predict(threshold_match_probability=0.95)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, 0.95).as_pandas_dataframe()
    return time.perf_counter() - start, list(zip(clusters["rec_id"].astype(str), clusters["cluster_id"].astype(str),
                                                 strict=True))


def run_recordlinkage(path: str) -> Run:
    import numpy as np
    import pandas as pd
    import recordlinkage
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    start = time.perf_counter()
    df = pd.read_csv(path, dtype=str, keep_default_na=False).set_index("rec_id")
    indexer = recordlinkage.Index()
    for keys in (["given_name", "surname"], ["date_of_birth"], ["soc_sec_id"], ["postcode"]):
        indexer.block(keys)
    pairs = indexer.index(df)
    compare = recordlinkage.Compare()
    compare.string("given_name", "given_name", method="jarowinkler", threshold=0.85)
    compare.string("surname", "surname", method="jarowinkler", threshold=0.85)
    compare.exact("date_of_birth", "date_of_birth")
    compare.exact("soc_sec_id", "soc_sec_id")
    compare.exact("street_number", "street_number")
    compare.string("address_1", "address_1", method="jarowinkler", threshold=0.85)
    compare.exact("suburb", "suburb")
    compare.exact("postcode", "postcode")
    compare.exact("state", "state")
    features = compare.compute(pairs, df)
    matches = recordlinkage.ECMClassifier().fit_predict(features)
    ids = df.index.to_numpy()
    pos = {rid: i for i, rid in enumerate(ids)}
    left = np.array([pos[a] for a, _ in matches]); right = np.array([pos[b] for _, b in matches])  # noqa: E702
    graph = coo_matrix((np.ones(len(left)), (left, right)), shape=(len(ids), len(ids)))
    _, labels = connected_components(graph, directed=False)
    return time.perf_counter() - start, [(str(rid), str(label)) for rid, label in zip(ids, labels, strict=True)]


def write_synthetic(people: int, path: str) -> int:
    """The synthetic CDP set (`onefold.demo.cdp_people`, seed 1) as CSV; returns the record count."""
    from onefold.demo import cdp_people

    records = cdp_people.generate(people=people, seed=1)
    cdp_people.write(records, Path(path))
    return len(records)


def run_onefold_synthetic(path: str) -> Run:
    from onefold.demo.cdp_people import FIELDS as SYNTHETIC_FIELDS

    return run_onefold(path, dict(SYNTHETIC_FIELDS), "record_id")


def run_splink_synthetic(path: str) -> Run:
    """Splink 5 on the synthetic CDP set, set up as its docs show for person data.

    Emails are lower-cased and phones reduced to their last 10 digits (Splink has no phone parser).
    Splink has no blocklist or hot-key detection: left in, the shared placeholders fuse thousands of
    customers (precision 0.61 on 6,000 people in a trial run) and their 2,000-record blocks cost most
    of its time. So the junk is removed by hand for it, generously: onefold's blocklist plus every
    email or phone on more than 25 records (onefold's hot-key default) is nulled before Splink
    starts. Blocking rules mirror onefold's default rules for these fields; λ from deterministic
    rules; u from 1e6 random pairs; EM on first+last name and on date of birth (each session leaves
    its blocked fields out); links at 0.95, connected components.
    """
    import logging

    import pandas as pd
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    from onefold.config import IdentitySettings

    start = time.perf_counter()
    logging.getLogger("splink").setLevel(logging.ERROR)
    df = pd.read_csv(path, dtype=str, keep_default_na=False).drop(columns=["person_id"])
    for column in ("first_name", "last_name", "street", "city", "state"):
        df[column] = df[column].str.lower().str.strip()
    df["email"] = df["email"].str.lower().str.strip()
    df["phone"] = df["phone"].str.replace(r"\D", "", regex=True).str[-10:]
    junk = {v.strip().lower() for v in IdentitySettings().blocklist}
    df.loc[df["email"].isin(junk), "email"] = ""
    df.loc[df["phone"].isin(junk) | (df["phone"].str.len() < 7), "phone"] = ""
    for column in ("email", "phone"):
        counts = df[column].value_counts()
        df.loc[df[column].isin(counts[counts > 25].index), column] = ""
    df = df.replace("", None)
    settings = SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="record_id",
        comparisons=[
            cl.NameComparison("first_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("last_name").configure(term_frequency_adjustments=True),
            cl.EmailComparison("email"),
            cl.LevenshteinAtThresholds("phone", [1]),
            cl.JaroWinklerAtThresholds("street", [0.9, 0.8]),
            cl.ExactMatch("city").configure(term_frequency_adjustments=True),
            cl.LevenshteinAtThresholds("postcode", [1]).configure(term_frequency_adjustments=True),
            cl.ExactMatch("state"),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True, datetime_format="%Y-%m-%d"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("email"),
            block_on("phone"),
            block_on("first_name", "last_name"),
            block_on("last_name", "postcode"),
            block_on("first_name", "postcode"),
            block_on("date_of_birth", "substr(first_name, 1, 1)"),
            block_on("date_of_birth", "substr(last_name, 1, 1)"),
            block_on("street", "city"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker(DuckDBAPI().register(df), settings)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("email"), block_on("first_name", "last_name", "date_of_birth")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("first_name", "last_name"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    predictions = linker.inference.predict(threshold_match_probability=0.95)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, 0.95).as_pandas_dataframe()
    return time.perf_counter() - start, list(zip(clusters["record_id"].astype(str), clusters["cluster_id"].astype(str),
                                                 strict=True))


def bench_synthetic(people: int, tmp: str, rows: list[list[Any]], peers: bool) -> None:
    """onefold (and Splink, unless ``peers`` is False) on one generated file; truth from person_id."""
    path = str(Path(tmp) / "synthetic.csv")
    _, count = measure_in_subprocess("generate", functools.partial(write_synthetic, people, path))
    with open(path, newline="") as handle:
        truth = {r["record_id"]: r["person_id"] for r in csv.DictReader(handle)}
    tools: list[tuple[str, Any]] = [("onefold", functools.partial(run_onefold_synthetic, path))]
    if peers:
        tools.append(("splink 5", functools.partial(run_splink_synthetic, path)))
    run_tools(f"synthetic CDP ({people:,} people, {count:,} records)", tools, truth.__getitem__, rows)


def bench(name: str, path: Path, rows: list[list[Any]], peers: bool) -> None:
    tools: list[tuple[str, Any]] = [("onefold", functools.partial(run_onefold, str(path), FIELDS, "rec_id"))]
    if peers:
        tools += [("splink 5", functools.partial(run_splink, str(path))),
                  ("recordlinkage", functools.partial(run_recordlinkage, str(path)))]
    run_tools(name, tools, lambda record_id: record_id.split("-")[1], rows)  # rec-123-dup-0 is person 123


def run_tools(name: str, tools: list[tuple[str, Any]], truth: Callable[[str], str], rows: list[list[Any]]) -> None:
    """Each tool in its own process; a table row each, scored against ``truth`` (record id → person)."""
    from onefold.identity.evaluate import pairwise_scores

    results = {}
    for tool, fn in tools:
        measurement, (work, pairs) = measure_in_subprocess(tool, fn)
        scores = pairwise_scores([c for _, c in pairs], [truth(r) for r, _ in pairs])
        results[tool] = (work, measurement.seconds)
        rows.append([name, tool, len(pairs), scores.precision, scores.recall, scores.f1, work,
                     measurement.seconds, measurement.peak_mb, ""])
    if "splink 5" in results:
        (work, cold), (peer_work, peer_cold) = results["onefold"], results["splink 5"]
        rows[-len(tools)][-1] = f"{peer_work / work:.1f}x ({peer_cold / cold:.1f}x cold)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Febrl3 only")
    parser.add_argument("--synthetic", type=int, default=0, metavar="PEOPLE",
                        help="also run onefold and Splink on the synthetic CDP set with this many people (~2.25 records each)")
    parser.add_argument("--skip-febrl", action="store_true", help="only the synthetic run")
    parser.add_argument("--no-splink-synthetic", action="store_true", help="onefold alone on the synthetic set")
    args = parser.parse_args()
    os.environ.setdefault("COLUMNS", "150")  # a readable table when stdout is not a terminal
    rows: list[list[Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        datasets = [("febrl3 dedup", ["dataset3.csv"])]
        if not args.quick:
            datasets.insert(0, ("febrl4 (4a+4b as one table)", ["dataset4a.csv", "dataset4b.csv"]))
        for name, files in [] if args.skip_febrl else datasets:
            bench(name, write_dataset(files, Path(tmp) / f"{files[0]}.all.csv"), rows, peers=True)
        if args.synthetic:
            bench_synthetic(args.synthetic, tmp, rows, peers=not args.no_splink_synthetic)
    print_table("identity resolution (pairwise scores; each tool cold in its own process)",
                ["data", "tool", "records", "precision", "recall", "F1", "s work", "s cold", "peak MB",
                 "splink ÷ onefold"], rows)


if __name__ == "__main__":
    main()
