"""Per-patient figures as small inline SVG, drawn by Jinja2 templates from coordinates computed here.

Written by hand on purpose: a dossier set of 1,000 patients must build in under two minutes, and two
matplotlib figures per patient cost more than that alone; the plotting libraries that draw in the
browser (Plotly, Vega) would add 1–4 MB of JavaScript to every page. A genome-wide copy-number track
and a scatter of the cohort are a few dozen SVG elements. The cohort figures of the index page, drawn
once, use matplotlib (:mod:`precisionflow.dossier.figures`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd
from markupsafe import Markup

from precisionflow.references import contig_key

CALL_COLOURS = {"amp": "#b2182b", "gain": "#ef8a62", "neutral": "#8c8c8c", "loss": "#67a9cf", "deep_loss": "#2166ac"}
CLUSTER_COLOURS = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666"]
WIDTH, CN_HEIGHT, MARGIN = 900, 170, 30
SCATTER_SIZE = 300
MAX_CN_SHOWN = 8.0  # copies; higher values are drawn at the top edge (and labelled with their value)


def contig_sort_key(name: str) -> tuple[int, str]:
    bare = contig_key(str(name))
    return (int(bare), "") if bare.isdigit() else (100 + {"X": 0, "Y": 1}.get(bare, 2), bare)


@dataclass(frozen=True)
class GenomeAxis:
    """Where each contig starts on a genome-wide x axis (from the cohort's copy-number table)."""

    contigs: tuple[str, ...]
    offsets: dict[str, float]
    lengths: dict[str, float]
    total: float

    @classmethod
    def from_calls(cls, copy_number: pd.DataFrame) -> GenomeAxis:
        ends = copy_number.dropna(subset=["chrom", "end"]).groupby(copy_number["chrom"].astype(str))["end"].max()
        contigs = tuple(sorted(ends.index, key=contig_sort_key))
        offsets, position = {}, 0.0
        for contig in contigs:
            offsets[contig] = position
            position += float(ends[contig])
        return cls(contigs, offsets, {c: float(ends[c]) for c in contigs}, max(position, 1.0))

    @functools.cached_property
    def bands(self) -> list[dict]:
        """Each contig's span on the x axis, shaded every other one, with its label."""
        scale = (WIDTH - 2 * MARGIN) / self.total
        return [
            {
                "x": round(MARGIN + self.offsets[c] * scale, 1),
                "width": round(self.lengths[c] * scale, 1),
                "label": contig_key(c),
                "shade": i % 2 == 1,
            }
            for i, c in enumerate(self.contigs)
        ]

    def x(self, chrom: pd.Series, position: pd.Series) -> np.ndarray:
        offset = chrom.astype(str).map(self.offsets).to_numpy(dtype=float)
        return MARGIN + (offset + position.to_numpy(dtype=float)) / self.total * (WIDTH - 2 * MARGIN)


def copy_number_track(calls: pd.DataFrame, axis: GenomeAxis) -> dict:
    """Segments (runs of adjacent genes with one total copy number) in SVG coordinates, and contig bands."""
    rows = calls.dropna(subset=["chrom", "start", "end"])
    rows = rows.assign(_contig=rows["chrom"].astype(str).map({c: i for i, c in enumerate(axis.contigs)}))
    rows = rows.dropna(subset=["_contig"]).sort_values(["_contig", "start"], kind="stable")
    x0, x1 = axis.x(rows["chrom"], rows["start"]), axis.x(rows["chrom"], rows["end"])
    cn = rows["total_cn"].to_numpy(dtype=float)
    y = CN_HEIGHT - MARGIN - np.minimum(cn, MAX_CN_SHOWN) / MAX_CN_SHOWN * (CN_HEIGHT - 2 * MARGIN)
    calls_ = rows["call"].astype(str).to_numpy()
    contig = rows["_contig"].to_numpy()
    segments = []
    start = 0
    for i in range(1, len(rows) + 1):  # close a run where the contig, copy number or call changes
        if i == len(rows) or contig[i] != contig[start] or cn[i] != cn[start] or calls_[i] != calls_[start]:
            segments.append(
                {
                    "x0": round(x0[start], 1),
                    "x1": round(max(x1[i - 1], x0[start] + 1), 1),
                    "y": round(y[start], 1),
                    "colour": CALL_COLOURS.get(calls_[start], "#000"),
                    "cn": cn[start],
                    "call": calls_[start],
                }
            )
            start = i
    bands = axis.bands
    ticks = [
        {"cn": v, "y": round(CN_HEIGHT - MARGIN - v / MAX_CN_SHOWN * (CN_HEIGHT - 2 * MARGIN), 1)}
        for v in (0, 2, 4, 6, 8)
    ]
    return {
        "width": WIDTH,
        "height": CN_HEIGHT,
        "margin": MARGIN,
        "segments": segments,
        "bands": bands,
        "ticks": ticks,
        "colours": CALL_COLOURS,
    }


@dataclass(frozen=True)
class Scatter:
    """The cohort's UMAP scaled to the SVG box, each patient's point coloured by cluster."""

    points: dict[str, tuple[float, float, str]]  # patient -> (x, y, colour)
    legend: list[tuple[str, str]]  # (cluster, colour)

    @classmethod
    def from_umap(cls, umap: pd.DataFrame, clusters: pd.Series | None) -> Scatter:
        inner = SCATTER_SIZE - 2 * MARGIN
        scaled = {}
        for column in ("UMAP1", "UMAP2"):
            values = umap[column].to_numpy(dtype=float)
            span = float(np.nanmax(values) - np.nanmin(values)) or 1.0
            scaled[column] = (values - np.nanmin(values)) / span * inner
        names = (
            clusters.reindex(umap.index).fillna("none").astype(str)
            if clusters is not None
            else pd.Series("cohort", index=umap.index)
        )
        colour = {name: CLUSTER_COLOURS[i % len(CLUSTER_COLOURS)] for i, name in enumerate(sorted(names.unique()))}
        points = {
            str(p): (round(MARGIN + float(x), 1), round(SCATTER_SIZE - MARGIN - float(y), 1), colour[names[p]])
            for p, x, y in zip(umap.index, scaled["UMAP1"], scaled["UMAP2"], strict=True)
        }
        return cls(points, sorted(colour.items()))


def markup(text: str) -> Markup:
    return Markup(text)
