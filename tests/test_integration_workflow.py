"""The integration rules on the demo cohort: planted subtypes found, blank labels predicted, same bytes twice.

Until the normalization step's rules produce ``results/omics/{layer}.h5ad``, this test writes simple
stand-ins (log2 CPM for RNA counts, log2 MaxQuant intensities with zeros missing, miRNA as given) and
runs only the integration rules (``--allowed-rules``), so the step is tested on its own contract.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd
import pytest
import yaml

from tests.conftest import make_project, run_snakemake

pytestmark = pytest.mark.workflow

RULES = [
    "integration_align",
    "integration_factors",
    "integration_clusters",
    "integration_classifier",
    "integration_metrics",
]


def _layer(frame: pd.DataFrame, genes) -> ad.AnnData:
    return ad.AnnData(
        X=frame.to_numpy(dtype=float),
        obs=pd.DataFrame(index=frame.index.astype(str)),
        var=pd.DataFrame({"gene": list(genes)}, index=frame.columns.astype(str)),
    )


def write_demo_layers(project: Path) -> None:
    """Stand-ins for results/omics/{rna,protein,mirna}.h5ad of the demo (see the module docstring)."""
    demo = project / "demo"
    counts = pd.read_csv(demo / "rna/salmon.merged.gene_counts.tsv", sep="\t").set_index("gene_id")
    genes = counts.pop("gene_name")
    rna = np.log2(counts / counts.sum() * 1e6 + 1).T
    groups = pd.read_csv(demo / "proteomics/proteinGroups.txt", sep="\t")
    columns = [c for c in groups.columns if c.startswith("Intensity ")]
    protein = np.log2(groups[columns].replace(0, np.nan)).T
    protein.index = [c.split(" ", 1)[1] for c in columns]
    protein.columns = groups["Protein IDs"]
    mirna = pd.read_csv(demo / "mirna/mirna_log_expression.csv", index_col=0)
    out = project / "results/omics"
    out.mkdir(parents=True, exist_ok=True)
    _layer(rna, genes).write_h5ad(out / "rna.h5ad")
    _layer(protein, groups["Gene names"]).write_h5ad(out / "protein.h5ad")
    _layer(mirna, mirna.columns).write_h5ad(out / "mirna.h5ad")


def run_integration(project: Path) -> None:
    run_snakemake(
        project,
        *[f"results/integration/{p}" for p in ("model_metrics.json", "predictions.tsv", "cohort.h5mu")],
        "--allowed-rules",
        *RULES,
        check=True,
        timeout=900,
    )


def digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def integrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = make_project(tmp_path_factory.mktemp("integration_demo"))
    write_demo_layers(project)
    run_integration(project)
    return project


def test_demo_subtypes_recovered_and_blank_labels_predicted(integrated: Path, truth: dict) -> None:
    subtype = pd.Series({p: facts["subtype"] for p, facts in truth["patients"].items()})
    clusters = pd.read_csv(integrated / "results/integration/clusters.tsv", sep="\t").set_index("patient")["cluster"]
    assert sorted(clusters.index) == sorted(truth["patients"])  # every demo patient has some layer
    from sklearn.metrics import adjusted_rand_score

    ari = adjusted_rand_score(subtype.loc[clusters.index], clusters)
    print(f"\ndemo: clusters vs planted subtypes ARI {ari:.3f}")
    assert ari >= 0.9
    predictions = pd.read_csv(
        integrated / "results/integration/predictions.tsv", sep="\t", keep_default_na=False, na_values=["NA"]
    )
    predictions = predictions.set_index("patient")
    blank = blank_of_the_labels_type(truth)
    assert (predictions.loc[blank, "kind"] == "model").all()
    assert (predictions.loc[blank, "predicted"] == subtype.loc[blank]).all()
    for patient in blank:  # predicted from exactly the layers the patient has
        assert predictions.at[patient, "layers_used"].split(",") == sorted(truth["patients"][patient]["layers"])
    metrics = json.loads((integrated / "results/integration/model_metrics.json").read_text())
    # the planted bias: these patients' recorded subtype is wrong, the classifier predicts their biology
    mislabelled = truth["planted_fairness_bias"]["recorded_label"]
    validated = predictions[predictions["kind"] == "cross_validated"]
    honest = validated.drop(index=list(mislabelled))
    assert (honest["predicted"] == honest["label"]).mean() >= 0.95
    assert (validated.loc[list(mislabelled), "predicted"] == subtype.loc[list(mislabelled)]).mean() >= 0.8
    cv = metrics["cross_validation"]
    assert (
        "sd" in cv["balanced_error_rate"]
        and len(cv["model_selection"]["chosen_C_per_outer_fold"]) == cv["folds"] * cv["repeats"]
    )
    # against the sheet's labels (six wrong by design): lower than the 0.9 against the biology above
    assert metrics["clustering"]["agreement_with_label"]["joint"]["ari"] >= 0.6
    assert metrics["clustering"]["agreement_with_label"]["joint"]["n_clusters"] == 3
    assert metrics["clustering"]["criterion"] == "stability"
    assert set(metrics["clustering"]["agreement_with_label"]["single_layer"]) == {"rna", "protein", "mirna"}
    assert set(metrics["factors"]["variance_explained_per_view"]) == {"rna", "protein", "mirna"}
    assert set(metrics["fairness"]) == {"sex", "ancestry"}
    bias = truth["planted_fairness_bias"]
    print(f"\nfairness: { {c: (a['flagged'], a['flagged_groups']) for c, a in metrics['fairness'].items()} }")
    assert metrics["fairness"][bias["column"]]["flagged"] and metrics["fairness"][bias["column"]]["flagged_groups"] == [
        bias["group"]
    ]
    assert not metrics["fairness"]["sex"]["flagged"]  # errors unrelated to sex once the class is known
    fairness = pd.read_csv(integrated / "results/integration/fairness.tsv", sep="\t")
    assert fairness.loc[fairness["flagged"], "group"].tolist() == [bias["group"]]


def cohort_tumour_type() -> str:
    """The demo's cohort tumour type (config/config.yaml), the one its subtype labels belong to."""
    return yaml.safe_load((Path(__file__).resolve().parents[1] / "config/config.yaml").read_text())["tumor_type"]


