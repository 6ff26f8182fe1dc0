"""Email marketing: subscriptions, weekly campaigns, sends, opens, clicks and unsubscribes.

Generating process:
- subscribers: 55 % of persons subscribe with the email of their primary record at sign-up (junk
  and empty emails never subscribe; a shared family email is subscribed once, by its first person).
- campaigns: one a week (Tuesday 10:00 or Thursday 15:00), 156 over the observed period; each goes
  to a random 8 % of current subscribers.
- per person: open propensity ``Beta(1.5, 4)`` (mean 0.27), click-given-open ``Beta(1.2, 6)``,
  a preferred reading hour (morning 7-9 25 %, lunch 12-13 25 %, evening 19-22 50 %, +-1 h noise)
  and a weekday or weekend (30 %) reading habit: an open falls 0-3 days after the send, moved to the
  next preferred kind of day 80 % of the time, at the preferred hour; a click follows 0-10 minutes
  after the open. Each send unsubscribes 0.3 % of recipients (after opening); they get no more mail.
- after a person has left (fade.py), their open propensity is 10 % of the above.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from onefold.demo import timeline
from onefold.demo.fade import OPEN_FACTOR_AFTER
from onefold.demo.names import JUNK_EMAILS
from onefold.demo.writer import STR

KINDS = ("send", "open", "click", "unsubscribe")
AUDIENCE_SHARE = 0.08


@dataclass
class EmailActivity:
    email: np.ndarray  # recipient address (text as stored on the record)
    person: np.ndarray
    campaign: np.ndarray  # campaign number (1 = first week)
    kind: np.ndarray  # index into KINDS
    at_s: np.ndarray
    subscribed_s: np.ndarray  # per subscriber: when they opted in
    subscriber: np.ndarray  # person index of each subscriber
    subscriber_email: np.ndarray
    subscriber_source: np.ndarray
    unsubscribed_s: np.ndarray  # per subscriber, int64 max if never


def _reading_time(rng: np.random.Generator, send_s: np.ndarray, hour: np.ndarray, weekend: np.ndarray) -> np.ndarray:
    day = (send_s - timeline.OBS_START_S) // timeline.DAY_S + rng.integers(0, 4, len(send_s))
    dow = (day + 6) % 7  # 2023-01-01 was a Sunday -> dow 6; Monday = 0
    move = rng.random(len(day)) < 0.8
    to_weekend = np.where(dow < 5, 5 - dow, 0)
    to_weekday = np.where(dow >= 5, 7 - dow, 0)
    day = day + np.where(move, np.where(weekend, to_weekend, to_weekday), 0)
    at = timeline.OBS_START_S + day * timeline.DAY_S + hour * 3600 + rng.integers(0, 3600, len(day))
    return np.where(at <= send_s, at + timeline.DAY_S, at)


def make_email_activity(rng: np.random.Generator, primary_email: np.ndarray, primary_source: np.ndarray,
                        created_s: np.ndarray, engaged_until_s: np.ndarray) -> EmailActivity:
    """Email events for persons whose primary record (email, source, creation time) is given; a
    person's opens fade once their engagement has (``engaged_until_s``, see fade.py)."""
    n = len(primary_email)
    usable = (primary_email != "") & ~np.isin(primary_email, np.array(JUNK_EMAILS, dtype=STR))
    _, first = np.unique(primary_email, return_index=True)
    is_first = np.zeros(n, dtype=bool)
    is_first[first] = True
    subs = np.flatnonzero(usable & is_first & (rng.random(n) < 0.55))
    sub_at = np.maximum(created_s[subs], timeline.OBS_START_S - 400 * timeline.DAY_S)
    open_p = rng.beta(1.5, 4.0, len(subs))
    click_p = rng.beta(1.2, 6.0, len(subs))
    hour = np.clip(np.round(rng.choice(np.array([8.0, 12.5, 20.5]), size=len(subs), p=[0.25, 0.25, 0.5])
                            + rng.normal(0, 1, len(subs))), 0, 23).astype(np.int64)
    weekend = rng.random(len(subs)) < 0.3
    until = engaged_until_s[subs]
    unsub = np.full(len(subs), np.iinfo(np.int64).max, dtype=np.int64)

    # 0.3 % of sends end in an unsubscribe; only openers can click "unsubscribe"
    leave_given_open = 0.003 / max(float(open_p.mean()) if len(subs) else 1.0, 1e-9)
    n_weeks = timeline.OBS_DAYS // 7
    rows: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (subscriber index, kind, at)
    campaign_rows: list[np.ndarray] = []
    for week in range(n_weeks):
        tuesday = week % 2 == 0
        send_day = 2 + 7 * week + (0 if tuesday else 2)  # 2023-01-03 was a Tuesday
        send_s = timeline.OBS_START_S + send_day * timeline.DAY_S + (10 if tuesday else 15) * 3600
        active = (sub_at <= send_s) & (unsub > send_s)
        to = np.flatnonzero(active & (rng.random(len(subs)) < AUDIENCE_SHARE))
        sends = np.full(len(to), send_s, dtype=np.int64)
        fading = np.where(until[to] <= send_s, OPEN_FACTOR_AFTER, 1.0)
        opened = to[rng.random(len(to)) < open_p[to] * fading]
        open_at = _reading_time(rng, np.full(len(opened), send_s), hour[opened], weekend[opened])
        clicked = rng.random(len(opened)) < click_p[opened]
        click_at = open_at[clicked] + rng.integers(5, 600, int(clicked.sum()))
        leaving = rng.random(len(opened)) < leave_given_open
        leave_at = open_at[leaving] + rng.integers(30, 900, int(leaving.sum()))
        unsub[opened[leaving]] = leave_at
        for who, kind, at in ((to, 0, sends), (opened, 1, open_at), (opened[clicked], 2, click_at),
                              (opened[leaving], 3, leave_at)):
            rows.append((who, np.full(len(who), kind), at))
            campaign_rows.append(np.full(len(who), week + 1))
    who = np.concatenate([r[0] for r in rows]).astype(np.int64)
    kind = np.concatenate([r[1] for r in rows])
    at = np.concatenate([r[2] for r in rows])
    campaign = np.concatenate(campaign_rows)
    keep = at < timeline.OBS_END_S
    order = np.lexsort((kind, who, at))
    order = order[keep[order]]
    return EmailActivity(
        email=primary_email[subs][who[order]], person=subs[who[order]],
        campaign=campaign[order], kind=kind[order], at_s=at[order],
        subscribed_s=sub_at, subscriber=subs, subscriber_email=primary_email[subs],
        subscriber_source=primary_source[subs], unsubscribed_s=unsub,
    )


__all__ = ["AUDIENCE_SHARE", "KINDS", "EmailActivity", "make_email_activity"]
