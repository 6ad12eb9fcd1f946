"""Integration rows: the step's jobs, run as the workflow runs them, against a direct mofapy2 call.

Each job is the workflow's own script (``scripts/integration_*.py``) in a fresh interpreter, given what
Snakemake would inject (:func:`run_job`). Workloads:

- the breast TCGA training cohort (150 patients; mRNA 200, miRNA 184, protein 142 features), MOFA+ with
  the config's defaults on both sides (10 factors, at most 1,000 iterations, ``fast`` convergence: both
  stop at the same iteration, same data and seed). precisionflow is measured twice: the factor job alone
  (``integration_factors``: read ``aligned.h5mu``, MOFA+, write the model; its input is made once
  beforehand, not timed) and the whole step, its five jobs one after the other (align; factors;
  clusters, UMAP, tables, figures and ``cohort.h5mu``; the classifier's nested 10 × 10 cross-validation,
  predictions, importance, explanations and fairness; metrics);
- 5,000 simulated patients × 3 layers × 2,000 features (5 planted factors, 3 classes, 10 % of each
  layer's patients missing), the factor job alone against the same direct call with a **fixed 5 MOFA+
  iterations** (``nostop``): full convergence (minutes per run) would not fit the harness's 20-minute
  budget at 3 runs per row.

The peer reads the layers' ``.h5ad`` files, scales each feature the same way, calls mofapy2's
``entry_point`` directly with the same options and saves the model, so the factor job's ratio is its
overhead around MOFA+ (start-up, reading the aligned layers, writing the model).
Run alone: ``python -m bench.integration [--repeats 1]``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
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


class _Named(list):
    """A list whose items are also attributes, as Snakemake's ``input`` / ``output`` / ``log``."""

    def __init__(self, named: dict):
        super().__init__(str(v) if not isinstance(v, list) else v for v in named.values())
        for key, value in named.items():
            setattr(self, key, [str(v) for v in value] if isinstance(value, list) else str(value))


def _job(name: str, folder: Path, out: Path, settings: dict) -> tuple[dict, dict, dict]:
    """Inputs, outputs and params of one integration job, as rules/integration.smk gives them."""
    layers = _layer_paths(folder)
    label = pd.read_csv(folder / "clinical.tsv", sep="\t", nrows=0).columns[1]
    aligned, model = out / "aligned.h5mu", out / "parts" / "mofa.h5ad"
    if name == "align":
        patients = pd.read_csv(folder / "clinical.tsv", sep="\t", dtype=str)["patient"]
        return (
            {"sheet": folder / "clinical.tsv", "layers": list(layers.values())},
            {"mudata": aligned},
            {"public_ids": dict(zip(patients, patients, strict=True)), "clinical": [label], "layers": list(layers)},
        )
    if name == "factors":
        return {"mudata": aligned}, {"model": model}, {}
    if name == "clusters":
        names = ("mudata", "clusters", "factors", "gene_weights", "metrics", "variance_figure", "umap_figure")
        files = ("cohort.h5mu", "clusters.tsv", "factors.tsv", "factor_gene_weights.tsv", "parts/factors.json")
        files += ("figures/variance_explained.png", "figures/umap.png")
        return (
            {"mudata": aligned, "model": model},
            {n: out / f for n, f in zip(names, files, strict=True)},
            {"label": label},
        )
    if name == "classifier":
        names = ("predictions", "importance", "importance_figure", "fairness", "explanations", "metrics")
        files = ("predictions.tsv", "feature_importance.tsv", "figures/feature_importance.png", "fairness.tsv")
        files += ("explanations.tsv", "parts/classifier.json")
        outputs = {n: out / f for n, f in zip(names, files, strict=True)}
        return {"mudata": aligned}, outputs, {"label": label, "protected": []}
    parts = [out / "parts" / "factors.json", out / "parts" / "classifier.json"]
    return {"parts": [p for p in parts if p.exists()]}, {"metrics": out / "model_metrics.json"}, {
        "cohort": folder.name, "label": label, "protected": []
    }  # fmt: skip


def run_job(name: str, folder: Path, out: Path, settings: dict) -> None:
    """Run ``scripts/integration_{name}.py`` in this interpreter with what Snakemake would inject."""
    from types import SimpleNamespace

    from precisionflow.settings import with_defaults

    inputs, outputs, params = _job(name, folder, out, settings)
    smk = SimpleNamespace(
        input=_Named(inputs),
        output=_Named(outputs),
        params=SimpleNamespace(settings=with_defaults("integration", settings), **params),
        threads=os.cpu_count() or 1,  # every core, as the peer's BLAS has
        log=_Named({"log": out / "logs" / f"{name}.log"}),
    )
    script = ROOT / "scripts" / f"integration_{name}.py"
    exec(compile(script.read_text(encoding="utf-8"), str(script), "exec"), {"snakemake": smk, "__name__": "__main__"})


