"""Vectorised helpers on pyarrow arrays of VCF text: lists, numbers, INFO and FORMAT fields."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from precisionflow.errors import InputError

_BASES = r"^[ACGTNacgtn]+$"


def _numpy(array: pa.Array | pa.ChunkedArray) -> np.ndarray:
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return array.to_numpy(zero_copy_only=False)


def list_take(lists: pa.ListArray, index: np.ndarray, rows: np.ndarray | None = None) -> pa.Array:
    """Item ``index[i]`` of list ``rows[i]`` (of list ``i`` without ``rows``); null where out of range."""
    offsets = _numpy(lists.offsets).astype(np.int64)
    if rows is None:
        rows = np.arange(len(lists))
    start = offsets[rows]
    length = offsets[rows + 1] - start
    index = np.asarray(index, dtype=np.int64)
    inside = (index >= 0) & (index < length)
    taken = lists.values.take(pa.array(np.where(inside, start + index, 0)))
    if inside.all():
        return taken
    return pc.if_else(pa.array(inside), taken, pa.nulls(len(taken), taken.type))


_SINGLE_BASES = pa.array(["A", "C", "G", "T", "N"])


def bases(values: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Alleles upper-cased, and where they are not made of A, C, G, T, N (single bases checked by hashing, the rest
    by regex)."""
    single = _numpy(pc.is_in(values, value_set=_SINGLE_BASES)).astype(bool)
    if single.all():
        return values, np.zeros(len(values), dtype=bool)
    rest = np.flatnonzero(~single)
    taken = values.take(pa.array(rest))
    others = pc.utf8_upper(taken)
    bad = np.zeros(len(values), dtype=bool)
    bad[rest] = ~_numpy(pc.match_substring_regex(others, _BASES)).astype(bool)
    if pc.all(pc.equal(others, taken)).as_py() is not False:  # already upper case: nothing to replace
        return values, bad
    return pc.replace_with_mask(values, pa.array(~single), others), bad


def missing_to_null(values: pa.Array) -> pa.Array:
    """'.' and empty strings (VCF's missing values) as nulls."""
    return pc.if_else(pc.is_in(values, value_set=pa.array([".", ""])), pa.nulls(len(values), pa.string()), values)


def to_float(values: pa.Array, path: str, what: str, lines: np.ndarray) -> np.ndarray:
    """Numbers of a string array (NaN where missing); a value that is not a number names its line."""
    values = missing_to_null(values)
    try:
        return _numpy(pc.cast(values, pa.float64())).astype(np.float64)
    except pa.ArrowInvalid:
        texts = values.to_pylist()
        for i, text in enumerate(texts):
            if text is None:
                continue
            try:
                float(text)
            except ValueError:
                raise InputError(path, f"line {int(lines[i])}, {what}", "a number", repr(text)) from None
        raise


def list_sums(lists: pa.ListArray, path: str, what: str, lines: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per list: the sum of its numbers and whether every item was known."""
    flat = pc.list_flatten(lists)
    parent = _numpy(pc.list_parent_indices(lists)).astype(np.int64)
    numbers = to_float(flat, path, what, lines[parent] if len(parent) else lines[:0])
    known = ~np.isnan(numbers)
    total = np.bincount(parent, weights=np.where(known, numbers, 0.0), minlength=len(lists))
    unknown = np.bincount(parent, weights=(~known).astype(float), minlength=len(lists))
    empty = _numpy(pc.list_value_length(lists)) == 0
    return total, (unknown == 0) & ~empty


def info_values(info: pa.Array, key: str) -> pa.Array:
    """The value of INFO key ``key`` in each row (null where absent)."""
    pattern = rf"(?:^|;){re.escape(key)}=(?P<v>[^;]*)"
    return pc.struct_field(pc.extract_regex(info, pattern=pattern), [0])


def per_allele(values: pa.Array, allele: np.ndarray, rows: np.ndarray) -> pa.Array:
    """The ALT-specific item of comma-separated values (Number=A): item ``allele - 1``, or the only item."""
    lists = pc.split_pattern(values, ",")
    lengths = _numpy(pc.fill_null(pc.list_value_length(lists), 0)).astype(np.int64)
    index = np.where(lengths[rows] == 1, 0, allele - 1)
    return list_take(lists, index, rows)


class SampleFields:
    """FORMAT fields of one sample column, per record of a block (None for a key no record has)."""

    def __init__(self, formats: pa.Array | None, values: pa.Array | None) -> None:
        self.parts = None
        if formats is None or values is None:
            return
        encoded = pc.dictionary_encode(formats)
        self.keys = [f.split(":") for f in encoded.dictionary.to_pylist()]
        self.codes = _numpy(encoded.indices).astype(np.int64)
        self.parts = pc.split_pattern(values, ":")

    def get(self, keys: Sequence[str]) -> pa.Array | None:
        """The first of ``keys`` that some record's FORMAT has ('.' and absent as null)."""
        if self.parts is None:
            return None
        for key in keys:
            index = np.array([k.index(key) if key in k else -1 for k in self.keys], dtype=np.int64)
            if (index >= 0).any():
                return missing_to_null(list_take(self.parts, index[self.codes]))
        return None


def texts_of(values: pa.Array, i: int) -> str:
    return str(values[i].as_py())[:30]


def _max_of_ampersand(texts: pa.Array, path: str, what: str, lines: np.ndarray) -> np.ndarray:
    """Numbers of values that may list several, ``&``-joined (VEP): the highest of each."""
    lists = pc.split_pattern(missing_to_null(texts), "&")
    flat = pc.list_flatten(lists)
    parent = _numpy(pc.list_parent_indices(lists)).astype(np.int64)
    numbers = to_float(flat, path, what, lines[parent] if len(parent) else lines[:0])
    out = np.full(len(texts), np.nan)
    if len(numbers):
        np.fmax.at(out, parent, numbers)
    return out
