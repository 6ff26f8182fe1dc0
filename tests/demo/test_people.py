"""Persons: every email address belongs to one person (households share one on purpose, elsewhere)."""

from __future__ import annotations

import numpy as np

from onefold.demo.people import make_persons


def test_no_two_persons_own_the_same_email_address() -> None:
    persons = make_persons(np.random.default_rng(2), 30_000)
    old, new = persons.email0.tolist(), persons.email1.tolist()
    assert len(set(old)) == len(old) and len(set(new)) == len(new)
    assert not set(old) & set(new)  # a changed address is never someone else's (was ~2,000 clashes here)
