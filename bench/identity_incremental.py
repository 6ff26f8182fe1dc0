"""Incremental identity build vs a full rebuild (issue 5: "incremental 10k into 1M ≤ 10 s").

A workspace is built once from 99 % of the synthetic CDP customers (plus their web/app events), then
the remaining 1 % arrive and the "identity" build step runs twice on copies of that workspace, each
in its own subprocess: incremental (the default: only pairs touching new records are compared and
scored with the stored model, previous links carried over) and the named peer, a full rebuild
(``make_identity_step(incremental=False)``: EM re-estimated, every pair compared). Timed: the identity
step alone (wall and CPU seconds); seeding the warehouse tables is the same for both and not counted.
Quality: share of records whose profile-mates agree between the two, and pairwise F1 of each against
the generator's truth.

    .venv/bin/python bench/identity_incremental.py [--quick] [--people N] [--base DIR] [--edits SHARE]

``--people 445000`` is the issue's case: ~1.0M customer records in the first build, ~10k new ones.
``--base DIR`` keeps the first build in DIR and reuses it on later runs with the same ``--people``
(a 1M build takes minutes); each run works on copies of it. ``--edits 0.01`` also edits 1 % of the
first build's offline (pos, call-center, loyalty) customers in place before the second build, in turn
their email, phone, last name or street (half of them to another customer's value).
"""

from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from _harness import measure_in_subprocess, print_table  # noqa: E402


