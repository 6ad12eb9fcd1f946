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
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import anndata as ad
import numpy as np
import pandas as pd

from precisionflow.errors import InputError, shorten
from precisionflow.omics import batch as batch_mod
from precisionflow.omics import counts as counts_mod
from precisionflow.omics import intensity as intensity_mod
from precisionflow.omics.genes import GeneReference, gene_columns, read_feature_map
from precisionflow.omics.read import check_values, read_layer_file, to_public

log = logging.getLogger(__name__)

VALUES_BY_TYPE = {"rna": "counts", "protein": "intensity", "matrix": "log"}
NORMALIZATIONS = {
    "counts": ("median_of_ratios", "tmm", "cpm", "none"),
    "intensity": ("median", "quantile", "none"),
    "log": ("median", "quantile", "none"),
}
DEFAULT_NORMALIZATION = {"counts": "median_of_ratios", "intensity": "median", "log": "none"}


@dataclass
class Settings:
    """A layer's config with every default filled in (precisionflow/schemas/omics.schema.yaml)."""

    type: str
    path: str
    format: str = "matrix"
    values: str | None = None
    orientation: str = "features_by_samples"
    feature_map: str | None = None
    normalization: str | None = None
    transform: str | None = None
    imputation: str | None = None
    scale: bool = False
    batch: str | None = None
    round_counts: bool = False
    size_factor_fallback: str = "poscounts"
    vst_nsub: int | None = 1000
    filters: dict[str, Any] = field(default_factory=dict)
    minprob: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_config(cls, layer: str, config: Mapping[str, Any], source: str = "the config") -> Settings:
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(config) - known)
        if unknown:
            raise InputError(
                source, f"key omics/{layer}", f"only the keys {shorten(sorted(known), 20)}", f"{shorten(unknown)}"
            )
        s = cls(**{k: v for k, v in config.items() if k in known})
        s.filters = {
            "min_count": 10,
            "min_samples_fraction": 0.2,
            "min_observed_fraction": 0.7,
            "group_column": None,
            **(s.filters or {}),
        }
        s.minprob = {"q": 0.01, "tune_sigma": 1.0, "seed": 1, **(s.minprob or {})}
        s.values = s.values or VALUES_BY_TYPE[s.type]
        s.normalization = s.normalization or DEFAULT_NORMALIZATION[s.values]
        if s.transform is None:
            s.transform = (
                ("vst" if s.normalization == "median_of_ratios" else "log2") if s.values == "counts" else "none"
            )
        if s.imputation is None:
            s.imputation = "minprob" if s.values == "intensity" else "none"

        def bad(key: str, expected: str, found: object) -> InputError:
            return InputError(source, f"key omics/{layer}/{key}", expected, repr(found))

        if s.format == "maxquant" and s.values != "intensity":
            raise bad("values", "intensity for a MaxQuant file (format: maxquant)", s.values)
        if s.normalization not in NORMALIZATIONS[s.values]:
            raise bad(
                "normalization", f"one of {', '.join(NORMALIZATIONS[s.values])} for values: {s.values}", s.normalization
            )
        if s.values != "counts" and s.transform != "none":
            raise bad("transform", f"none for values: {s.values} (vst and log2 transform counts)", s.transform)
        if s.transform == "vst" and s.normalization != "median_of_ratios":
            raise bad(
                "transform",
                "log2 or none with this normalization (vst goes with median_of_ratios size factors)",
                s.transform,
            )
        if s.values == "counts" and s.imputation != "none":
            raise bad("imputation", "none for values: counts", s.imputation)
        return s


def sheet_columns_needed(config: Mapping[str, Any]) -> list[str]:
    """The sheet columns a layer's config names (``batch``, ``filters/group_column``): the only
    ones its rule passes to the script."""
    filters = config.get("filters") or {}
    return sorted({c for c in (config.get("batch"), filters.get("group_column")) if c})


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
    sheet_columns = sheet_columns or {}
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
        check_vst_samples(s, name, len(patients))
        # the table hands its counts over: normalize_counts then holds the only reference
        result = normalize_counts(table.take_values(), s, threads)
        if not result.keep.any():
            f = s.filters
            raise InputError(
                s.path,
                "counts",
                f"genes with at least {f['min_count']:g} reads in {result.uns['filter']['min_samples']} sample(s) (filters/min_count, filters/min_samples_fraction)",
                "none",
            )
        log.info(
            "size factors (%s): %s",
            s.normalization,
            ", ".join(f"{p} {f:.4g}" for p, f in list(zip(patients, result.obs["size_factor"]))[:10])
            + (" …" if len(patients) > 10 else ""),
        )
    elif s.values == "intensity" or s.normalization != "none" or s.imputation != "none":
        groups = None
        if s.filters.get("group_column"):
            groups = _sheet_labels(
                sheet_columns,
                s.filters["group_column"],
                patients,
                sheet_path,
                "filters/group_column",
                name,
                allow_blank=True,
            )
            if any(g is None for g in groups):
                log.warning(
                    "valid-value filter: %d patient(s) with a blank %r count in no group",
                    sum(g is None for g in groups),
                    s.filters["group_column"],
                )
        try:
            result = normalize_intensities(table.values, s, groups)
        except ValueError as error:  # MinProb without any protein measured in half of the samples
            raise InputError(s.path, "values", "data MinProb can impute", str(error)) from None
        if not result.keep.any():
            where = result.uns["filter"]["by"]
            raise InputError(
                s.path,
                "values",
                f"features measured in at least {s.filters['min_observed_fraction']:.0%} of the samples {where} (filters/min_observed_fraction)",
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
    else:
        values = table.values.astype(np.float64, copy=True)
        missing = np.isnan(values)
        keep = np.ones(values.shape[1], dtype=bool)
        result = Normalized(
            keep,
            table.values,
            values,
            missing,
            {"measured_features": (~missing).sum(axis=1)},
            {"passthrough": {"missing_values": int(missing.sum())}},
        )
    table = table.with_features(result.keep, result.raw)
    X, missing, obs = result.X, result.missing, result.obs
    uns.update(result.uns)

    if s.batch:
        labels = _sheet_labels(sheet_columns, s.batch, patients, sheet_path, "batch", name, allow_blank=False)
        sizes = pd.Series(labels).value_counts()
        single = sorted(sizes.index[sizes < 2])
        if single and len(sizes) > 1:
            raise InputError(
                sheet_path,
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

    if s.scale:
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.nanmean(X, axis=0)
            sd = np.nanstd(X, axis=0, ddof=1)
        constant = ~(sd > 0)
        X = np.where(constant, 0.0, (X - mean) / np.where(constant, 1.0, sd))
        if missing is not None:
            X[missing & np.isnan(X)] = np.nan
        uns["scaling"] = {"method": "per feature: centred, unit variance", "constant_features": int(constant.sum())}
        log.info(
            "scaling: features centred and scaled to unit variance (%d constant features set to 0)", constant.sum()
        )

    reference = GeneReference.read(genes) if genes else None
    feature_map = read_feature_map(s.feature_map) if s.feature_map else None
    var, sources = gene_columns(table.features, table.annotations, reference, feature_map)
    for column in table.annotations.columns:
        if column != "gene":
            var[column] = table.annotations[column].to_numpy()
    uns["gene_symbols"] = sources

    coords, explained = batch_mod.pca(X)
    uns["pca"] = {"coords": coords, "explained": explained}

    obs_frame = pd.DataFrame(obs, index=pd.Index(patients, name="patient"))
    var.index.name = "feature"
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
