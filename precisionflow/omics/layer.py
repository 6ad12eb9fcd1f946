"""One layer under ``omics:`` from its file to ``results/omics/{layer}.h5ad``.

The AnnData is patients × features (public patient ids, sorted): ``layers["raw"]`` holds the
numbers as read (for the features kept), ``X`` the normalized values, ``obs`` per-sample QC
(``size_factor`` for count layers), ``var["gene"]`` the gene symbol where known,
``layers["missing"]`` (non-count layers) True where a value was not measured (and so imputed when
imputation is on), and ``uns`` the parameters used and the QC numbers of each step.

What happens depends on the layer's ``values`` (see config/README.md, section omics):

* ``counts``: low-count filter → size factors (median-of-ratios, TMM, CPM) → VST or log2;
* ``intensity``: zeros → missing, log2 → valid-value filter → median centering or quantile
  normalization → MinProb imputation;
* ``log``: checked (finite, not counts) and passed through;

then, for every kind, ComBat on a sheet ``batch`` column and per-feature scaling, if configured.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import anndata as ad
import numpy as np
import pandas as pd

from precisionflow.errors import InputError, shorten
from precisionflow.omics import batch as batch_mod
from precisionflow.omics.genes import GeneReference, gene_columns, read_feature_map
from precisionflow.omics.normalize import Normalized, check_vst_samples, normalize_counts, normalize_intensities
from precisionflow.omics.read import Table, read_layer_file, to_public
from precisionflow.omics.settings import Settings, sheet_columns_needed
from precisionflow.omics.values import check_values

__all__ = [
    "Normalized",
    "Settings",
    "build_layer",
    "check_vst_samples",
    "normalize_counts",
    "normalize_intensities",
    "sheet_columns_needed",
]

log = logging.getLogger(__name__)


def _public_uns(value: Any) -> Any:
    """uns values HDF5 can hold: no None (dropped), paths reduced to their file name."""
    if isinstance(value, dict):
        return {k: _public_uns(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)) and not value:
        return np.array([], dtype=str)
    return value


def _sheet_labels(
    sheet_columns: Mapping[str, Mapping[str, Any]],
    column: str,
    patients: list[str],
    sheet_path: str,
    key: str,
    layer: str,
    allow_blank: bool,
) -> list[str | None]:
    if column not in sheet_columns:
        raise InputError(
            sheet_path,
            "header",
            f"column {column!r} (named by config key omics/{layer}/{key})",
            "no such column (or an identifying one)",
        )
    values = sheet_columns[column]
    labels = [
        None
        if values.get(p) is None or pd.isna(values.get(p)) or str(values.get(p)).strip() == ""
        else str(values.get(p))
        for p in patients
    ]
    blank = [p for p, v in zip(patients, labels) if v is None]
    if blank and not allow_blank:
        raise InputError(
            sheet_path,
            f"column {column!r}, patient(s) {shorten(blank)}",
            f"a value for every patient of layer {layer!r} (config key omics/{layer}/{key})",
            "blank cells",
        )
    return labels


def _counts_stage(table: Table, s: Settings, name: str, patients: list[str], threads: int) -> Normalized:
    check_vst_samples(s, name, len(patients))
    # the table hands its counts over: normalize_counts then holds the only reference
    result = normalize_counts(table.take_values(), s, threads)
    if not result.keep.any():
        f = s.filters
        raise InputError(
            s.path,
            "counts",
            f"genes with at least {f['min_count']:g} reads in {result.uns['filter']['min_samples']} sample(s) "
            "(filters/min_count, filters/min_samples_fraction)",
            "none",
        )
    log.info(
        "size factors (%s): %s",
        s.normalization,
        ", ".join(f"{p} {f:.4g}" for p, f in list(zip(patients, result.obs["size_factor"]))[:10])
        + (" …" if len(patients) > 10 else ""),
    )
    return result


def _groups(s: Settings, name: str, patients: list[str], sheet: _Sheet) -> list[str | None] | None:
    """The sheet's ``filters/group_column`` labels of the patients (None: the filter is overall)."""
    column = s.filters.get("group_column")
    if not column:
        return None
    groups = _sheet_labels(sheet.columns, column, patients, sheet.path, "filters/group_column", name, allow_blank=True)
    if any(g is None for g in groups):
        log.warning(
            "valid-value filter: %d patient(s) with a blank %r count in no group",
            sum(g is None for g in groups),
            column,
        )
    return groups


def _intensity_stage(table: Table, s: Settings, name: str, patients: list[str], sheet: _Sheet) -> Normalized:
    groups = _groups(s, name, patients, sheet)
    try:
        result = normalize_intensities(table.values, s, groups)
    except ValueError as error:  # MinProb without any protein measured in half of the samples
        raise InputError(s.path, "values", "data MinProb can impute", str(error)) from None
    if not result.keep.any():
        where = result.uns["filter"]["by"]
        raise InputError(
            s.path,
            "values",
            f"features measured in at least {s.filters['min_observed_fraction']:.0%} of the samples {where} "
            "(filters/min_observed_fraction)",
            "none",
        )
    measured = result.obs["measured_features"]
    if (measured < 2).any():
        sample = patients[int(np.flatnonzero(measured < 2)[0])]
        raise InputError(
            s.path,
            table.where(sample=sample),
            "a sample with at least 2 measured values after the valid-value filter",
            str(int(measured.min())),
        )
    return result


def _passthrough(table: Table) -> Normalized:
    values = table.values.astype(np.float64, copy=True)
    missing = np.isnan(values)
    keep = np.ones(values.shape[1], dtype=bool)
    return Normalized(
        keep,
        table.values,
        values,
        missing,
        {"measured_features": (~missing).sum(axis=1)},
        {"passthrough": {"missing_values": int(missing.sum())}},
    )


