"""Joint factors with MOFA+ (mofapy2): seeded, its console output sent to the log.

mofapy2 takes one patients × features matrix per layer over the same patients; a patient without a
layer is a row of NaN there, which MOFA+ treats as missing (its likelihood skips it). Factors are
returned sorted by the variance they explain (summed over layers), named ``Factor1`` …, with a sign
convention (the largest absolute weight of each factor is positive) so that a rerun reads the same.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from precisionflow.integration.align import scaled

if TYPE_CHECKING:
    import mudata as md

log = logging.getLogger(__name__)


@dataclass
class MofaResult:
    factors: pd.DataFrame  # patients × factors
    weights: dict[str, pd.DataFrame]  # layer -> features × factors
    variance_explained: pd.DataFrame  # factors × layers, fraction (0-1)
    iterations: int
    converged: bool
    variance_explained_per_view: pd.Series | None = None  # layer -> fraction explained by all factors together


def mofa_inputs(
    mdata: md.MuData, weight_views: bool
) -> tuple[list[list[np.ndarray]], list[str], list[list[str]], list[str]]:
    """The nested data list mofapy2 wants (views × one group, scaled features), NaN rows for patients
    without a layer, NaN for imputed cells (masked by :func:`~precisionflow.integration.align.read_layer`).

    ``weight_views``: each view's unit-variance features are divided by the square root of its number of
    features, so that every view brings the same total variance (block scaling, as in multiple factor
    analysis); otherwise a view with five times the features holds five times the variance."""
    patients = list(mdata.obs_names)
    views = sorted(mdata.mod)
    data = []
    for view in views:
        modality = mdata[view]
        values = scaled(modality)
        if weight_views:
            values = values / np.sqrt(values.shape[1])
        frame = pd.DataFrame(values, index=modality.obs_names, columns=modality.var_names)
        data.append([frame.reindex(patients).to_numpy(dtype=np.float64)])
    features = [list(mdata[view].var_names) for view in views]
    return data, views, features, patients


def run_mofa(
    data: list[list[np.ndarray]],
    views: list[str],
    features: list[list[str]],
    patients: list[str],
    *,
    n_factors: int,
    seed: int,
    iterations: int,
    convergence_mode: str,
    force_iterations: bool = False,
    scale_views: bool,
):
    """Build and train a mofapy2 model with the project's settings; return the trained entry point.

    The only place the project calls mofapy2: the workflow and the benchmark's direct call share it
    through :func:`fit_factors` and ``bench/integration.py``. Its printed output goes to the log.
    """
    from mofapy2.run.entry_point import entry_point

    output = io.StringIO()
    try:
        with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
            ent = entry_point()
            ent.set_data_options(scale_views=scale_views, center_groups=True)
            ent.set_data_matrix(
                data, views_names=views, groups_names=["cohort"], samples_names=[patients], features_names=features
            )
            ent.set_model_options(factors=n_factors, spikeslab_weights=True, ard_weights=True)
            ent.set_train_options(
                iter=iterations,
                convergence_mode=convergence_mode,
                seed=seed,
                nostop=force_iterations,
                dropR2=None,
                verbose=False,
                quiet=False,
            )
            ent.build()
            ent.run()
    except SystemExit as stop:  # mofapy2 exits on data it cannot use; keep its reason
        raise RuntimeError(f"mofapy2 stopped: {output.getvalue().strip().splitlines()[-1:]}") from stop
    finally:
        for line in output.getvalue().splitlines():
            if line.strip():
                log.info("mofapy2: %s", line.rstrip())
    return ent


def fit_factors(
    mdata: md.MuData,
    *,
    n_factors: int,
    seed: int,
    iterations: int,
    convergence_mode: str,
    force_iterations: bool = False,
    scale_views: bool,
    weight_views: bool,
) -> MofaResult:
    """MOFA+ on the scaled layers of ``mdata``; see the module docstring for order and sign.

    ``scale_views``: mofapy2 scales each view to unit total variance, so that a layer's weight in the
    factors does not grow with its number of features (per-feature scaling alone lets the largest view
    dominate)."""
    data, views, features, patients = mofa_inputs(mdata, weight_views)
    n_factors = max(1, min(n_factors, len(patients) - 1))
    ent = run_mofa(
        data,
        views,
        features,
        patients,
        n_factors=n_factors,
        seed=seed,
        iterations=iterations,
        convergence_mode=convergence_mode,
        force_iterations=force_iterations,
        scale_views=scale_views,
    )
    model = ent.model
    z = np.asarray(model.nodes["Z"].getExpectation(), dtype=np.float64)
    w = [np.asarray(m, dtype=np.float64) for m in model.nodes["W"].getExpectation()]
    r2 = np.asarray(model.calculate_variance_explained()[0], dtype=np.float64)  # views × factors
    r2 = np.clip(r2, 0.0, None)
    r2_total = np.clip(np.asarray(model.calculate_variance_explained(total=True)[0], dtype=np.float64), 0.0, None)
    order = np.argsort(-r2.sum(axis=0), kind="stable")
    z, w, r2 = z[:, order], [m[:, order] for m in w], r2[:, order]
    stacked = np.vstack(w)
    sign = np.sign(stacked[np.argmax(np.abs(stacked), axis=0), np.arange(stacked.shape[1])])
    sign[sign == 0] = 1.0
    z, w = z * sign, [m * sign for m in w]
    names = [f"Factor{i + 1}" for i in range(z.shape[1])]
    # mofapy2 runs iterations 1 … iterations-1 and cuts its ELBO trace at the iteration that converged
    recorded = len(model.getTrainingStats()["elbo"])
    converged = bool(recorded < iterations + 1)
    iterations_done = recorded if converged else iterations - 1
    log.info("MOFA+: %d factors, %d iterations, converged: %s, seed %d", len(names), iterations_done, converged, seed)
    return MofaResult(
        factors=pd.DataFrame(z, index=pd.Index(patients, name="patient"), columns=names),
        weights={
            view: pd.DataFrame(m, index=pd.Index(f, name="feature"), columns=names)
            for view, m, f in zip(views, w, features, strict=True)
        },
        variance_explained=pd.DataFrame(r2.T, index=pd.Index(names, name="factor"), columns=views),
        iterations=iterations_done,
        converged=converged,
        variance_explained_per_view=pd.Series(r2_total, index=views, name="r2_total"),
    )


def store_factors(mdata: md.MuData, result: MofaResult, settings: dict) -> None:
    """Factors in ``obsm["X_joint"]``, weights in each layer's ``varm["mofa_weights"]``, the rest in ``uns``."""
    mdata.obsm["X_joint"] = result.factors.loc[mdata.obs_names].to_numpy()
    for view, weights in result.weights.items():
        mdata[view].varm["mofa_weights"] = weights.loc[mdata[view].var_names].to_numpy()
    mdata.uns["mofa"] = {
        "factors": list(result.factors.columns),
        "variance_explained": result.variance_explained.to_numpy(),  # factors × layers
        "layers": list(result.variance_explained.columns),
        "iterations": result.iterations,
        "converged": result.converged,
        "settings": settings,
    }


