"""The association score of the Open Targets Platform, and the scaling rules shared by the evidence types.

Open Targets scores a target-disease association from many evidence scores in [0, 1] by a harmonic
sum: the (weighted) scores are sorted from largest to smallest and the i-th is divided by i², so one
strong piece of evidence counts most and each further one adds less; the sum is divided by its largest
possible value, π²/6, to stay in [0, 1] (Open Targets Platform documentation, "Associations": harmonic
sum over data types with per-type weights). Here the data types are the evidence types of a target:
each gene's row carries its evidence scores, and the score is reproduced from them by :func:`harmonic_score`.

The function is written here (a few numpy lines over genes × evidence types) because no library ships
it: the Platform computes it inside its Spark ETL.
"""

from __future__ import annotations

import math

import numpy as np

HARMONIC_MAX = math.pi**2 / 6  # Σ 1/i² for i = 1, 2, ...: the largest possible harmonic sum


def harmonic_score(evidence: np.ndarray, weights: np.ndarray | list[float] | None = None) -> np.ndarray:
    """Open Targets harmonic sum over the last axis: Σ_i (w·s)_(i) / i², sorted descending, / (π²/6).

    ``evidence`` holds scores in [0, 1] (any leading shape × evidence types); ``weights`` one weight per
    evidence type (default 1). NaN counts as 0 (no evidence). ``[1, 0.9, 0.8]`` with weight 1 gives
    0.79875.
    """
    values = np.asarray(evidence, dtype=np.float64)
    if np.isnan(values).any():
        values = np.nan_to_num(values, nan=0.0)
    if weights is not None:
        values = values * np.asarray(weights, dtype=np.float64)
    ordered = np.sort(values, axis=-1)[..., ::-1]  # largest first
    inverse_squares = 1.0 / np.arange(1, values.shape[-1] + 1, dtype=np.float64) ** 2
    return (ordered * inverse_squares).sum(axis=-1) / HARMONIC_MAX


def ramp(values: np.ndarray, low: float, high: float) -> np.ndarray:
    """0 at or below ``low``, 1 at or above ``high``, linear between; NaN becomes 0."""
    if high <= low:
        raise ValueError(f"ramp needs low < high, got {low} and {high}")
    values = np.asarray(values)
    if not np.issubdtype(values.dtype, np.floating):
        values = values.astype(np.float64)
    scaled = np.clip((values - values.dtype.type(low)) / values.dtype.type(high - low), 0.0, 1.0)
    scaled[np.isnan(scaled)] = 0.0
    return scaled


MAD_TO_SD = 1.4826  # the MAD of a normal distribution times this is its standard deviation


def nan_median(matrix: np.ndarray, axis: int = 0) -> np.ndarray:
    """Median along ``axis`` ignoring NaN (NaN where a column has no value).

    ``np.nanmedian`` loops over columns in Python for matrices with NaN; sorting once (NaN last) and
    picking the middle of each column's observed values is the same median, vectorized.
    """
    ordered = np.sort(np.moveaxis(matrix, axis, 0), axis=0)
    count = (~np.isnan(ordered)).sum(axis=0)
    low = np.clip((count - 1) // 2, 0, None)
    high = np.clip(count // 2, 0, None)
    pick = lambda k: np.take_along_axis(ordered, k[None], axis=0)[0]  # noqa: E731
    with np.errstate(invalid="ignore"):
        return np.where(count > 0, (pick(low) + pick(high)) / 2, np.nan)


def median(matrix: np.ndarray, axis: int = 0) -> np.ndarray:
    return nan_median(matrix, axis) if np.isnan(matrix).any() else np.median(matrix, axis=axis)


def robust_scale(matrix: np.ndarray, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Median and robust spread (1.4826 × MAD; the standard deviation where the MAD is 0) along ``axis``.

    NaN values are ignored. A spread of 0 (a constant feature) stays 0: callers give it no evidence.
    """
    center = median(matrix, axis)
    spread = MAD_TO_SD * median(np.abs(matrix - np.expand_dims(center, axis)), axis)
    zero = spread == 0
    if zero.any():
        with np.errstate(invalid="ignore", divide="ignore"):
            spread = np.where(zero, np.nanstd(matrix, axis=axis), spread)
    return center, spread


def lower_spread(matrix: np.ndarray, center: np.ndarray, axis: int = 0) -> np.ndarray:
    """1.4826 × the median distance below ``center`` of the values at or below it (NaN ignored).

    The yardstick of over-expression: patients above the median — a whole subtype over-expressing the
    gene, at times — would widen a symmetric MAD; the lower half measures the bulk's own spread. Where
    it is 0 (ties at the median), the two-sided robust spread is used.
    """
    below = np.expand_dims(center, axis) - matrix
    below = np.where(below >= 0, below, np.nan)
    spread = MAD_TO_SD * nan_median(below, axis)
    bad = ~(spread > 0)
    if bad.any():
        spread = np.where(bad, robust_scale(matrix, axis)[1], spread)
    return spread


def robust_z(values: np.ndarray, center: np.ndarray, spread: np.ndarray) -> np.ndarray:
    """(values − center) / spread; 0 where the spread is 0 or a value is NaN."""
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (values - center) / spread
    return np.where(np.isfinite(z), z, 0.0)


def rank_order(scores: np.ndarray, genes: np.ndarray) -> np.ndarray:
    """Positions that sort by score (largest first), ties broken by gene name (deterministic)."""
    return np.lexsort((genes, -scores))


def contributions(evidence: np.ndarray, weights: np.ndarray | list[float]) -> np.ndarray:
    """Each evidence type's share of the score: (w·s)/rank² / (π²/6), rank by w·s (ties: column order).

    The shares of a row add up to :func:`harmonic_score` of the row.
    """
    values = np.nan_to_num(np.asarray(evidence, dtype=np.float64), nan=0.0) * np.asarray(weights, dtype=np.float64)
    order = np.argsort(-values, axis=-1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.broadcast_to(np.arange(1, values.shape[-1] + 1), order.shape), axis=-1)
    return values / ranks**2 / HARMONIC_MAX
