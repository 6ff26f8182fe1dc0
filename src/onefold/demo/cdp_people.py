"""Synthetic CDP-style person records with known truth, for robustness tests and the bench.

What makes CDP data hard, on purpose: one person has records in several systems (web, app, store,
call centre, loyalty) with typos, nicknames, moves, changed emails and phones, phones written in
several formats and missing fields; common names are shared by many unrelated people; households
share surname, address and landline; and placeholder values are typed in by staff for thousands of
unrelated customers (``test@test.com``, ``0000000000``, plus junk the blocklist does not know).

Places are sized like real ones (`_places`): a customer base covers a region whose postcodes each hold
a few to a few hundred customers and whose cities range from one-postcode towns to large cities with
hundreds of postcodes, so the number of places grows with the number of people instead of packing a
million customers into a fixed list of towns. Used by the identity tests and `bench/identity.py`.
"""

from __future__ import annotations

import csv
import itertools
import random
import string
from dataclasses import dataclass
from pathlib import Path

FIELDS = {
    "first_name": "first_name",
    "last_name": "last_name",
    "email": "email",
    "phone": "phone",
    "street": "address",
    "city": "city",
    "postcode": "postcode",
    "state": "state",
    "date_of_birth": "date_of_birth",
}
COLUMNS = ["record_id", "person_id", *FIELDS]

NICKNAMES = {
    "william": "bill", "robert": "bob", "elizabeth": "liz", "katherine": "kate", "james": "jim",
    "michael": "mike", "jennifer": "jen", "margaret": "maggie", "richard": "rick", "thomas": "tom",
    "christopher": "chris", "patricia": "pat", "joseph": "joe", "daniel": "dan", "susan": "sue",
    "anthony": "tony", "rebecca": "becky", "matthew": "matt", "jessica": "jess", "nicholas": "nick",
}
COMMON_FIRST = [*NICKNAMES, "mary", "john", "david", "linda", "sarah", "karen", "mark", "emily", "paul", "laura",
                "anna", "peter", "lisa", "kevin", "amy", "brian", "emma", "jason", "olivia", "ryan"]
COMMON_LAST = ["smith", "johnson", "williams", "brown", "jones", "garcia", "miller", "davis", "rodriguez",
               "martinez", "hernandez", "lopez", "wilson", "anderson", "thomas", "taylor", "moore", "jackson",
               "martin", "lee", "thompson", "white", "harris", "clark", "lewis", "walker", "young", "allen"]
STATES = ["ca", "ny", "tx", "fl", "wa", "il", "pa", "oh", "ga", "nc"]
JUNK_EMAILS = ["test@test.com", "noreply@ourstore.com"]  # the second is not on any blocklist
JUNK_PHONES = ["0000000000", "2125550000"]  # the second is a shop's own number, not on any blocklist


def _word(rng: random.Random, syllables: int) -> str:
    cons, vows = "bcdfghjklmnprstvwz", "aeiou"
    return "".join(rng.choice(cons) + rng.choice(vows) + (rng.choice(cons) if rng.random() < 0.4 else "")
                   for _ in range(syllables))


@dataclass
class Person:
    person_id: str
    first: str
    last: str
    dob: str
    emails: list[str]
    phones: list[str]
    addresses: list[tuple[str, str, str, str]]


def _typo(rng: random.Random, text: str) -> str:
    if len(text) < 3:
        return text
    i = rng.randrange(1, len(text) - 1)
    kind = rng.random()
    if kind < 0.35:
        return text[:i] + rng.choice(string.ascii_lowercase) + text[i + 1:]
    if kind < 0.65:
        return text[:i] + text[i + 1:]
    if kind < 0.85:
        return text[:i] + text[i + 1] + text[i] + text[i + 2:]
    return text[:i] + rng.choice(string.ascii_lowercase) + text[i:]


def _phone_format(rng: random.Random, digits: str) -> str:
    a, b, c = digits[:3], digits[3:6], digits[6:]
    return rng.choice([f"({a}) {b}-{c}", f"{a}.{b}.{c}", f"+1 {a} {b} {c}", digits, f"{a}-{b}-{c}", f"1{digits}"])


@dataclass(frozen=True, slots=True)
class Place:
    city: str
    postcode: str
    state: str
    streets: tuple[str, ...]


PEOPLE_PER_POSTCODE = 10
"""Mean customers per postcode: a retailer's share (~0.1–0.3 %) of a postcode's residents (a few
thousand on average, US ZIP codes hold ~8,000); the log-normal spread below gives the real long tail."""