def write_result(result: MofaResult, path: str | os.PathLike[str]) -> None:
    """The fitted model as an ``.h5ad`` (patients × factors in ``X``; weights, variance explained and the
    fit's facts in ``uns``): the factor job's hand-off to the clustering job, read back exactly (float64)."""
    import anndata as ad

    from precisionflow.io import atomic_path

    views = list(result.variance_explained.columns)
    per_view = result.variance_explained_per_view
    model = ad.AnnData(
        X=result.factors.to_numpy(dtype=np.float64),
        obs=pd.DataFrame(index=result.factors.index.astype(str)),
        var=pd.DataFrame(index=pd.Index(result.factors.columns.astype(str))),
        uns={
            "views": views,
            "features": {view: np.asarray(result.weights[view].index, dtype=str) for view in views},
            "weights": {view: result.weights[view].to_numpy(dtype=np.float64) for view in views},
            "variance_explained": result.variance_explained.to_numpy(dtype=np.float64),
            "variance_explained_per_view": per_view.reindex(views).to_numpy(dtype=np.float64)
            if per_view is not None
            else np.full(len(views), np.nan),
            "iterations": int(result.iterations),
            "converged": bool(result.converged),
        },
    )
    with atomic_path(path) as tmp:
        model.write_h5ad(tmp)


