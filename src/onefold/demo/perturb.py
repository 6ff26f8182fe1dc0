"""How people and systems mangle identifiers: typos, nicknames, phone formats, abbreviations.

Typos are one keyboard slip per value (swap two neighbours, drop a letter, double a letter, or hit
a neighbouring key). They are applied in a Python loop, but only to the few percent of values
chosen for a typo, so the cost stays small; everything else is vectorised.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from onefold.demo.names import nicknames
from onefold.demo.writer import STR

_NEIGHBOURS = {
    "a": "qsz", "b": "vgn", "c": "xdv", "d": "sfe", "e": "wrd", "f": "dgr", "g": "fht", "h": "gjy", "i": "uok",
    "j": "hku", "k": "jli", "l": "ko", "m": "nj", "n": "bmh", "o": "ipl", "p": "o", "q": "wa", "r": "eft",
    "s": "adw", "t": "rgy", "u": "yij", "v": "cbf", "w": "qes", "x": "zcs", "y": "tuh", "z": "xa",
}

#: (pattern, digits slices) for the ways people and systems write a 10-digit US number
PHONE_FORMATS = ("(AAA) EEE-LLLL", "AAA-EEE-LLLL", "+1 AAA EEE LLLL", "AAAEEELLLL", "+1AAAEEELLLL", "AAA.EEE.LLLL")


def typo(value: str, rng: np.random.Generator) -> str:
    """One keyboard slip; values shorter than 3 characters are left alone."""
    if len(value) < 3:
        return value
    i = int(rng.integers(1, len(value) - 1))
    op = int(rng.integers(0, 4))
    if op == 0:
        return value[:i] + value[i + 1] + value[i] + value[i + 2:]
    if op == 1:
        return value[:i] + value[i + 1:]
    if op == 2:
        return value[:i] + value[i] + value[i:]
    near = _NEIGHBOURS.get(value[i].lower(), "e")
    repl = near[int(rng.integers(0, len(near)))]
    return value[:i] + (repl.upper() if value[i].isupper() else repl) + value[i + 1:]


def apply_typos(rng: np.random.Generator, values: np.ndarray, rate: np.ndarray | float) -> np.ndarray:
    """Copy of ``values`` with a typo in each value chosen with probability ``rate``."""
    out = values.copy()
    chosen = np.flatnonzero((rng.random(len(values)) < rate) & (np.strings.str_len(values) >= 3))
    out[chosen] = np.array([typo(str(v), rng) for v in values[chosen]], dtype=STR)
    return out


def apply_nicknames(rng: np.random.Generator, first: np.ndarray, rate: np.ndarray | float) -> np.ndarray:
    """Replace a formal first name by one of its nicknames with probability ``rate`` (when it has one)."""
    table = nicknames()
    uniq, inverse = np.unique(first, return_inverse=True)
    options = [table.get(str(u), ()) for u in uniq]
    width = max((len(o) for o in options), default=0) or 1
    grid = np.array([list(o) + [str(u)] * (width - len(o)) for o, u in zip(options, uniq, strict=True)], dtype=STR)
    counts = np.array([len(o) for o in options])
    pick = (rng.random(len(first)) * np.maximum(counts[inverse], 1)).astype(np.int64)
    nick = grid[inverse, np.minimum(pick, width - 1)]
    use = (rng.random(len(first)) < rate) & (counts[inverse] > 0)
    return np.where(use, nick, first)


def format_phones(rng: np.random.Generator, digits: np.ndarray) -> np.ndarray:
    """Write 10-digit numbers in one of PHONE_FORMATS each (weights favour the common ones).

    Every format is rendered for every number in Arrow and one is picked per row: cheaper than
    gathering numpy strings per format.
    """
    fmt = rng.choice(len(PHONE_FORMATS), size=len(digits), p=[0.3, 0.25, 0.1, 0.2, 0.1, 0.05])
    text = pa.array(np.asarray(digits).astype(object), type=pa.string())
    part = {k: pc.utf8_slice_codeunits(text, lo, hi) for k, (lo, hi) in {"A": (0, 3), "E": (3, 6), "L": (6, 10)}.items()}
    variants = []
    for pattern in PHONE_FORMATS:
        pieces = pattern.replace("AAA", "\0A\0").replace("EEE", "\0E\0").replace("LLLL", "\0L\0").split("\0")
        variants.append(pc.binary_join_element_wise(*[part.get(piece, piece) for piece in pieces if piece], ""))
    chosen = pc.choose(pa.array(fmt.astype(np.int8)), *variants)
    return np.asarray(chosen.to_numpy(zero_copy_only=False), dtype=object).astype(STR)


__all__ = ["PHONE_FORMATS", "apply_nicknames", "apply_typos", "format_phones", "typo"]