def blank_of_the_labels_type(truth: dict) -> list[str]:
    """The patients the classifier predicts: a blank label and the labels' (the cohort's) tumour type."""
    return [
        p
        for p, facts in truth["patients"].items()
        if facts["label_blank"] and facts["tumor_type"] == cohort_tumour_type()
    ]


def test_the_colorectal_case_gets_no_breast_subtype(integrated: Path, truth: dict) -> None:
    """DEMO-033 is the demo's colorectal tumour (KRAS G12D): the breast subtype labels do not apply to it. The
    classifier neither trains on it nor predicts for it, and says why, in the table, the metrics and the log."""
    colorectal = {p: f["tumor_type"] for p, f in truth["patients"].items() if f["tumor_type"] != cohort_tumour_type()}
    assert colorectal == {"DEMO-033": "COADREAD"}
    folder = integrated / "results/integration"
    predictions = pd.read_csv(folder / "predictions.tsv", sep="\t", keep_default_na=False, na_values=["NA"])
    row = predictions.set_index("patient").loc["DEMO-033"]
    assert row["predicted"] not in set(truth["subtypes"]) and pd.isna(row["predicted"])
    assert row["kind"] == "not applicable (subtype labels are for BRCA)" and row["layers_used"] == "none"
    assert row[[c for c in predictions.columns if c.startswith("prob_")]].isna().all()
    assert (predictions["kind"] == row["kind"]).sum() == 1
    scope = json.loads((folder / "model_metrics.json").read_text())["classifier"]["tumor_type_scope"]
    assert scope["labels_tumor_type"] == "BRCA" and scope["not_applicable"] == {"DEMO-033": "COADREAD"}
    assert scope["excluded_from_training"] == {}  # the regenerated sheet gives it no breast label
    log = (integrated / "logs/integration/classifier.log").read_text()
    assert "the subtype labels are for tumour type BRCA: 1 patient(s) of another tumour type" in log
    assert "DEMO-033: COADREAD" in log


def test_outputs_follow_the_contract(integrated: Path, truth: dict) -> None:
    import mudata as md

    folder = integrated / "results/integration"
    cohort = md.read_h5mu(folder / "cohort.h5mu")
    assert sorted(cohort.obs_names) == sorted(truth["patients"])
    assert cohort.obsm["X_joint"].shape == (60, 10)
    assert set(cohort.mod) == {"rna", "protein", "mirna"}
    assert cohort["protein"].n_obs == sum("protein" in f["layers"] for f in truth["patients"].values())
    assert {"mrn", "date_of_birth", "vcf", "cna"}.isdisjoint(
        cohort.obs.columns
    )  # identifying columns and paths never reach it
    predictions = pd.read_csv(folder / "predictions.tsv", sep="\t")
    assert list(predictions.columns[:6]) == [
        "patient",
        "predicted",
        "prob_Basal",
        "prob_HER2",
        "prob_Luminal",
        "layers_used",
    ]
    weights = pd.read_csv(folder / "factor_gene_weights.tsv", sep="\t")
    assert {"layer", "feature", "gene", "factor", "weight", "factor_label_r2"} <= set(weights.columns)
    explanations = pd.read_csv(folder / "explanations.tsv", sep="\t")
    assert list(explanations.columns) == ["patient", "class", "feature", "layer", "contribution"]
    predicted = predictions.set_index("patient")["predicted"].dropna()
    assert set(explanations["patient"]) == set(predicted.index)
    assert (explanations["class"].to_numpy() == predicted.loc[explanations["patient"]].to_numpy()).all()
    assert (explanations["feature"] == "(layer total)").sum() == sum(
        len(f["layers"]) for f in truth["patients"].values() if f["tumor_type"] == cohort_tumour_type()
    )
    importance = pd.read_csv(folder / "feature_importance.tsv", sep="\t")
    her2 = importance[(importance["class"] == "HER2") & (importance["importance"] > 0)].nsmallest(40, "rank")
    assert "ERBB2" in set(her2["gene"])  # the planted driver of its subtype
    for figure in ("variance_explained", "umap", "feature_importance"):
        assert (folder / "figures" / f"{figure}.png").stat().st_size > 10_000
    log = (integrated / "logs/integration/factors.log").read_text()
    assert "mofapy2: ## Training the model with seed 2024 ##" in log