def _places(rng: random.Random, people: int) -> tuple[list[Place], list[float]]:
    """Postcodes grouped into cities, each postcode with its relative size (customer share).

    Postcode sizes are log-normal (σ = 0.7: the largest of tens of thousands is ~15× the mean, as for
    ZIP code populations); a city holds a Pareto-distributed number of postcodes (most towns one or
    two, a few cities hundreds), so city names are shared by many postcodes and their frequencies are
    heavy-tailed. Each postcode has its own few dozen street names, so unrelated neighbours share
    streets but rarely house numbers.
    """
    wanted = max(people // PEOPLE_PER_POSTCODE, 20)
    places: list[Place] = []
    used: set[str] = set()
    while len(places) < wanted:
        city = _word(rng, rng.randint(2, 3)) + rng.choice(["ville", " city", "ton", " springs", ""])
        state = rng.choice(STATES)
        for _ in range(min(int(rng.paretovariate(1.1)), 400, wanted - len(places))):
            code = f"{rng.randint(10000, 99999)}"
            while code in used:
                code = f"{rng.randint(10000, 99999)}" if len(used) < 80_000 else f"{rng.randint(100000, 999999)}"
            used.add(code)
            streets = tuple(f"{_word(rng, rng.randint(2, 3))} {rng.choice(['st', 'ave', 'road', 'lane'])}"
                            for _ in range(rng.randint(10, 40)))
            places.append(Place(city, code, state, streets))
    return places, [rng.lognormvariate(0.0, 0.7) for _ in places]


def _people(rng: random.Random, count: int) -> list[Person]:
    rare_first = [_word(rng, rng.randint(2, 3)) for _ in range(3000)]
    rare_last = [_word(rng, rng.randint(2, 4)) for _ in range(8000)]
    places, sizes = _places(rng, count)
    cumulative = list(itertools.accumulate(sizes))

    def address() -> tuple[str, str, str, str]:
        place = rng.choices(places, cum_weights=cumulative)[0]
        return f"{rng.randint(1, 9999)} {rng.choice(place.streets)}", place.city, place.postcode, place.state

    people: list[Person] = []
    while len(people) < count:
        first = rng.choice(COMMON_FIRST) if rng.random() < 0.6 else rng.choice(rare_first)
        last = rng.choice(COMMON_LAST) if rng.random() < 0.4 else rng.choice(rare_last)
        dob = f"{rng.randint(1940, 2005)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        email = f"{first}.{last}{rng.randint(1, 999)}@{rng.choice(['gmail.com', 'yahoo.com', 'mail.com', 'aol.com'])}"
        phone = f"{rng.randint(201, 989)}{rng.randint(200, 999)}{rng.randint(0, 9999):04d}"
        person = Person(f"p{len(people)}", first, last, dob, [email], [phone], [address()])
        people.append(person)
        if rng.random() < 0.1 and len(people) < count:
            # A household member: same surname, address and landline; own name, birth date, email.
            other = rng.choice([n for n in COMMON_FIRST + rare_first[:200] if n != first])
            dob2 = f"{rng.randint(1940, 2005)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            people.append(Person(f"p{len(people)}", other, last, dob2, [f"{other}.{len(people)}@mail.com"],
                                 [phone], list(person.addresses)))
    for person in people:
        if rng.random() < 0.2:
            person.addresses.append(address())  # moved
        if rng.random() < 0.2:
            person.emails.append(f"{person.first[0]}{person.last}{rng.randint(1, 99)}@work.com")
        if rng.random() < 0.15:
            person.phones.append(f"{rng.randint(201, 989)}{rng.randint(200, 999)}{rng.randint(0, 9999):04d}")
    return people


def _record(rng: random.Random, person: Person, number: int) -> dict[str, str]:
    first = person.first
    if first in NICKNAMES and rng.random() < 0.3:
        first = NICKNAMES[first]
    if rng.random() < 0.12:
        first = _typo(rng, first)
    last = _typo(rng, person.last) if rng.random() < 0.1 else person.last
    street, city, postcode, state = rng.choice(person.addresses)
    if rng.random() < 0.08:
        street = _typo(rng, street)
    email = rng.choice(person.emails)
    dob = person.dob
    if rng.random() < 0.03:
        y, m, d = dob.split("-")
        dob = f"{y}-{d}-{m}" if int(d) <= 12 else dob
    record = {
        "record_id": f"{person.person_id}-r{number}",
        "person_id": person.person_id,
        "first_name": first.title() if rng.random() < 0.5 else first.upper(),
        "last_name": last.title(),
        "email": email.upper() if rng.random() < 0.1 else email,
        "phone": _phone_format(rng, rng.choice(person.phones)),
        "street": street, "city": city.title(), "postcode": postcode, "state": state.upper(),
        "date_of_birth": dob,
    }
    for name, p_missing in (("email", 0.15), ("phone", 0.25), ("date_of_birth", 0.4), ("street", 0.1),
                            ("first_name", 0.02)):
        if rng.random() < p_missing:
            record[name] = ""
    return record


def generate(*, people: int, seed: int = 0, junk_per_value: int = 2000) -> list[dict[str, str]]:
    """Records of ``people`` persons (1–4 records each), then placeholders forced onto unrelated people.

    Each value in JUNK_EMAILS / JUNK_PHONES replaces the email / phone of ``junk_per_value`` records
    belonging to distinct persons (scaled down when there are fewer persons).
    """
    rng = random.Random(seed)
    records = []
    for person in _people(rng, people):
        for number in range(rng.choice([1, 1, 2, 2, 2, 3, 3, 4])):
            records.append(_record(rng, person, number))
    first_of_person: dict[str, int] = {}
    for index, record in enumerate(records):
        first_of_person.setdefault(record["person_id"], index)
    owners = list(first_of_person.values())
    junk = min(junk_per_value, len(owners) // 3)
    for field, values in (("email", JUNK_EMAILS), ("phone", JUNK_PHONES)):
        for value in values:
            for index in rng.sample(owners, junk):
                records[index][field] = value
    rng.shuffle(records)
    return records


def write(records: list[dict[str, str]], path: Path) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(records)
    return path
