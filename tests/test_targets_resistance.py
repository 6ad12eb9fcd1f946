"""Druggability and drug lists from curated evidence: only sensitivity assertions make a gene druggable, and a
gene whose only curated drugs are resisted for the patient says so (tumour-board review of the demo run:
DEMO-033, KRAS p.G12D colorectal cancer, ranked first with druggability 0.667 and no drug)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from precisionflow.actionability.knowledge import (
    anticancer_agents,
    approved_agents,
    read_moalmanac,
    resistance_only_genes,
)
from precisionflow.targets import drugs as dr
from precisionflow.targets.curated import CuratedEvidence, annotate_drugs
from precisionflow.targets.pipeline import StepInputs, load, run
from precisionflow.targets.prioritize import RESISTANCE_ONLY, patient_tables, prepare
from tests.test_targets import SETTINGS, small_inputs

DEMO = Path(__file__).resolve().parents[1] / "demo" / "resources"


def test_resistance_and_prognosis_assertions_raise_no_target() -> None:
    """An agent named only by resistance (KRAS -> cetuximab, FDA-labelled) or prognosis assertions is neither a
    curated anticancer agent nor approved: a non-oncology DGIdb claim of it against KRAS weighs nothing."""
    kb = pd.DataFrame(
        {
            "gene": ["KRAS", "KRAS", "TP53", "ERBB2"],
            "therapy": ["Cetuximab", "Drugx", "Drugy", "Trastuzumab"],
            "effect": ["resistance", "prognosis", "resistance", "sensitivity"],
            "evidence_level": ["FDA-Approved", "FDA-Approved", "Preclinical", "FDA-Approved"],
        }
    )
    assert anticancer_agents(kb) == {"TRASTUZUMAB"} and approved_agents(kb) == {"TRASTUZUMAB"}
    interactions = pd.DataFrame(
        {
            "gene": ["KRAS", "KRAS", "ERBB2"],
            "drug": ["CETUXIMAB", "DRUGX", "TRASTUZUMAB"],
            "interaction_types": ["inhibitor", "inhibitor", "antibody"],
            "source": ["TTD", "TTD", "TTD"],
        }
    )
    curated = anticancer_agents(kb)
    per_drug = dr.drug_weights(
        interactions, SETTINGS, anticancer=dr.anticancer_drugs(interactions, SETTINGS, curated), approved=curated
    )
    druggability = dr.druggability(per_drug, None, SETTINGS)
    assert "KRAS" not in druggability.index and druggability["ERBB2"] > 0


def test_an_allele_specific_drug_makes_no_gene_druggable() -> None:
    """The demo's KRAS druggability (0.667) came from sotorasib and adagrasib, FDA-approved for KRAS p.G12C only
    (MOAlmanac): a drug never listed for the gene must not make a KRAS p.G12D tumour's KRAS druggable."""
    step = StepInputs(
        patients=["P"],
        mafs={},
        copy_number=None,
        cn_patients=[],
        layers={},
        drug_gene=DEMO / "dgidb_interactions.tsv.gz",
        knowledge_base=DEMO / "moalmanac.json",
    )
    inputs, drugs, _ = load(step, SETTINGS)
    kras = read_moalmanac(DEMO / "moalmanac.json").query("gene == 'KRAS' and effect == 'sensitivity'")
    assert set(kras["protein_change"]) == {"p.G12C"}  # the premise: every KRAS drug of the demo is G12C-only
    assert inputs.druggability.get("KRAS", 0.0) == 0.0 and "KRAS" not in drugs.index
    assert inputs.druggability["ERBB2"] > 0 and "TRASTUZUMAB" in drugs["ERBB2"]


