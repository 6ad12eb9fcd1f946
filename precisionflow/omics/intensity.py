"""Intensity layers (MaxQuant LFQ, other proteomics): log2, valid values, normalization, MinProb.

Matrices are samples × proteins on the log2 scale with NaN where a protein was not measured.

Two algorithms are written here because no Python library available to the project implements
them as the field defines them:

* :func:`quantile_normalize` is limma's ``normalizeQuantiles`` (Bolstad et al. 2003, with
  limma's handling of missing values and ties), checked against limma in the tests;
* :func:`minprob` is imputeLCMD's ``impute.MinProb``: per sample, draws from
  N(q-quantile of the sample, (median SD of the proteins observed in more than half of the
  samples × tune.sigma)²), seeded (the numbers differ from R's generator, the distribution does not).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence

import numpy as np
from scipy.stats import rankdata

from precisionflow.settings import defaults

log = logging.getLogger(__name__)


def log2_intensities(raw: np.ndarray) -> np.ndarray:
    """log2 of intensities; 0 and blank (not measured) become NaN."""
    values = raw.astype(np.float64, copy=True)
    values[~(values > 0)] = np.nan
    return np.log2(values, out=values)


def valid_value_filter(values: np.ndarray, min_fraction: float, groups: Sequence[object] | None = None) -> np.ndarray:
    """Proteins observed in at least ``min_fraction`` of the samples: overall, or, with ``groups``
    (one label per sample; None = no group), in at least one group (DEP's ``filter_missval``)."""
    observed = ~np.isnan(values)
    if groups is None:
        return observed.mean(axis=0) >= min_fraction - 1e-12
    labels = np.array([None if g is None else str(g) for g in groups], dtype=object)
    keep = np.zeros(values.shape[1], dtype=bool)
    for group in sorted({g for g in labels if g is not None}):
        members = labels == group
        keep |= observed[members].mean(axis=0) >= min_fraction - 1e-12
    return keep


def median_center(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Subtract each sample's median (of its measured values) and add back the median of those
    medians, so that every sample has the same median and the scale stays log2 intensity."""
    medians = np.nanmedian(values, axis=1)
    return values - medians[:, None] + np.median(medians), medians


def quantile_normalize(values: np.ndarray) -> np.ndarray:
    """limma's ``normalizeQuantiles(A, ties = TRUE)`` on samples × proteins, NaN allowed.

    Each sample's sorted measured values are stretched by linear interpolation to the full grid of
    quantiles; the reference distribution is their mean; every measured value is then replaced by
    the reference at its (tie-averaged) rank, interpolated in the same way. Without missing values
    or ties, all samples end with exactly the same values (Bolstad's quantile normalization).
    """
    a = values.T  # limma works on columns (samples)
    n_features, n_samples = a.shape
    if n_samples == 1 or n_features < 2:
        return values.copy()
    grid = np.arange(n_features) / (n_features - 1)
    sorted_stretched = np.empty((n_features, n_samples))
    for j in range(n_samples):
        column = a[:, j]
        observed = np.sort(column[~np.isnan(column)])
        if observed.size == n_features:
            sorted_stretched[:, j] = observed
        else:
            sorted_stretched[:, j] = np.interp(grid, np.arange(observed.size) / (observed.size - 1), observed)
    reference = sorted_stretched.mean(axis=1)
    out = np.full_like(a, np.nan)
    for j in range(n_samples):
        column = a[:, j]
        measured = ~np.isnan(column)
        ranks = rankdata(column[measured])
        out[measured, j] = np.interp((ranks - 1) / (measured.sum() - 1), grid, reference)
    return np.ascontiguousarray(out.T)


# the config's defaults (omics schema, ``minprob:``), for callers that give none
MINPROB = defaults("omics")["minprob"]


def minprob(
    values: np.ndarray, q: float = MINPROB["q"], tune_sigma: float = MINPROB["tune_sigma"], seed: int = MINPROB["seed"]
) -> tuple[np.ndarray, dict[str, object]]:
    """imputeLCMD's ``impute.MinProb`` on samples × proteins: returns the imputed matrix and the
    parameters used (per-sample means, the common SD)."""
    n_samples, n_features = values.shape
    means = np.nanquantile(values, q, axis=1)  # R's quantile type 7
    observed_fraction = (~np.isnan(values)).sum(axis=0) / n_samples
    well = values[:, observed_fraction > 0.5]
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # proteins with one value: SD is NaN, skipped
        sds = np.nanstd(well, axis=0, ddof=1)
    sds = sds[~np.isnan(sds)]
    if sds.size == 0:
        raise ValueError(
            "MinProb needs proteins measured in more than half of the samples (their SD sets the width of the draws)"
        )
    sd = float(np.median(sds) * tune_sigma)
    rng = np.random.default_rng(seed)
    out = values.copy()
    for i in range(n_samples):
        draws = rng.normal(means[i], sd, size=n_features)  # one draw per protein, as imputeLCMD
        missing = np.isnan(values[i])
        out[i, missing] = draws[missing]
    log.info(
        "MinProb: %d values imputed; q = %g, SD = %.4g (median protein SD × %g), seed %d",
        int(np.isnan(values).sum()),
        q,
        sd,
        tune_sigma,
        seed,
    )
    return out, {"q": q, "tune_sigma": tune_sigma, "seed": seed, "sd": sd, "sample_means": means}
