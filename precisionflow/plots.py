"""Figures for the report, saved so that the same data give the same bytes."""

from __future__ import annotations

import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from precisionflow.io import atomic_path  # noqa: E402


def save_png(figure: Figure, path: str | os.PathLike[str], dpi: int = 110) -> None:
    """Save a PNG without the metadata that would change between matplotlib builds, then close it."""
    with atomic_path(path) as tmp:
        figure.savefig(tmp, format="png", dpi=dpi, bbox_inches="tight", metadata={"Software": None})
    plt.close(figure)
