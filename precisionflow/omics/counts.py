"""Count layers (RNA-seq, any count matrix): low-count filter, size factors, transforms.

Matrices are samples × genes (AnnData's orientation, PyDESeq2's too). Large cohorts are the
point here (1,000 samples × 60,000 genes is a 480 MB count matrix), so every step works on blocks
of rows or columns and the only full-size arrays are the counts and the normalized values.

* ``median_of_ratios``: DESeq2's size factors, computed with PyDESeq2's own functions
  (:func:`pydeseq2.preprocessing.deseq2_norm_fit` per block of genes,
  :func:`~pydeseq2.preprocessing.deseq2_norm_transform` per block of samples: both are per gene /
  per sample, so blocks give the same numbers with a fraction of the memory). When every gene has a
  zero, median-of-ratios is undefined: PyDESeq2's ``poscounts`` (default) or ``iterative`` fit is
  used instead, with a warning in the log.
* ``tmm``: edgeR's ``calcNormFactors(method = "TMM")``, written here because no Python library
  reproduces edgeR (``conorm`` picks another reference column and trims by quantile instead of by
  rank; see the tests). Size factors are the effective library sizes in millions, so that
  normalized counts are edgeR's ``cpm()``.
* ``cpm``: library size in millions.
* ``vst``: DESeq2's variance-stabilizing transformation as PyDESeq2 computes it (its gene-wise
  dispersions and parametric trend, on ``nsub`` genes spread over the expression range as DESeq2's
  ``vst()`` does; all genes when ``nsub`` is null, which is exactly PyDESeq2's ``vst()``), applied
  to all genes block by block; ``log2``: log2(normalized + 1).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator

import numpy as np
import pandas as pd

log = logging.getLogger(__name__)

BLOCK_BYTES = 64 * 2**20  # temporary arrays per block stay around this size


def blocks(n: int, other: int, itemsize: int = 8) -> Iterator[slice]:
    """Slices of ``range(n)`` whose blocks (× ``other``) take about BLOCK_BYTES each."""
    step = max(1, BLOCK_BYTES // max(1, other * itemsize))
    for start in range(0, n, step):
        yield slice(start, min(n, start + step))


def low_count_filter(counts: np.ndarray, min_count: float, min_samples_fraction: float) -> tuple[np.ndarray, int]:
    """Genes with at least ``min_count`` reads in at least ``ceil(fraction × samples)`` samples
    (at least one sample); genes that are zero everywhere never pass. Returns the mask and the
    number of samples required."""
    n = counts.shape[0]
    need = max(1, int(np.ceil(min_samples_fraction * n - 1e-9)))
    keep = np.empty(counts.shape[1], dtype=bool)
    for cols in blocks(counts.shape[1], n, 1):
        block = counts[:, cols]
        keep[cols] = ((block >= min_count) & (block > 0)).sum(axis=0) >= need
    return keep, need


# --- size factors --------------------------------------------------------------------------------


def median_of_ratios(counts: np.ndarray) -> np.ndarray | None:
    """DESeq2 size factors with PyDESeq2's functions, block by block; None when every gene has a
    zero (no gene has a finite geometric mean)."""
    from pydeseq2.preprocessing import deseq2_norm_fit, deseq2_norm_transform

    n, g = counts.shape
    logmeans = np.empty(g)
    usable = np.empty(g, dtype=bool)
    for cols in blocks(g, n):
        logmeans[cols], usable[cols] = deseq2_norm_fit(counts[:, cols])
    if not usable.any():
        return None
    factors = np.empty(n)
    columns = np.flatnonzero(usable)
    for rows in blocks(n, columns.size):
        _, factors[rows] = deseq2_norm_transform(
            counts[rows][:, columns], logmeans[columns], np.ones(columns.size, dtype=bool)
        )
    return factors


def deseq_dataset(counts: np.ndarray, threads: int = 1):
    """A PyDESeq2 DeseqDataSet of samples × genes counts with an intercept-only design."""
    from pydeseq2.dds import DeseqDataSet

    index = [f"s{i}" for i in range(counts.shape[0])]
    return DeseqDataSet(
        counts=pd.DataFrame(counts, index=index, columns=[f"g{j}" for j in range(counts.shape[1])]),
        metadata=pd.DataFrame({"all": ["all"] * counts.shape[0]}, index=index),
        design="~1",
        quiet=True,
        n_cpus=threads,
    )


def pydeseq2_size_factors(counts: np.ndarray, fit_type: str, threads: int = 1) -> np.ndarray:
    """PyDESeq2's ``poscounts`` or ``iterative`` size factors (intercept-only design)."""
    dds = deseq_dataset(counts, threads)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        dds.fit_size_factors(fit_type=fit_type)
    return np.asarray(dds.obs["size_factors"], dtype=np.float64)