def read_result(path: str | os.PathLike[str]) -> MofaResult:
    """A model written by :func:`write_result`."""
    import anndata as ad

    model = ad.read_h5ad(path)
    names = pd.Index(list(model.var_names))
    views = [str(v) for v in model.uns["views"]]
    per_view = np.asarray(model.uns["variance_explained_per_view"], dtype=np.float64)
    return MofaResult(
        factors=pd.DataFrame(
            np.asarray(model.X, dtype=np.float64), index=pd.Index(list(model.obs_names), name="patient"), columns=names
        ),
        weights={
            view: pd.DataFrame(
                np.asarray(model.uns["weights"][view], dtype=np.float64),
                index=pd.Index([str(f) for f in model.uns["features"][view]], name="feature"),
                columns=names,
            )
            for view in views
        },
        variance_explained=pd.DataFrame(
            np.asarray(model.uns["variance_explained"], dtype=np.float64),
            index=pd.Index(list(names), name="factor"),
            columns=views,
        ),
        iterations=int(model.uns["iterations"]),
        converged=bool(model.uns["converged"]),
        variance_explained_per_view=None
        if np.isnan(per_view).all()
        else pd.Series(per_view, index=views, name="r2_total"),
    )


def association(factors: pd.DataFrame, groups: pd.Series) -> pd.DataFrame:
    """Per factor: the share of its variance explained by ``groups`` (eta², one-way ANOVA) and the
    Kruskal-Wallis p-value, over the patients with a group. NaN when fewer than two groups."""
    from scipy import stats

    groups = groups.dropna()
    frame = factors.loc[factors.index.intersection(groups.index)]
    labels = groups.loc[frame.index].astype(str)
    rows = []
    for factor in factors.columns:
        values = frame[factor].to_numpy()
        samples = [values[(labels == g).to_numpy()] for g in sorted(labels.unique())]
        if len(samples) < 2 or len(values) < 3:
            rows.append((factor, np.nan, np.nan))
            continue
        total = ((values - values.mean()) ** 2).sum()
        between = sum(len(s) * (s.mean() - values.mean()) ** 2 for s in samples)
        eta2 = between / total if total > 0 else np.nan
        p_value = stats.kruskal(*samples).pvalue if all(len(s) for s in samples) and total > 0 else np.nan
        rows.append((factor, eta2, p_value))
    return pd.DataFrame(rows, columns=["factor", "r2", "p_value"]).set_index("factor")


def factor_table(result: MofaResult, by_cluster: pd.DataFrame, by_label: pd.DataFrame | None) -> pd.DataFrame:
    """One row per factor: variance explained per layer, association with clusters and label."""
    table = result.variance_explained.add_prefix("r2_")
    table["r2_total"] = result.variance_explained.sum(axis=1)
    table["cluster_r2"] = by_cluster["r2"]
    table["cluster_p_value"] = by_cluster["p_value"]
    table["label_r2"] = by_label["r2"] if by_label is not None else np.nan
    table["label_p_value"] = by_label["p_value"] if by_label is not None else np.nan
    return table.reset_index()


def gene_weights(result: MofaResult, mdata: md.MuData, factors: pd.DataFrame) -> pd.DataFrame:
    """Long table for the target step: ``layer, feature, gene, factor, weight, abs_rank`` plus the factor's
    ``cluster_r2`` and ``label_r2`` (how well it separates clusters / labels), sorted by layer, factor, rank.

    ``weight`` is MOFA+'s weight on the scaled feature; ``abs_rank`` ranks features by ``|weight|`` within
    layer and factor (1 = strongest).
    """
    info = factors.set_index("factor")
    rows = []
    for layer, weights in sorted(result.weights.items()):
        genes = mdata[layer].var["gene"].reindex(weights.index)
        long = (
            weights.rename_axis("feature").reset_index().melt(id_vars="feature", var_name="factor", value_name="weight")
        )
        long.insert(0, "layer", layer)
        long.insert(2, "gene", genes.loc[long["feature"]].to_numpy())
        rows.append(long)
    table = pd.concat(rows, ignore_index=True)
    table["abs_weight"] = table["weight"].abs()
    table = table.sort_values(
        ["layer", "factor", "abs_weight", "feature"], ascending=[True, True, False, True], kind="stable"
    )
    table["abs_rank"] = table.groupby(["layer", "factor"]).cumcount() + 1
    table["factor_cluster_r2"] = info.loc[table["factor"], "cluster_r2"].to_numpy()
    table["factor_label_r2"] = info.loc[table["factor"], "label_r2"].to_numpy()
    table["factor_order"] = table["factor"].str.removeprefix("Factor").astype(int)
    table = table.sort_values(["layer", "factor_order", "abs_rank"], kind="stable")
    return table.drop(columns=["abs_weight", "factor_order"]).reset_index(drop=True)
