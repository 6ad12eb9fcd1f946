"""Druggability and drug lists from curated evidence: only sensitivity assertions make a gene druggable, and a
gene whose only curated drugs are resisted for the patient says so (tumour-board review of the demo run:
DEMO-033, KRAS p.G12D colorectal cancer, ranked first with druggability 0.667 and no drug)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from precisionflow.actionability.knowledge import (
    anticancer_agents,
    approved_agents,
    read_moalmanac,
    resistance_only_genes,
)
from precisionflow.targets import drugs as dr
from precisionflow.targets.curated import CuratedEvidence, annotate_drugs
from precisionflow.targets.pipeline import StepInputs, load
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
