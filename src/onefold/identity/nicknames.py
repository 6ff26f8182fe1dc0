"""Common English given-name diminutives, as data: each group lists a formal name and its short forms.

Used by the first-name comparison's "nickname" level: "bob" and "robert" disagree as strings (Jaro-
Winkler 0.5) but are the same name. Groups are deliberately conservative — ambiguous short forms
that belong to several formal names (e.g. "chris", "alex", "sam") map to one canonical form each,
so two different formal names sharing a diminutive can still meet through it.
"""

from __future__ import annotations

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


__all__ = ["CANONICAL"]
