"""The manglings used on source records do what they claim."""

from __future__ import annotations

import re

import numpy as np

from onefold.demo.names import nicknames
from onefold.demo.perturb import PHONE_FORMATS, apply_nicknames, apply_typos, format_phones, typo
from onefold.demo.records import swap_day_month
from onefold.demo.writer import STR, money


def test_typo_changes_a_value_by_one_slip() -> None:
    rng = np.random.default_rng(0)
    for word in ("Robert", "Smith", "Washington"):
        out = {typo(word, rng) for _ in range(50)}
        assert word not in out or len(out) > 1
        assert all(abs(len(o) - len(word)) <= 1 for o in out)
    assert typo("Al", rng) == "Al"


def test_typo_rate_is_respected() -> None:
    values = np.array(["Jennifer"] * 20_000, dtype=STR)
    changed = (apply_typos(np.random.default_rng(1), values, 0.05) != values).mean()
    assert 0.035 < changed < 0.065


def test_nicknames_come_from_the_table() -> None:
    first = np.array(["Robert", "Elizabeth", "Mary"] * 1000, dtype=STR)
    out = apply_nicknames(np.random.default_rng(2), first, 1.0)
    assert set(out[first == "Robert"]) <= set(nicknames()["Robert"])
    assert set(out[first == "Elizabeth"]) <= set(nicknames()["Elizabeth"])
    assert set(out[first == "Mary"]) == {"Mary"}  # no nickname listed: unchanged


def test_phone_formats_keep_the_digits() -> None:
    digits = np.array(["2125550134"] * 600, dtype=STR)
    out = format_phones(np.random.default_rng(3), digits)
    assert {re.sub(r"\D", "", str(o))[-10:] for o in out} == {"2125550134"}
    assert len(set(out.tolist())) == len(PHONE_FORMATS)


def test_day_month_swap_only_when_valid() -> None:
    days = np.array(["1980-03-07", "1980-03-25", "1975-11-11"], dtype="datetime64[D]").astype(np.int64)
    out = swap_day_month(days, np.ones(3, bool)).astype("datetime64[D]").astype(str).tolist()
    assert out == ["1980-07-03", "1980-03-25", "1975-11-11"]


def test_money_text_is_exact() -> None:
    assert money(np.array([0, 7, -7, 123456789])).to_pylist() == ["0.00", "0.07", "-0.07", "1234567.89"]
