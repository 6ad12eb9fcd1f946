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

from precisionflow.actionability.alterations import patient_alterations, short_protein_change
from precisionflow.actionability.knowledge import (
    allele_specific_agents,
    anticancer_agents,
    approved_agents,
    read_moalmanac,
    therapy_agents,
)
from precisionflow.actionability.matching import COLUMNS, SPEC_COLUMNS, actionable_table
from precisionflow.actionability.oncotree import check_tumour_types, read_oncotree, relation
from precisionflow.actionability.patient_files import read_fusions, read_germline_mafs
from precisionflow.actionability.pipeline import ActionabilityInputs, run
from precisionflow.actionability.tiers import tier
from precisionflow.dgidb import read_drug_gene
from precisionflow.errors import InputError
from precisionflow.sheet import check_msi_status
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


def table_for(kb, main_types, muts, tumour_types, cn=NO_CN, tmb=None, roles=None, **optional) -> pd.DataFrame:
    """``optional``: the germline, fusions and msi arguments of ``patient_alterations``."""
    roles = (
        roles
        if roles is not None
        else pd.Series({"KRAS": "Act", "BRAF": "Act", "ERBB2": "Act", "PIK3CA": "Act", "TP53": "LoF", "NRAS": "Act"})
    )
    return actionable_table(patient_alterations(muts, cn, tmb, 10.0, **optional), kb, tumour_types, main_types, roles)


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
    assert [tier(g, r) for g in "ABCD" for r in ("same", "any", "other")] == [
        "I-A",
        "I-A",
        "II-C",
        "I-B",
        "I-B",
        "II-C",
        "II-C",  # case reports / retrospective (MOAlmanac "Clinical evidence"): AMP level C, never tier I
        "II-C",
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
    # the other PI3K/AKT approvals are worded "human epidermal growth factor receptor 2 (HER2)-negative":
    # none of them is suggested for an ERBB2-amplified tumour
    pi3k = her2[her2["therapy"].str.contains("Capivasertib|Inavolisib") & (her2["tier"] == "I-A")]
    assert len(pi3k) >= 2 and (pi3k["suggested"] == "no").all(), pi3k[["therapy", "suggested"]]


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
    interactions = read_drug_gene(shared_data / "resources" / "dgidb_interactions.tsv.gz")
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
        ("HOT", "PIK3CA", "Missense_Mutation", True, "p.H1047R"),
        ("VUS", "PIK3CA", "Missense_Mutation", False, "p.A937C"),
    )
    table = table_for(kb, main_types, muts, {"HOT": "BRCA", "VUS": "BRCA"})
    alpelisib = table[(table["therapy"] == "Alpelisib") & (table["assertion_tumor_type"] == "BRCA")]
    hot, vus = (alpelisib[alpelisib["patient"] == p].iloc[0] for p in ("HOT", "VUS"))
    assert (hot["tier"], hot["suggested"]) == ("I-A", "yes")
    assert (vus["tier"], vus["suggested"]) == ("III", "no") and vus["note"].startswith(
        "variant of unknown significance"
    )
    assert not ((table["patient"] == "VUS") & (table["suggested"] == "yes")).any()
    # a truncating change of a loss-of-function driver carries the gene's effect: not a VUS
    brca2 = table_for(
        kb,
        main_types,
        mutations(("P", "BRCA2", "Frame_Shift_Del", False, "p.K1000fs")),
        {"P": "PRAD"},
        roles=pd.Series({"BRCA2": "LoF"}),
    )
    gene_level = brca2[(brca2["match"] == "gene_class") & (brca2["effect"] == "sensitivity")]
    assert (
        len(gene_level)
        and (gene_level["tier"] != "III").all()
        and not gene_level["note"].str.startswith("variant").any()
    )


# --- fusions, MSI, germline variants (optional sheet columns) ------------------------------------------


