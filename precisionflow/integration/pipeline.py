"""The integration step as library calls the workflow's scripts (and the benchmark) share.

1. :func:`build_cohort` — layers + clinical columns → aligned MuData (feature selection, scaling).
2. :func:`factor_model` — MOFA+ on the aligned MuData (the factor job: nothing else runs there).
3. :func:`joint_factors` — the factors stored, clusters, UMAP, factor tables, agreement with the label.
4. :func:`classify` — late-integration classifier, cross-validation, predictions, importance, fairness.

``settings`` is the config's ``integration:`` section; missing keys take the defaults of
``precisionflow/schemas/integration.schema.yaml``. The modules that import scikit-learn, scanpy or
matplotlib are imported inside the calls that use them, so the factor job loads only mudata and mofapy2.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import mudata as md
import numpy as np
import pandas as pd

from precisionflow import settings as schema_settings
from precisionflow.errors import InputError
from precisionflow.integration import align, factors
from precisionflow.integration.scope import in_scope, scope_of
from precisionflow.io import atomic_path

log = logging.getLogger(__name__)


def check_group_columns(omics: Mapping[str, Mapping], label: str | None, source: str = "the config") -> None:
    """Refuse a layer whose valid-value filter groups by the label: it would select features with the
    label before cross-validation, and the classifier's error would be optimistic."""
    for name in sorted(omics):
        column = (omics[name].get("filters") or {}).get("group_column")
        if label and column == label:
            raise InputError(
                source,
                f"key omics/{name}/filters/group_column",
                "a sheet column other than the label (it selects features with the label before cross-validation)",
                repr(column),
            )


def with_defaults(settings: Mapping | None) -> dict:
    """``settings`` over the defaults of ``precisionflow/schemas/integration.schema.yaml``."""
    return schema_settings.with_defaults("integration", settings)


def build_cohort(
    layer_paths: Mapping[str, str | os.PathLike[str]],
    clinical: pd.DataFrame,
    settings: Mapping,
) -> md.MuData:
    """Read, select, scale and align every layer; ``clinical`` (public ids, all sheet patients) goes to
    ``obs``; sheet patients without any layer are listed in ``uns["patients_without_layers"]``."""
    settings = with_defaults(settings)
    prepared = {}
    for name in sorted(layer_paths):
        layer = align.read_layer(layer_paths[name], known_patients=clinical.index)
        prepared[name] = align.prepare_layer(layer, name, settings["n_top_features"], settings["min_observed"])
    return from_layers(prepared, clinical)


def from_layers(prepared: Mapping, clinical: pd.DataFrame) -> md.MuData:
    mdata = align.align(prepared, clinical)
    mdata.uns["patients_without_layers"] = sorted(set(clinical.index) - set(mdata.obs_names))
    if mdata.uns["patients_without_layers"]:
        log.warning(
            "%d patient(s) of the sheet have no layer: %s",
            len(mdata.uns["patients_without_layers"]),
            mdata.uns["patients_without_layers"],
        )
    return mdata


def label_series(mdata: md.MuData, label: str | None) -> pd.Series | None:
    """The label of each patient of ``mdata`` (NaN where blank), or None without a label column."""
    if not label:
        return None
    if label not in mdata.obs:
        raise InputError(
            "the sample sheet",
            "header",
            f"the label column {label!r} among the clinical columns",
            "it is not there (identifying?)",
        )
    values = mdata.obs[label].astype("object")
    return values.where(values.notna(), np.nan).rename(label)


@dataclass
class FactorOutputs:
    clusters: pd.DataFrame  # patient, cluster
    factor_table: pd.DataFrame
    gene_weights: pd.DataFrame
    umap: pd.DataFrame
    variance_explained: pd.DataFrame
    metrics: dict


def factor_model(mdata: md.MuData, settings: Mapping) -> factors.MofaResult:
    """MOFA+ on ``mdata`` with the settings' ``n_factors``, ``seed`` and ``mofa`` options."""
    settings = with_defaults(settings)
    return factors.fit_factors(
        mdata,
        n_factors=settings["n_factors"],
        seed=settings["seed"],
        iterations=settings["mofa"]["iterations"],
        convergence_mode=settings["mofa"]["convergence_mode"],
        force_iterations=settings["mofa"].get("force_iterations", False),  # benchmarks only: run every iteration
        scale_views=settings["mofa"]["scale_views"],
        weight_views=settings["mofa"]["weight_views"],
    )