def test_same_bytes_twice(integrated: Path, tmp_path: Path) -> None:
    again = make_project(tmp_path / "again")
    write_demo_layers(again)
    run_integration(again)
    first, second = digest(integrated / "results/integration"), digest(again / "results/integration")
    assert first == second


def test_a_layer_with_an_unknown_patient_stops_with_one_line(tmp_path: Path) -> None:
    project = make_project(tmp_path / "bad")
    write_demo_layers(project)
    layer = ad.read_h5ad(project / "results/omics/mirna.h5ad")
    layer.obs_names = ["NOT-IN-SHEET"] + list(layer.obs_names[1:])
    layer.write_h5ad(project / "results/omics/mirna.h5ad")
    result = run_snakemake(project, "results/integration/aligned.h5mu", "--allowed-rules", *RULES)
    assert result.returncode != 0
    log = (project / "logs/integration/align.log").read_text()
    assert (
        "precisionflow error: results/omics/mirna.h5ad: obs (patients): "
        "expected public patient ids of the sheet, found unknown ids 'NOT-IN-SHEET'" in log
    )
    assert "Traceback" not in log
    assert not (project / "results/integration/aligned.h5mu").exists()


def test_without_a_label_no_classifier_runs(tmp_path: Path) -> None:
    project = make_project(tmp_path / "unlabelled")
    config = yaml.safe_load((project / "config/config.yaml").read_text())
    config["label"] = None
    (project / "config/config.yaml").write_text(yaml.safe_dump(config))
    write_demo_layers(project)
    result = run_snakemake(project, "-n", "results/integration/model_metrics.json", "--allowed-rules", *RULES)
    assert result.returncode == 0, result.stderr[-3000:]
    planned = result.stdout + result.stderr
    assert "rule integration_factors:" in planned and "rule integration_classifier:" not in planned


def test_whole_workflow_on_the_demo(demo_run: Path, truth: dict) -> None:
    """The default run (every step, the normalization step's real layers) once `rule all` asks for the
    integration outputs."""
    folder = demo_run / "results/integration"
    if not (folder / "model_metrics.json").is_file():
        pytest.skip("rule all does not ask for the integration outputs yet")
    subtype = pd.Series({p: facts["subtype"] for p, facts in truth["patients"].items()})
    clusters = pd.read_csv(folder / "clusters.tsv", sep="\t").set_index("patient")["cluster"]
    from sklearn.metrics import adjusted_rand_score

    assert adjusted_rand_score(subtype.loc[clusters.index], clusters) >= 0.9
    predictions = pd.read_csv(folder / "predictions.tsv", sep="\t").set_index("patient")
    blank = blank_of_the_labels_type(truth)
    assert (predictions.loc[blank, "predicted"] == subtype.loc[blank]).all()
    colorectal = [p for p, facts in truth["patients"].items() if facts["tumor_type"] != cohort_tumour_type()]
    assert predictions.loc[colorectal, "predicted"].isna().all()


def test_a_filter_grouped_by_the_label_is_refused(tmp_path: Path) -> None:
    """A valid-value filter grouped by the label would select features with the label before
    cross-validation: one config error line, before any job."""
    project = make_project(tmp_path / "grouped")
    config = yaml.safe_load((project / "config/config.yaml").read_text())
    config["omics"]["protein"]["filters"] = {"group_column": config["label"]}
    (project / "config/config.yaml").write_text(yaml.safe_dump(config))
    result = run_snakemake(project, "-n", "results/integration/model_metrics.json", "--allowed-rules", *RULES)
    assert result.returncode != 0
    lines = [line for line in (result.stdout + result.stderr).splitlines() if "precisionflow error" in line]
    assert (
        len(lines) == 1
        and "key omics/protein/filters/group_column: expected a sheet column other than the label" in lines[0]
    )
    assert "found 'subtype'" in lines[0] and "Traceback" not in result.stderr