def feature_of(kb: pd.DataFrame, table: pd.DataFrame) -> set[str]:
    """The knowledge-base feature types of a table's matched assertions."""
    ids = table["source_id"].str.removeprefix("MOAlmanac:").astype(int)
    return set(kb.set_index("assertion_id").loc[ids, "feature_type"])


def test_fusion_tables_of_every_accepted_shape_give_the_same_fusion(tmp_path: Path) -> None:
    shapes = {
        "ours.tsv": "gene1\tgene2\nEML4\tALK\n",
        "name.tsv": "fusion\nEML4::ALK\nEML4--ALK\nEML4-ALK\n",
        # STAR-Fusion and Arriba as they write them; Arriba's intergenic breakpoint is no gene fusion
        "star.tsv": "#FusionName\tJunctionReadCount\nEML4--ALK\t12\n",
        "arriba.tsv": "#gene1\tgene2\tsplit_reads1\nEML4\tALK\t9\nRP11-1A1.1(1234),TP63(5678)\tALK\t2\n",
    }
    for name, text in shapes.items():
        (tmp_path / name).write_text(text)
        fusions = read_fusions({"P": tmp_path / name})
        assert fusions.drop_duplicates().values.tolist() == [["P", "EML4", "ALK"]], name
    errors = {
        "none.tsv": ("partner\nALK\n", r"header: expected columns gene1 and gene2 .* found columns 'partner'"),
        "which.tsv": (
            "fusion\nNKX2-1-ALK\n",
            r"row 2, column 'fusion': expected a fusion GENE1::GENE2 .*found 'NKX2-1-ALK'",
        ),
        "blank.tsv": ("gene1\tgene2\nEML4\t\n", r"row 2, column 'gene2': expected a gene symbol, found a blank cell"),
    }
    for name, (text, pattern) in errors.items():
        (tmp_path / name).write_text(text)
        with pytest.raises(InputError, match=pattern):
            read_fusions({"P": tmp_path / name})


def test_eml4_alk_is_tier_one_in_lung_cancer_and_two_c_elsewhere(kb, main_types) -> None:
    fusions = pd.DataFrame({"patient": ["LUNG", "BREAST", "REVERSED"], "gene1": ["EML4", "EML4", "ALK"],
                            "gene2": ["ALK", "ALK", "EML4"]})  # fmt: skip
    types = {"LUNG": "NSCLC", "BREAST": "BRCA", "REVERSED": "NSCLC"}
    table = table_for(kb, main_types, mutations(), types, fusions=fusions)
    assert set(table["alteration_type"]) == {"fusion"} and set(table["gene"]) == {"EML4::ALK", "ALK::EML4"}
    # every assertion that names the pair, or ALK alone, and no karyotype locus: the knowledge base's own list
    rearrangement = kb[(kb["feature_type"] == "Rearrangement") & (kb["locus"] == "")]
    pair = set(rearrangement.loc[(rearrangement["gene"] == "EML4") & (rearrangement["gene2"] == "ALK"), "assertion_id"])
    alk = set(rearrangement.loc[(rearrangement["gene"] == "ALK") & (rearrangement["gene2"] == ""), "assertion_id"])
    lung = table[table["patient"] == "LUNG"]
    ids = lung["source_id"].str.removeprefix("MOAlmanac:").astype(int)
    assert set(ids[lung["match"] == "exact"]) == pair and set(ids[lung["match"] == "gene_class"]) == alk
    approved = lung[(lung["evidence_level"] == "FDA-Approved") & (lung["assertion_tumor_type"] == "NSCLC")]
    assert {"Crizotinib", "Alectinib"} <= set(approved["therapy"])
    assert (approved["tier"] == "I-A").all() and (approved["suggested"] == "yes").all()
    # MOAlmanac's one EML4-ALK crizotinib assertion (NCCN guideline, NSCLC): an exact match at I-A
    exact = lung[(lung["match"] == "exact") & (lung["therapy"] == "Crizotinib")]
    assert exact[["tier", "evidence_level"]].values.tolist() == [["I-A", "Guideline"]]
    breast = table[(table["patient"] == "BREAST") & (table["assertion_tumor_type"] == "NSCLC")]
    assert {"Crizotinib", "Alectinib"} <= set(breast["therapy"])
    assert set(breast.loc[breast["evidence_level"].isin(["FDA-Approved", "Guideline"]), "tier"]) == {"II-C"}
    # ALK::EML4 (ALK 5'): not the asserted EML4-ALK, still an ALK rearrangement
    reversed_ = table[table["patient"] == "REVERSED"]
    assert set(reversed_["match"]) == {"gene_class"} and len(reversed_) == len(alk)