@dataclass
class _Sheet:
    """The sheet columns a layer needs (column → public id → value) and the sheet's path, for messages."""

    columns: Mapping[str, Mapping[str, Any]]
    path: str


def _batch_correct(
    X: np.ndarray, s: Settings, name: str, patients: list[str], sheet: _Sheet, obs: dict, uns: dict
) -> np.ndarray:
    """ComBat on the sheet's ``batch`` column (obs and uns updated); X unchanged without one."""
    if not s.batch:
        return X
    labels = _sheet_labels(sheet.columns, s.batch, patients, sheet.path, "batch", name, allow_blank=False)
    sizes = pd.Series(labels).value_counts()
    single = sorted(sizes.index[sizes < 2])
    if single and len(sizes) > 1:
        raise InputError(
            sheet.path,
            f"column {s.batch!r}",
            f"at least 2 patients of layer {name!r} per batch (ComBat)",
            f"batch(es) with one: {shorten(single)}",
        )
    before, explained_before = batch_mod.pca(X)
    X, info = batch_mod.combat(X, labels)
    after, explained_after = batch_mod.pca(X)
    obs["batch"] = pd.Categorical(labels)
    uns["batch_correction"] = {
        "method": "ComBat (inmoose pycombat_norm)",
        "column": s.batch,
        **info,
        "pca_before": before,
        "pca_before_explained": explained_before,
        "pca_after": after,
        "pca_after_explained": explained_after,
    }
    return X


def _scaled(X: np.ndarray, missing: np.ndarray | None, uns: dict) -> np.ndarray:
    """Each feature centred and scaled to unit variance (constant features set to 0)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.nanmean(X, axis=0)
        sd = np.nanstd(X, axis=0, ddof=1)
    constant = ~(sd > 0)
    X = np.where(constant, 0.0, (X - mean) / np.where(constant, 1.0, sd))
    if missing is not None:
        X[missing & np.isnan(X)] = np.nan
    uns["scaling"] = {"method": "per feature: centred, unit variance", "constant_features": int(constant.sum())}
    log.info("scaling: features centred and scaled to unit variance (%d constant features set to 0)", constant.sum())
    return X


def _features(table: Table, s: Settings, genes: str | Path | None, uns: dict) -> pd.DataFrame:
    """var: the gene symbol of each feature (where known) and the file's other feature annotations."""
    reference = GeneReference.read(genes) if genes else None
    feature_map = read_feature_map(s.feature_map) if s.feature_map else None
    var, sources = gene_columns(table.features, table.annotations, reference, feature_map)
    for column in table.annotations.columns:
        if column != "gene":
            var[column] = table.annotations[column].to_numpy()
    uns["gene_symbols"] = sources
    var.index.name = "feature"
    return var


def build_layer(
    name: str,
    config: Mapping[str, Any],
    *,
    public_ids: Mapping[str, str],
    drop_unknown: bool = False,
    sheet_columns: Mapping[str, Mapping[str, Any]] | None = None,
    sheet_path: str = "the sample sheet",
    genes: str | Path | None = None,
    threads: int = 1,
    config_source: str = "the config",
) -> ad.AnnData:
    """Read, check and normalize one layer (see the module docstring).

    ``public_ids`` maps every patient of the sheet (raw id) to its public id; ``sheet_columns`` holds
    the sheet columns this layer needs (``batch``, ``filters/group_column``), column → public id →
    value; ``genes`` is the genes BED of ``resources: genes``.
    """
    s = Settings.from_config(name, config, config_source)
    sheet = _Sheet(sheet_columns or {}, sheet_path)
    table = read_layer_file(s.path, s.format, s.orientation)
    table = to_public(table, public_ids, drop_unknown)
    if not table.samples:
        raise InputError(s.path, "sample ids", "at least one sample that is a patient of the sheet", "none")
    table = check_values(table, s.values, round_counts=s.round_counts)
    patients = list(table.samples)

    uns: dict[str, Any] = {
        "layer": name,
        "settings": _public_uns(
            {**asdict(s), "path": Path(s.path).name, "feature_map": Path(s.feature_map).name if s.feature_map else None}
        ),
        "read": {"file": Path(s.path).name, "samples": len(patients), "features": len(table.features), **table.qc},
    }
    if s.values == "counts":
        result = _counts_stage(table, s, name, patients, threads)
    elif s.values == "intensity" or s.normalization != "none" or s.imputation != "none":
        result = _intensity_stage(table, s, name, patients, sheet)
    else:
        result = _passthrough(table)
    table = table.with_features(result.keep, result.raw)
    X, missing, obs = result.X, result.missing, result.obs
    uns.update(result.uns)

    X = _batch_correct(X, s, name, patients, sheet, obs, uns)
    if s.scale:
        X = _scaled(X, missing, uns)
    var = _features(table, s, genes, uns)

    coords, explained = batch_mod.pca(X)
    uns["pca"] = {"coords": coords, "explained": explained}

    obs_frame = pd.DataFrame(obs, index=pd.Index(patients, name="patient"))
    adata = ad.AnnData(X=np.asarray(X, dtype=np.float64), obs=obs_frame, var=var)
    adata.layers["raw"] = table.values
    if missing is not None:
        adata.layers["missing"] = missing
    adata.uns.update(_public_uns(uns))
    log.info(
        "layer %s: %d patients × %d features (%s, %s, %s)",
        name,
        adata.n_obs,
        adata.n_vars,
        s.values,
        s.normalization,
        s.transform if s.values == "counts" else s.imputation,
    )
    return adata