JOBS = ("align", "factors", "clusters", "classifier", "metrics")


def run_jobs(names: tuple[str, ...], folder: Path, out: Path, settings: dict) -> None:
    """Each job in a fresh interpreter, one after the other, as Snakemake runs them on one core."""
    import subprocess

    for name in names:
        call = (
            "from pathlib import Path; from bench import integration; "
            f"integration.run_job({name!r}, Path({str(folder)!r}), Path({str(out)!r}), {settings!r})"
        )
        subprocess.run([sys.executable, "-c", call], check=True)


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
    return (
        f"from pathlib import Path; import shutil; out = Path({str(out)!r}); shutil.rmtree(out, ignore_errors=True); "
        f"out.mkdir(parents=True)\nfrom bench import integration\n{call}\n"
    )


def aligned_input(folder: Path, cache: Path, settings: dict) -> Path:
    """The align job's output for ``folder``, made once (the factor job's input, not timed)."""
    out = cache / f"aligned_{folder.name}"
    if not (out / "aligned.h5mu").is_file():
        out.mkdir(parents=True, exist_ok=True)
        run_jobs(("align",), folder, out, settings)
    return out / "aligned.h5mu"


def _factor_job_vs_mofapy2(
    folder: Path, cache: Path, settings: dict, workload: str, repeats: int, peer: str
) -> list[Row]:
    # the job reads aligned.h5mu where it was made and writes the model beside it (parts/mofa.h5ad)
    aligned = aligned_input(folder, cache, settings)
    call = f"integration.run_job('factors', Path({str(folder)!r}), Path({str(aligned.parent)!r}), {settings!r})"
    from precisionflow.settings import with_defaults

    full = with_defaults("integration", settings)  # the peer gets the same values as the job
    mofa, n_factors, seed = full["mofa"], full["n_factors"], full["seed"]
    force = mofa.get("force_iterations", False)  # not a config setting: the benchmark's fixed iterations
    peer_call = (
        f"integration.run_mofapy2(Path({str(folder)!r}), out, {n_factors}, {seed}, {mofa['iterations']}, {force})"
    )
    return [
        Row(
            "integration",
            workload,
            "precisionflow",
            measure_python(_code(call, cache / "out_factors"), repeats),
            peer="mofapy2",
            note="factor job (integration_factors): read aligned.h5mu, MOFA+, write the model",
        ),
        Row(
            "integration",
            workload,
            "mofapy2",
            measure_python(_code(peer_call, cache / "out_mofa"), repeats),
            note=peer,
        ),
    ]


def rows(cache: Path, repeats: int) -> list[Row]:
    cache.mkdir(parents=True, exist_ok=True)
    breast = breast_inputs(cache)
    settings = {"seed": 2024}
    workload = "breast TCGA, 150 patients × 3 layers (526 features)"
    out = _factor_job_vs_mofapy2(breast, cache, settings, workload, repeats, "direct call, same settings, model saved")
    call = f"integration.run_jobs(integration.JOBS, Path({str(breast)!r}), out, {settings!r})"
    out.append(
        Row(
            "integration",
            "breast TCGA, the whole step: its 5 jobs one after the other",
            "precisionflow",
            measure_python(_code(call, cache / "out_all"), repeats),
            note="align; factors; clusters, UMAP, tables, figures, cohort.h5mu; classifier 10 × 10 nested CV; metrics",
        )
    )
    simulated = simulated_inputs(cache)
    workload = (
        f"simulated {SIM_PATIENTS:,} patients × {SIM_LAYERS} layers × {SIM_FEATURES:,} features, "
        f"{SIM_ITERATIONS} MOFA+ iterations"
    )
    # mofapy2 runs iterations 1 … iter-1: iter = SIM_ITERATIONS + 1 on both sides
    mofa = {"iterations": SIM_ITERATIONS + 1, "convergence_mode": "fast", "force_iterations": True}
    settings = {"seed": 2024, "n_top_features": SIM_FEATURES, "mofa": mofa}
    peer = f"direct call, fixed {SIM_ITERATIONS} iterations both sides"
    out += _factor_job_vs_mofapy2(simulated, cache, settings, workload, repeats, peer)
    return out


def main(argv: list[str] | None = None) -> None:
    from bench.run import CACHE, table

    parser = argparse.ArgumentParser(prog="python -m bench.integration")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    print("\n".join(table(rows(CACHE / "integration", args.repeats))))


if __name__ == "__main__":
    sys.exit(main())