def test_msi_high_gets_the_tumour_agnostic_pembrolizumab_approval(kb, main_types) -> None:
    agnostic = kb[(kb["feature_type"] == "Microsatellite Stability") & (kb["tumor_type"] == "")]
    assert agnostic[["biomarker", "therapy", "evidence_level"]].values.tolist() == [
        ["MSI-High", "Pembrolizumab", "FDA-Approved"]
    ]
    statuses = {"H": "MSI-H", "LOW": "MSI-L", "STABLE": "mss", "UNKNOWN": None}
    table = table_for(kb, main_types, mutations(), dict.fromkeys(statuses, "PAAD"), msi=statuses)
    assert set(table["patient"]) == {"H"} and set(table["match"]) == {"biomarker"} and set(table["gene"]) == {""}
    assert feature_of(kb, table) == {"Microsatellite Stability"}
    pembrolizumab = table[(table["therapy"] == "Pembrolizumab") & (table["assertion_tumor_type"] == "")]
    assert pembrolizumab[["tier", "suggested", "alteration_type"]].values.tolist() == [["I-A", "yes", "msi"]]
    # colorectal MSI-H assertions are this tumour type's there, another's in a pancreatic cancer
    assert set(table.loc[table["assertion_tumor_type"] == "COADREAD", "tier"]) <= {"II-C"}


def test_msi_status_values_are_checked_naming_the_row() -> None:
    sheet = pd.DataFrame({"patient": ["A", "B", "C"], "msi_status": ["MSI-H", pd.NA, "mss"]})
    sheet = sheet.set_index("patient", drop=False)
    check_msi_status(sheet, "samples.tsv")
    sheet.loc["C", "msi_status"] = "MSI-high"
    with pytest.raises(
        InputError,
        match=r"^samples\.tsv: row 4 \(patient 'C'\), column 'msi_status': expected MSI-H, MSI-L, MSS or a blank cell, "
        r"found 'MSI-high'$",
    ):
        check_msi_status(sheet, "samples.tsv")


def test_germline_brca2_frameshift_in_breast_cancer_gets_parp_inhibitors(kb, main_types, tmp_path: Path) -> None:
    maf = tmp_path / "germline.maf"
    # legacy column names in another letter case (TCGA exports); one truncating variant, one missense, one silent
    pd.DataFrame(
        {
            "hugo_symbol": ["BRCA2", "BRCA2", "BRCA1"],
            "variant_classification": ["Frame_Shift_Del", "Missense_Mutation", "Silent"],
            "Protein_Change": ["p.S1982Rfs*22", "p.D2723H", "p.L771L"],
        }
    ).to_csv(maf, sep="\t", index=False)
    germline = read_germline_mafs({"G": maf})
    assert germline["protein_change"].tolist() == ["p.S1982Rfs*22", "p.D2723H", "p.L771L"]
    # no IntOGen roles: a germline gene's truncation carries its effect without them
    table = table_for(kb, main_types, mutations(), {"G": "BRCA"}, roles=pd.Series(dtype=object), germline=germline)
    assert set(table["alteration_type"]) == {"germline"} and feature_of(kb, table) == {"Germline Variant"}
    assert "p.L771L" not in set(table["alteration"])  # silent: no alteration
    truncating = table[table["alteration"] == "p.S1982Rfs*22"]
    expected = kb[
        (kb["feature_type"] == "Germline Variant") & (kb["gene"] == "BRCA2") & (kb["tumor_type"] == "BRCA")
        & (kb["evidence_level"] == "FDA-Approved") & (kb["effect"] == "sensitivity")
    ]  # fmt: skip
    assert {"Olaparib", "Talazoparib"} <= set(expected["therapy"])
    first = truncating[truncating["tier"] == "I-A"]
    assert set(expected["therapy"]) <= set(first.loc[first["suggested"] == "yes", "therapy"])
    assert set(truncating.loc[truncating["assertion_tumor_type"] == "OVT", "tier"]) == {"II-C"}  # niraparib, ovary
    missense = table[table["alteration"] == "p.D2723H"]  # not known to be pathogenic: a VUS
    assert len(missense) and set(missense["tier"]) == {"III"} and set(missense["suggested"]) == {"no"}