def joint_factors(
    mdata: md.MuData, settings: Mapping, label: str | None, mofa: factors.MofaResult | None = None
) -> FactorOutputs:
    """The MOFA+ result (fitted here when not given) stored into ``mdata``, clusters on the factors and
    on each layer alone, UMAP, the factor tables and metrics."""
    from precisionflow.integration import clustering

    settings = with_defaults(settings)
    seed = settings["seed"]
    if mofa is None:
        mofa = factor_model(mdata, settings)
    factors.store_factors(mdata, mofa, {"n_factors": settings["n_factors"], "seed": seed, **settings["mofa"]})
    # Clusters and UMAP on factors weighted by the square root of the variance they explain: MOFA+
    # factors have unit scale whatever their weight, and this makes distances follow the data.
    embedding = mofa.factors * np.sqrt(mofa.variance_explained.sum(axis=1).to_numpy())
    joint = clustering.cluster(embedding, settings["clustering"], seed)
    coords = clustering.umap(embedding, settings["clustering"]["n_neighbors"], seed)
    mdata.obs["cluster"] = pd.Categorical(
        joint.labels.loc[mdata.obs_names], categories=sorted(joint.labels.unique(), key=lambda c: int(c[1:]))
    )
    mdata.obsm["X_umap"] = coords.loc[mdata.obs_names].to_numpy()

    labels = label_series(mdata, label)
    by_cluster = factors.association(mofa.factors, joint.labels)
    by_label = factors.association(mofa.factors, labels) if labels is not None else None
    table = factors.factor_table(mofa, by_cluster, by_label)
    weights = factors.gene_weights(mofa, mdata, table)

    metrics: dict = {
        "factors": {
            "method": "MOFA+ (mofapy2)",
            "n_factors": int(mofa.factors.shape[1]),
            "iterations": mofa.iterations,
            "converged": mofa.converged,
            "seed": seed,
            "variance_explained": {
                layer: mofa.variance_explained[layer].tolist() for layer in mofa.variance_explained.columns
            },
            "variance_explained_per_view": mofa.variance_explained_per_view.to_dict()
            if mofa.variance_explained_per_view is not None
            else None,
            "view_scaling": {
                "scale_views": settings["mofa"]["scale_views"],
                "weight_views": settings["mofa"]["weight_views"],
                "note": "features centred and scaled; weight_views divides each view by sqrt(features)",
            },
            "imputed_values_masked": {
                name: int(mdata[name].uns.get("selection", {}).get("n_imputed_masked", 0)) for name in sorted(mdata.mod)
            },
        },
        "clustering": {
            "method": joint.method,
            "criterion": joint.criterion,
            "grid": "resolution" if joint.method == "leiden" else "k",
            "score_by_grid_point": joint.scores or {str(k): v for k, v in joint.silhouette.items()},
            "chosen": joint.chosen,
            "n_clusters": int(joint.labels.nunique()),
            "sizes": {c: int(n) for c, n in sorted(joint.labels.value_counts().items(), key=lambda kv: int(kv[0][1:]))},
        },
    }
    if labels is not None:
        per_layer = {}
        n_components = mofa.factors.shape[1]
        for name in sorted(mdata.mod):
            modality = mdata[name]
            embedding = clustering.layer_embedding(align.scaled(modality), modality.obs_names, n_components, seed)
            alone = clustering.cluster(embedding, settings["clustering"], seed)
            per_layer[name] = {
                **clustering.agreement(alone.labels, labels),
                "n_clusters": int(alone.labels.nunique()),
                "chosen": alone.chosen,
            }
        metrics["clustering"]["agreement_with_label"] = {
            "label": label,
            "note": "each single layer: PCA with as many components as factors, "
            "clustered by the same method and criterion",
            "joint": {
                **clustering.agreement(joint.labels, labels),
                "n_clusters": int(joint.labels.nunique()),
                "chosen": joint.chosen,
            },
            "single_layer": per_layer,
        }
        log.info(
            "clusters vs %s: joint %s; single layers %s",
            label,
            metrics["clustering"]["agreement_with_label"]["joint"],
            per_layer,
        )
    clusters = joint.labels.sort_index().rename_axis("patient").reset_index()
    return FactorOutputs(clusters, table, weights, coords, mofa.variance_explained, metrics)


@dataclass
class ClassifierOutputs:
    predictions: pd.DataFrame
    importance: pd.DataFrame
    fairness: pd.DataFrame
    metrics: dict
    explanations: pd.DataFrame


def layer_frames(mdata: md.MuData) -> dict[str, pd.DataFrame]:
    """Each layer's selected features (normalized values, NaN kept), patients × features."""
    return {
        name: pd.DataFrame(np.asarray(mdata[name].X), index=mdata[name].obs_names, columns=mdata[name].var_names)
        for name in sorted(mdata.mod)
    }


