"""The normalization of one layer's samples × features matrix: counts (low-count filter, size factors,
VST or log2) or intensities (valid-value filter, median centering or quantile normalization, MinProb)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np

from precisionflow.errors import InputError
from precisionflow.omics import counts as counts_mod
from precisionflow.omics import intensity as intensity_mod
from precisionflow.omics.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class Normalized:
    """What a normalization step returns: the features kept (mask over the input), their raw
    values, the normalized ``X``, the not-measured mask (non-count layers), per-sample QC, and uns."""

    keep: np.ndarray
    raw: np.ndarray
    X: np.ndarray
    missing: np.ndarray | None
    obs: dict[str, Any]
    uns: dict[str, Any]


# PyDESeq2's VST estimates each gene's dispersion from the spread over samples beyond the design's one
# variable (~1): it needs at least 2 samples (one sample: its ValueError "no replicates").
MIN_VST_SAMPLES = 2


def check_vst_samples(s: Settings, layer: str, n_samples: int) -> None:
    if s.transform == "vst" and n_samples < MIN_VST_SAMPLES:
        raise InputError(
            s.path,
            "sample ids",
            f"at least {MIN_VST_SAMPLES} samples for the VST (each gene's dispersion is estimated across samples), "
            f"or transform: log2 under omics/{layer}",
            f"{n_samples} sample",
        )


def normalize_counts(counts: np.ndarray, s: Settings, threads: int = 1) -> Normalized:
    """Low-count filter, size factors and transform of a samples × genes count matrix.

    Pass the matrix without keeping another reference to it: once filtered, the unfiltered counts
    are freed, so that the peak stays near the counts plus one normalized copy."""
    n_in = counts.shape[1]
    min_count, fraction = float(s.filters["min_count"]), float(s.filters["min_samples_fraction"])
    keep, need = counts_mod.low_count_filter(counts, min_count, fraction)
    if not keep.all():
        counts = np.ascontiguousarray(counts[:, keep])
    log.info(
        "low-count filter: %d of %d genes kept (≥ %g reads in ≥ %d of %d samples)",
        keep.sum(),
        n_in,
        min_count,
        need,
        counts.shape[0],
    )
    filter_info = {"features_read": n_in, "features_kept": int(keep.sum()), "min_count": min_count, "min_samples": need}
    if not keep.any():
        return Normalized(keep, counts, np.empty(counts.shape), None, {}, {"filter": filter_info})
    factors, sf_info = counts_mod.size_factors(counts, s.normalization, s.size_factor_fallback, threads)
    normed = counts_mod.normalized(counts, factors)
    transform_info: dict[str, Any] = {"method": s.transform}
    if s.transform == "vst":
        genes = counts_mod.vst_subset(normed.mean(axis=0), s.vst_nsub)
        fit = counts_mod.vst_fit(counts, factors, normed, genes, threads)
        transform_info.update(fit)
        X = counts_mod.vst_apply(normed, fit)
    elif s.transform == "log2":
        X = counts_mod.log2_apply(normed)
    else:
        X = normed
    obs = {
        "size_factor": factors,
        "library_size": counts.sum(axis=1).astype(np.float64),
        "detected_features": (counts > 0).sum(axis=1),
    }
    if "tmm_factors" in sf_info:
        obs["tmm_factor"] = sf_info.pop("tmm_factors")
    return Normalized(
        keep, counts, X, None, obs, {"filter": filter_info, "size_factors": sf_info, "transform": transform_info}
    )


def normalize_intensities(raw: np.ndarray, s: Settings, groups: list[str | None] | None = None) -> Normalized:
    """zeros → missing and log2 (``values: intensity``), valid-value filter, median centering or
    quantile normalization, MinProb imputation, on samples × features."""
    values = intensity_mod.log2_intensities(raw) if s.values == "intensity" else raw.astype(np.float64, copy=True)
    n_in = values.shape[1]
    min_fraction = float(s.filters["min_observed_fraction"])
    keep = intensity_mod.valid_value_filter(values, min_fraction, groups)
    where = "overall" if groups is None else f"in at least one group of {s.filters['group_column']!r}"
    log.info(
        "valid-value filter: %d of %d features kept (measured in ≥ %.0f%% of samples %s)",
        keep.sum(),
        n_in,
        100 * min_fraction,
        where,
    )
    uns: dict[str, Any] = {
        "filter": {
            "features_read": int(n_in),
            "features_kept": int(keep.sum()),
            "min_observed_fraction": min_fraction,
            "by": where,
        }
    }
    values = values[:, keep]
    missing = np.isnan(values)
    measured = (~missing).sum(axis=1)
    obs = {
        "measured_features": measured,
        "fraction_missing": missing.mean(axis=1) if keep.any() else np.ones(len(measured)),
    }
    if not keep.any() or (measured < 2).any():
        return Normalized(keep, raw[:, keep], values, missing, obs, uns)
    obs["median_before"] = np.nanmedian(values, axis=1)
    if s.normalization == "median":
        values, _ = intensity_mod.median_center(values)
    elif s.normalization == "quantile":
        values = intensity_mod.quantile_normalize(values)
    uns["normalization"] = {"method": s.normalization}
    if s.imputation == "minprob" and missing.any():
        mp = s.minprob
        values, info = intensity_mod.minprob(values, float(mp["q"]), float(mp["tune_sigma"]), int(mp["seed"]))
        uns["imputation"] = {"method": "minprob", **info, "imputed_values": int(missing.sum())}
    else:
        uns["imputation"] = {"method": s.imputation, "imputed_values": 0}
    return Normalized(keep, raw[:, keep], values, missing, obs, uns)