def test_somatic_variants_never_match_germline_assertions_nor_the_reverse(kb, main_types) -> None:
    # MOAlmanac asserts MRE11 p.R576* as a germline variant only (checked here, from the knowledge base)
    germline_only = kb[(kb["gene"] == "MRE11") & (kb["protein_change"] == "p.R576*")]
    assert germline_only["feature_type"].tolist() == ["Germline Variant"]
    rows = [
        ("P", "MRE11", "Nonsense_Mutation", False, "p.R576*"),
        ("P", "BRCA2", "Frame_Shift_Del", False, "p.S1982Rfs*22"),
    ]
    roles = pd.Series({"MRE11": "LoF", "BRCA2": "LoF"})
    somatic = table_for(kb, main_types, mutations(*rows), {"P": "BRCA"}, roles=roles)
    germline_only_id = f"MOAlmanac:{germline_only['assertion_id'].iloc[0]}"
    assert not (somatic["source_id"] == germline_only_id).any()
    assert len(somatic) and feature_of(kb, somatic) == {"Somatic Variant"}
    # olaparib's breast-cancer approval is for germline BRCA1/2 variants: a somatic truncation gets it from
    # other tumour types only (II-C)
    assert "I-A" not in set(somatic.loc[somatic["therapy"] == "Olaparib", "tier"])
    germline = table_for(kb, main_types, mutations(), {"P": "BRCA"}, roles=roles, germline=mutations(*rows))
    assert set(germline["alteration_type"]) == {"germline"} and feature_of(kb, germline) == {"Germline Variant"}
    mre11 = germline[germline["gene"] == "MRE11"]
    assert germline_only_id in set(mre11.loc[mre11["match"] == "exact", "source_id"])


def test_the_step_reads_the_optional_sheet_files(tmp_path: Path, shared_data: Path) -> None:
    (tmp_path / "F.fusions.tsv").write_text("fusion\nEML4--ALK\n")
    (tmp_path / "G.maf").write_text(
        "Hugo_Symbol\tVariant_Classification\tHGVSp_Short\nBRCA2\tFrame_Shift_Del\tp.S1982Rfs*22\n"
    )
    patients = ["F", "G", "M"]
    step = ActionabilityInputs(
        patients,
        {"F": "NSCLC", "G": "BRCA", "M": "COADREAD"},
        shared_data / "knowledge" / "moalmanac.json",
        shared_data / "knowledge" / "oncotree.2023-03-09.txt",
        {},
        fusions={"F": tmp_path / "F.fusions.tsv"},
        germline_mafs={"G": tmp_path / "G.maf"},
        msi_status={"M": "MSI-H"},
    )
    paths = {p: tmp_path / "out" / f"{p}.actionable.tsv" for p in patients}
    table = run(step, SETTINGS, tmp_path / "out" / "actionable.tsv", paths)
    kinds = table.groupby("patient")["alteration_type"].unique().map(list).to_dict()
    assert kinds == {"F": ["fusion"], "G": ["germline"], "M": ["msi"]}
    written = pd.read_csv(paths["F"], sep="\t", keep_default_na=False)
    assert "EML4::ALK" in set(written["alteration"]) and (written["tier"] == "I-A").any()


