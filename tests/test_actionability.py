"""Clinical actionability (precisionflow/actionability/): the MOAlmanac knowledge base, OncoTree tumour types,
match kinds, AMP/ASCO/CAP tiers, resistance, and the DGIdb safety of the target tables' drug lists.

Most tests use the real knowledge base and DGIdb export of ../shared/data (skipped where absent) and a few
hand-made alterations, so that a tier or a withdrawn drug is the knowledge base's, not the test's.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from precisionflow import references
from precisionflow.actionability.alterations import patient_alterations, short_protein_change
from precisionflow.actionability.knowledge import (
    allele_specific_agents,
    anticancer_agents,
    approved_agents,
    read_moalmanac,
    therapy_agents,
)
from precisionflow.actionability.matching import COLUMNS, SPEC_COLUMNS, actionable_table, tier
from precisionflow.actionability.oncotree import check_tumour_types, read_oncotree, relation
from precisionflow.actionability.pipeline import ActionabilityInputs, run
from precisionflow.errors import InputError
from precisionflow.targets import drugs as dr
from precisionflow.targets.settings import with_defaults

SETTINGS = with_defaults({})
MUTATION_COLUMNS = ["patient", "gene", "classification", "is_hotspot", "protein_change"]
NO_CN = pd.DataFrame(columns=["patient", "gene", "call"])
ANTI_EGFR = {"CETUXIMAB", "PANITUMUMAB"}
BRAF_INHIBITORS = {"VEMURAFENIB", "DABRAFENIB", "ENCORAFENIB", "SORAFENIB"}
ALK_INHIBITORS = {"CRIZOTINIB", "ALECTINIB", "CERITINIB", "BRIGATINIB", "LORLATINIB", "ENTRECTINIB"}
NOT_ANTICANCER = {
    "ATROPINE",
    "ATROPINE SULFATE",
    "ALCOHOL",
    "DIPHENHYDRAMINE",
    "DIPHENHYDRAMINE HYDROCHLORIDE",
    "FLUDROCORTISONE",
}


@pytest.fixture(scope="module")
def kb(shared_data: Path) -> pd.DataFrame:
    return read_moalmanac(shared_data / "knowledge" / "moalmanac.json")


@pytest.fixture(scope="module")
def main_types(shared_data: Path) -> dict[str, str]:
    table = read_oncotree(shared_data / "knowledge" / "oncotree.2023-03-09.txt")
    return dict(zip(table["code"], table["main_type"], strict=True))


def mutations(*rows: tuple) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=MUTATION_COLUMNS)


def table_for(kb, main_types, muts, tumour_types, cn=NO_CN, tmb=None, roles=None) -> pd.DataFrame:
    roles = (
        roles
        if roles is not None
        else pd.Series({"KRAS": "Act", "BRAF": "Act", "ERBB2": "Act", "PIK3CA": "Act", "TP53": "LoF", "NRAS": "Act"})
    )
    return actionable_table(patient_alterations(muts, cn, tmb, 10.0), kb, tumour_types, main_types, roles)


# --- the knowledge base and the tumour types ----------------------------------------------------------


def test_real_knowledge_base_is_read_whole(kb: pd.DataFrame) -> None:
    # 1,018 assertions: 3 deprecated and 5 with no therapy effect nor prognosis (adverse-event risk) left out
    assert len(kb) == 1010 and kb["assertion_id"].is_unique
    assert set(kb["effect"]) == {"sensitivity", "resistance", "prognosis"}
    trastuzumab = kb[
        (kb["gene"] == "ERBB2")
        & (kb["direction"] == "Amplification")
        & (kb["therapy"] == "Trastuzumab")
        & (kb["tumor_type"] == "BRCA")
    ]
    assert trastuzumab["evidence_level"].tolist() == ["FDA-Approved"] and "Herceptin" in trastuzumab["citation"].iloc[0]
    # NRAS / colorectal / cetuximab is coded as "sensitivity 0" in MOAlmanac: a resistance here
    nras = kb[(kb["gene"] == "NRAS") & (kb["therapy"] == "Cetuximab")]
    assert nras["effect"].tolist() == ["resistance"]
    assert {"TRASTUZUMAB", "ALPELISIB", "DABRAFENIB", "TRAMETINIB"} <= approved_agents(kb)
    assert "CETUXIMAB" in anticancer_agents(kb) and not (NOT_ANTICANCER & anticancer_agents(kb))
    assert therapy_agents("Dabrafenib + Trametinib") == {"DABRAFENIB", "TRAMETINIB"}


def test_a_file_that_is_not_moalmanac_json_is_one_clear_error(tmp_path: Path) -> None:
    cases = {
        "civic.json": (
            '{"evidence_items": []}',
            r"content: expected a MOAlmanac knowledge-base JSON .* found a JSON dict with keys 'evidence_items'",
        ),
        "text.json": ("gene\ttherapy\nERBB2\ttrastuzumab\n", r"content: expected a MOAlmanac .* found not JSON"),
        "list.json": (
            json.dumps([{"gene": "ERBB2"}]),
            r"entry 1: expected a MOAlmanac .* found field\(s\) assertion_id, feature_type",
        ),
        "level.json": (
            json.dumps(
                [
                    {
                        "assertion_id": 1,
                        "feature_type": "Copy Number",
                        "oncotree_code": "",
                        "therapy_name": "X",
                        "predictive_implication": "Level 1",
                        "citation": "",
                    }
                ]
            ),
            r"predictive_implication': expected one of FDA-Approved",
        ),
    }
    for name, (text, pattern) in cases.items():
        (tmp_path / name).write_text(text)
        with pytest.raises(InputError, match=pattern) as error:
            read_moalmanac(tmp_path / name)
        assert str(error.value).startswith(str(tmp_path / name)) and "\n" not in str(error.value)


def test_oncotree_codes_and_their_relation(shared_data: Path, main_types: dict[str, str]) -> None:
    table = read_oncotree(shared_data / "knowledge" / "oncotree.2023-03-09.txt")
    assert len(table) == 885 and table["code"].is_unique
    assert check_tumour_types(
        {"P1": "brca", "P2": None, "P3": " COADREAD "}, table, "samples.tsv", "column 'tumor_type'"
    ) == {"P1": "BRCA", "P2": None, "P3": "COADREAD"}
    with pytest.raises(
        InputError,
        match=r"samples\.tsv: patient 'P1', column 'tumor_type': expected an OncoTree code .*found 'Breast cancer'",
    ):
        check_tumour_types({"P1": "Breast cancer"}, table, "samples.tsv", "column 'tumor_type'")
    assert relation("BRCA", "BRCA", main_types) == "same"
    assert relation("IDC", "BRCA", main_types) == "same"  # one OncoTree main type: Breast Cancer
    assert relation("READ", "COADREAD", main_types) == "same"
    assert relation("BRCA", "", main_types) == "any"  # no tumour type in the assertion: any
    assert relation("BRCA", "STAD", main_types) == "other"
    assert relation(None, "BRCA", main_types) == "other"


def test_tier_table() -> None:
    assert [tier(g, r) for g in "ABD" for r in ("same", "any", "other")] == [
        "I-A",
        "I-A",
        "II-C",
        "I-B",
        "I-B",
        "II-C",
        "II-D",
        "II-D",
        "II-D",
    ]


def test_protein_changes_in_any_notation() -> None:
    assert short_protein_change("p.Val600Glu") == "p.V600E"
    assert short_protein_change("V600E") == "p.V600E"
    assert short_protein_change("p.Arg213Ter") == "p.R213*"
    assert short_protein_change("") == ""


# --- matching and tiers on the real knowledge base ----------------------------------------------------


def test_erbb2_amplification_is_tier_one_in_breast_and_two_c_elsewhere(kb, main_types) -> None:
    cn = pd.DataFrame({"patient": ["BREAST", "LUNG"], "gene": ["ERBB2", "ERBB2"], "call": ["amp", "amp"]})
    table = table_for(kb, main_types, mutations(), {"BREAST": "BRCA", "LUNG": "LUAD"}, cn=cn)
    assert list(table.columns) == COLUMNS and list(table.columns[: len(SPEC_COLUMNS)]) == SPEC_COLUMNS
    trastuzumab = table[(table["therapy"] == "Trastuzumab") & (table["assertion_tumor_type"] == "BRCA")].set_index(
        "patient"
    )
    assert trastuzumab.at["BREAST", "tier"] == "I-A" and trastuzumab.at["LUNG", "tier"] == "II-C"
    assert (table["match"] == "copy_number").all() and (table["alteration_type"] == "amplification").all()
    # a gain (one extra copy) is no amplification
    gain = table_for(kb, main_types, mutations(), {"BREAST": "BRCA"}, cn=cn.assign(call="gain"))
    assert gain.empty


def test_braf_v600e_melanoma_gets_braf_plus_mek_at_tier_one(kb, main_types) -> None:
    table = table_for(
        kb, main_types, mutations(("M1", "BRAF", "Missense_Mutation", True, "p.Val600Glu")), {"M1": "MEL"}
    )
    first = table[table["tier"] == "I-A"]
    assert "Dabrafenib + Trametinib" in set(first["therapy"]) and "Cobimetinib + Vemurafenib" in set(first["therapy"])
    assert set(first["match"]) <= {"exact", "gene_class"} and "exact" in set(first["match"])
    # the same variant in colorectal cancer: anti-EGFR alone is resistance (never a suggestion); the
    # FDA-approved cetuximab + encorafenib combination stays, with a note
    crc = table_for(kb, main_types, mutations(("C1", "BRAF", "Missense_Mutation", True, "p.V600E")), {"C1": "COADREAD"})
    suggested = crc[crc["suggested"] == "yes"]
    assert not any(therapy_agents(t) <= ANTI_EGFR for t in suggested["therapy"])
    combo = crc[(crc["therapy"] == "Cetuximab + Encorafenib") & (crc["tier"] == "I-A")]
    assert len(combo) == 1 and combo["suggested"].iloc[0] == "yes" and "cetuximab" in combo["note"].iloc[0]


def test_residue_and_gene_class_matches(kb, main_types) -> None:
    table = table_for(kb, main_types, mutations(("P", "KRAS", "Missense_Mutation", True, "p.G12D")), {"P": "NSCLC"})
    kinds = table.groupby("therapy")["match"].first()
    assert kinds["Proton Stereotactic Body Radiation Therapy"] == "residue"  # MOAlmanac asserts p.G12
    assert kinds["Gefitinib"] == "gene_class"  # "KRAS mutation", any protein change
    assert "Sotorasib" not in kinds.index  # p.G12C only: G12D is another change
    g12c = table_for(kb, main_types, mutations(("P", "KRAS", "Missense_Mutation", True, "p.G12C")), {"P": "NSCLC"})
    sotorasib = g12c[g12c["therapy"] == "Sotorasib"]
    assert sotorasib["match"].tolist() == ["exact"] and sotorasib["tier"].tolist() == ["I-A"]


def test_kras_colorectal_resistance_is_never_a_suggestion(kb, main_types) -> None:
    muts = mutations(
        ("CRC", "KRAS", "Missense_Mutation", True, "p.G12D"), ("CRC", "TP53", "Nonsense_Mutation", False, "p.R213*")
    )
    table = table_for(kb, main_types, muts, {"CRC": "COADREAD"})
    anti_egfr = table[table["therapy"].str.upper().isin(ANTI_EGFR)]
    assert (
        set(anti_egfr["effect"]) == {"resistance"}
        and set(anti_egfr["tier"]) == {"I-A"}
        and set(anti_egfr["suggested"]) == {"no"}
    )
    suggested = table[table["suggested"] == "yes"]
    assert not any(therapy_agents(t) & ANTI_EGFR for t in suggested["therapy"])
    assert (table.loc[table["effect"] != "sensitivity", "suggested"] == "no").all()


def test_a_suggestion_resisted_by_another_alteration_is_withdrawn_with_the_reason(kb, main_types) -> None:
    # NRAS-mutant colorectal cancer: "no benefit" from cetuximab; the same patient's hypothetical
    # sensitivity to cetuximab through another alteration must be withdrawn
    muts = mutations(
        ("P", "NRAS", "Missense_Mutation", True, "p.Q61R"), ("P", "BRAF", "Missense_Mutation", True, "p.V600E")
    )
    table = table_for(kb, main_types, muts, {"P": "COADREAD"})
    resisted = table[(table["effect"] == "resistance") & (table["therapy"] == "Cetuximab")]
    assert {"NRAS", "BRAF"} <= set(resisted["gene"])
    # every single-agent cetuximab or panitumumab row is "no"; nothing suggested is made only of resisted agents
    suggested = table[table["suggested"] == "yes"]
    assert not any(therapy_agents(t) <= ANTI_EGFR for t in suggested["therapy"])


def test_truncating_mutation_does_not_activate_an_oncogene(kb, main_types) -> None:
    table = table_for(kb, main_types, mutations(("P", "PIK3CA", "Nonsense_Mutation", False, "p.R88*")), {"P": "BRCA"})
    assert "Alpelisib" not in set(table.loc[table["suggested"] == "yes", "therapy"])
    hotspot = table_for(
        kb, main_types, mutations(("P", "PIK3CA", "Missense_Mutation", True, "p.H1047R")), {"P": "BRCA"}
    )
    alpelisib = hotspot[hotspot["therapy"] == "Alpelisib"]
    assert alpelisib["tier"].tolist() == ["I-A"] and alpelisib["match"].tolist() == ["gene_class"]


def test_an_unannotated_hotspot_is_a_missense_change_and_the_indication_is_shown(kb, main_types) -> None:
    # a VCF without annotation: class "Unknown", the protein change from the hotspot table's label
    table = table_for(
        kb,
        main_types,
        mutations(("P", "PIK3CA", "Unknown", True, "H1047R"), ("P", "TP53", "Unknown", False, "")),
        {"P": "BRCA"},
    )
    alpelisib = table[table["therapy"] == "Alpelisib"]
    assert alpelisib["alteration"].tolist() == ["p.H1047R"] and alpelisib["tier"].tolist() == ["I-A"]
    # the restriction of the approval reaches the reader: HR+, HER2-negative breast cancer
    assert "HER2-negative" in alpelisib["indication"].iloc[0]
    assert "TP53" not in set(table["gene"])  # unknown consequence, no hotspot: no alteration
    # the same mutation in an ERBB2-amplified tumour (A04W): the HR+/HER2-negative approval is withdrawn
    cn = pd.DataFrame({"patient": ["P"], "gene": ["ERBB2"], "call": ["amp"]})
    her2 = table_for(kb, main_types, mutations(("P", "PIK3CA", "Unknown", True, "H1047R")), {"P": "BRCA"}, cn=cn)
    alpelisib = her2[her2["therapy"] == "Alpelisib"]
    assert alpelisib["tier"].tolist() == ["I-A"] and alpelisib["suggested"].tolist() == ["no"]
    assert "HER2-negative" in alpelisib["note"].iloc[0] and "ERBB2 amplification" in alpelisib["note"].iloc[0]
    assert (her2.loc[her2["therapy"] == "Trastuzumab", "suggested"] == "yes").all()


def test_tmb_high_and_tier_three(kb, main_types) -> None:
    muts = mutations(
        ("P", "TP53", "Missense_Mutation", True, "p.R175H"), ("P", "ARID1A", "Frame_Shift_Del", False, "p.Q77fs")
    )
    tmb = pd.DataFrame({"patient": ["P", "Q"], "tmb_per_mb": [12.5, np.nan]})
    roles = pd.Series({"TP53": "LoF", "ARID1A": "LoF"})
    table = table_for(kb, main_types, muts, {"P": "BRCA", "Q": "BRCA"}, tmb=tmb, roles=roles)
    tmb_rows = table[table["alteration_type"] == "tmb"]
    assert set(tmb_rows["match"]) == {"biomarker"} and "I-A" in set(tmb_rows["tier"])  # pembrolizumab, any solid tumour
    assert "Q" not in set(table["patient"])  # an unknown TMB is not high
    arid1a = table[table["gene"] == "ARID1A"]
    if (arid1a["tier"] == "III").any():  # no assertion for this change: a driver alteration of uncertain significance
        assert arid1a["therapy"].eq("").all() and arid1a["source_id"].str.startswith("IntOGen").all()


def test_rows_are_sorted_by_tier_then_gene_and_the_bytes_are_stable(
    kb, main_types, tmp_path: Path, shared_data: Path
) -> None:
    rng = np.random.default_rng(14)
    genes = ["KRAS", "BRAF", "ERBB2", "PIK3CA", "TP53", "EGFR"]
    rows = [
        (
            f"P{i % 7}",
            genes[int(rng.integers(len(genes)))],
            "Missense_Mutation",
            bool(rng.random() < 0.5),
            f"p.G{int(rng.integers(10, 20))}D",
        )
        for i in range(40)
    ]
    table = table_for(kb, main_types, mutations(*rows), {f"P{i}": ["BRCA", "COADREAD", "MEL"][i % 3] for i in range(7)})
    order = {t: i for i, t in enumerate(["I-A", "I-B", "II-C", "II-D", "III"])}
    for _, part in table.groupby("patient"):
        keys = list(zip(part["tier"].map(order), part["gene"], strict=True))
        assert keys == sorted(keys)
    maf = tmp_path / "P0.maf.tsv"
    pd.DataFrame(
        {
            "Hugo_Symbol": ["ERBB2", "KRAS"],
            "Variant_Classification": ["Missense_Mutation"] * 2,
            "HGVSp_Short": ["p.V777L", "p.G12D"],
            "is_hotspot": ["True", "True"],
        }
    ).to_csv(maf, sep="\t", index=False)
    step = ActionabilityInputs(
        ["P0", "P1"],
        {"P0": "COADREAD", "P1": "BRCA"},
        shared_data / "knowledge" / "moalmanac.json",
        shared_data / "knowledge" / "oncotree.2023-03-09.txt",
        {"P0": maf},
    )
    outputs = []
    for attempt in range(2):
        paths = {p: tmp_path / f"run{attempt}" / f"{p}.actionable.tsv" for p in ("P0", "P1")}
        run(step, SETTINGS, tmp_path / f"run{attempt}" / "actionable.tsv", paths)
        outputs.append(
            [
                (tmp_path / f"run{attempt}" / "actionable.tsv").read_bytes(),
                *(paths[p].read_bytes() for p in ("P0", "P1")),
            ]
        )
    assert outputs[0] == outputs[1]
    assert outputs[0][2].decode().splitlines() == ["\t".join(COLUMNS)]  # P1: no alteration, the header only
    p0 = pd.read_csv(tmp_path / "run0" / "P0.actionable.tsv", sep="\t", keep_default_na=False)
    assert set(p0["patient"]) == {"P0"} and {"KRAS", "ERBB2"} <= set(p0["gene"])


# --- DGIdb safety: the target tables' inferential drugs -----------------------------------------------


@pytest.fixture(scope="module")
def dgidb(shared_data: Path, kb: pd.DataFrame) -> pd.Series:
    """gene -> the drugs the target tables may list for it (real DGIdb v3 export, real knowledge base)."""
    interactions = references.read_drug_gene(shared_data / "resources" / "dgidb_interactions.tsv.gz")
    anticancer = dr.anticancer_drugs(interactions, SETTINGS, anticancer_agents(kb))
    per_drug = dr.drug_weights(interactions, SETTINGS, anticancer=anticancer, approved=approved_agents(kb))
    return dr.drug_lists(per_drug, SETTINGS)


def listed(dgidb: pd.Series, gene: str) -> set[str]:
    return set(str(dgidb.get(gene, "")).split(";")) - {""}


def test_no_drug_outside_oncology_for_any_gene(dgidb: pd.Series) -> None:
    every = set().union(*(listed(dgidb, g) for g in dgidb.index))
    assert not (every & NOT_ANTICANCER)
    assert not any(d.startswith(("ATROPINE", "DIPHENHYDRAMINE", "FLUDROCORTISONE")) or "ALCOHOL" in d for d in every)
    assert {"TRASTUZUMAB", "LAPATINIB"} <= listed(dgidb, "ERBB2")  # the oncology drugs stay


def test_allele_specific_drugs_are_no_inferential_drug_of_the_gene(kb: pd.DataFrame) -> None:
    specific = allele_specific_agents(kb)
    assert ("KRAS", "SOTORASIB") in specific and ("KRAS", "ADAGRASIB") in specific  # p.G12C only
    assert ("ERBB2", "TRASTUZUMAB") not in specific  # amplification: not a somatic variant assertion


def test_ras_npm1_idh1_runx1_traps(dgidb: pd.Series) -> None:
    for ras in ("KRAS", "NRAS", "HRAS"):
        assert not (listed(dgidb, ras) & (ANTI_EGFR | BRAF_INHIBITORS)), ras
    assert not (listed(dgidb, "NPM1") & ALK_INHIBITORS)
    assert "FLUDROCORTISONE" not in listed(dgidb, "IDH1")
    assert not listed(dgidb, "ALMS1")
    assert not any(d.startswith("DIPHENHYDRAMINE") for d in listed(dgidb, "RUNX1"))


def test_a_gene_level_assertion_does_not_make_a_variant_of_unknown_significance_actionable(kb, main_types) -> None:
    """PIK3CA H1047R (hotspot) is alpelisib's biomarker in HR+ breast cancer; a PIK3CA missense that is no
    hotspot matches the same gene-level assertion but is a VUS: tier III, shown, never suggested."""
    muts = mutations(
        ("HOT", "PIK3CA", "Missense_Mutation", True, "p.H1047R"), ("VUS", "PIK3CA", "Missense_Mutation", False, "p.A937C")
    )
    table = table_for(kb, main_types, muts, {"HOT": "BRCA", "VUS": "BRCA"})
    alpelisib = table[(table["therapy"] == "Alpelisib") & (table["assertion_tumor_type"] == "BRCA")]
    hot, vus = (alpelisib[alpelisib["patient"] == p].iloc[0] for p in ("HOT", "VUS"))
    assert (hot["tier"], hot["suggested"]) == ("I-A", "yes")
    assert (vus["tier"], vus["suggested"]) == ("III", "no") and vus["note"].startswith("variant of unknown significance")
    assert not ((table["patient"] == "VUS") & (table["suggested"] == "yes")).any()
    # a truncating change of a loss-of-function driver carries the gene's effect: not a VUS
    brca2 = table_for(
        kb, main_types, mutations(("P", "BRCA2", "Frame_Shift_Del", False, "p.K1000fs")), {"P": "PRAD"},
        roles=pd.Series({"BRCA2": "LoF"}),
    )
    gene_level = brca2[(brca2["match"] == "gene_class") & (brca2["effect"] == "sensitivity")]
    assert len(gene_level) and (gene_level["tier"] != "III").all() and not gene_level["note"].str.startswith("variant").any()
