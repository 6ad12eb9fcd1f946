"""The cohort index's figures, drawn with matplotlib and inlined as PNG data URIs (no file beside the page).

The per-patient figures are inline SVG (:mod:`precisionflow.dossier.svg`).

PNG with the Software metadata removed gives the same bytes for the same data (precisionflow.plots).
"""

from __future__ import annotations

import base64
import io

import matplotlib

matplotlib.use("Agg")
import pandas as pd
from matplotlib.figure import Figure

DPI = 80


def data_uri(figure: Figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight", metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def umap_plot(umap: pd.DataFrame, clusters: pd.Series | None, patient: str) -> str:
    """The cohort on its UMAP, coloured by cluster, with this patient marked."""
    figure = Figure(figsize=(4, 3.2))
    ax = figure.subplots()
    if clusters is not None:
        groups = clusters.reindex(umap.index).astype(str)
        for name in sorted(groups.unique()):
            rows = umap[groups == name]
            ax.scatter(rows["UMAP1"], rows["UMAP2"], s=12, label=f"cluster {name}", alpha=0.7, lw=0)
        ax.legend(fontsize=6, frameon=False)
    else:
        ax.scatter(umap["UMAP1"], umap["UMAP2"], s=12, c="#999999", lw=0)
    if patient in umap.index:
        ax.scatter(
            [umap.at[patient, "UMAP1"]], [umap.at[patient, "UMAP2"]], s=120, marker="*", c="black", label="this patient"
        )
        ax.annotate(
            "this patient",
            (umap.at[patient, "UMAP1"], umap.at[patient, "UMAP2"]),
            fontsize=7,
            xytext=(5, 5),
            textcoords="offset points",
        )
    ax.set_xlabel("UMAP1")
    ax.set_ylabel("UMAP2")
    return data_uri(figure)


def tmb_histogram(tmb: pd.Series, patient: str | None = None) -> str:
    """The cohort's TMB distribution, with this patient's value marked when given."""
    figure = Figure(figsize=(4, 2.4))
    ax = figure.subplots()
    values = tmb.astype(float)
    ax.hist(values, bins=min(30, max(5, len(values) // 2)), color="#7f8c8d")
    if patient is not None and patient in tmb.index:
        ax.axvline(float(tmb[patient]), color="#c0392b", lw=2, label="this patient")
        ax.legend(fontsize=7, frameon=False)
    ax.set_xlabel("mutations per Mb")
    ax.set_ylabel("patients")
    return data_uri(figure)


def oncoplot(altered: pd.DataFrame) -> str:
    """Genes × patients: a mark where the patient has a non-synonymous mutation (the most altered genes)."""
    figure = Figure(figsize=(9, 0.25 * max(4, len(altered)) + 1))
    ax = figure.subplots()
    ax.imshow(altered.to_numpy(dtype=float), aspect="auto", cmap="Greys", vmin=0, vmax=1, interpolation="nearest")
    ax.set_yticks(
        range(len(altered)),
        [f"{g} ({int(n)})" for g, n in zip(altered.index, altered.sum(axis=1), strict=True)],
        fontsize=7,
    )
    ax.set_xticks([])
    ax.set_xlabel(f"{altered.shape[1]} patients")
    return data_uri(figure)