def test_a_vus_resistance_row_is_tier_three_yet_still_withdraws_the_agent(kb, main_types) -> None:
    """KRAS p.S205D (no hotspot) matches MOAlmanac's gene-level 'KRAS mutation -> anti-EGFR resistance' in
    colorectal cancer: not established resistance (tier III), but cetuximab is never suggested either."""
    table = table_for(
        kb, main_types, mutations(("P", "KRAS", "Missense_Mutation", False, "p.S205D")), {"P": "COADREAD"}
    )
    resistance = table[(table["effect"] == "resistance") & table["therapy"].isin(["Cetuximab", "Panitumumab"])]
    assert len(resistance) and (resistance["tier"] == "III").all()
    suggested = table[table["suggested"] == "yes"]["therapy"].str.upper()
    assert not suggested.str.contains("CETUXIMAB|PANITUMUMAB").any()


def test_approvals_for_ras_wild_type_or_triple_negative_disease_are_withdrawn(kb, main_types) -> None:
    """Two restrictions of real MOAlmanac indications a patient's own alterations contradict (the board
    would give neither): trastuzumab + tucatinib for "RAS wild-type HER2-positive" colorectal cancer
    (MOAlmanac 863, FDA-approved) in an ERBB2-amplified KRAS G12D tumour; platinum for germline BRCA1
    "triple-negative" breast cancer (605, 606, Guideline) in an ERBB2-amplified tumour."""
    amp = pd.DataFrame({"patient": ["C"], "gene": ["ERBB2"], "call": ["amp"]})
    wild = table_for(kb, main_types, mutations(), {"C": "COADREAD"}, cn=amp)
    tucatinib = wild[wild["source_id"] == "MOAlmanac:863"]
    assert tucatinib[["tier", "suggested"]].values.tolist() == [["I-A", "yes"]]
    for gene in ("KRAS", "NRAS"):
        ras = table_for(
            kb, main_types, mutations(("C", gene, "Missense_Mutation", True, "p.G12D")), {"C": "COADREAD"}, cn=amp
        )
        tucatinib = ras[ras["source_id"] == "MOAlmanac:863"]
        assert tucatinib[["tier", "suggested"]].values.tolist() == [["I-A", "no"]], gene
        assert f"RAS wild-type disease; this patient has a {gene} mutation" in tucatinib["note"].iloc[0]
    brca1 = mutations(("B", "BRCA1", "Nonsense_Mutation", False, "p.E1250*"))
    triple = table_for(kb, main_types, mutations(), {"B": "BRCA"}, germline=brca1)
    platinum = triple["source_id"].isin(["MOAlmanac:605", "MOAlmanac:606"])
    assert set(triple.loc[platinum, "suggested"]) == {"yes"} and platinum.sum() == 2
    her2 = table_for(
        kb, main_types, mutations(), {"B": "BRCA"}, cn=amp.assign(patient="B"), germline=brca1.assign(patient="B")
    )
    platinum = her2[her2["source_id"].isin(["MOAlmanac:605", "MOAlmanac:606"])]
    assert len(platinum) == 2 and set(platinum["suggested"]) == {"no"}
    assert platinum["note"].str.contains("triple-negative disease; this patient has a ERBB2 amplification").all()
    assert (her2.loc[her2["therapy"] == "Trastuzumab", "suggested"] == "yes").all()


