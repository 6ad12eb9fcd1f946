"""Normalized layers to one MuData aligned by patient (union of patients), feature selection, scaling.

A layer (``results/omics/{layer}.h5ad``) is patients × features with ``X`` normalized; it may hold NaN
where a layer was not imputed. Cells the omics step imputed (its ``layers["missing"]``, MinProb draws for
proteins) are masked back to NaN here: MOFA+ models missing values, feature selection ranks variance over
observed values only (imputed draws would favour left-censored proteins), and the classifier imputes
inside each cross-validation fold (:mod:`~precisionflow.integration.classifier`). The prepared layer keeps
the mask in ``layers["imputed"]``. A patient whose row is entirely missing does not have that layer; a
patient absent from a layer's file does not have it either. Neither is an error: MOFA+ and the
late-integration classifier both work with the layers each patient has.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Iterable, Mapping, Sequence

import anndata as ad
import mudata as md
import numpy as np
import pandas as pd
from scipy import sparse

from precisionflow.errors import InputError, shorten

log = logging.getLogger(__name__)

md.set_options(pull_on_update=False)

# A feature needs this many observed patients to have a variance worth ranking.
MIN_OBSERVED_PATIENTS = 3


def read_layer(path: str | os.PathLike[str], known_patients: Iterable[str] | None = None) -> ad.AnnData:
    """Read one normalized layer; ``X`` becomes a dense float64 matrix.

    Raises :class:`InputError` for an unreadable file, duplicate patient or feature ids, infinite values,
    or patients that are not in the sheet (``known_patients``, public ids).
    """
    try:
        adata = ad.read_h5ad(path)
    except (OSError, KeyError, ValueError) as error:
        raise InputError(path, "content", "an AnnData (.h5ad) file", f"an unreadable file ({error})") from None
    _check_ids(adata, path, known_patients)
    matrix = _finite_matrix(adata, path)
    var = pd.DataFrame(index=adata.var_names.astype(str))
    var["gene"] = _gene_symbols(adata)
    imputed = _imputed_mask(adata, matrix, path)
    matrix = np.where(imputed, np.nan, matrix)
    layer = ad.AnnData(X=matrix, obs=pd.DataFrame(index=adata.obs_names.astype(str)), var=var)
    layer.layers["imputed"] = imputed
    layer.uns["n_imputed_masked"] = int(imputed.sum())
    if imputed.any():
        log.info("%s: %d imputed values masked back to missing", path, int(imputed.sum()))
    return layer[np.argsort(layer.obs_names.to_numpy(), kind="stable")].copy()


def _check_ids(adata: ad.AnnData, path, known_patients: Iterable[str] | None) -> None:
    """At least one patient and feature, unique ids, every patient known to the sheet."""
    if adata.n_obs == 0 or adata.n_vars == 0:
        raise InputError(path, "shape", "at least one patient and one feature", f"{adata.n_obs} × {adata.n_vars}")
    for axis, names in (("obs (patients)", adata.obs_names), ("var (features)", adata.var_names)):
        duplicated = names[names.duplicated()].unique().tolist()
        if duplicated:
            raise InputError(path, axis, "unique ids", f"duplicates {shorten(duplicated)}")
    if known_patients is not None:
        known = set(known_patients)
        unknown = [p for p in adata.obs_names if p not in known]
        if unknown:
            raise InputError(
                path, "obs (patients)", "public patient ids of the sheet", f"unknown ids {shorten(unknown)}"
            )


def _finite_matrix(adata: ad.AnnData, path) -> np.ndarray:
    """``X`` dense float64; an infinite value is an error naming its patient and feature."""
    matrix = adata.X.toarray() if sparse.issparse(adata.X) else np.asarray(adata.X)
    try:
        matrix = matrix.astype(np.float64)
    except (TypeError, ValueError):
        raise InputError(path, "X", "numbers", f"values of type {matrix.dtype}") from None
    if np.isinf(matrix).any():
        row, column = (int(i[0]) for i in np.nonzero(np.isinf(matrix)))
        raise InputError(
            path,
            f"X, patient {adata.obs_names[row]!r}, feature {adata.var_names[column]!r}",
            "a finite value",
            "infinity",
        )
    return matrix


def _gene_symbols(adata: ad.AnnData) -> pd.Categorical:
    """``var["gene"]`` as categories; blank or absent symbols stay missing (h5 writes them as such)."""
    genes = (
        adata.var["gene"].astype("object")
        if "gene" in adata.var
        else pd.Series(np.nan, index=adata.var_names, dtype="object")
    )
    genes = genes.where(genes.notna() & (genes.astype(str).str.strip() != ""), None)
    return pd.Categorical(genes.to_numpy())


def _imputed_mask(adata: ad.AnnData, matrix: np.ndarray, path) -> np.ndarray:
    """Cells the normalization step imputed (``layers["missing"]``) that hold a value."""
    if "missing" not in adata.layers:
        return np.zeros(matrix.shape, dtype=bool)
    missing = adata.layers["missing"]
    missing = np.asarray(missing.toarray() if sparse.issparse(missing) else missing)
    if missing.shape != matrix.shape:
        raise InputError(path, 'layers["missing"]', f"a {matrix.shape} mask", f"shape {missing.shape}")
    return missing.astype(bool) & ~np.isnan(matrix)


def prepare_layer(adata: ad.AnnData, name: str, n_top: int, min_observed: float) -> ad.AnnData:
    """Keep patients with values, features observed often enough, then the ``n_top`` most variable.

    ``X`` keeps the normalized values of the selected features, ``var`` their ``mean`` and ``sd``:
    :func:`scaled` centres and scales them to unit variance per feature (NaN stays NaN), which is what
    MOFA+ receives (not stored, so the MuData stays half the size). Ties in variance are broken by
    feature id so that the selection is deterministic.
    """
    values = np.asarray(adata.X, dtype=np.float64)  # imputed cells already NaN (read_layer)
    imputed = np.zeros(values.shape, dtype=bool)
    if "imputed" in adata.layers:
        imputed = np.asarray(adata.layers["imputed"], dtype=bool)
    has_values = ~np.isnan(values).all(axis=1)
    values = values[has_values]
    imputed = imputed[has_values]
    patients = adata.obs_names[has_values]
    if len(patients) < MIN_OBSERVED_PATIENTS:
        raise InputError(
            f"layer {name!r}", "patients", f"at least {MIN_OBSERVED_PATIENTS} patients with values", str(len(patients))
        )
    observed = (~np.isnan(values)).sum(axis=0)
    enough = observed >= max(MIN_OBSERVED_PATIENTS, min_observed * len(patients))
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)  # all-missing features: NaN variance, dropped
        variance = np.where(enough, np.nanvar(values, axis=0, ddof=1), np.nan)
    usable = enough & (np.nan_to_num(variance) > 0)
    if not usable.any():
        raise InputError(
            f"layer {name!r}",
            "features",
            f"features observed in at least {min_observed:.0%} of patients, with non-zero variance",
            "none",
        )
    order = pd.DataFrame({"feature": adata.var_names.to_numpy(), "variance": variance})[usable]
    order = order.sort_values(["variance", "feature"], ascending=[False, True], kind="stable")
    chosen = set(order["feature"].head(n_top))
    keep = np.array([f in chosen for f in adata.var_names])  # input order kept
    selected = values[:, keep]
    mean = np.nanmean(selected, axis=0)
    sd = np.nanstd(selected, axis=0, ddof=1)
    var = adata.var.loc[keep].copy()
    var["mean"] = mean
    var["sd"] = sd
    rank = {feature: i + 1 for i, feature in enumerate(order["feature"])}
    var["variance_rank"] = [rank[f] for f in var.index]
    layer = ad.AnnData(X=selected, obs=pd.DataFrame(index=patients.copy()), var=var)
    layer.layers["imputed"] = imputed[:, keep]
    layer.uns["selection"] = {
        "n_input_features": int(adata.n_vars),
        "n_usable_features": int(usable.sum()),
        "n_selected": int(keep.sum()),
        "n_top_features": int(n_top),
        "min_observed": float(min_observed),
        "n_patients": int(len(patients)),
        "n_patients_without_values": int((~has_values).sum()),
        "n_missing_values": int(np.isnan(selected).sum()),
        "n_imputed_masked": int(imputed[:, keep].sum()),
        "variance_over": "observed values only (imputed cells masked)",
    }
    log.info(
        "layer %s: %d patients (%d without values dropped), %d of %d features kept (%d usable), %d missing values",
        name,
        len(patients),
        int((~has_values).sum()),
        int(keep.sum()),
        adata.n_vars,
        int(usable.sum()),
        int(np.isnan(selected).sum()),
    )
    return layer


def scaled(layer: ad.AnnData) -> np.ndarray:
    """A prepared layer centred and scaled per feature with the ``mean`` and ``sd`` of its ``var``."""
    return (np.asarray(layer.X, dtype=np.float64) - layer.var["mean"].to_numpy()) / layer.var["sd"].to_numpy()


def clinical_table(sheet: pd.DataFrame, public_ids: Mapping[str, str], columns: Sequence[str]) -> pd.DataFrame:
    """The sheet's clinical columns (only those), indexed by public patient id, sorted."""
    table = pd.DataFrame(
        {c: sheet[c].to_numpy() for c in columns}, index=pd.Index([public_ids[p] for p in sheet.index], name="patient")
    )
    return table.sort_index()


