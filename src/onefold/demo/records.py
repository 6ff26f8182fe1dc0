"""Source customer records: the same true person as seen by each system, imperfectly.

Generating process: every person gets one record per source they own (behaviour.py), plus a
duplicate record (a second loyalty card or web account, never used) for 3 % of persons. A record is
created at the person's arrival (their primary source), else just before its first use, else at a
random sign-up date; records created after the data ends are not written. Each record shows the
person's attributes *as of* its creation (legacy records, and half of the others) or as of the
snapshot (the other half, kept current), so moved addresses and changed emails/phones diverge.
Per-source rates (web, app, pos, call_center, ecom_legacy) of each mangling are in ``_RATES``;
junk emails/phones (names.JUNK_*) replace a few percent of values, and members of a household
that shares a family email use it in some of their records.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from onefold.demo import timeline
from onefold.demo.behaviour import CALL_CENTER, LEGACY, POS, SOURCES, WEB, Behaviour
from onefold.demo.names import CITIES, JUNK_EMAILS, JUNK_PHONES, STREET_SUFFIXES, street_names
from onefold.demo.people import Persons
from onefold.demo.perturb import apply_nicknames, apply_typos, format_phones
from onefold.demo.writer import STR, sequential_ids

# per source: web, app, pos, call_center, ecom_legacy
_RATES = {
    "nickname": (0.08, 0.12, 0.25, 0.30, 0.08),
    "name_typo": (0.02, 0.02, 0.04, 0.05, 0.03),
    "upper": (0.0, 0.0, 0.15, 0.0, 0.10),
    "email_missing": (0.0, 0.0, 0.35, 0.40, 0.0),
    "email_junk": (0.01, 0.01, 0.06, 0.05, 0.02),
    "email_typo": (0.0, 0.0, 0.02, 0.03, 0.01),
    "family_email": (0.5, 0.3, 0.6, 0.3, 0.5),
    "phone_missing": (0.5, 0.4, 0.1, 0.0, 0.4),
    "phone_junk": (0.01, 0.01, 0.06, 0.03, 0.02),
    "address_missing": (0.3, 0.6, 0.05, 0.5, 0.1),
    "street_typo": (0.01, 0.01, 0.03, 0.03, 0.02),
    "dob_present": (0.4, 0.3, 0.6, 0.2, 0.5),
    "kept_current": (0.5, 0.5, 0.5, 0.5, 0.0),
}
_PREFIX = {WEB: ("W", 7), 1: ("A", 7), POS: ("L", 8), CALL_CENTER: ("CC", 6), LEGACY: ("EC", 6)}
DUPLICATE_RATE = 0.03
DOB_SWAP_RATE = 0.01  # a clerk typed day and month the other way round (only when both are <= 12)


@dataclass
class Records:
    """Written customer records (parallel arrays) and the lookup from (person, source) to a record."""

    person: np.ndarray
    source: np.ndarray
    duplicate: np.ndarray
    record_id: np.ndarray
    created_s: np.ndarray
    fields: dict[str, np.ndarray]  # customers.csv text columns ("" = empty)
    lookup: np.ndarray  # (n_persons, 5) record index or -1

    def ref(self, person: np.ndarray, source: np.ndarray) -> np.ndarray:
        """Record ids for (person, source) pairs; they must exist."""
        return self.record_id[self.lookup[person, source]]


def ticket_source(beh: Behaviour) -> np.ndarray:
    """The record an agent files a ticket under: the call-center record, else the primary record."""
    return np.where(beh.has[:, CALL_CENTER], CALL_CENTER, beh.primary)


def _rate(name: str, source: np.ndarray) -> np.ndarray:
    return np.array(_RATES[name])[source]


def make_records(rng: np.random.Generator, persons: Persons, beh: Behaviour, first_use_s: np.ndarray) -> Records:
    """Build records; ``first_use_s`` is (n_persons, 5) epoch seconds of first use (int64 max if never)."""
    n = persons.n
    person, source = np.nonzero(beh.has)
    birth_s = timeline.OBS_START_S + (persons.birth_day * timeline.DAY_S).astype(np.int64)
    signup = birth_s[person] + (rng.exponential(250, len(person)) * timeline.DAY_S).astype(np.int64)
    cutover_s = timeline.OBS_START_S + timeline.LEGACY_CUTOVER_DAY * timeline.DAY_S
    migrated = (source == WEB) & beh.has[person, LEGACY]
    signup = np.where(migrated, np.maximum(signup, cutover_s + rng.integers(0, 30 * timeline.DAY_S, len(person))), signup)
    signup = np.where(source == beh.primary[person], birth_s[person], signup)
    used = first_use_s[person, source]
    slack = rng.integers(3600, 2 * timeline.DAY_S, len(person))  # > the 20-min web session before an order
    created = np.minimum(signup, np.where(used < np.iinfo(np.int64).max, used - slack, signup))

    dup_people = np.flatnonzero(rng.random(n) < DUPLICATE_RATE)
    dup_source = np.where(beh.primary[dup_people] == LEGACY, WEB, beh.primary[dup_people])
    base_created = np.zeros((n, 5), dtype=np.int64)
    base_created[person, source] = created
    dup_created = base_created[dup_people, dup_source] + rng.integers(30, 600, len(dup_people)) * timeline.DAY_S

    person = np.concatenate([person, dup_people])
    source = np.concatenate([source, dup_source])
    created = np.concatenate([created, dup_created])
    duplicate = np.concatenate([np.zeros(len(person) - len(dup_people), bool), np.ones(len(dup_people), bool)])
    keep = created < timeline.OBS_END_S
    order = np.lexsort((source, created))
    order = order[keep[order]]
    person, source, created, duplicate = person[order], source[order], created[order], duplicate[order]

    record_id = np.empty(len(person), dtype=STR)
    for s, (prefix, width) in _PREFIX.items():
        sel = np.flatnonzero(source == s)
        numbers = rng.permutation(len(sel)) + 1 + (100_000 if s == LEGACY else 0)
        record_id[sel] = sequential_ids(prefix, len(sel), width, numbers=numbers)
    lookup = np.full((n, 5), -1, dtype=np.int64)
    lookup[person[~duplicate], source[~duplicate]] = np.flatnonzero(~duplicate)

    fields = _fields(rng, persons, person, source, created, duplicate)
    return Records(person, source, duplicate, record_id, created, fields, lookup)


def _fields(rng: np.random.Generator, persons: Persons, person: np.ndarray, source: np.ndarray,
            created: np.ndarray, duplicate: np.ndarray) -> dict[str, np.ndarray]:
    m = len(person)
    empty = np.array("", dtype=STR)
    current = (rng.random(m) < _rate("kept_current", source)) & ~duplicate
    asof = np.where(current, timeline.OBS_DAYS, timeline.seconds_to_day(created))

    first = apply_typos(rng, apply_nicknames(rng, persons.first[person], _rate("nickname", source)),
                        _rate("name_typo", source))
    last = apply_typos(rng, persons.last[person], _rate("name_typo", source))
    upper = rng.random(m) < _rate("upper", source)
    first = np.where(upper, np.strings.upper(first), first)
    last = np.where(upper, np.strings.upper(last), last)

    email = np.where(asof >= persons.email_change_day[person], persons.email1[person], persons.email0[person])
    email = np.where(duplicate & (rng.random(m) < 0.5), persons.email1[person], email)
    family = persons.family_email[person]
    email = np.where((family != empty) & (rng.random(m) < _rate("family_email", source)), family, email)
    at = np.strings.find(email, "@")
    local = apply_typos(rng, np.strings.slice(email, 0, at), _rate("email_typo", source))
    email = np.strings.add(local, np.strings.slice(email, at, None))
    junk_email = rng.random(m) < _rate("email_junk", source)
    email = np.where(junk_email, np.array(JUNK_EMAILS, dtype=STR)[rng.integers(0, len(JUNK_EMAILS), m)], email)
    email = np.where(rng.random(m) < _rate("email_missing", source), empty, email)

    phone = np.where(asof >= persons.phone_change_day[person], persons.phone1[person], persons.phone0[person])
    phone = format_phones(rng, phone)
    junk_phone = rng.random(m) < _rate("phone_junk", source)
    phone = np.where(junk_phone, np.array(JUNK_PHONES, dtype=STR)[rng.integers(0, len(JUNK_PHONES), m)], phone)
    phone = np.where(rng.random(m) < _rate("phone_missing", source), empty, phone)

    addr = persons.address_at(asof, person)
    suffix_col = rng.random(m) < 0.5
    suffixes = np.array([s[1] for s in STREET_SUFFIXES], dtype=STR)
    suffixes_full = np.array([s[0] for s in STREET_SUFFIXES], dtype=STR)
    street = np.strings.add(np.strings.add(addr.number.astype(str).astype(STR), np.array(" ", dtype=STR)),
                            np.array(street_names(), dtype=STR)[addr.street])
    street = np.strings.add(np.strings.add(street, np.array(" ", dtype=STR)),
                            np.where(suffix_col, suffixes[addr.suffix], suffixes_full[addr.suffix]))
    street = apply_typos(rng, street, _rate("street_typo", source))
    street = np.where(upper, np.strings.upper(street), street)
    no_addr = rng.random(m) < _rate("address_missing", source)
    city = np.where(no_addr, empty, np.array([c.name for c in CITIES], dtype=STR)[addr.city])
    state = np.where(no_addr, empty, np.array([c.state for c in CITIES], dtype=STR)[addr.city])

    dob_present = rng.random(m) < _rate("dob_present", source)
    dob = swap_day_month(persons.dob_days[person], rng.random(m) < DOB_SWAP_RATE)
    loyalty = np.where(source == POS, sequential_ids("LY", m, 9, numbers=rng.permutation(m) + 1), empty)
    return {
        "first_name": first, "last_name": last, "email": email, "phone": phone,
        "street": np.where(no_addr, empty, street), "city": city, "postcode": np.where(no_addr, empty, addr.postcode),
        "state": state, "country": np.where(no_addr, empty, np.array("US", dtype=STR)),
        "dob_present": dob_present, "dob_days": dob, "loyalty_id": loyalty,
    }


def swap_day_month(days: np.ndarray, swap: np.ndarray) -> np.ndarray:
    """Days since 1970 with day and month exchanged where ``swap`` (and the swap gives a real date)."""
    dt = days.astype("datetime64[D]")
    year = dt.astype("datetime64[Y]")
    month = dt.astype("datetime64[M]")
    m = (month - year.astype("datetime64[M]")).astype(np.int64) + 1
    d = (dt - month.astype("datetime64[D]")).astype(np.int64) + 1
    ok = swap & (d <= 12) & (d != m)
    swapped = (year.astype("datetime64[M]") + (d - 1)).astype("datetime64[D]") + (m - 1)
    return np.where(ok, swapped.astype(np.int64), days)


def share_loyalty_with_app(rng: np.random.Generator, records: Records) -> None:
    """60 % of app records of people with a loyalty card carry its number (the card was linked in-app)."""
    app = np.flatnonzero((records.source == 1) & ~records.duplicate)
    pos_rec = records.lookup[records.person[app], POS]
    linked = app[(pos_rec >= 0) & (rng.random(len(app)) < 0.6)]
    records.fields["loyalty_id"][linked] = records.fields["loyalty_id"][records.lookup[records.person[linked], POS]]


__all__ = ["DOB_SWAP_RATE", "DUPLICATE_RATE", "SOURCES", "Records", "make_records", "share_loyalty_with_app",
           "swap_day_month", "ticket_source"]
