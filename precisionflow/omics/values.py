"""What a layer's numbers must be for its ``values`` (counts, intensity, log); each problem is one
:class:`~precisionflow.errors.InputError` naming the first offending cell as it is in the file."""

from __future__ import annotations

import logging
from dataclasses import replace

import numpy as np

from precisionflow.errors import InputError
from precisionflow.omics.read import Table

log = logging.getLogger(__name__)

# A value of a log-scale matrix is never this large (log2 of anything measurable stays far below).
MAX_LOG_VALUE = 100.0
# Whole numbers only, up to at least this much: raw counts, not log values.
COUNT_LIKE_MAX = 30.0


def _first(mask: np.ndarray) -> tuple[int, int]:
    i, j = np.argwhere(mask)[0]
    return int(i), int(j)


def _refuse(table: Table, v: np.ndarray, mask: np.ndarray, expected: str, found: str | None = None) -> None:
    """An error at the first cell of ``mask``, if any; found: that cell's value unless given."""
    if not mask.any():
        return
    s, f = _first(mask)
    shown = found if found is not None else repr(int(v[s, f]) if v.dtype.kind in "iu" else float(v[s, f]))
    raise InputError(table.path, table.where(table.samples[s], table.features[f]), expected, shown)


def _counts(table: Table, v: np.ndarray, round_counts: bool) -> np.ndarray:
    """Whole numbers ≥ 0, no blank cell (fractional estimates rounded when ``round_counts``), as int64."""
    if v.dtype.kind == "f":
        _refuse(table, v, np.isnan(v), "a count", "a missing value (a blank cell, NA or NaN)")
        _refuse(table, v, v < 0, "a count (a whole number ≥ 0)")
        fractional = v != np.round(v)
        if fractional.any():
            if not round_counts:
                expected = "a count (a whole number; set round_counts: true for estimated counts such as salmon's)"
                _refuse(table, v, fractional, expected)
            log.warning(
                "%s: %d fractional counts rounded to whole numbers (round_counts: true)",
                table.path,
                int(fractional.sum()),
            )
        return np.round(v).astype(np.int64)
    if v.dtype.kind in "iu":
        _refuse(table, v, v < 0, "a count (a whole number ≥ 0)")
        return v.astype(np.int64, copy=False)
    return v


def _log_scale(table: Table, v: np.ndarray) -> None:
    """Log-scale values: none beyond MAX_LOG_VALUE, and not only whole numbers ≥ 0 (raw counts)."""
    observed = v[~np.isnan(v)]
    if not observed.size:
        return
    if np.abs(observed).max() > MAX_LOG_VALUE:
        expected = (
            f"log-scale values (absolute value at most {MAX_LOG_VALUE:g}; raw data need values: counts or intensity)"
        )
        _refuse(table, v, np.abs(np.nan_to_num(v)) > MAX_LOG_VALUE, expected)
    if (observed >= 0).all() and (observed == np.round(observed)).all() and observed.max() >= COUNT_LIKE_MAX:
        raise InputError(
            table.path,
            "values",
            "log-scale values (values: log)",
            f"only whole numbers ≥ 0 up to {observed.max():g}: raw counts? (set values: counts)",
        )


def check_values(table: Table, kind: str, *, round_counts: bool = False) -> Table:
    """What the numbers must be for the layer's ``values``.

    ``counts``: whole numbers ≥ 0, no blank cell (fractional estimates such as salmon's are
    rounded when ``round_counts``); ``intensity``: ≥ 0 (0 or blank = not measured); ``log``: finite,
    on a log scale (not raw counts or intensities). For every kind, each sample needs at least one
    value that is measured (non-zero for counts and intensities).
    """
    if kind == "counts":
        v = _counts(table, table.values, round_counts)
        empty = ~(v > 0).any(axis=1)
    else:
        v = table.values.astype(np.float64, copy=False)
        _refuse(table, v, np.isinf(v), "a finite number")
        if kind == "intensity":
            _refuse(table, v, v < 0, "an intensity ≥ 0 (0 or blank: not measured)")
            empty = ~(v > 0).any(axis=1)
        else:
            _log_scale(table, v)
            empty = np.isnan(v).all(axis=1)
    if empty.any():
        sample = table.samples[int(np.flatnonzero(empty)[0])]
        what = "a sample with at least one value" if kind == "log" else "a sample with at least one non-zero value"
        found = f"an all-{'missing' if kind == 'log' else 'zero'} sample {sample!r}"
        raise InputError(table.path, table.where(sample=sample), what, found)
    return replace(table, values=v)
