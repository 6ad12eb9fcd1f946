"""Integration rows: the step's library calls against a direct mofapy2 call on the same matrices.

Workloads:
- the breast TCGA training cohort (150 patients; mRNA 200, miRNA 184, protein 142 features), MOFA+
  with the config's defaults on both sides (10 factors, at most 1,000 iterations, ``fast``
  convergence: both stop at the same iteration, same data and seed). precisionflow is measured twice:
  the factor part (read, align, scale, MOFA+, clusters, UMAP, tables, figures, h5mu) and the whole
  step (plus the classifier's nested 10 × 10 cross-validation, predictions, importance, explanations, fairness);
- 5,000 simulated patients × 3 layers × 2,000 features (5 planted factors, 3 classes, 10 % of each
  layer's patients missing), the same on both sides with a **fixed 5 MOFA+ iterations** (``nostop``):
  full convergence (minutes per run) would not fit the harness's 20-minute budget at 3 runs per row. The
  classifier is left out of this row (a 10 × 10 cross-validation of 5,000 × 2,000 layers is minutes).

The peer reads the same ``.h5ad`` files, scales each feature the same way, and calls mofapy2's
``entry_point`` directly with the same options, then saves the model, so the ratio is the workflow's
overhead around MOFA+ (alignment, clustering, UMAP, figures, writing).
Run alone: ``python -m bench.integration [--repeats 1]``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from bench.harness import ROOT, Row, measure_python

SHARED = Path(os.environ.get("PRECISIONFLOW_SHARED_DATA", ROOT.parent / "shared" / "data"))
BREAST = SHARED / "multiomics" / "breast_tcga_train"
SIM_PATIENTS, SIM_LAYERS, SIM_FEATURES = 5000, 3, 2000
SIM_ITERATIONS = 5


def _write_layer(frame: pd.DataFrame, path: Path) -> None:
    import anndata as ad

    adata = ad.AnnData(
        X=frame.to_numpy(dtype=np.float64),
        obs=pd.DataFrame(index=frame.index.astype(str)),
        var=pd.DataFrame({"gene": frame.columns.astype(str)}, index=frame.columns.astype(str)),
    )
    adata.write_h5ad(path)


def breast_inputs(cache: Path) -> Path:
    folder = cache / "breast"
    if not (folder / "clinical.tsv").is_file():
        folder.mkdir(parents=True, exist_ok=True)
        for name in ("mrna", "mirna", "protein"):
            _write_layer(pd.read_csv(BREAST / f"{name}.csv", index_col=0), folder / f"{name}.h5ad")
        subtype = pd.read_csv(BREAST / "subtype.csv", index_col=0)
        subtype.index.name = "patient"
        subtype.to_csv(folder / "clinical.tsv", sep="\t")
    return folder


def simulated_inputs(cache: Path) -> Path:
    """5 latent factors, 3 classes shifting two of them, Gaussian noise; 10 % of each layer missing."""
    folder = cache / f"simulated_{SIM_PATIENTS}x{SIM_LAYERS}x{SIM_FEATURES}"
    if not (folder / "clinical.tsv").is_file():
        folder.mkdir(parents=True, exist_ok=True)
        rng = np.random.default_rng(20241128)
        patients = [f"S{i:05d}" for i in range(SIM_PATIENTS)]
        classes = rng.choice(["A", "B", "C"], size=SIM_PATIENTS)
        latent = rng.normal(size=(SIM_PATIENTS, 5))
        latent[:, 0] += np.select([classes == "A", classes == "B"], [2.0, -2.0], 0.0)
        latent[:, 1] += np.where(classes == "C", 2.0, 0.0)
        for layer in range(SIM_LAYERS):
            loadings = rng.normal(size=(5, SIM_FEATURES)) * (rng.random((5, SIM_FEATURES)) < 0.3)
            values = latent @ loadings + rng.normal(scale=1.5, size=(SIM_PATIENTS, SIM_FEATURES))
            keep = rng.random(SIM_PATIENTS) >= 0.1
            frame = pd.DataFrame(
                values[keep], index=np.array(patients)[keep], columns=[f"L{layer}F{j:04d}" for j in range(SIM_FEATURES)]
            )
            _write_layer(frame, folder / f"layer{layer}.h5ad")
        label = pd.Series(classes, index=pd.Index(patients, name="patient"), name="label").where(
            rng.random(SIM_PATIENTS) >= 0.2
        )
        label.to_frame().to_csv(folder / "clinical.tsv", sep="\t")
    return folder


def _layer_paths(folder: Path) -> dict[str, Path]:
    return {p.stem: p for p in sorted(folder.glob("*.h5ad"))}


def run_precisionflow(folder: Path, out: Path, settings: dict, classify: bool) -> None:
    """What the step's three scripts do, in one process (no Snakemake)."""
    from precisionflow.integration import figures, pipeline
    from precisionflow.io import write_text, write_tsv
    from precisionflow.plots import save_png

    clinical = pd.read_csv(folder / "clinical.tsv", sep="\t", index_col=0, dtype=str)
    label = clinical.columns[0]
    mdata = pipeline.build_cohort(_layer_paths(folder), clinical, settings)
    pipeline.write_h5mu(mdata, out / "aligned.h5mu")
    result = pipeline.joint_factors(mdata, settings, label)
    pipeline.write_h5mu(mdata, out / "cohort.h5mu")
    write_tsv(result.clusters, out / "clusters.tsv")
    write_tsv(result.gene_weights, out / "factor_gene_weights.tsv")
    save_png(figures.variance_explained(result.variance_explained), out / "variance_explained.png")
    save_png(
        figures.umap(
            result.umap, result.clusters.set_index("patient")["cluster"], pipeline.label_series(mdata, label), label
        ),
        out / "umap.png",
    )
    parts = [result.metrics]
    if classify:
        classified = pipeline.classify(mdata, label, [], settings)
        write_tsv(classified.predictions, out / "predictions.tsv")
        write_tsv(classified.importance, out / "feature_importance.tsv")
        write_tsv(classified.explanations, out / "explanations.tsv")
        parts.append(classified.metrics)
    write_text(json.dumps(pipeline.merge_metrics(parts)), out / "model_metrics.json")


