"""Person records held as NumPy columns, ready for vectorised comparison.

A `RecordSet` is what blocking, comparison and EM share: the normalised value of every field for
every record (object arrays, ``None`` when missing), integer codes for exact agreement and value
counts for term-frequency adjustment (Winkler 1988: agreeing on a rare value is stronger evidence).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from onefold.identity.fields import FIELD_SPECS, FieldSpec, FieldType

ObjArray = npt.NDArray[np.object_]
IntArray = npt.NDArray[np.int64]


@dataclass
class FieldColumn:
    """One normalised field. ``codes[i]`` is -1 when record i has no usable value."""

    name: str
    field_type: FieldType
    values: ObjArray
    codes: IntArray
    counts: IntArray
    """Records per code, for term-frequency adjustment and hot-key detection."""
    hot_values: list[tuple[str, int]] = field(default_factory=list)
    """Values dropped as evidence because too many records share them (value, records)."""
    total: int | None = None
    """Records with a value in the whole data set, when this column holds only some of its records
    (incremental matching: ``counts`` are then the whole data set's counts of each value)."""
    _ints: IntArray | None = field(default=None, repr=False)

    @property
    def spec(self) -> FieldSpec:
        return FIELD_SPECS[self.field_type]

    def as_int(self) -> IntArray:
        """Values as integers (-1 when missing or not all digits), computed once per distinct value."""
        if self._ints is None:
            distinct = np.full(len(self.counts) + 1, -1, dtype=np.int64)
            first = np.full(len(self.counts), -1, dtype=np.int64)
            present = np.flatnonzero(self.codes >= 0)
            first[self.codes[present[::-1]]] = present[::-1]
            for code, row in enumerate(first.tolist()):
                text = self.values[row]
                if isinstance(text, str) and text.isdigit():
                    distinct[code] = int(text)
            self._ints = distinct[self.codes]
        return self._ints

    @property
    def non_null(self) -> int:
        return int(self.counts.sum()) if self.total is None else self.total


def encode(values: pa.Array | ObjArray) -> tuple[IntArray, IntArray, list[str]]:
    """Dense integer codes (-1 for null), records per code, and the value of each code."""
    arr = values if isinstance(values, pa.Array) else pa.array(values, type=pa.string())
    encoded = pc.dictionary_encode(arr)
    codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    counts = np.bincount(codes[codes >= 0], minlength=len(encoded.dictionary)).astype(np.int64)
    return codes, counts, encoded.dictionary.to_pylist()


def make_column(
    name: str,
    field_type: FieldType,
    values: pa.Array,
    *,
    hot_key_records: int,
    junk: Callable[[str], bool] | None = None,
) -> FieldColumn:
    """Encode a normalised column, dropping junk values and, for identifiers, hot keys.

    ``junk(value)`` (the workspace blocklist) is asked once per distinct value, not per record. An
    email or phone is meant to belong to one person: when more than ``hot_key_records`` records
    share one it is almost surely a placeholder (``test@test.com``, a shop's phone) and would fuse
    unrelated people, so it is removed as evidence and reported rather than trusted.
    """
    codes, counts, dictionary = encode(values)
    drop = np.zeros(len(dictionary), dtype=bool)
    if junk is not None:
        drop |= np.fromiter((junk(v) for v in dictionary), dtype=bool, count=len(dictionary))
    hot: list[tuple[str, int]] = []
    if FIELD_SPECS[field_type].identifier and len(counts):
        hot_mask = (counts > hot_key_records) & ~drop
        hot = sorted(((dictionary[c], int(counts[c])) for c in np.flatnonzero(hot_mask)), key=lambda h: -h[1])
        drop |= hot_mask
    if drop.any():
        keep = np.flatnonzero(~drop)
        remap = np.full(len(dictionary) + 1, -1, dtype=np.int64)
        remap[keep] = np.arange(len(keep))
        codes = remap[codes]  # code -1 indexes the trailing -1
        counts = counts[keep]
        dictionary = [dictionary[c] for c in keep]
    lookup = np.array(dictionary + [None], dtype=object)
    return FieldColumn(name, field_type, lookup[codes], codes, counts, hot)


@dataclass
class RecordSet:
    """Records to resolve: ``ids[i]`` is the caller's record id of row i."""

    ids: ObjArray
    columns: list[FieldColumn]

    def __len__(self) -> int:
        return len(self.ids)

    def column(self, name: str) -> FieldColumn:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)


__all__ = ["FieldColumn", "RecordSet", "encode", "make_column"]
