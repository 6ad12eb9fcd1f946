"""The target step in the whole workflow: the real breast cohort (patient A04W, HER2-amplified) and the demo.

Real data: the breast TCGA training cohort (mRNA, miRNA, RPPA protein; subtype as the label) in which
patient A04W also has its somatic VCF and copy-number segments, with the IntOGen, hotspot and DGIdb
tables of ../shared/data/resources, and the MOAlmanac knowledge base (tumour type BRCA). ERBB2 must be
A04W's first target, with copy-number and protein evidence and HER2-directed drugs, and its amplification
tier I-A with trastuzumab; no patient of the cohort gets a drug from expression alone, for a tumour
suppressor, or anti-EGFR for KRAS. Demo: every patient's planted target in their top 3, each subtype's
planted targets in the cohort's top 10, TP53 (a loss-of-function driver) below them; the planted
actionable alterations at their planted tiers, and the KRAS G12D colorectal case's anti-EGFR resistance.
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
            "protein": {
                **matrix,
                "path": str(data / "protein.csv"),
                "feature_map": str(ROOT / "tests" / "data" / "breast_rppa_feature_map.tsv"),
            },
        },
        "label": "subtype",
        "resources": {
            "genes": str(resources / "genes.grch38.bed.gz"),
            "drivers": str(resources / "intogen_drivers_2020.tsv"),
            "hotspots": str(resources / "cancerhotspots_v2.grch38.noheader.tsv"),
            "drug_gene": str(resources / "dgidb_interactions.tsv.gz"),
            "drug_categories": str(resources / "dgidb_categories.tsv.gz"),
            "actionability": str(shared / "knowledge" / "moalmanac.json"),
            "oncotree": str(shared / "knowledge" / "oncotree.2023-03-09.txt"),
        },
        "tumor_type": "BRCA",
        "targets": {"layers": {"mrna": "rna", "protein": "protein"}},
    }
    (folder / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    return folder


@pytest.fixture(scope="module")
def breast(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Path:
    project = breast_project(tmp_path_factory.mktemp("breast_targets"), shared_data)
    run_snakemake(
        project,
        "--configfile",
        str(project / "config.yaml"),
        "--",
        "results/targets/patients/A04W.tsv",
        "results/targets/report/patients/A04W.html",
        "results/targets/actionable.tsv",
        check=True,
        timeout=1800,
    )
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
    # its drugs are those of its tier I-A suggestions (actionable.tsv), named so, not "inferential (DGIdb)"
    assert top["drug_evidence"].startswith("curated (MOAlmanac): tier I-A, ERBB2 amplification: "), top["drug_evidence"]
    assert "TRASTUZUMAB (I-A)" in top["drug_evidence"] and "LAPATINIB (I-A)" in top["drug_evidence"]
    # the patient's page in the report names the gene, its evidence and the drugs
    page = (breast / "results/targets/report/patients/A04W.html").read_text()
    assert "ERBB2" in page and "TRASTUZUMAB" in page and "amp" in page


def test_erbb2_amplification_of_a04w_is_tier_one_a_with_trastuzumab(breast: Path) -> None:
    table = read(breast / "results/targets/patients/A04W.actionable.tsv")
    assert list(table.columns[:13]) == [
        "patient",
        "gene",
        "alteration_type",
        "alteration",
        "match",
        "tier",
        "evidence_level",
        "therapy",
        "effect",
        "tumor_type",
        "assertion_tumor_type",
        "source_id",
        "citation",
    ]
    erbb2 = table[(table["gene"] == "ERBB2") & (table["alteration_type"] == "amplification")]
    first = erbb2[erbb2["tier"] == "I-A"]
    assert "Trastuzumab" in set(first["therapy"]) and set(first["assertion_tumor_type"]) == {"BRCA"}
    assert set(first["evidence_level"]) <= {"FDA-Approved", "Guideline"} and (first["suggested"] == "yes").all()
    assert set(erbb2.loc[erbb2["assertion_tumor_type"].isin(["STAD", "GEJ"]), "tier"]) <= {"II-C", "II-D"}
    assert (table["tumor_type"] == "BRCA").all() and table["citation"].ne("").all()
    # its PIK3CA H1047R hotspot (a VCF without annotation) matches alpelisib (I-A), whose approval is for
    # HR+/HER2-negative disease: withdrawn for this ERBB2-amplified tumour, with the reason
    alpelisib = table[(table["gene"] == "PIK3CA") & (table["therapy"] == "Alpelisib")]
    assert alpelisib["alteration"].tolist() == ["p.H1047R"] and alpelisib["tier"].tolist() == ["I-A"]
    assert alpelisib["suggested"].tolist() == ["no"] and "HER2-negative" in alpelisib["note"].iloc[0]
    # tier I rows lead the table; the patient's report page leads with them too
    order = ["I-A", "I-B", "II-C", "II-D", "III"]
    assert table["tier"].map(order.index).is_monotonic_increasing
    page = (breast / "results/targets/report/patients/A04W.html").read_text()
    assert page.index("Trastuzumab") < page.index("Ranked targets")
    # the cohort table holds the same rows
    cohort = read(breast / "results/targets/actionable.tsv")
    assert cohort[cohort["patient"] == "A04W"].reset_index(drop=True).equals(table)
    # withdrawn alpelisib is in no drug list and adds nothing to PIK3CA's druggability; PIK3CA keeps 1.0 from its
    # 22 other DGIdb inhibitors (11 / 3, saturated: tests/test_targets_curated.py), second after ERBB2
    targets = read(breast / "results/targets/patients/A04W.tsv").set_index("gene")
    assert targets.at["ERBB2", "rank"] == 1 and targets.at["PIK3CA", "rank"] == 2
    assert targets.at["PIK3CA", "evidence_druggability"] == 1.0
    assert "ALPELISIB" not in targets.at["PIK3CA", "drugs"].split(";")
    assert "withdrawn ALPELISIB" in targets.at["PIK3CA", "drug_evidence"]


def test_breast_cohort_suggests_no_drug_without_a_genomic_reason(breast: Path) -> None:
    """150 patients (one with variants): no anti-EGFR for KRAS, no TP53 therapy, no drug from expression alone."""
    tables = {
        p.name.removesuffix(".tsv"): read(p)
        for p in (breast / "results/targets/patients").glob("*.tsv")
        if not p.name.endswith(".actionable.tsv")
    }
    assert len(tables) == 150
    with_drugs = 0
    for patient, table in tables.items():
        table = table.fillna({"drugs": "", "mutations": "", "copy_number_call": ""})
        rows = table[table["drugs"] != ""]
        with_drugs += len(rows)
        # every listed drug is traceable to the patient's own mutation or amplification
        assert ((rows["mutations"] != "") | (rows["copy_number_call"] == "amp")).all(), (
            patient,
            rows[["gene", "drugs"]].head(),
        )
        assert (rows["evidence_druggability"] > 0).all() == (len(rows) > 0) or rows.empty
        assert (rows["drug_evidence"].str.startswith(("inferential", "curated (MOAlmanac): tier"))).all()
        kras = table[table["gene"] == "KRAS"]
        assert not (set(";".join(kras["drugs"]).split(";")) & {"CETUXIMAB", "PANITUMUMAB"}), patient
        tp53 = table[table["gene"] == "TP53"]
        assert (tp53["drugs"] == "").all() and (tp53["evidence_druggability"] == 0).all(), patient
        assert (tp53["evidence_rna"] == 0).all() and (tp53["evidence_protein"] == 0).all(), patient
        # druggability never comes from expression: patients without variant data have none
        if patient != "A04W":
            assert (table["evidence_druggability"] == 0).all() and (table["drugs"] == "").all(), patient
    assert with_drugs > 0  # A04W's ERBB2 amplification
    actionable = read(breast / "results/targets/actionable.tsv")
    suggested = actionable[actionable["suggested"] == "yes"]
    assert set(suggested["patient"]) <= {"A04W"} and (suggested["source_id"].str.startswith("MOAlmanac:")).all()


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
    patients = sorted(
        p.stem for p in (breast / "results/targets/patients").glob("*.tsv") if not p.name.endswith(".actionable.tsv")
    )
    assert len(patients) == 150


# --- the demo cohort (the default config, run once for the session: tests/conftest.py) ----------


def genomic_cohort_targets(truth: dict) -> set[str]:
    """Planted cohort targets with a planted genomic alteration (hotspot or amplification) in some patient."""
    planted = {g for genes in truth["cohort_targets"].values() for g in genes}
    altered = set()
    for facts in truth["patients"].values():
        altered |= {h.split()[0] for h in facts["hotspots"]} | {
            g for g, c in facts["copy_number_calls"].items() if c == "amp"
        }
    return planted & altered


def test_demo_planted_targets(demo_run: Path, truth: dict) -> None:
    settings = yaml.safe_load((demo_run / "config" / "config.yaml").read_text()).get("targets", {})
    cohort = read(demo_run / "results/targets/cohort_targets.tsv")
    check_scores(cohort, settings)
    cohort_rank = cohort.set_index("gene")["rank"]
    genomic = genomic_cohort_targets(truth)
    for subtype, genes in truth["cohort_targets"].items():
        for gene in genes:
            # a planted expression-only target (EGFR in Basal, ESR1 in Luminal) carries the same RNA and
            # protein evidence (1.0 each) as its subtype's ~40 planted markers: their scores differ by < 0.01,
            # so it must stand among them at the top (30 of ~1,300 genes), not at an exact rank
            limit = 10 if gene in genomic else 30
            assert cohort_rank[gene] <= limit, (subtype, gene, cohort_rank[gene])
    planted = {g for genes in truth["cohort_targets"].values() for g in genes}
    for gene in truth["not_direct_targets"]:
        assert cohort_rank.get(gene, len(cohort) + 1) > max(cohort_rank[g] for g in planted)
    for patient, facts in truth["patients"].items():
        table = read(demo_run / f"results/targets/patients/{patient}.tsv")
        check_scores(table, settings)
        ranks = table.set_index("gene")["rank"]
        target = facts["planted_target"]
        genomic = facts["copy_number_calls"].get(target) == "amp" or any(
            h.split()[0] == target for h in facts["hotspots"]
        )
        if genomic:
            assert ranks.get(target, 999) <= 3, (patient, facts["subtype"], target, table.head(5)["gene"].tolist())
        else:  # over-expression only (EGFR in Basal): supporting evidence among the subtype's markers, no therapy
            row = table.set_index("gene").loc[target]
            assert row["evidence_rna"] > 0 or row["evidence_protein"] > 0, (patient, target)
            # no drug; druggability only as far as the genome gives a reason (a one-copy gain: at most its 0.25)
            assert row["drugs"] == "" and row["evidence_druggability"] <= row["evidence_copy_number"] + 1e-6, (
                patient,
                target,
            )
        for gene in truth["not_direct_targets"]:
            assert ranks.get(gene, len(table) + 1) > ranks[target], (patient, gene)


def test_demo_planted_actionable_alterations(demo_run: Path, truth: dict) -> None:
    """The planted alterations at their planted tiers (truth.yaml), from the demo's real MOAlmanac subset;
    the KRAS G12D colorectal case shows anti-EGFR as resistance, never as a suggestion."""
    cohort = read(demo_run / "results/targets/actionable.tsv")
    planted_cases = 0
    for patient, facts in truth["patients"].items():
        table = read(demo_run / f"results/targets/patients/{patient}.actionable.tsv")
        assert (table["patient"] == patient).all() and (table["tumor_type"] == facts["tumor_type"]).all()
        for row in facts["actionable"]:
            hit = table[
                (table["gene"] == row["gene"])
                & (table["alteration"] == row["alteration"])
                & (table["therapy"] == row["therapy"])
                & (table["tier"] == row["tier"])
                & (table["effect"] == row["effect"])
                & (table["suggested"] == row["suggested"])
            ]
            assert len(hit) >= 1, (patient, row, table[["gene", "alteration", "tier", "therapy", "effect"]].head(12))
            planted_cases += 1
        suggested = table[table["suggested"] == "yes"]
        if facts["tumor_type"] == "COADREAD":
            assert not any(
                {a.strip().upper() for a in t.split("+")} <= {"CETUXIMAB", "PANITUMUMAB"} for t in suggested["therapy"]
            )
            resistance = table[table["therapy"].isin(["Cetuximab", "Panitumumab"])]
            assert set(resistance["effect"]) == {"resistance"} and len(resistance) >= 2
            # nor in the multi-omics table: no anti-EGFR, no G12C-only inhibitor for a G12D tumour
            targets = read(demo_run / f"results/targets/patients/{patient}.tsv").fillna({"drugs": ""})
            listed = set(";".join(targets["drugs"]).split(";"))
            assert not listed & {"CETUXIMAB", "PANITUMUMAB", "SOTORASIB", "ADAGRASIB"}, listed
            # its KRAS, whose curated evidence is resistance only, takes no druggability from a DGIdb category
            kras = targets.set_index("gene").loc["KRAS"]
            assert kras["evidence_druggability"] == 0 and "resistance only" in kras["drug_evidence"], kras
    assert planted_cases >= 20
    assert sum(f["tumor_type"] == "COADREAD" for f in truth["patients"].values()) == 1
    assert len(cohort) == sum(
        len(read(demo_run / f"results/targets/patients/{p}.actionable.tsv")) for p in truth["patients"]
    )
