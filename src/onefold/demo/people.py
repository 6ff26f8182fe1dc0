"""True persons: who they are (names, birth dates, addresses, emails, phones) and when they arrive.

Generating process (all rates per person, drawn once from the seeded generator):
- sex 50/50; first name from the sex's frequency list, last name from the surname list (names.py);
  date of birth: age 18 + Gamma(3, 8) years, capped at 85.
- address: a city by population weight, a house number, a street and suffix; 15 % move once during
  the observed period (30 % of movers to another city), so older records carry the old address.
- email: built from the name (first.last, flast, first_last, ...), sometimes with digits, on a common
  domain; made unique. 12 % change email once. Phone: 10 digits with a city area code; 10 % change.
- households: ~9 % of persons live with the previous person (same address, 80 % same last name);
  half of those households share one family email, used in some records of both people.
- arrival (sign-up) day: 35 % were customers before the data starts (uniform over the two prior
  years), the rest arrive uniformly in operational time over the observed period (more in Q4).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from onefold.demo import timeline
from onefold.demo.names import (
    CITIES,
    EMAIL_DOMAINS,
    STREET_SUFFIXES,
    female_first,
    last_names,
    male_first,
    street_names,
)
from onefold.demo.writer import STR as S
from onefold.demo.writer import sequential_ids


@dataclass
class Address:
    """Parallel arrays of one address per person."""

    city: np.ndarray
    number: np.ndarray
    street: np.ndarray
    suffix: np.ndarray
    postcode: np.ndarray

    def where(self, mask: np.ndarray, other: Address) -> Address:
        """Element-wise: ``other`` where mask, else self."""
        return Address(*(np.where(mask, getattr(other, f), getattr(self, f)) for f in Address.__dataclass_fields__))

    def take(self, idx: np.ndarray) -> Address:
        return Address(*(getattr(self, f)[idx] for f in Address.__dataclass_fields__))


@dataclass
class Persons:
    """Everything true about each person; index i is person ``person_id[i]``."""

    person_id: np.ndarray
    female: np.ndarray
    first: np.ndarray
    last: np.ndarray
    dob_days: np.ndarray  # days since 1970-01-01
    home: Address  # before the move
    moved_to: Address  # after the move (equal to home when no move)
    move_day: np.ndarray  # inf when never moving
    email0: np.ndarray
    email1: np.ndarray
    email_change_day: np.ndarray
    phone0: np.ndarray  # 10 digits
    phone1: np.ndarray
    phone_change_day: np.ndarray
    family_email: np.ndarray  # "" unless the household shares one email
    household_host: np.ndarray  # index of the person whose home this person shares, -1 if none
    birth_day: np.ndarray  # arrival day (float, days since OBS_START; negative = before the data)

    @property
    def n(self) -> int:
        return len(self.person_id)

    def address_at(self, day: np.ndarray, idx: np.ndarray) -> Address:
        """The address person ``idx[k]`` lived at on ``day[k]``."""
        moved = day >= self.move_day[idx]
        return self.home.take(idx).where(moved, self.moved_to.take(idx))


def _addresses(rng: np.random.Generator, n: int, city: np.ndarray) -> Address:
    streets = np.array(street_names(), dtype=S)
    zips = np.array([c.zip_prefix for c in CITIES], dtype=S)
    postcode = np.strings.add(zips[city], np.strings.zfill(rng.integers(1, 99, n).astype(str).astype(S), 2))
    number = np.floor(np.exp(rng.uniform(0, np.log(9900), n))).astype(np.int64) + 1
    return Address(city, number, rng.integers(0, len(streets), n), rng.integers(0, len(STREET_SUFFIXES), n), postcode)


def _pick_city(rng: np.random.Generator, n: int) -> np.ndarray:
    w = np.array([c.weight for c in CITIES])
    return rng.choice(len(CITIES), size=n, p=w / w.sum())


def _phones(rng: np.random.Generator, city: np.ndarray) -> np.ndarray:
    n = len(city)
    codes = np.array([c.area_codes[0] for c in CITIES])
    alt = rng.integers(0, 4, n)
    area = np.array([CITIES[c].area_codes[a % len(CITIES[c].area_codes)] for c, a in zip(city, alt, strict=True)]) \
        if n else codes[:0]
    exchange = rng.integers(201, 999, n)
    exchange = np.where(exchange % 100 == 11, exchange + 1, exchange)
    line = rng.integers(0, 10000, n)
    return (area * 10_000_000 + exchange * 10_000 + line).astype(str).astype(S)


def make_emails(rng: np.random.Generator, first: np.ndarray, last: np.ndarray, dob_days: np.ndarray) -> np.ndarray:
    """Emails from names in the usual patterns, unique across persons."""
    n = len(first)
    f = np.strings.lower(first)
    la = np.strings.lower(last)
    initial = np.strings.slice(f, 0, 1)
    pattern = rng.choice(6, size=n, p=[0.3, 0.2, 0.2, 0.1, 0.1, 0.1])
    dot, under = np.array(".", dtype=S), np.array("_", dtype=S)
    local = np.select(
        [pattern == 0, pattern == 1, pattern == 2, pattern == 3, pattern == 4],
        [np.strings.add(np.strings.add(f, dot), la), np.strings.add(f, la), np.strings.add(initial, la),
         np.strings.add(np.strings.add(f, under), la), np.strings.add(np.strings.add(la, dot), f)],
        default=f,
    )
    year = (1970 + dob_days // 365).astype(str).astype(S)
    suffix = np.where(rng.random(n) < 0.5, np.strings.slice(year, 2, 4), rng.integers(1, 999, n).astype(str).astype(S))
    local = np.where((pattern == 5) | (rng.random(n) < 0.3), np.strings.add(local, suffix), local)
    dw = np.array([w for _, w in EMAIL_DOMAINS])
    domains = np.array([d for d, _ in EMAIL_DOMAINS], dtype=S)[rng.choice(len(EMAIL_DOMAINS), size=n, p=dw / dw.sum())]
    email = np.strings.add(np.strings.add(local, np.array("@", dtype=S)), domains)
    # Mail providers hand out each address once: suffix repeats with their position.
    _, first_idx, inverse = np.unique(email, return_index=True, return_inverse=True)
    dup = first_idx[inverse] != np.arange(n)
    if dup.any():
        at = np.strings.find(email[dup], "@")
        uniq = np.arange(n)[dup].astype(str).astype(S)
        email[dup] = np.strings.add(np.strings.add(np.strings.add(np.strings.slice(email[dup], 0, at), uniq),
                                                   np.array("@", dtype=S)), np.strings.slice(email[dup], at + 1, None))
    return email


def make_persons(rng: np.random.Generator, n: int) -> Persons:
    """Draw ``n`` true persons (see the module docstring for the process)."""
    female = rng.random(n) < 0.5
    mf, ff, ln = male_first(), female_first(), last_names()
    first = np.where(female, ff.names[rng.choice(len(ff.names), n, p=ff.p)], mf.names[rng.choice(len(mf.names), n, p=mf.p)])
    last = ln.names[rng.choice(len(ln.names), n, p=ln.p)]
    age_years = np.minimum(18 + rng.gamma(3.0, 8.0, n), 85)
    dob_days = (timeline.OBS_START_S // timeline.DAY_S - age_years * 365.25).astype(np.int64)

    home = _addresses(rng, n, _pick_city(rng, n))
    moves = rng.random(n) < 0.15
    new_city = np.where(rng.random(n) < 0.3, _pick_city(rng, n), home.city)
    moved_to = home.where(moves, _addresses(rng, n, new_city))

    arrived_before = rng.random(n) < 0.35
    op_end = float(timeline.to_operational(timeline.OBS_DAYS))
    birth = np.where(arrived_before, -rng.uniform(0, timeline.PRE_DAYS, n),
                     timeline.to_calendar(rng.uniform(0, op_end, n)))
    move_day = np.where(moves, rng.uniform(np.maximum(birth, 0) + 30, timeline.OBS_DAYS + 200), np.inf)

    # Households: person i joins person i-1 (who is not a joiner itself).
    cand = rng.random(n) < 0.10
    joiner = cand & ~np.concatenate([[True], cand[:-1]])
    host = np.where(joiner, np.arange(n) - 1, -1)
    j = np.flatnonzero(joiner)
    last[j] = np.where(rng.random(len(j)) < 0.8, last[j - 1], last[j])
    for field in Address.__dataclass_fields__:
        getattr(home, field)[j] = getattr(home, field)[j - 1]
        getattr(moved_to, field)[j] = getattr(moved_to, field)[j - 1]
    move_day[j] = move_day[j - 1]

    email0 = make_emails(rng, first, last, dob_days)
    email1 = make_emails(rng, first, last, dob_days + 1)
    email1 = np.where(email1 == email0, np.strings.add(np.array("new.", dtype=S), email0), email1)
    # A changed address is a new one, never another person's: the two draws above are each unique
    # but not against each other, and a clash made two people share one address in the data.
    owned = set(email0.tolist())  # a set: np.isin compares StringDType arrays pairwise
    taken = np.array([e in owned for e in email1.tolist()], dtype=bool)
    while taken.any():
        email1 = np.where(taken, np.strings.add(np.array("new.", dtype=S), email1), email1)
        taken = np.array([e in owned for e in email1.tolist()], dtype=bool)
    changes_email = rng.random(n) < 0.12
    email_change_day = np.where(changes_email, rng.uniform(np.maximum(birth, 0), timeline.OBS_DAYS + 200), np.inf)
    family_email = np.full(n, "", dtype=S)
    shares = j[rng.random(len(j)) < 0.5]
    family_email[shares] = email0[shares - 1]
    family_email[shares - 1] = email0[shares - 1]

    phone0 = _phones(rng, home.city)
    phone1 = _phones(rng, moved_to.city)
    phone_change_day = np.where(rng.random(n) < 0.10, rng.uniform(np.maximum(birth, 0), timeline.OBS_DAYS + 200),
                                np.inf)
    person_id = sequential_ids("P", n, 7)
    return Persons(person_id, female, first, last, dob_days, home, moved_to, move_day, email0, email1,
                   email_change_day, phone0, phone1, phone_change_day, family_email, host, birth)


__all__ = ["Address", "Persons", "make_emails", "make_persons"]