def _seeded_build(root: str, people: int, share: float, incremental: bool, edits: float = 0.0) -> dict[str, Any]:
    """Seed the warehouse with the first ``share`` of customers (``edits`` of the first build's
    offline ones edited, see module docstring), run identity; identity step timed."""
    from onefold.config import load_settings
    from onefold.demo.cdp_seed import customer_rows, identify_events, seed_step
    from onefold.identity.build_step import make_identity_step
    from onefold.store.build import BuildContext, connect_duckdb, run_build
    from onefold.store.workspace import WorkspacePaths, open_state

    customers, _ = customer_rows(people, seed=11)
    first = round(len(customers) * 0.99)
    customers = customers[: round(len(customers) * share)]
    if edits:
        offline = [r for r in customers[:first] if r["source"] in ("pos", "call_center", "loyalty")]
        every = max(1, round(1 / (edits * len(customers[:first]) / len(offline))))
        for number, row in enumerate(offline[::every]):
            change = ("email", "phone", "last_name", "street")[number % 4]
            donor = offline[(number * 7919 + 3) % len(offline)]
            row[change] = donor[change] if number % 2 else f"{row[change]}x"
    step = make_identity_step(incremental=incremental)
    clock: dict[str, float] = {}

    def timed_step(ctx: BuildContext) -> None:
        clock["rss_before_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        wall, cpu = time.perf_counter(), time.process_time()
        step(ctx)
        clock["wall"], clock["cpu"] = time.perf_counter() - wall, time.process_time() - cpu
        clock["rss_after_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    timed_step.carried_tables = getattr(step, "carried_tables", ())  # type: ignore[attr-defined]
    seeded: dict[str, float] = {}
    seed = seed_step(customers, identify_events(customers))

    def timed_seed(ctx: BuildContext) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        seed(ctx)
        seeded["wall"], seeded["cpu"] = time.perf_counter() - wall, time.process_time() - cpu

    phases: list[tuple[str, float, float]] = []

    def progress(step_name: str, message: str, _fraction: float) -> None:
        if step_name == "identity":
            phases.append((message.split(":")[0].split(";")[0][:40], time.perf_counter(), time.process_time()))

    paths = WorkspacePaths(Path(root))
    state = open_state(paths)
    try:
        wall, cpu = time.perf_counter(), time.process_time()
        run_build(paths, load_settings(paths.root), state, [("seed", timed_seed), ("identity", timed_step)],
                  progress=progress)
        # The whole build as a user waits for it (file copy, identity, checkpoint, swap), less the seeding.
        clock["build_wall"] = time.perf_counter() - wall - seeded["wall"]
        clock["build_cpu"] = time.process_time() - cpu - seeded["cpu"]
    finally:
        state.close()
    spent: dict[str, tuple[float, float]] = {}
    for (name, at, cpu_at), (_, until, cpu_until) in zip(phases, phases[1:], strict=False):
        wall, cpu = spent.get(name, (0.0, 0.0))
        spent[name] = (wall + until - at, cpu + cpu_until - cpu_at)
    clock["warehouse_mb"] = paths.warehouse_db.stat().st_size / 1e6
    con = connect_duckdb(paths.warehouse_db, read_only=True)
    try:
        mapping = con.execute("SELECT record_type, source, record_id, profile_id FROM record_profile").fetchall()
        used = con.execute("SELECT incremental FROM identity_model").fetchone()
    finally:
        con.close()
    return {**clock, "customers": len(customers), "edited": len(offline[::every]) if edits else 0, "mapping": mapping, "incremental": bool(used and used[0]),
            "phases": spent}


def _partition(mapping: list[tuple[str, str, str, str]]) -> dict[tuple[str, str, str], frozenset[Any]]:
    groups: dict[str, set[tuple[str, str, str]]] = {}
    for r in mapping:
        groups.setdefault(r[3], set()).add(r[:3])
    return {r[:3]: frozenset(groups[r[3]]) for r in mapping}


def _f1(mapping: list[tuple[str, str, str, str]], truth: dict[str, str]) -> float:
    from onefold.identity.evaluate import pairwise_scores

    rows = [r for r in mapping if r[0] == "customer"]
    return pairwise_scores([r[3] for r in rows], [truth[f"{r[1]}|{r[2]}"] for r in rows]).f1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="5,000 people")
    parser.add_argument("--base", type=Path, help="keep (or reuse) the first build here")
    parser.add_argument("--edits", type=float, default=0.0,
                        help="share of the first build's customers edited in place before the second")
    parser.add_argument("--skip-full", action="store_true", help="incremental step only (no peer: for profiling)")
    args = parser.parse_args()
    people = 5_000 if args.quick else args.people
    from onefold.demo.cdp_seed import customer_rows

    _, truth = customer_rows(people, seed=11)
    root = Path(tempfile.mkdtemp(prefix="of_bench_incr_"))
    try:

        base, built, base_seconds = _first_build(args.base or root / "base", people)
        for name in ("incremental", "full"):  # the same previous build for both
            shutil.copytree(base, root / name)
        inc_m, inc = measure_in_subprocess("incremental", _Job(str(root / "incremental"), people, True, args.edits))
        if args.skip_full:
            print(f"whole build less seeding (run_build: file copy, identity, checkpoint, swap): "
                  f"{inc['build_wall']:.2f} s wall, {inc['build_cpu']:.2f} s CPU; warehouse file "
                  f"{(base / 'warehouse.duckdb').stat().st_size / 1e6:.0f} MB before, {inc['warehouse_mb']:.0f} MB after")
            print(f"incremental: {inc['wall']:.2f} s wall, {inc['cpu']:.2f} s CPU, peak {inc_m.peak_mb:.0f} MB "
                  f"(RSS peak {inc['rss_before_mb']:.0f} MB before the step, {inc['rss_after_mb']:.0f} MB after)")
            for name, (wall, cpu) in inc["phases"].items():
                print(f"  {name}: {wall:.2f} s wall, {cpu:.2f} s CPU")
            return
        full_m, full = measure_in_subprocess("full", _Job(str(root / "full"), people, False, args.edits))
        assert inc["incremental"] and not full["incremental"], "the incremental path did not run"
        a, b = _partition(inc["mapping"]), _partition(full["mapping"])
        agree = sum(a[k] == b[k] for k in b) / len(b)
        new = inc["customers"] - built["customers"]
        if args.edits:
            print(f"{inc['edited']:,} customer records of the first build edited in place")
        print(f"warehouse file: {(base / 'warehouse.duckdb').stat().st_size / 1e6:.0f} MB before, after the build "
              f"{inc['warehouse_mb']:.0f} MB (incremental, in place) / {full['warehouse_mb']:.0f} MB (full, new file)")
        print(f"peak RSS before / after the identity step: incremental {inc['rss_before_mb']:.0f} / "
              f"{inc['rss_after_mb']:.0f} MB, full {full['rss_before_mb']:.0f} / {full['rss_after_mb']:.0f} MB")
        print_table(
            f"identity build: {new:,} new customer records into {built['customers']:,} "
            f"({len(b):,} records with event identifiers); first build {base_seconds:.1f} s",
            ["run", "identity step s (wall)", "CPU s", "whole build s (wall)", "CPU s", "peak MB (process)",
             "F1 vs truth", "agrees with full"],
            [["incremental", inc["wall"], inc["cpu"], inc["build_wall"], inc["build_cpu"], inc_m.peak_mb,
              _f1(inc["mapping"], truth), f"{agree:.4%}"],
             ["full rebuild (peer)", full["wall"], full["cpu"], full["build_wall"], full["build_cpu"], full_m.peak_mb,
              _f1(full["mapping"], truth), "—"],
             ["full ÷ incremental", full["wall"] / inc["wall"], full["cpu"] / inc["cpu"],
              full["build_wall"] / inc["build_wall"], full["build_cpu"] / inc["build_cpu"], "", "", ""]],
        )
        names = list(dict.fromkeys([*inc["phases"], *full["phases"]]))
        print_table("where the identity step spends its time (s wall / CPU, from its progress messages)",
                    ["phase", "incremental", "full rebuild"],
                    [[n, *("{:.2f} / {:.2f}".format(*run["phases"].get(n, (0.0, 0.0))) for run in (inc, full))]
                     for n in names])
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _first_build(base: Path, people: int) -> tuple[Path, dict[str, Any], float]:
    """The workspace built from 99 % of the customers, made once per ``people`` and kept in ``base``."""
    import json

    from onefold.store.workspace import init_workspace

    marker = base / "bench_first_build.json"
    if marker.exists():
        saved = json.loads(marker.read_text())
        if saved["people"] == people:
            print(f"reusing the first build in {base}")
            return base, {"customers": saved["customers"]}, saved["seconds"]
        shutil.rmtree(base)
    init_workspace(base)
    start = time.perf_counter()
    built = _seeded_build(str(base), people, 0.99, True)
    seconds = time.perf_counter() - start
    marker.write_text(json.dumps({"people": people, "customers": built["customers"], "seconds": seconds}))
    return base, built, seconds


class _Job:
    """A picklable call of `_seeded_build` with all records (for `measure_in_subprocess`)."""

    def __init__(self, root: str, people: int, incremental: bool, edits: float) -> None:
        self.root, self.people, self.incremental, self.edits = root, people, incremental, edits

    def __call__(self) -> dict[str, Any]:
        return _seeded_build(self.root, self.people, 1.0, self.incremental, self.edits)


if __name__ == "__main__":
    main()
