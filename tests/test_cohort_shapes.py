"""Any cohort shape runs to targets: one real patient (A04W: VCF, segments, one RPPA sample) and a
variants-only cohort (demo VCFs and segments, no omics). Steps the shape cannot feed are skipped by
rule at parse time, with the reason in results/cohort/steps.tsv.

Both runs share one project skeleton (the default config and demo) and stay small: 1 and 5 patients.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from precisionflow.steps import STEP_COLUMNS
from tests.conftest import ROOT, make_project, run_snakemake

pytestmark = pytest.mark.workflow

UMAP_REASON = "the methods need at least 4 (MOFA+ 2, k-means (silhouette) 3, UMAP 4)"


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, sep="\t", keep_default_na=False, na_values=["NA"])


def steps(project: Path) -> dict[str, tuple[str, str]]:
    table = pd.read_csv(project / "results/cohort/steps.tsv", sep="\t", dtype=str, keep_default_na=False)
    assert tuple(table.columns) == STEP_COLUMNS
    return {row.step: (row.status, row.reason) for row in table.itertuples()}


@pytest.fixture(scope="module")
def skeleton(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default config and the demo cohort, copied once for both runs."""
    return make_project(tmp_path_factory.mktemp("shapes") / "skeleton")


def variants_only_config(folder: Path, sheet: pd.DataFrame, resources: dict, **extra) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    sheet.to_csv(folder / "samples.tsv", sep="\t", index=False)
    config = {
        "cohort": folder.name,
        "samples": "samples.tsv",
        "genome_build": "GRCh38",
        "resources": resources,
        **extra,
    }
    (folder / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    return folder


@pytest.fixture(scope="module")
def single_patient(skeleton: Path, shared_data: Path) -> Path:
    """A04W alone: the somatic VCF, the copy-number segments and its one RPPA sample (a layer of one patient)."""
    variants, resources = shared_data / "variants", shared_data / "resources"
    sheet = pd.DataFrame(
        {
            "patient": ["A04W"],
            "vcf": [str(variants / "TCGA-A2-A04W.somatic.grch38.vcf.gz")],
            "cna": [str(variants / "TCGA-A2-A04W.cna_segments.grch38.tsv")],
        }
    )
    rppa = shared_data / "multiomics" / "breast_tcga_train" / "protein.csv"
    project = variants_only_config(
        skeleton.parent / "a04w",
        sheet,
        {
            "genes": str(resources / "genes.grch38.bed.gz"),
            "drivers": str(resources / "intogen_drivers_2020.tsv"),
            "hotspots": str(resources / "cancerhotspots_v2.grch38.noheader.tsv"),
            "drug_gene": str(resources / "dgidb_interactions.tsv.gz"),
            "drug_categories": str(resources / "dgidb_categories.tsv.gz"),
            "actionability": str(shared_data / "knowledge" / "moalmanac.json"),
            "oncotree": str(shared_data / "knowledge" / "oncotree.2023-03-09.txt"),
        },
        tumor_type="BRCA",
        omics={
            "protein": {
                "type": "matrix",
                "values": "log",
                "orientation": "samples_by_features",
                "path": str(rppa),
                "feature_map": str(ROOT / "tests" / "data" / "breast_rppa_feature_map.tsv"),
            }
        },
        unknown_samples="drop",
        targets={"layers": {"protein": "protein"}},
    )
    run_snakemake(project, "--configfile", str(project / "config.yaml"), check=True, timeout=1800)
    return project


@pytest.fixture(scope="module")
def variants_only(skeleton: Path) -> Path:
    """Five demo patients with their VCFs and segments, and no omics layer."""
    sheet = pd.read_csv(skeleton / "config" / "samples.tsv", sep="\t", dtype=str, keep_default_na=False).head(5)
    for column in ("vcf", "cna"):
        sheet[column] = [str(skeleton / path) for path in sheet[column]]
    resources = yaml.safe_load((skeleton / "config" / "config.yaml").read_text())["resources"]
    project = variants_only_config(
        skeleton.parent / "panel",
        sheet[["patient", "sex", "subtype", "vcf", "cna", "tumor_sample", "normal_sample"]],
        {name: str(skeleton / path) for name, path in resources.items()},
        label="subtype",
    )
    run_snakemake(project, "--configfile", str(project / "config.yaml"), check=True, timeout=1800)
    return project


def test_single_patient_runs_to_targets_with_integration_skipped(single_patient: Path) -> None:
    found = steps(single_patient)
    assert found["variants"] == ("ran", "1 patient with a VCF or MAF")
    assert found["copy_number"] == ("ran", "1 patient with copy-number segments")
    assert found["omics"] == ("ran", "1 layer(s)")
    assert found["integration"] == ("skipped", f"1 patient with an omics layer; {UMAP_REASON}")
    assert found["classifier"] == ("skipped", "no label column in the config")
    assert found["targets"][0] == "ran"
    assert not (single_patient / "results" / "integration").exists()
    table = read(single_patient / "results/targets/patients/A04W.tsv").set_index("gene")
    # Expression evidence is a robust z-score against the cohort: one patient has no cohort to stand out
    # from, so none is invented, and without it the PIK3CA hotspot comes first, then amplified ERBB2
    # with its HER2-directed drugs; no integration evidence.
    assert list(table.index[:2]) == ["PIK3CA", "ERBB2"]
    assert table.at["PIK3CA", "mutations"] == "p.H1047R (hotspot)"  # from the hotspot table (no VEP annotation)
    assert table.at["ERBB2", "copy_number_call"] == "amp" and "TRASTUZUMAB" in table.at["ERBB2", "drugs"].split(";")
    assert (table["evidence_protein"] == 0).all()
    assert (table["evidence_integration"] == 0).all()
    assert (single_patient / "results/targets/report/patients/A04W.html").is_file()
    # actionability runs on one patient too: the ERBB2 amplification at tier I-A with trastuzumab
    actionable = read(single_patient / "results/targets/patients/A04W.actionable.tsv")
    erbb2 = actionable[
        (actionable["gene"] == "ERBB2") & (actionable["tier"] == "I-A") & (actionable["suggested"] == "yes")
    ]
    assert "Trastuzumab" in set(erbb2["therapy"])
    # pictilisib (PIK3CA H1047R) from two cell-line studies: tier II-D, kept, never suggested
    pictilisib = actionable[actionable["therapy"] == "Pictilisib"]
    assert len(pictilisib) == 2 and set(pictilisib["tier"]) == {"II-D"} and set(pictilisib["suggested"]) == {"no"}
    # the dossier says why integration did not run (the cohort's size), once, not "no omics layers"
    page = (single_patient / "results/report/patients/A04W.html").read_text()
    assert (
        f"Multi-omics not assessed: the integration step was skipped (1 patient with an omics layer; {UMAP_REASON})"
        in page
    )
    assert "no omics layers" not in page and "Pictilisib</b>" not in page
    assert (single_patient / "results/omics/qc/protein.pca.png").stat().st_size > 0


def test_variants_only_cohort_runs_to_targets(variants_only: Path) -> None:
    found = steps(variants_only)
    assert found["variants"] == ("ran", "5 patients with a VCF or MAF")
    assert found["omics"] == ("skipped", "no omics layer in the config")
    assert found["integration"] == ("skipped", "no omics layer in the config: nothing to integrate")
    assert found["classifier"] == ("skipped", "integration skipped")
    cohort = read(variants_only / "results/targets/cohort_targets.tsv")
    assert len(cohort) > 0 and (cohort["evidence_integration"] == 0).all()
    assert (cohort[["evidence_rna", "evidence_protein"]] == 0).all().all()
    patients = pd.read_csv(variants_only / "samples.tsv", sep="\t")["patient"]
    for patient in patients:
        table = read(variants_only / f"results/targets/patients/{patient}.tsv")
        assert len(table) > 0
    assert not (variants_only / "results" / "integration").exists()


def test_three_patients_with_layers_plan_no_integration(skeleton: Path) -> None:
    """Three patients with every layer: MOFA+ and k-means could run, UMAP cannot: the step is not planned."""
    project = skeleton.parent / "three"
    project.mkdir(exist_ok=True)
    sheet = pd.read_csv(skeleton / "config" / "samples.tsv", sep="\t", dtype=str, keep_default_na=False).head(3)
    sheet = sheet.drop(
        columns=["vcf", "cna", "tumor_sample", "normal_sample", "germline_vcf", "germline_sample", "pgx_outside_calls"]
    )
    sheet.to_csv(project / "samples.tsv", sep="\t", index=False)
    config = yaml.safe_load((skeleton / "config" / "config.yaml").read_text())
    config.update(samples="samples.tsv", unknown_samples="drop", outcome=None)  # no survival model on 3 patients
    for layer in config["omics"].values():
        layer["path"] = str(skeleton / layer["path"])
    config["resources"] = {name: str(skeleton / path) for name, path in config["resources"].items()}
    (project / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    result = run_snakemake(project, "--configfile", str(project / "config.yaml"), "-n", "--quiet", "rules", check=True)
    assert "integration_" not in result.stdout
    assert (
        f"precisionflow: integration skipped: 3 patients with an omics layer; {UMAP_REASON}"
        in result.stderr.splitlines()
    )
    assert "targets_prioritize" in result.stdout and "omics_layer" in result.stdout
