"""Engagement after a person has silently left: it fades, as a CDP expects it to.

A buyer's dropout (behaviour.py: after a purchase, for good, with probability ``p``) is never written
anywhere, but real customers who have left stop reading the retailer's mail and stop browsing and
visiting. Generating process:
- a person stays engaged for a tail of ``Exponential(mean 30 days)`` after their dropout (a last
  look at a newsletter, a visit already planned); non-buyers and persons still alive at the horizon
  end never fade.
- after that tail their email open propensity is 10 % of what it was (clicks follow opens), and each
  browsing store visit or web/app browsing session is kept with probability 5 % (a stray look).
Store visits and web/app sessions that come with an order are untouched (a person buys only while
alive). The truth files do not change meaning: churn is still "no non-cancelled order in the horizon".
"""

from __future__ import annotations

import numpy as np

from onefold.demo import timeline

TAIL_MEAN_DAYS = 30.0
OPEN_FACTOR_AFTER = 0.10
SESSION_KEEP_AFTER = 0.05
NEVER = np.iinfo(np.int64).max


def engaged_until(rng: np.random.Generator, left_day: np.ndarray) -> np.ndarray:
    """Epoch seconds at which each person's engagement fades (``NEVER`` when they never leave)."""
    tail = rng.exponential(TAIL_MEAN_DAYS, len(left_day))
    left = np.isfinite(left_day)
    until = np.full(len(left_day), NEVER, dtype=np.int64)
    until[left] = timeline.OBS_START_S + np.round((left_day[left] + tail[left]) * timeline.DAY_S).astype(np.int64)
    return until


def still_engaged(rng: np.random.Generator, at_s: np.ndarray, until_s: np.ndarray) -> np.ndarray:
    """Which browsing sessions/visits at ``at_s`` happen, for persons engaged until ``until_s``."""
    return (at_s < until_s) | (rng.random(len(at_s)) < SESSION_KEEP_AFTER)


__all__ = ["NEVER", "OPEN_FACTOR_AFTER", "SESSION_KEEP_AFTER", "TAIL_MEAN_DAYS", "engaged_until", "still_engaged"]