def classify(
    mdata: md.MuData,
    label: str,
    protected: Sequence[str],
    settings: Mapping,
    tumour_types: Mapping[str, object] | None = None,
    main_types: Mapping[str, str] | None = None,
    cohort_type: str | None = None,
) -> ClassifierOutputs:
    """Cross-validate, fit on every labelled patient, predict the others, audit fairness; only for the
    patients of the labels' tumour type (``tumour_types``: patient -> OncoTree code, see
    :mod:`~precisionflow.integration.scope`; None: every patient)."""
    from precisionflow.integration import classifier, fairness

    settings = with_defaults(settings)
    options = settings["classifier"]
    labels = label_series(mdata, label)
    assert labels is not None
    without = list(mdata.uns.get("patients_without_layers", []))
    scope = scope_of(labels, without, label, tumour_types, main_types, cohort_type)
    layers = layer_frames(mdata)
    labelled = labels.loc[in_scope(scope, labels.index)].dropna().astype(str)
    C = options["C"] if isinstance(options["C"], int | float) else [float(c) for c in options["C"]]
    cv = classifier.cross_validate(
        layers,
        labelled,
        folds=options["folds"],
        repeats=options["repeats"],
        seed=settings["seed"],
        C=C,
        inner_folds=options["inner_folds"],
    )
    model = classifier.LateIntegration(C, options["inner_folds"], settings["seed"]).fit(layers, labelled)
    classes = model.classes_

    unlabelled = pd.Index([p for p in in_scope(scope, mdata.obs_names) if p not in set(labelled.index)])
    new_proba, used = model.predict_proba(layers, pd.Index(in_scope(scope, mdata.obs_names)))
    proba = new_proba.copy()
    proba.loc[cv.out_of_fold.index, classes] = cv.out_of_fold[classes]
    kind = pd.Series("model", index=proba.index)
    kind.loc[cv.out_of_fold.index] = "cross_validated"
    predictions = pd.DataFrame(index=pd.Index(list(mdata.obs_names) + without, name="patient"))
    predictions["predicted"] = proba.idxmax(axis=1).reindex(predictions.index)
    for c in classes:
        predictions[f"prob_{c}"] = proba[c].reindex(predictions.index).round(6)
    predictions["layers_used"] = used.reindex(predictions.index).fillna("").replace("", "none")
    predictions["label"] = labels.reindex(predictions.index)
    predictions["kind"] = kind.reindex(predictions.index).fillna("none")
    predictions.loc[[p for p in predictions.index if not scope.applies(p)], "kind"] = scope.note
    predictions = predictions.sort_index().reset_index()

    genes = {name: mdata[name].var["gene"].astype("object") for name in mdata.mod}
    importance = model.importance(genes)
    importance["importance"] = importance["importance"].round(6)

    clinical = mdata.obs
    protected_frame = pd.DataFrame({c: clinical[c].astype("object") for c in protected}, index=clinical.index)
    audit = fairness.audit(
        labelled.loc[cv.out_of_fold.index],
        cv.predicted,
        protected_frame,
        classes,
        settings["fairness"]["max_gap"],
        settings["fairness"]["min_group_size"],
        settings["fairness"]["permutations"],
        settings["seed"],
        settings["fairness"]["alpha"],
    )
    for column, result in audit.items():
        for cls in result.get("flagged_classes", []):
            entry = result["classes"][cls]
            log.warning(
                "fairness: %s, class %s: %s gap %.3f > %.3f (Holm-corrected p = %s), worst group %s",
                column,
                cls,
                entry["metric"],
                entry["gap"],
                result["max_gap"],
                entry["p_value_holm"],
                entry["worst_group"],
            )
    explained = predictions.set_index("patient")["predicted"]
    explanations = model.explain(layers, explained, settings["explanations"]["top_features"])
    explanations["contribution"] = explanations["contribution"].round(6)
    n_unlabelled_predicted = int(predictions.loc[predictions["kind"] == "model", "predicted"].notna().sum())
    metrics = {
        "classifier": {
            "label": label,
            "classes": classes,
            "design": "late integration: per-layer L2 logistic regression (balanced class weights) "
            "on standardized features, class probabilities pooled by geometric mean over the layers a patient has",
            "C": C,
            "C_final_model": model.chosen_C(),
            "layers": sorted(model.models),
            "n_labelled": int(len(labelled)),
            "n_unlabelled": int(len(unlabelled) + len(in_scope(scope, without))),
            "n_unlabelled_predicted": n_unlabelled_predicted,
            "class_sizes": {c: int(n) for c, n in sorted(labelled.value_counts().items())},
            "tumor_type_scope": scope.summary(),
        },
        "cross_validation": cv.summary(),
        "fairness": audit,
    }
    fairness_table = fairness.table(audit, classes)
    return ClassifierOutputs(predictions, importance, fairness_table, metrics, explanations)


def read_h5mu(path: str | os.PathLike[str]) -> md.MuData:
    """Read a MuData with its patients sorted again (mudata orders them by modality when reading)."""
    mdata = md.read_h5mu(path)
    patients = sorted(mdata.obs_names)
    return mdata if list(mdata.obs_names) == patients else mdata[patients].copy()


def write_h5mu(mdata: md.MuData, path: str | os.PathLike[str]) -> None:
    """Write a MuData atomically (same data, same bytes: h5py stores no timestamps here)."""
    with atomic_path(path) as tmp:
        mdata.write(tmp)


def rounded(value, digits: int = 6):
    """Floats rounded (NaN → None) through nested dicts and lists, for a stable JSON."""
    if isinstance(value, dict):
        return {str(k): rounded(v, digits) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [rounded(v, digits) for v in value]
    if isinstance(value, float | np.floating):
        return None if np.isnan(value) else round(float(value), digits)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def merge_metrics(parts: Iterable[Mapping]) -> dict:
    merged: dict = {}
    for part in parts:
        merged.update(part)
    return rounded(merged)