def align(layers: Mapping[str, ad.AnnData], clinical: pd.DataFrame | None = None) -> md.MuData:
    """One MuData of the prepared layers (sorted by name), patients the union of the layers' ones, sorted.

    ``clinical`` (public ids) adds its columns to ``obs`` as categories; a patient of a layer that is not
    in ``clinical`` is an error, a patient of ``clinical`` without any layer is simply absent.
    """
    if not layers:
        raise InputError("config", "omics", "at least one layer to integrate", "none")
    mdata = md.MuData({name: layers[name] for name in sorted(layers)})
    patients = sorted(mdata.obs_names)
    if list(mdata.obs_names) != patients:
        mdata = mdata[patients].copy()
    if clinical is not None:
        missing = [p for p in patients if p not in clinical.index]
        if missing:
            raise InputError(
                "the sample sheet", "patient", "a row for every patient of the layers", f"none for {shorten(missing)}"
            )
        for column in clinical.columns:
            mdata.obs[column] = pd.Categorical(
                clinical.loc[patients, column].astype("object").where(clinical.loc[patients, column].notna(), None)
            )
    present = [set(mdata[m].obs_names) for m in mdata.mod]
    mdata.obs["n_layers"] = np.array([sum(p in s for s in present) for p in patients], dtype=np.int64)
    return mdata
