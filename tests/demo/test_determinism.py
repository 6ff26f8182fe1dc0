"""Same seed and size -> byte-identical files; another seed -> different files."""

from __future__ import annotations

from pathlib import Path

import pytest

from onefold.demo import generate
from onefold.errors import InputError


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_gives_identical_bytes(tmp_path: Path) -> None:
    generate(tmp_path / "a", customers=400, seed=11)
    generate(tmp_path / "b", customers=400, seed=11)
    a, b = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert a.keys() == b.keys()
    assert len(a) >= 16
    for name in a:
        assert a[name] == b[name], name


def test_different_seed_gives_different_data(tmp_path: Path) -> None:
    generate(tmp_path / "a", customers=400, seed=11)
    generate(tmp_path / "c", customers=400, seed=12)
    a, c = _files(tmp_path / "a"), _files(tmp_path / "c")
    for name in ("customers.csv", "orders.csv", "order_items.csv", "truth/net_value.csv"):
        assert a[name] != c[name], name


@pytest.mark.parametrize("kwargs", [{"customers": 0, "seed": 1}, {"customers": 10, "seed": -1},
                                    {"customers": True, "seed": 1}])
def test_bad_arguments_are_input_errors(tmp_path: Path, kwargs: dict[str, int]) -> None:
    with pytest.raises(InputError):
        generate(tmp_path, **kwargs)


def test_out_must_be_a_folder(tmp_path: Path) -> None:
    target = tmp_path / "file.txt"
    target.write_text("x")
    with pytest.raises(InputError, match="not a folder"):
        generate(target, customers=10, seed=1)


@pytest.mark.parametrize("seed", range(8))
def test_tiny_populations_generate(tmp_path: Path, seed: int) -> None:
    """One or two persons (some never buy, some have no web/app record) still give a complete, valid set."""
    summary = generate(tmp_path, customers=1 + seed % 2, seed=seed)
    assert summary.files["truth/net_value.csv"] == 1 + seed % 2
    assert summary.files["customers.csv"] >= 1
    assert (tmp_path / "events.jsonl").exists() and (tmp_path / "truth" / "meta.json").exists()
