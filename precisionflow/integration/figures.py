"""Figures of the integration step (matplotlib; saved through :func:`precisionflow.plots.save_png`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib import pyplot as plt
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

import precisionflow.plots  # noqa: F401  (selects the Agg backend)

UNLABELLED = "unlabelled"


def variance_explained(r2: pd.DataFrame) -> Figure:
    """Heatmap: factors (rows) × layers (columns), percent of each layer's variance explained."""
    percent = 100 * r2
    figure, (heat, total) = plt.subplots(
        1,
        2,
        figsize=(2.2 + 1.1 * r2.shape[1] + 2.5, 1.2 + 0.35 * r2.shape[0]),
        gridspec_kw={"width_ratios": [r2.shape[1], 2.5]},
    )
    image = heat.imshow(percent.to_numpy(), cmap="Blues", aspect="auto", vmin=0)
    heat.set_xticks(range(r2.shape[1]), r2.columns)
    heat.set_yticks(range(r2.shape[0]), r2.index)
    for (i, j), value in np.ndenumerate(percent.to_numpy()):
        heat.text(
            j,
            i,
            f"{value:.1f}",
            ha="center",
            va="center",
            fontsize=7,
            color="white" if value > percent.to_numpy().max() / 2 else "black",
        )
    heat.set_title("variance explained (%)")
    figure.colorbar(image, ax=heat, fraction=0.05)
    total.barh(range(r2.shape[1]), percent.sum(axis=0).to_numpy(), color="tab:blue")
    total.set_yticks(range(r2.shape[1]), r2.columns)
    total.invert_yaxis()
    total.set_xlabel("all factors (%)")
    figure.tight_layout()
    return figure


def _scatter(axis, coords: pd.DataFrame, groups: pd.Series, title: str) -> None:
    names = sorted(g for g in groups.unique() if g != UNLABELLED)
    palette = plt.get_cmap("tab10" if len(names) <= 10 else "tab20")
    for i, name in enumerate(names):
        ids = groups.index[groups == name]
        axis.scatter(coords.loc[ids, "UMAP1"], coords.loc[ids, "UMAP2"], s=14, color=palette(i % palette.N), label=name)
    ids = groups.index[groups == UNLABELLED]
    if len(ids):
        axis.scatter(
            coords.loc[ids, "UMAP1"],
            coords.loc[ids, "UMAP2"],
            s=18,
            facecolor="none",
            edgecolor="grey",
            label=UNLABELLED,
        )
    axis.set_title(title)
    axis.set_xlabel("UMAP1")
    axis.set_ylabel("UMAP2")
    axis.legend(fontsize=7, frameon=False, loc="best")


def umap(coords: pd.DataFrame, clusters: pd.Series, labels: pd.Series | None, label_name: str | None) -> Figure:
    """UMAP of the joint factors coloured by cluster and, when a label exists, by label."""
    panels = 2 if labels is not None else 1
    figure, axes = plt.subplots(1, panels, figsize=(5 * panels, 4.2), squeeze=False)
    _scatter(axes[0, 0], coords, clusters.loc[coords.index].astype(str), "clusters (joint factors)")
    if labels is not None:
        shown = (
            labels.reindex(coords.index)
            .astype("object")
            .where(labels.reindex(coords.index).notna(), UNLABELLED)
            .astype(str)
        )
        _scatter(axes[0, 1], coords, shown, f"label: {label_name}")
    figure.tight_layout()
    return figure


def feature_importance(table: pd.DataFrame, top: int) -> Figure:
    """Per layer (rows) and class (columns): the ``top`` features by absolute coefficient, signed."""
    layers = sorted(table["layer"].unique())
    classes = sorted(table["class"].unique())
    figure, axes = plt.subplots(
        len(layers), len(classes), figsize=(3.2 * len(classes), 0.25 * top * len(layers) + 1.0), squeeze=False
    )
    for i, layer in enumerate(layers):
        for j, cls in enumerate(classes):
            axis = axes[i, j]
            rows = table[(table["layer"] == layer) & (table["class"] == cls)].nsmallest(top, "rank").iloc[::-1]
            names = [
                f"{f} ({g})" if isinstance(g, str) and g and g != f else str(f)
                for f, g in zip(rows["feature"], rows["gene"], strict=True)
            ]
            colors = ["tab:red" if v > 0 else "tab:blue" for v in rows["importance"]]
            axis.barh(range(len(rows)), rows["importance"].to_numpy(), color=colors)
            axis.set_yticks(range(len(rows)), names, fontsize=7)
            axis.axvline(0, color="black", linewidth=0.5)
            axis.xaxis.set_major_locator(MaxNLocator(nbins=3, symmetric=True))
            axis.set_title(f"{layer} → {cls}", fontsize=9)
            if i == len(layers) - 1:
                axis.set_xlabel("coefficient per SD")
    figure.tight_layout()
    return figure