def rank_window(values: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Per row, the non-NaN values whose rank among the row's non-NaN values (R's ``rank()``:
    ties get their average rank) lies in [lo, hi]. One sort per row instead of a full ranking:
    values strictly between the lo-th and hi-th smallest are inside; a value equal to either of
    those is inside when the average rank of its tie group is."""
    ordered = np.sort(values, axis=1)  # NaN last
    rows = np.arange(values.shape[0])
    n = (~np.isnan(values)).sum(axis=1)
    keep = np.zeros(values.shape, dtype=bool)
    ok = n > 0
    if not ok.any():
        return keep
    first = ordered[rows, np.clip(lo.astype(int) - 1, 0, np.maximum(n - 1, 0))][:, None]
    last = ordered[rows, np.clip(hi.astype(int) - 1, 0, np.maximum(n - 1, 0))][:, None]
    keep = (values > first) & (values < last)
    for bound in (first, last):
        below = (ordered < bound).sum(axis=1)  # NaN compares False
        ties = (ordered == bound).sum(axis=1)
        average = below + (ties + 1) / 2
        inside = (average >= lo) & (average <= hi)
        keep |= (values == bound) & inside[:, None]
    keep &= ok[:, None]
    return keep


def tmm_factors(
    counts: np.ndarray,
    logratio_trim: float = 0.3,
    sum_trim: float = 0.05,
    weighting: bool = True,
    a_cutoff: float = -1e10,
) -> tuple[np.ndarray, int]:
    """edgeR's TMM normalization factors (``calcNormFactors(method = "TMM")``, edgeR 3.40–4.x):
    reference = the sample whose upper-quartile of counts / library size is closest to their mean;
    per sample, genes with a count in both are trimmed by rank, 30 % of log-ratios (M) and 5 % of
    average log-expressions (A) at each end, and the rest averaged with precision weights; the
    factors are rescaled to a geometric mean of 1. Returns the factors and the reference (0-based).
    """
    n = counts.shape[0]
    library = counts.sum(axis=1).astype(np.float64)
    columns = np.flatnonzero((counts > 0).any(axis=0))  # edgeR drops genes that are zero everywhere
    if n == 1 or columns.size == 0:
        return np.ones(n), 0
    width = columns.size
    upper = np.empty(n)
    for rows in blocks(n, width):
        upper[rows] = np.quantile(counts[rows][:, columns].astype(np.float64), 0.75, axis=1)  # R's type 7 = "linear"
    upper /= library
    if np.median(upper) < 1e-20:
        reference = int(np.argmax([np.sqrt(counts[i, columns].astype(np.float64)).sum() for i in range(n)]))
    else:
        reference = int(np.argmin(np.abs(upper - upper.mean())))
    ref = counts[reference, columns].astype(np.float64)
    ref_size = library[reference]
    factors = np.ones(n)
    for rows in blocks(n, width * 8):
        obs = counts[rows][:, columns].astype(np.float64)
        sizes = library[rows][:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            # edgeR's own expressions, operation for operation: tied genes must stay exactly tied
            m = np.log2((obs / sizes) / (ref / ref_size))
            a = (np.log2(obs / sizes) + np.log2(ref / ref_size)) / 2
            v = (sizes - obs) / sizes / obs + (ref_size - ref) / ref_size / ref
        finite = np.isfinite(m) & np.isfinite(a) & (a > a_cutoff)
        m = np.where(finite, m, np.nan)
        a = np.where(finite, a, np.nan)
        count = finite.sum(axis=1)
        lo_m = np.floor(count * logratio_trim) + 1
        lo_a = np.floor(count * sum_trim) + 1
        keep = rank_window(m, lo_m, count + 1 - lo_m) & rank_window(a, lo_a, count + 1 - lo_a)
        with np.errstate(divide="ignore", invalid="ignore"):
            if weighting:
                f = np.where(keep, m / v, 0).sum(axis=1) / np.where(keep, 1 / v, 0).sum(axis=1)
            else:
                f = np.where(keep, m, 0).sum(axis=1) / keep.sum(axis=1)
        max_abs = np.where(finite, np.abs(m), 0).max(axis=1, initial=0)
        f = np.where(np.isnan(f), 0, f)  # no shared genes: factor 1, as edgeR
        f = np.where(max_abs < 1e-6, 0, f)  # identical to the reference: 1
        factors[rows] = 2**f
    return factors / np.exp(np.mean(np.log(factors))), reference


def size_factors(
    counts: np.ndarray, method: str, fallback: str = "poscounts", threads: int = 1
) -> tuple[np.ndarray, dict[str, object]]:
    """Size factors by ``method``; normalized counts are ``counts / size_factor``."""
    library = counts.sum(axis=1).astype(np.float64)
    info: dict[str, object] = {"method": method}
    if method == "median_of_ratios":
        factors = median_of_ratios(counts)
        if factors is None:
            log.warning(
                "every gene has a zero in some sample; "
                "size factors by PyDESeq2's %s method instead of median-of-ratios",
                fallback,
            )
            factors = pydeseq2_size_factors(counts, fallback, threads)
            info["fallback"] = fallback
        return factors, info
    if method == "tmm":
        norm, reference = tmm_factors(counts)
        info["reference_sample_index"] = reference
        info["tmm_factors"] = norm
        return library * norm / 1e6, info
    if method == "cpm":
        return library / 1e6, info
    if method == "none":
        return np.ones(counts.shape[0]), info
    raise ValueError(f"unknown size factor method {method!r}")


# --- transforms ----------------------------------------------------------------------------------


def normalized(counts: np.ndarray, factors: np.ndarray) -> np.ndarray:
    """counts / size factor per sample, as float64 (one full-size allocation)."""
    out = np.empty(counts.shape, dtype=np.float64)
    for rows in blocks(counts.shape[0], counts.shape[1]):
        np.divide(counts[rows], factors[rows, None], out=out[rows])
    return out


def vst_subset(mean_normed: np.ndarray, nsub: int | None) -> np.ndarray:
    """Genes the dispersion trend is fitted on: DESeq2's ``vst()`` takes ``nsub`` genes with mean
    normalized count > 5, evenly spaced in the order of that mean; all genes when ``nsub`` is
    null or when fewer genes than that qualify (as ``varianceStabilizingTransformation``)."""
    all_genes = np.arange(mean_normed.size)
    if nsub is None:
        return all_genes
    eligible = np.flatnonzero(mean_normed > 5)
    if eligible.size < nsub:
        log.info(
            "VST: %d genes with mean normalized count > 5 (< nsub = %d): dispersion trend fitted on all genes",
            eligible.size,
            nsub,
        )
        return all_genes
    order = eligible[np.argsort(mean_normed[eligible], kind="stable")]
    # R: o[round(seq(1, length(o), length.out = nsub))]; R's round() halves to even, as numpy's
    picks = np.round(np.linspace(1, order.size, nsub)).astype(int) - 1
    return np.sort(order[picks])


def vst_fit(
    counts: np.ndarray, factors: np.ndarray, normed: np.ndarray, genes: np.ndarray, threads: int = 1
) -> dict[str, float | str]:
    """PyDESeq2's VST fit (gene-wise dispersions, then the parametric trend a0 + a1/mean, or the
    mean dispersion when the trend does not converge) on the ``genes`` columns, with the size
    factors of the whole matrix (as DESeq2's ``vst()`` keeps them for its subset)."""
    dds = deseq_dataset(np.ascontiguousarray(counts[:, genes]), threads)
    # PyDESeq2's vst_fit() would refit size factors on the subset; its steps are called directly
    # with the size factors of all genes (pinned pydeseq2 0.5.4: these are its vst_fit's own steps).
    dds.obs["size_factors"] = factors
    dds.layers["normed_counts"] = np.ascontiguousarray(normed[:, genes])
    dds.var["_normed_means"] = dds.layers["normed_counts"].mean(axis=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        dds.fit_genewise_dispersions(vst=True)
        dds._fit_parametric_dispersion_trend(vst=True)
    if "vst_trend_coeffs" in dds.uns:
        a0, a1 = (float(c) for c in dds.uns["vst_trend_coeffs"])
        return {"fit": "parametric", "a0": a0, "a1": a1, "n_genes": int(genes.size)}
    # The trend did not converge; PyDESeq2's "mean" VST: trimmed mean of the gene-wise dispersions
    from scipy.stats import trim_mean

    dispersions = dds.var["vst_genewise_dispersions"]
    mean_disp = float(trim_mean(dispersions[dispersions > 10 * dds.min_disp], proportiontocut=0.001))
    log.warning(
        "VST: the dispersion trend did not converge; mean dispersion %.4g used (PyDESeq2's fit_type 'mean')", mean_disp
    )
    return {"fit": "mean", "mean_dispersion": mean_disp, "n_genes": int(genes.size)}


def vst_apply(normed: np.ndarray, fit: dict[str, float | str]) -> np.ndarray:
    """PyDESeq2's ``vst_transform`` formulas, in place on ``normed``, block by block."""
    for rows in blocks(normed.shape[0], normed.shape[1] * 3):
        q = normed[rows]
        if fit["fit"] == "parametric":
            a0, a1 = float(fit["a0"]), float(fit["a1"])
            normed[rows] = np.log2((1 + a1 + 2 * a0 * q + 2 * np.sqrt(a0 * q * (1 + a1 + a0 * q))) / (4 * a0))
        else:
            d = float(fit["mean_dispersion"])
            normed[rows] = (2 * np.arcsinh(np.sqrt(d * q)) - np.log(d) - np.log(4)) / np.log(2)
    return normed


def log2_apply(normed: np.ndarray) -> np.ndarray:
    """log2(normalized + 1), in place, block by block."""
    for rows in blocks(normed.shape[0], normed.shape[1]):
        np.log2(normed[rows] + 1, out=normed[rows])
    return normed