def test_a_gene_with_only_resisted_curated_drugs_says_so() -> None:
    """P5..P9 carry a TP53 hotspot; P5's only curated TP53 assertions are resistances (its drug cell says so),
    P6 also has a sensitivity assertion (no label), P0's PIK3CA keeps its listed drugs."""
    actionable = pd.DataFrame(
        [
            ("P5", "TP53", "p.R175H", "Cetuximab", "resistance"),
            ("P5", "TP53", "p.R175H", "Panitumumab", "resistance"),
            ("P5", "TP53", "p.R175H", "", "prognosis"),
            ("P6", "TP53", "p.R175H", "Cetuximab", "resistance"),
            ("P6", "TP53", "p.R175H", "Drugz", "sensitivity"),
            ("P0", "PIK3CA", "p.H1047R", "Cetuximab", "resistance"),
        ],
        columns=["patient", "gene", "alteration", "therapy", "effect"],
    )
    labels = resistance_only_genes(actionable)
    assert labels == {
        "P5": {"TP53": "CETUXIMAB, PANITUMUMAB: resistance (TP53 p.R175H)"},
        "P0": {"PIK3CA": "CETUXIMAB: resistance (PIK3CA p.H1047R)"},
    }
    tables = patient_tables(prepare(small_inputs(), SETTINGS), pd.Series({"PIK3CA": "ALPELISIB"}), SETTINGS)
    annotate_drugs(tables, CuratedEvidence({}, {}, labels), SETTINGS["druggability"]["max_drugs"])
    p5, p6, p0 = (tables.of(p).set_index("gene") for p in ("P5", "P6", "P0"))
    assert p5.at["TP53", "drugs"] == ""  # a list of drugs (SPEC), none here
    assert p5.at["TP53", "drug_evidence"] == f"{RESISTANCE_ONLY}: CETUXIMAB, PANITUMUMAB: resistance (TP53 p.R175H)"
    assert p6.at["TP53", "drugs"] == "" and p0.at["PIK3CA", "drugs"] == "ALPELISIB"


def test_a_withdrawn_agent_adds_nothing_to_its_genes_druggability() -> None:
    """A drug the patient must not get is no reason to rank its target higher (A04W: alpelisib, withdrawn for an
    ERBB2-amplified tumour, still counted in PIK3CA's druggability). P0..P4 carry a PIK3CA hotspot; PIK3CA's drugs
    weigh 1.5 (ALPELISIB approved 1.0, TASELISIB 0.5): d = 1.5 / 3 for P0; P1 without ALPELISIB, P2 without both,
    P3's withdrawn agent is no PIK3CA drug."""
    interactions = pd.DataFrame(
        {
            "gene": ["PIK3CA", "PIK3CA"],
            "drug": ["ALPELISIB", "TASELISIB"],
            "interaction_types": ["inhibitor", "inhibitor"],
            "source": ["CIViC", "CIViC"],
        }
    )
    per_drug = dr.drug_weights(interactions, SETTINGS, approved=frozenset({"ALPELISIB"}))
    withdrawn = {"P1": {"ALPELISIB": "HER2-negative"}, "P2": {"ALPELISIB": "r", "TASELISIB": "r"}, "P3": {"X": "r"}}
    parts = dr.withdrawn_parts(per_drug, withdrawn, SETTINGS)
    assert parts.to_dict() == {("P1", "PIK3CA"): pytest.approx(0.5 / 3), ("P2", "PIK3CA"): 0.0}

    def druggability(categories: pd.DataFrame | None, resistance_only: dict | None = None) -> dict[str, float]:
        data = small_inputs(
            druggability=dr.druggability(per_drug, categories, SETTINGS),
            drug_interactions=dr.interactions_part(per_drug, SETTINGS),
            drug_categories=dr.categories_part(categories, SETTINGS),
        )
        tables = patient_tables(
            prepare(data, SETTINGS), dr.drug_lists(per_drug, SETTINGS), SETTINGS, resistance_only, parts
        )
        return {
            p: tables.of(p).set_index("gene").at["PIK3CA", "evidence_druggability"] for p in ("P0", "P1", "P2", "P3")
        }

    assert druggability(None) == {"P0": 0.5, "P1": 0.166667, "P2": 0.0, "P3": 0.5}
    # a DGIdb category keeps its floor (0.25), except for a resistance-only gene (tier I-A to II-C)
    categories = pd.DataFrame({"gene": ["PIK3CA"], "category": ["DRUGGABLE GENOME"]})
    assert druggability(categories) == {"P0": 0.5, "P1": 0.25, "P2": 0.25, "P3": 0.5}
    assert druggability(categories, {"P2": {"PIK3CA"}}) == {"P0": 0.5, "P1": 0.25, "P2": 0.0, "P3": 0.5}


