"""Common English given-name diminutives, as data: each group lists a formal name and its short forms.

Used by the first-name comparison's "nickname" level: "bob" and "robert" disagree as strings (Jaro-
Winkler 0.5) but are the same name. Groups are deliberately conservative — ambiguous short forms
that belong to several formal names (e.g. "chris", "alex", "sam") map to one canonical form each,
so two different formal names sharing a diminutive can still meet through it.
"""

from __future__ import annotations

import numpy as np
from rapidfuzz.distance import OSA
from rapidfuzz.process import cdist

_GROUPS: tuple[tuple[str, ...], ...] = (
    ("alexander", "alex", "al", "xander", "sandy"), ("alexandra", "alex", "lexie", "sandra"),
    ("andrew", "andy", "drew"), ("anthony", "tony"), ("barbara", "barb", "babs"),
    ("benjamin", "ben", "benny", "benji"), ("catherine", "cathy", "cat", "kate", "katie"),
    ("katherine", "kathy", "kate", "katie", "kat", "kit"), ("kathleen", "kathy", "kath"),
    ("charles", "charlie", "chuck", "chas"), ("christopher", "chris", "kit"), ("christina", "chris", "tina"),
    ("christine", "chris", "chrissy"), ("daniel", "dan", "danny"), ("david", "dave", "davey"),
    ("deborah", "deb", "debbie"), ("donald", "don", "donny"), ("dorothy", "dot", "dottie"),
    ("edward", "ed", "eddie", "ted", "ned"), ("elizabeth", "liz", "beth", "betty", "eliza", "lizzie", "libby"),
    ("frances", "fran", "frankie"), ("francis", "frank", "fran"), ("frederick", "fred", "freddie"),
    ("gregory", "greg"), ("harold", "harry", "hal"), ("henry", "harry", "hank"), ("jacob", "jake"),
    ("james", "jim", "jimmy", "jamie"), ("jennifer", "jen", "jenny", "jenn"), ("jessica", "jess", "jessie"),
    ("john", "johnny", "jack", "jon"), ("jonathan", "jon", "jonny"), ("joseph", "joe", "joey"),
    ("joshua", "josh"), ("judith", "judy"), ("kenneth", "ken", "kenny"), ("lawrence", "larry"),
    ("leonard", "leo", "len", "lenny"), ("margaret", "maggie", "meg", "peggy", "marge", "madge"),
    ("matthew", "matt", "matty"), ("michael", "mike", "mikey", "mick"), ("nicholas", "nick", "nicky"),
    ("nathaniel", "nate", "nat"), ("patricia", "pat", "patty", "trish"), ("patrick", "pat", "paddy"),
    ("peter", "pete"), ("philip", "phil"), ("rebecca", "becky", "becca"), ("richard", "rick", "dick", "rich",
    "ricky"), ("robert", "bob", "rob", "bobby", "robbie", "bert"), ("ronald", "ron", "ronnie"),
    ("samuel", "sam", "sammy"), ("samantha", "sam", "sammie"), ("stephen", "steve", "stevie"),
    ("steven", "steve"), ("susan", "sue", "susie"), ("suzanne", "sue", "suzy"), ("theodore", "ted", "teddy",
    "theo"), ("thomas", "tom", "tommy"), ("timothy", "tim", "timmy"), ("victoria", "vicky", "tori"),
    ("walter", "walt", "wally"), ("william", "bill", "will", "billy", "willy", "liam"), ("zachary", "zach",
    "zack"),
)


def _canonical() -> dict[str, str]:
    mapping: dict[str, str] = {}
    for group in _GROUPS:
        for name in group:
            mapping.setdefault(name, group[0])
    return mapping


CANONICAL: dict[str, str] = _canonical()
"""Lower-case name → the formal name of its (first) group; names not listed map to themselves."""


def canonical_forms(names: list[str]) -> dict[str, frozenset[str]]:
    """Each name's possible formal names, allowing one typo: {"bil": {"william"}, "tmo": {"thomas"}}.

    A listed name maps to its formal name. An unlisted one may be a listed name mistyped ("bil",
    "wlliam", "margcaret"): it maps to itself and to the formal names of every listed name one edit
    (optimal string alignment) away, so "bil" meets "william" and "tmo" meets "thomas". Computed once
    per distinct name over the whole list of names in one vectorised pass.
    """
    forms = {n: frozenset((CANONICAL[n],)) for n in names if n in CANONICAL}
    unlisted = [n for n in names if n not in CANONICAL]
    if unlisted:
        keys = sorted(CANONICAL)
        near = cdist(unlisted, keys, scorer=OSA.distance, score_cutoff=1, dtype=np.int32, workers=-1) <= 1
        for name, row in zip(unlisted, near, strict=True):
            forms[name] = frozenset([name, *(CANONICAL[keys[k]] for k in np.flatnonzero(row).tolist())])
    return forms


__all__ = ["CANONICAL", "canonical_forms"]
