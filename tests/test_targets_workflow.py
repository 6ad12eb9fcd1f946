"""The target step in the whole workflow: the real breast cohort (patient A04W, HER2-amplified) and the demo.

Real data: the breast TCGA training cohort (mRNA, miRNA, RPPA protein; subtype as the label) in which
patient A04W also has its somatic VCF and copy-number segments, with the IntOGen, hotspot and DGIdb
tables of ../shared/data/resources. ERBB2 must be A04W's first target, with copy-number and protein
evidence and HER2-directed drugs. Demo: every patient's planted target in their top 3, each subtype's
planted targets in the cohort's top 10, TP53 (a loss-of-function driver) below them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from precisionflow.targets.prioritize import EVIDENCE_COLUMNS, weight_vector
from precisionflow.targets.score import harmonic_score
from precisionflow.targets.settings import with_defaults
from tests.conftest import ROOT, run_snakemake

pytestmark = pytest.mark.workflow

HER2_DRUGS = {"TRASTUZUMAB", "LAPATINIB", "PERTUZUMAB", "NERATINIB", "TUCATINIB", "TRASTUZUMAB EMTANSINE"}


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, sep="\t", keep_default_na=False, na_values=["NA"])


def check_scores(table: pd.DataFrame, settings: dict) -> None:
    """Every row reproduces its score from its evidence columns; ranks follow the score, then the gene."""
    recomputed = harmonic_score(table[EVIDENCE_COLUMNS].to_numpy(dtype=float), weight_vector(with_defaults(settings)))
    assert np.abs(recomputed - table["score"].to_numpy()).max() <= 1e-6
    assert table["rank"].tolist() == list(range(1, len(table) + 1))
    assert table.sort_values(["score", "gene"], ascending=[False, True])["gene"].tolist() == table["gene"].tolist()


def breast_project(folder: Path, shared: Path) -> Path:
    """A project folder: the breast cohort's sheet (A04W with VCF and segments) and its config."""
    data = shared / "multiomics" / "breast_tcga_train"
    subtype = pd.read_csv(data / "subtype.csv")
    sheet = pd.DataFrame({"patient": subtype["sample"], "subtype": subtype["subtype"], "vcf": "", "cna": ""})
    a04w = sheet["patient"] == "A04W"
    sheet.loc[a04w, "vcf"] = str(shared / "variants" / "TCGA-A2-A04W.somatic.grch38.vcf.gz")
    sheet.loc[a04w, "cna"] = str(shared / "variants" / "TCGA-A2-A04W.cna_segments.grch38.tsv")
    folder.mkdir(parents=True, exist_ok=True)
    sheet.to_csv(folder / "samples.tsv", sep="\t", index=False)
    matrix = {"type": "matrix", "values": "log", "orientation": "samples_by_features"}
    resources = shared / "resources"
    config = {
        "cohort": "breast_tcga",
        "samples": "samples.tsv",
        "genome_build": "GRCh38",
        "omics": {
            "mrna": {**matrix, "path": str(data / "mrna.csv")},
            "mirna": {**matrix, "path": str(data / "mirna.csv")},
            "protein": {**matrix, "path": str(data / "protein.csv"), "feature_map": str(ROOT / "tests" / "data" / "breast_rppa_feature_map.tsv")},
        },
        "label": "subtype",
        "resources": {
            "genes": str(resources / "genes.grch38.bed.gz"),
            "drivers": str(resources / "intogen_drivers_2020.tsv"),
            "hotspots": str(resources / "cancerhotspots_v2.grch38.noheader.tsv"),
            "drug_gene": str(resources / "dgidb_interactions.tsv.gz"),
            "drug_categories": str(resources / "dgidb_categories.tsv.gz"),
        },
        "targets": {"layers": {"mrna": "rna", "protein": "protein"}},
    }
    (folder / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    return folder


@pytest.fixture(scope="module")
def breast(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Path:
    project = breast_project(tmp_path_factory.mktemp("breast_targets"), shared_data)
    run_snakemake(project, "--configfile", str(project / "config.yaml"), "--", "results/targets/patients/A04W.tsv",
                  "results/targets/report/patients/A04W.html", check=True, timeout=1800)
    return project


def test_erbb2_is_the_first_target_of_her2_amplified_a04w(breast: Path) -> None:
    table = read(breast / "results/targets/patients/A04W.tsv")
    settings = yaml.safe_load((breast / "config.yaml").read_text())["targets"]
    check_scores(table, settings)
    top = table.iloc[0]
    assert top["gene"] == "ERBB2" and top["rank"] == 1
    assert top["evidence_copy_number"] > 0 and top["copy_number_call"] == "amp"
    assert top["evidence_protein"] > 0 and top["protein_z"] > 1  # RPPA HER2 (and HER2_pY1248) over-abundant
    drugs = set(str(top["drugs"]).upper().split(";"))
    assert {"TRASTUZUMAB", "LAPATINIB"} <= drugs and len(drugs & HER2_DRUGS) >= 3
    # the patient's page in the report names the gene, its evidence and the drugs
    page = (breast / "results/targets/report/patients/A04W.html").read_text()
    assert "ERBB2" in page and "TRASTUZUMAB" in page and "amp" in page


def test_tp53_mutation_of_a04w_is_no_target(breast: Path) -> None:
    table = read(breast / "results/targets/patients/A04W.tsv").set_index("gene")
    if "TP53" in table.index:  # a hotspot (V272M) of a loss-of-function gene: 0.1 of the mutation evidence
        assert table.at["TP53", "evidence_mutation"] <= 0.1 + 1e-9
        assert table.at["TP53", "rank"] > 10


def test_breast_cohort_table(breast: Path) -> None:
    cohort = read(breast / "results/targets/cohort_targets.tsv")
    settings = yaml.safe_load((breast / "config.yaml").read_text())["targets"]
    check_scores(cohort, settings)
    by_gene = cohort.set_index("gene")
    assert by_gene.at["ERBB2", "group"] == "Her2"  # HER2 protein separates the Her2 subtype
    assert by_gene.at["ESR1", "group"] == "LumA"
    patients = sorted(p.stem for p in (breast / "results/targets/patients").glob("*.tsv"))
    assert len(patients) == 150


# --- the demo cohort (the default config, run once for the session: tests/conftest.py) ----------



def test_demo_planted_targets(demo_run: Path, truth: dict) -> None:
    settings = yaml.safe_load((demo_run / "config" / "config.yaml").read_text()).get("targets", {})
    cohort = read(demo_run / "results/targets/cohort_targets.tsv")
    check_scores(cohort, settings)
    cohort_rank = cohort.set_index("gene")["rank"]
    for subtype, genes in truth["cohort_targets"].items():
        for gene in genes:
            assert cohort_rank[gene] <= 10, (subtype, gene, cohort_rank[gene])
    planted = {g for genes in truth["cohort_targets"].values() for g in genes}
    for gene in truth["not_direct_targets"]:
        assert cohort_rank.get(gene, len(cohort) + 1) > max(cohort_rank[g] for g in planted)
    for patient, facts in truth["patients"].items():
        table = read(demo_run / f"results/targets/patients/{patient}.tsv")
        check_scores(table, settings)
        ranks = table.set_index("gene")["rank"]
        target = facts["planted_target"]
        assert ranks.get(target, 999) <= 3, (patient, facts["subtype"], target, table.head(5)["gene"].tolist())
        for gene in truth["not_direct_targets"]:
            assert ranks.get(gene, len(table) + 1) > ranks[target], (patient, gene)
