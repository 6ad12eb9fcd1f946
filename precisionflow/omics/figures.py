"""QC figures of a normalized layer, drawn from the AnnData alone (so they can be redrawn later).

* per-sample: the distribution of each sample before and after normalization (median, quartiles,
  5–95 % range), and the sample's size factor (count layers) or fraction of missing values;
* PCA: the samples on the first two components of ``X``; with ComBat, before and after side by
  side, coloured by batch.
"""

from __future__ import annotations

import os

import anndata as ad
import matplotlib.pyplot as plt
import numpy as np

from precisionflow.plots import save_png

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def _sample_quantiles(values: np.ndarray) -> np.ndarray:
    """Per-sample 5/25/50/75/95 % quantiles of the finite values (NaN for an empty sample)."""
    out = np.full((values.shape[0], len(QUANTILES)), np.nan)
    for i, row in enumerate(values):
        row = row[np.isfinite(row)]
        if row.size:
            out[i] = np.quantile(row, QUANTILES)
    return out


def _before(adata: ad.AnnData) -> tuple[np.ndarray, str]:
    raw = np.asarray(adata.layers["raw"], dtype=np.float64)
    kind = adata.uns["settings"]["values"]
    if kind == "counts":
        return np.log2(raw + 1), "log2(count + 1), as read"
    if kind == "intensity":
        with np.errstate(divide="ignore"):
            return np.where(raw > 0, np.log2(np.where(raw > 0, raw, 1)), np.nan), "log2 intensity, as read"
    return raw, "values as read"


def _distribution(ax: plt.Axes, q: np.ndarray, title: str, color: str) -> None:
    x = np.arange(q.shape[0])
    ax.vlines(x, q[:, 0], q[:, 4], color=color, alpha=0.35, linewidth=1)
    ax.vlines(x, q[:, 1], q[:, 3], color=color, linewidth=3 if q.shape[0] <= 120 else 1.5)
    ax.plot(x, q[:, 2], "_", color="black", markersize=6 if q.shape[0] <= 120 else 3)
    ax.set_title(title, fontsize=9, loc="left")


def sample_qc_figure(adata: ad.AnnData, path: str | os.PathLike[str]) -> None:
    """Per-sample distributions before/after and the per-sample normalization number."""
    name = adata.uns["layer"]
    before, label = _before(adata)
    after = np.asarray(adata.X, dtype=np.float64)
    kind = adata.uns["settings"]["values"]
    n = adata.n_obs
    width = min(16.0, max(6.0, 0.12 * n + 2))
    fig, axes = plt.subplots(3, 1, figsize=(width, 7.5), sharex=True, gridspec_kw={"height_ratios": [3, 3, 1.6]})
    _distribution(axes[0], _sample_quantiles(before), f"{name}: {label}", "tab:gray")
    if kind == "counts":
        after_label = f"normalized ({adata.uns['size_factors']['method']}, {adata.uns['transform']['method']})"
    else:
        imputation = adata.uns.get("imputation", {}).get("method", "none")
        after_label = f"normalized ({adata.uns['settings']['normalization']}; imputation {imputation})"
    _distribution(axes[1], _sample_quantiles(after), f"{name}: X, {after_label}", "tab:blue")
    if "size_factor" in adata.obs:
        axes[2].bar(np.arange(n), adata.obs["size_factor"].to_numpy(), color="tab:green", width=0.8)
        axes[2].set_ylabel("size factor", fontsize=8)
    else:
        missing = np.asarray(adata.layers["missing"]).mean(axis=1) if "missing" in adata.layers else np.zeros(n)
        axes[2].bar(np.arange(n), missing, color="tab:red", width=0.8)
        axes[2].set_ylabel("fraction missing", fontsize=8)
        axes[2].set_ylim(0, max(0.05, float(missing.max()) * 1.15))
    if n <= 80:
        axes[2].set_xticks(np.arange(n))
        axes[2].set_xticklabels(adata.obs_names, rotation=90, fontsize=6)
    else:
        axes[2].set_xlabel(f"{n} patients (in id order)")
    for ax in axes:
        ax.tick_params(labelsize=7)
        ax.set_xlim(-1, n)
    fig.tight_layout()
    save_png(fig, path)


def _scatter(ax: plt.Axes, coords: np.ndarray, explained: np.ndarray, groups: np.ndarray | None, title: str) -> None:
    if coords.ndim != 2 or coords.shape[1] < 2:  # one sample (or one complete feature): no second component
        coords = np.zeros((len(coords), 2)) if coords.ndim != 2 else np.pad(coords, ((0, 0), (0, 2 - coords.shape[1])))
        title += f" ({coords.shape[0]} sample{'s' if coords.shape[0] != 1 else ''}: no PC2)"
    if groups is None:
        ax.scatter(coords[:, 0], coords[:, 1], s=14, color="tab:blue")
    else:
        for i, level in enumerate(sorted(set(groups))):
            pick = groups == level
            ax.scatter(coords[pick, 0], coords[pick, 1], s=14, color=plt.cm.tab10(i % 10), label=str(level))
        ax.legend(fontsize=7, title="batch", title_fontsize=7, frameon=False)
    ax.set_xlabel(f"PC1 ({100 * explained[0]:.1f} %)", fontsize=8)
    ax.set_ylabel(f"PC2 ({100 * explained[1]:.1f} %)" if explained.size > 1 else "PC2", fontsize=8)
    ax.set_title(title, fontsize=9, loc="left")
    ax.tick_params(labelsize=7)


def pca_figure(adata: ad.AnnData, path: str | os.PathLike[str]) -> None:
    """PCA of X; before/after ComBat when the layer was batch-corrected."""
    name = adata.uns["layer"]
    correction = adata.uns.get("batch_correction")
    if correction is not None:
        groups = adata.obs["batch"].astype(str).to_numpy()
        fig, axes = plt.subplots(1, 2, figsize=(10, 4.4))
        _scatter(
            axes[0],
            np.asarray(correction["pca_before"]),
            np.asarray(correction["pca_before_explained"]),
            groups,
            f"{name}: before ComBat ({correction['column']})",
        )
        _scatter(
            axes[1],
            np.asarray(correction["pca_after"]),
            np.asarray(correction["pca_after_explained"]),
            groups,
            f"{name}: after ComBat",
        )
    else:
        fig, ax = plt.subplots(figsize=(5.2, 4.4))
        _scatter(
            ax,
            np.asarray(adata.uns["pca"]["coords"]),
            np.asarray(adata.uns["pca"]["explained"]),
            None,
            f"{name}: PCA of X",
        )
    fig.tight_layout()
    save_png(fig, path)
