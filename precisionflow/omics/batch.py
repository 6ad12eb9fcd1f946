"""Batch correction (ComBat, by inmoose) and the PCA used to show it and to check layers.

ComBat needs complete features with some spread in every batch: features with a missing value,
or constant within a batch, are left as they are (and counted), as R's ``sva::ComBat`` does for
the constant ones.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd

log = logging.getLogger(__name__)


def combat(values: np.ndarray, batches: Sequence[str]) -> tuple[np.ndarray, dict[str, object]]:
    """inmoose's ``pycombat_norm`` (parametric empirical Bayes, ComBat) on samples × features."""
    from inmoose.pycombat import pycombat_norm

    labels = np.asarray([str(b) for b in batches], dtype=object)
    levels = sorted(set(labels))
    sizes = {level: int((labels == level).sum()) for level in levels}
    info: dict[str, object] = {"batches": levels, "batch_sizes": [sizes[level] for level in levels]}
    if len(levels) < 2:
        log.warning("ComBat: a single batch (%r): nothing to correct", levels[0] if levels else None)
        info.update(corrected_features=0, left_features=int(values.shape[1]))
        return values.copy(), info
    complete = ~np.isnan(values).any(axis=0)
    spread = np.ones(values.shape[1], dtype=bool)
    for level in levels:
        members = values[labels == level]
        spread &= members.max(axis=0) > members.min(axis=0)  # NaN compares False: incomplete stays out
    usable = complete & spread
    out = values.copy()
    if usable.any():
        columns = np.flatnonzero(usable)
        frame = pd.DataFrame(values[:, columns].T, columns=[f"s{i}" for i in range(values.shape[0])])
        corrected = pycombat_norm(frame, list(labels))
        out[:, columns] = np.asarray(corrected, dtype=np.float64).T
    info.update(corrected_features=int(usable.sum()), left_features=int((~usable).sum()))
    log.info(
        "ComBat: %d batches %s; %d features corrected, %d left as they are (missing values or constant in a batch)",
        len(levels),
        ", ".join(f"{k} ({v})" for k, v in sizes.items()),
        usable.sum(),
        (~usable).sum(),
    )
    return out, info


def pca(values: np.ndarray, n_components: int = 2, top: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates of the samples on the first principal components of the ``top`` most variable
    complete features (ties broken by position), and the fraction of variance each explains.
    Signs are fixed (largest loading positive) so that the same data give the same picture."""
    complete = values[:, ~np.isnan(values).any(axis=0)]
    n_components = max(1, min(n_components, complete.shape[0], complete.shape[1]))
    if complete.shape[1] == 0 or complete.shape[0] < 2:
        return np.zeros((values.shape[0], n_components)), np.zeros(n_components)
    variance = complete.var(axis=0)
    order = np.lexsort((np.arange(variance.size), -variance))[:top]
    chosen = complete[:, np.sort(order)]
    centred = chosen - chosen.mean(axis=0)
    u, s, vt = np.linalg.svd(centred, full_matrices=False)
    signs = np.sign(vt[np.arange(vt.shape[0]), np.abs(vt).argmax(axis=1)])
    signs[signs == 0] = 1
    coords = (u * s * signs)[:, :n_components]
    total = (s**2).sum()
    explained = (s[:n_components] ** 2) / total if total > 0 else np.zeros(n_components)
    if coords.shape[1] < n_components:
        coords = np.pad(coords, ((0, 0), (0, n_components - coords.shape[1])))
    return coords, explained
