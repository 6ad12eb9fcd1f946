"""The filters both inputs (VCF and MAF) apply, each written once: FILTER, depth and allele fraction, population
frequency.

The VCF reader (:mod:`.vcf`) and the MAF reader (:mod:`.maf_input`) call the same functions on their own
columns: :func:`passes_filter` (FILTER), :func:`filter_evidence` (``min_depth``, ``min_vaf``) and
:func:`drop_common` (``max_population_af``). The thresholds come from the config (:class:`FilterSettings`,
defaults in ``precisionflow/schemas/variants.schema.yaml``).
"""

from __future__ import annotations

import fnmatch
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from precisionflow.variants.arrow_fields import _numpy


@dataclass(frozen=True)
class FilterSettings:
    """The config's ``variants: filters:`` section (no defaults here: the schema fills them)."""

    pass_filters: tuple[str, ...]
    min_depth: float
    min_vaf: float
    max_population_af: float
    population_af_fields: tuple[str, ...]

    @classmethod
    def from_config(cls, section: Mapping[str, object]) -> FilterSettings:
        """From a complete section (``precisionflow.settings.with_defaults("variants", ...)["filters"]``)."""
        return cls(
            pass_filters=tuple(section["pass_filters"]),  # type: ignore[arg-type]
            min_depth=float(section["min_depth"]),  # type: ignore[arg-type]
            min_vaf=float(section["min_vaf"]),  # type: ignore[arg-type]
            max_population_af=float(section["max_population_af"]),  # type: ignore[arg-type]
            population_af_fields=tuple(section["population_af_fields"]),  # type: ignore[arg-type]
        )


def population_af_keys(keys: Sequence[str], patterns: Sequence[str]) -> tuple[str, ...]:
    """The keys matching any of the (case-insensitive, shell-style) patterns, in the given order."""
    lowered = [p.lower() for p in patterns]
    return tuple(k for k in keys if any(fnmatch.fnmatchcase(k.lower(), p) for p in lowered))


def passes_filter(values: pa.Array, allowed: Sequence[str]) -> np.ndarray:
    """FILTER values that keep a record: one of ``allowed`` or ``.``; ``a;b`` when each part is (a missing value
    does not). Decided once per distinct value: a file has few."""
    allowed_set = set(allowed) | {"."}
    encoded = pc.dictionary_encode(values)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    verdicts = [all(part in allowed_set for part in text.split(";")) for text in encoded.dictionary.to_pylist()]
    known = np.array([*verdicts, False], dtype=bool)  # the last entry for a missing value
    return known[_numpy(pc.fill_null(encoded.indices, len(verdicts))).astype(np.int64)]


def filter_evidence(
    keep: np.ndarray, depth: np.ndarray, vaf: np.ndarray, min_depth: float, min_vaf: float, counts: Counter
) -> np.ndarray:
    """``keep`` without the rows below ``min_depth`` or ``min_vaf`` (counted as ``low_depth``/``low_vaf``).

    An unknown depth or fraction (NaN) cannot fail its threshold: the row is kept and counted as
    ``not_applied_min_depth``/``not_applied_min_vaf``. A threshold of 0 is off.
    """
    for threshold, values, name in ((min_depth, depth, "depth"), (min_vaf, vaf, "vaf")):
        if threshold > 0:
            low = values < threshold  # NaN compares False
            counts[f"low_{name}"] += int((keep & low).sum())
            keep = keep & ~low
            counts[f"not_applied_min_{name}"] += int((keep & np.isnan(values)).sum())
    return keep


def drop_common(table: pa.Table, population_af: np.ndarray, max_population_af: float, counts: Counter) -> pa.Table:
    """``table`` without the rows whose population frequency exceeds ``max_population_af`` (1: off; NaN passes)."""
    if max_population_af >= 1:
        return table
    common = population_af > max_population_af
    counts["common_in_population"] += int(common.sum())
    return table.filter(pa.array(~common)) if common.any() else table


def not_applied(counts: Mapping[str, int], filters: FilterSettings, af_fields: Sequence[str], rows: int) -> dict:
    """Rows each filter could not be evaluated on (no value: kept), for the accounting."""
    out = {"min_depth": counts.get("not_applied_min_depth", 0), "min_vaf": counts.get("not_applied_min_vaf", 0)}
    if filters.max_population_af < 1 and not af_fields:
        out["max_population_af"] = rows
    return out


def applied_notes(filters: FilterSettings, depth: bool, vaf: bool, af_fields: Sequence[str]) -> dict[str, str]:
    """What the MAF's ``#filter.`` header lines add to each threshold: not applied (no such field), or the fields."""
    notes = {}
    if not depth and filters.min_depth > 0:
        notes["min_depth"] = " (not applied: no depth field in the input)"
    if not vaf and filters.min_vaf > 0:
        notes["min_vaf"] = " (not applied: no allele-fraction field in the input)"
    if filters.max_population_af < 1:
        notes["max_population_af"] = (
            f" (fields: {','.join(af_fields)})"
            if af_fields
            else " (not applied: no population frequency field in the input)"
        )
    return notes
