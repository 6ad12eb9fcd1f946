"""Kaplan-Meier figures of the outcome step (scikit-survival's estimator, matplotlib)."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib import pyplot as plt
from matplotlib.figure import Figure
from sksurv.nonparametric import kaplan_meier_estimator

import precisionflow.plots  # noqa: F401  (selects the Agg backend)


def _km(axis, groups: pd.Series, survival: pd.DataFrame, title: str) -> None:
    known = groups.reindex(survival.index).notna() & survival["time"].notna()
    labels = groups.reindex(survival.index)[known]
    for level in sorted(labels.unique(), key=str):
        members = labels.index[labels == level]
        x, s = kaplan_meier_estimator(
            survival.loc[members, "event"].to_numpy(dtype=bool), survival.loc[members, "time"].to_numpy(dtype=float)
        )
        axis.step(np.r_[0, x], np.r_[1, s], where="post", label=f"{level} (n={len(members)})")
    axis.set_ylim(0, 1.02)
    axis.set_xlabel("days")
    axis.set_ylabel("survival")
    axis.set_title(title, fontsize=9)
    axis.legend(fontsize=7, loc="lower left")


def km_panels(panels: Mapping[str, pd.Series], survival: pd.DataFrame, columns: int = 3) -> Figure:
    """One Kaplan-Meier panel per entry (title -> group of each patient); a note when there is none."""
    if not panels:
        figure, axis = plt.subplots(figsize=(4, 1.5))
        axis.axis("off")
        axis.text(0.5, 0.5, "nothing to show (no feature of this kind was tested)", ha="center", va="center")
        return figure
    rows = math.ceil(len(panels) / columns)
    width = min(columns, len(panels))
    figure, axes = plt.subplots(rows, width, figsize=(4 * width, 3.3 * rows), squeeze=False)
    for axis, (title, groups) in zip(axes.flat, panels.items()):
        _km(axis, groups, survival, title)
    for axis in list(axes.flat)[len(panels) :]:
        axis.axis("off")
    figure.tight_layout()
    return figure