def run_mofapy2(folder: Path, out: Path, n_factors: int, seed: int, iterations: int, force: bool) -> None:
    """The peer: the same matrices, scaled per feature, straight into mofapy2 (written independently of
    the project's wrapper on purpose)."""
    import anndata as ad
    from mofapy2.run.entry_point import entry_point

    layers = {name: ad.read_h5ad(path) for name, path in _layer_paths(folder).items()}
    patients = sorted(set().union(*(set(a.obs_names) for a in layers.values())))
    data, features = [], []
    for name in sorted(layers):
        frame = layers[name].to_df()
        frame = (frame - frame.mean()) / frame.std()
        data.append([frame.reindex(patients).to_numpy()])
        features.append(list(frame.columns))
    with contextlib.redirect_stdout(io.StringIO()):
        ent = entry_point()
        ent.set_data_options(scale_views=False, center_groups=True)
        ent.set_data_matrix(
            data, views_names=sorted(layers), groups_names=["cohort"], samples_names=[patients], features_names=features
        )
        ent.set_model_options(factors=n_factors, spikeslab_weights=True, ard_weights=True)
        ent.set_train_options(
            iter=iterations, convergence_mode="fast", seed=seed, nostop=force, dropR2=None, quiet=False
        )
        ent.build()
        ent.run()
        ent.save(str(out / "mofa_model.hdf5"), save_data=False)


def _code(call: str, out: Path) -> str:
    return f"from pathlib import Path; import shutil; out = Path({str(out)!r}); shutil.rmtree(out, ignore_errors=True); out.mkdir(parents=True)\nfrom bench import integration\n{call}\n"


def rows(cache: Path, repeats: int) -> list[Row]:
    cache.mkdir(parents=True, exist_ok=True)
    out: list[Row] = []
    breast = breast_inputs(cache)
    seed = 2024
    workload = "breast TCGA, 150 patients × 3 layers (526 features)"
    call = f"integration.run_precisionflow(Path({str(breast)!r}), out, {{'seed': {seed}}}, classify=False)"
    out.append(
        Row(
            "integration",
            workload,
            "precisionflow",
            measure_python(_code(call, cache / "out_pf"), repeats),
            peer="mofapy2",
            note="factor part: align, MOFA+, clusters, UMAP, tables, figures, h5mu",
        )
    )
    call = f"integration.run_mofapy2(Path({str(breast)!r}), out, 10, {seed}, 1000, False)"
    out.append(
        Row(
            "integration",
            workload,
            "mofapy2",
            measure_python(_code(call, cache / "out_mofa"), repeats),
            note="direct call, same settings, model saved",
        )
    )
    whole = "breast TCGA, whole step incl. classifier 10 × 10 nested CV"
    call = f"integration.run_precisionflow(Path({str(breast)!r}), out, {{'seed': {seed}}}, classify=True)"
    out.append(
        Row(
            "integration",
            whole,
            "precisionflow",
            measure_python(_code(call, cache / "out_pf_all"), repeats),
            note="no peer: compare with the mofapy2 row above",
        )
    )

    simulated = simulated_inputs(cache)
    workload = f"simulated {SIM_PATIENTS:,} patients × {SIM_LAYERS} layers × {SIM_FEATURES:,} features, {SIM_ITERATIONS} MOFA+ iterations"
    # mofapy2 runs iterations 1 … iter-1: iter = SIM_ITERATIONS + 1 on both sides
    mofa = {"iterations": SIM_ITERATIONS + 1, "convergence_mode": "fast", "force_iterations": True}
    settings = {"seed": seed, "n_top_features": SIM_FEATURES, "mofa": mofa}
    call = f"integration.run_precisionflow(Path({str(simulated)!r}), out, {settings!r}, classify=False)"
    out.append(
        Row(
            "integration",
            workload,
            "precisionflow",
            measure_python(_code(call, cache / "out_pf_sim"), repeats),
            peer="mofapy2",
            note=f"fixed {SIM_ITERATIONS} iterations both sides; classifier not run",
        )
    )
    call = f"integration.run_mofapy2(Path({str(simulated)!r}), out, 10, {seed}, {SIM_ITERATIONS + 1}, True)"
    out.append(
        Row(
            "integration",
            workload,
            "mofapy2",
            measure_python(_code(call, cache / "out_mofa_sim"), repeats),
            note="direct call, same settings",
        )
    )
    return out


def main(argv: list[str] | None = None) -> None:
    from bench.run import CACHE, table

    parser = argparse.ArgumentParser(prog="python -m bench.integration")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    print("\n".join(table(rows(CACHE / "integration", args.repeats))))


if __name__ == "__main__":
    sys.exit(main())