def test_the_target_step_counts_no_withdrawn_agent_in_druggability(tmp_path: Path) -> None:
    """From files, as A04W: two patients with a PIK3CA hotspot; P2's alpelisib row is withdrawn (its indication
    excludes the tumour, as HER2-negative disease for an ERBB2 amplification). PIK3CA's three inhibitors weigh
    0.5 each (none approved here): d = 1.5 / 3 for P1, 1.0 / 3 for P2, and P2's PIK3CA ranks below its equal."""
    mafs = {}
    for patient in ("P1", "P2"):
        mafs[patient] = tmp_path / f"{patient}.maf.tsv"
        pd.DataFrame(
            [("PIK3CA", "Missense_Mutation", "p.H1047R", "True")],
            columns=["Hugo_Symbol", "Variant_Classification", "HGVSp_Short", "is_hotspot"],
        ).to_csv(mafs[patient], sep="\t", index=False)
    pd.DataFrame({"SYMBOL": ["PIK3CA"], "ROLE": ["Act"]}).to_csv(tmp_path / "drivers.tsv", sep="\t", index=False)
    pd.DataFrame(
        {
            "gene_name": ["PIK3CA"] * 3,
            "drug_name": ["ALPELISIB", "TASELISIB", "BUPARLISIB"],
            "interaction_types": ["inhibitor"] * 3,
            "interaction_claim_source": ["CIViC"] * 3,
        }
    ).to_csv(tmp_path / "dgidb.tsv", sep="\t", index=False)
    note = "withdrawn: the indication is HER2-negative disease; this patient has a ERBB2 amplification"
    pd.DataFrame(
        [("P2", "PIK3CA", "mutation", "p.H1047R", "I-A", "Alpelisib", "sensitivity", "no", note, "MOAlmanac:456")],
        columns=["patient", "gene", "alteration_type", "alteration", "tier", "therapy", "effect", "suggested"]
        + ["note", "source_id"],
    ).to_csv(tmp_path / "actionable.tsv", sep="\t", index=False)
    step = StepInputs(
        patients=["P1", "P2"],
        mafs=mafs,
        copy_number=None,
        cn_patients=[],
        layers={},
        drivers=tmp_path / "drivers.tsv",
        drug_gene=tmp_path / "dgidb.tsv",
        actionable=tmp_path / "actionable.tsv",
    )
    out = {p: tmp_path / f"{p}.tsv" for p in ("P1", "P2")}
    run(step, {}, tmp_path / "cohort.tsv", out)
    p1, p2 = (pd.read_csv(out[p], sep="\t", keep_default_na=False).set_index("gene").loc["PIK3CA"] for p in out)
    assert p1["evidence_druggability"] == 0.5 and p1["drugs"] == "ALPELISIB;BUPARLISIB;TASELISIB"
    assert p2["evidence_druggability"] == 0.333333 and p2["drugs"] == "BUPARLISIB;TASELISIB"
    assert "withdrawn ALPELISIB: the indication is HER2-negative disease" in p2["drug_evidence"]
    assert p2["score"] < p1["score"]
    # the cohort table, per group, keeps the gene's own d(g)
    cohort = pd.read_csv(tmp_path / "cohort.tsv", sep="\t").set_index("gene")
    assert cohort.at["PIK3CA", "evidence_druggability"] == 0.5
