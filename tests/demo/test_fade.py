"""Engagement fades once a person has silently left (fade.py); the dropout day is the last purchase."""

from __future__ import annotations

import numpy as np

from onefold.demo import timeline
from onefold.demo.behaviour import make_behaviour
from onefold.demo.catalog import make_stores
from onefold.demo.emails import make_email_activity
from onefold.demo.fade import NEVER, OPEN_FACTOR_AFTER, SESSION_KEEP_AFTER, engaged_until, still_engaged
from onefold.demo.orders import simulate_purchases
from onefold.demo.people import make_persons
from onefold.demo.writer import STR


def test_dropout_day_follows_every_purchase_of_those_who_left() -> None:
    rng = np.random.default_rng(3)
    persons = make_persons(rng, 3000)
    beh = make_behaviour(rng, persons, make_stores(rng, n_stores=16))
    person, day, left_day = simulate_purchases(rng, beh, persons.birth_day)
    gone = np.isfinite(left_day)
    assert gone.any() and (~gone & beh.buyer).any()
    assert not gone[~beh.buyer].any()  # non-buyers never leave
    assert (day <= left_day[person] + 1e-6).all()  # nobody buys after leaving
    last = np.full(persons.n, -np.inf)
    np.maximum.at(last, person, day)
    left_in_data = gone & (left_day >= 0)
    # in the data, a person leaves right after their last purchase (or at arrival)
    bought = left_in_data & np.isfinite(last)
    assert np.allclose(last[bought], left_day[bought], atol=1e-6)


def test_engagement_ends_after_a_tail_and_never_for_those_still_alive() -> None:
    rng = np.random.default_rng(5)
    left_day = np.concatenate([np.full(20_000, 100.0), np.full(10, np.inf)])
    until = engaged_until(rng, left_day)
    assert (until[-10:] == NEVER).all()
    tail_days = (until[:-10] - timeline.OBS_START_S) / timeline.DAY_S - 100.0
    assert tail_days.min() >= 0 and 25 < tail_days.mean() < 35


def test_sessions_after_leaving_are_rare() -> None:
    rng = np.random.default_rng(9)
    at = np.full(50_000, timeline.OBS_START_S + 10 * timeline.DAY_S)
    before = still_engaged(rng, at, np.full(len(at), NEVER))
    after = still_engaged(rng, at, np.full(len(at), timeline.OBS_START_S))
    assert before.all()
    assert abs(after.mean() - SESSION_KEEP_AFTER) < 0.01


def test_people_who_left_stop_opening_mail() -> None:
    rng = np.random.default_rng(11)
    n = 20_000
    emails = np.array([f"p{i}@example.com" for i in range(n)], dtype=STR)
    left = np.arange(n) % 2 == 0
    until = np.where(left, timeline.OBS_START_S, NEVER).astype(np.int64)
    mail = make_email_activity(rng, emails, np.zeros(n, np.int64), np.full(n, timeline.OBS_START_S - 1), until)

    def opens_per_send(group: np.ndarray) -> float:
        mine = group[mail.person]
        return float((mine & (mail.kind == 1)).sum() / (mine & (mail.kind == 0)).sum())

    ratio = opens_per_send(left) / opens_per_send(~left)
    assert abs(ratio - OPEN_FACTOR_AFTER) < 0.03