def test_preclinical_evidence_is_shown_but_never_suggested(kb, main_types) -> None:
    """A04W's alterations (real MOAlmanac): PIK3CA H1047R gets pictilisib and TP53 V272M NSC59984 from cell-line
    studies (tier II-D, Preclinical): kept in the table, not suggested, the note saying why in plain words;
    ERBB2's approved trastuzumab stays a suggestion. A II-D resistance still withdraws: MAP2K1 Q56P
    (Preclinical) resists vemurafenib, approved for BRAF V600E melanoma."""
    muts = mutations(
        ("A04W", "PIK3CA", "Missense_Mutation", True, "p.H1047R"),
        ("A04W", "TP53", "Missense_Mutation", True, "p.V272M"),
        ("MEL", "BRAF", "Missense_Mutation", True, "p.V600E"),
        ("MEL", "MAP2K1", "Missense_Mutation", False, "p.Q56P"),
    )
    cn = pd.DataFrame({"patient": ["A04W"], "gene": ["ERBB2"], "call": ["amp"]})
    table = table_for(kb, main_types, muts, {"A04W": "BRCA", "MEL": "SKCM"}, cn=cn)
    a04w = table[table["patient"] == "A04W"]
    preclinical = a04w[(a04w["tier"] == "II-D") & (a04w["effect"] == "sensitivity")]
    assert {"Pictilisib", "NSC59984"} <= set(preclinical["therapy"])
    assert (preclinical["therapy"] == "Pictilisib").sum() == 2  # one row per assertion: rows are never dropped
    assert set(preclinical["suggested"]) == {"no"}
    for level, note in zip(preclinical["evidence_level"], preclinical["note"], strict=True):
        assert note.startswith(
            f"{level.lower()} evidence only (MOAlmanac: {level}): for trials and research, not a treatment suggestion"
        ), note
    assert not ((table["tier"] == "II-D") & (table["suggested"] == "yes")).any()
    assert (a04w.loc[(a04w["therapy"] == "Trastuzumab") & (a04w["tier"] == "I-A"), "suggested"] == "yes").all()
    mel = table[table["patient"] == "MEL"]
    assert "II-D" in set(mel.loc[(mel["gene"] == "MAP2K1") & (mel["therapy"] == "Vemurafenib"), "tier"])
    vemurafenib = mel[(mel["gene"] == "BRAF") & (mel["therapy"] == "Vemurafenib") & (mel["tier"] == "I-A")]
    assert len(vemurafenib) and set(vemurafenib["suggested"]) == {"no"}
    assert vemurafenib["note"].str.startswith("withdrawn: MAP2K1 p.Q56P predicts resistance to vemurafenib").all()


def test_preclinical_resistance_and_prognosis_rows_say_so(kb, main_types) -> None:
    """A04W (real MOAlmanac): 'ERBB2 amplification -> Radiation Therapy resistance' and 'TP53 -> nutlin-3
    resistance' are tier II-D (cell lines): their note must say so, as the II-D sensitivity rows' do, so that
    no reader withholds a standard therapy for them; the II-D prognosis row keeps its prognosis first."""
    from precisionflow.actionability.suggestions import PRECLINICAL_NOTES

    muts = mutations(("A04W", "TP53", "Missense_Mutation", True, "p.V272M"))
    cn = pd.DataFrame({"patient": ["A04W"], "gene": ["ERBB2"], "call": ["amp"]})
    table = table_for(kb, main_types, muts, {"A04W": "BRCA"}, cn=cn)
    resistance = table[(table["tier"] == "II-D") & (table["effect"] == "resistance")]
    assert {"Radiation Therapy", "nutlin-3"} <= set(resistance["therapy"]), set(resistance["therapy"])
    for level, note in zip(resistance["evidence_level"], resistance["note"], strict=True):
        assert note.startswith(PRECLINICAL_NOTES["resistance"].format(kind=level.lower(), level=level)), note
    prognosis = table[(table["tier"] == "II-D") & (table["effect"] == "prognosis")]
    assert len(prognosis)
    for level, note in zip(prognosis["evidence_level"], prognosis["note"], strict=True):
        assert note.endswith("prognosis; " + PRECLINICAL_NOTES["prognosis"].format(kind=level.lower(), level=level))
    assert set(table.loc[table["effect"] != "sensitivity", "suggested"]) == {"no"}
