"""PGx recommendations from pypgx's CPIC tables: poor metabolizers of the dossier's drug-gene pairs get CPIC's
text verbatim, a phenotype without a row an explicit "no recommendation" row, every row names its table, and
on PharmCAT's example VCF the texts equal PharmCAT's own report."""

from __future__ import annotations

import csv
import html
import importlib.metadata
import importlib.util
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from precisionflow.pgx.calls import add_outside_calls, sample_table
from precisionflow.pgx.definitions import load_definitions, load_phenotypes
from precisionflow.pgx.genotypes import read_genotypes
from precisionflow.pgx.recommendations import CURATED, CURATED_VERSION, changes_care, recommend
from tests.test_pgx import _Single, genotypes_of, reference_name

PYPGX = importlib.metadata.version("pypgx")
PYPGX_DATA = Path(next(iter(importlib.util.find_spec("pypgx").submodule_search_locations)), "api", "data")


@pytest.fixture(scope="module")
def pgx(shared_data: Path):
    folder = shared_data / "pgx"
    return folder, load_definitions(folder / "definitions"), load_phenotypes(folder / "phenotypes")


def pypgx_text(drug: str, *key: str) -> str:
    """pypgx's recommendation for the drug and (gene, phenotype, gene, phenotype), read with the csv module."""
    wanted = (*key, "None", "None")[:4]
    with open(PYPGX_DATA / "recommendation-table.csv", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["Drug"] == drug]
    found = [r for r in rows if (r["Gene1"], r["Phenotype1"], r["Gene2"], r["Phenotype2"]) == wanted]
    assert len(found) == 1, (drug, key)
    return found[0]["Recommendation"]


def patient(pgx, alleles: dict[str, tuple[str, str]], outside: dict[str, str] | None = None) -> pd.DataFrame:
    """Gene rows of a patient carrying ``alleles`` (gene -> two named alleles), called from genotypes built from
    PharmCAT's definitions, plus outside calls."""
    _, definitions, phenotypes = pgx
    tables = []
    for gene, (first, second) in alleles.items():
        definition = definitions[gene]
        first, second = (reference_name(definition) if a == "ref" else a for a in (first, second))
        single = _Single(gene, genotypes_of(definition, first, second))
        tables.append(sample_table({gene: definition}, phenotypes, single, 0, 0.5))
    table = pd.concat(tables, ignore_index=True)
    if outside:
        table = add_outside_calls(
            table, pd.DataFrame({"gene": list(outside), "diplotype": list(outside.values())}), phenotypes
        )
    return table


POOR = {  # drug -> (alleles of the patient, pypgx key: gene, phenotype[, gene, phenotype])
    "fluorouracil": ({"DPYD": ("c.1905+1G>A (*2A)", "c.1905+1G>A (*2A)")}, ("DPYD", "Poor Metabolizer")),
    "capecitabine": ({"DPYD": ("c.1905+1G>A (*2A)", "c.1905+1G>A (*2A)")}, ("DPYD", "Poor Metabolizer")),
    "clopidogrel": ({"CYP2C19": ("*2", "*2")}, ("CYP2C19", "Poor Metabolizer")),
    "simvastatin": ({"SLCO1B1": ("*5", "*5")}, ("SLCO1B1", "Poor Function")),
    **{
        drug: (
            {"TPMT": ("*2", "*2"), "NUDT15": ("ref", "ref")},
            ("NUDT15", "Normal Metabolizer", "TPMT", "Poor Metabolizer"),
        )
        for drug in ("azathioprine", "mercaptopurine", "thioguanine")
    },
}


@pytest.mark.parametrize("drug", sorted(POOR))
def test_poor_metabolizer_gets_cpic_text_verbatim(pgx, drug):
    alleles, key = POOR[drug]
    row = recommend("P1", patient(pgx, alleles)).set_index("drug").loc[drug]
    assert row["recommendation"] == pypgx_text(drug, *key)
    genes = key[::2]
    assert row["genes"] == ";".join(genes)
    assert row["phenotypes"] == "; ".join(f"{g}: {p}" for g, p in zip(genes, key[1::2], strict=True))
    assert row["classification"] == "CPIC level A"
    assert row["source"].startswith("CPIC guideline https://cpicpgx.org/guidelines/")
    assert f"pypgx {PYPGX} recommendation-table.csv, cpic-table.csv" in row["source"]
    assert row["table_version"] == f"pypgx {PYPGX}"


def test_nudt15_poor_metabolizer_and_tamoxifen_through_outside_call(pgx):
    table = patient(pgx, {"NUDT15": ("*3", "*3"), "TPMT": ("ref", "ref")}, {"CYP2D6": "*4/*4"})
    recs = recommend("P1", table).set_index("drug")
    key = ("NUDT15", "Poor Metabolizer", "TPMT", "Normal Metabolizer")
    assert recs.at["mercaptopurine", "recommendation"] == pypgx_text("mercaptopurine", *key)
    # CYP2D6 has no PharmCAT phenotype file: pypgx's activity scores give *4/*4 = 0, a poor metabolizer
    assert recs.at["tamoxifen", "phenotypes"] == "CYP2D6: Poor Metabolizer"
    assert recs.at["tamoxifen", "recommendation"] == pypgx_text("tamoxifen", "CYP2D6", "Poor Metabolizer")
    assert recs.at["tamoxifen", "recommendation"].startswith("Recommend alternative hormonal therapy")


def test_warfarin_and_irinotecan_are_labelled_curated_rows(pgx):
    table = patient(pgx, {"CYP2C9": ("*3", "*3"), "UGT1A1": ("*28", "*28")})
    recs = recommend("P1", table).set_index("drug")
    # VKORC1 not genotyped: the curated warfarin row has no entry for it and says so
    assert recs.at["warfarin", "phenotypes"] == "CYP2C9: Poor Metabolizer; VKORC1: not genotyped"
    assert recs.at["warfarin", "recommendation"].startswith("No CPIC recommendation for this phenotype")
    assert recs.at["irinotecan", "recommendation"].startswith("Start with 70% of the standard dose")
    for drug in ("warfarin", "irinotecan"):
        assert "curated" in recs.at[drug, "source"] and recs.at[drug, "table_version"] == CURATED_VERSION
    with open(PYPGX_DATA / "recommendation-table.csv", newline="") as handle:
        in_pypgx = {row["Drug"] for row in csv.DictReader(handle)}
    assert not {g.drug for g in CURATED} & in_pypgx  # curated only where pypgx has no row


def test_phenotype_without_a_row_gets_the_explicit_no_recommendation_row(pgx):
    table = patient(pgx, {"DPYD": ("c.1905+1G>A (*2A)", "c.1905+1G>A (*2A)"), "CYP2C19": ("*2", "*2")})
    table.loc[table["gene"] == "DPYD", ["diplotype", "phenotype", "lookup_phenotype", "call_quality"]] = [
        "not called",
        "Indeterminate",
        "Indeterminate",
        "not called: 30 of 40 positions missing",
    ]
    table.loc[table["gene"] == "CYP2C19", ["phenotype", "lookup_phenotype"]] = ["Indeterminate", "Indeterminate"]
    recs = recommend("P1", table).set_index("drug")
    # pypgx has no DPYD Indeterminate row; its CYP2C19 Indeterminate row for clopidogrel reads "None"
    assert recs.at["capecitabine", "recommendation"] == (
        "No CPIC recommendation for this phenotype: no row for DPYD 'Indeterminate' in the table "
        f"(pypgx {PYPGX}) (call: not called: 30 of 40 positions missing)."
    )
    assert recs.at["clopidogrel", "recommendation"] == (
        "No CPIC recommendation for this phenotype: the CPIC table gives none for CYP2C19 'Indeterminate'."
    )
    assert (recs.loc[["capecitabine", "clopidogrel"], "classification"] == "n/a").all()
    assert recs.at["capecitabine", "source"].startswith("CPIC guideline https://cpicpgx.org/")


def _normalized(text: str | None) -> str:
    """PharmCAT's text before its "Other Considerations" HTML, with typography (’, &lt;) made plain."""
    text = html.unescape((text or "").split("<h4")[0]).replace("\u2019", "'")
    return re.sub(r"\s+", " ", text).strip().rstrip(".")


def test_example_vcf_recommendations_equal_pharmcat_report(pgx):
    """PharmCAT v3's own report on its example VCF (CYP2D6 *1/*3 given as outside call, as in its report):
    every drug whose genes we call has the same recommendation text, except paroxetine, whose CPIC guideline
    was updated (2023) after the version pypgx 0.27.0 ships (it still gives the 2015 text)."""
    folder, definitions, phenotypes = pgx
    table = sample_table(
        definitions, phenotypes, read_genotypes(folder / "example/pharmcat.example.vcf", definitions, [None]), 0, 0.5
    )
    table = add_outside_calls(table, pd.DataFrame({"gene": ["CYP2D6"], "diplotype": ["*1/*3"]}), phenotypes)
    ours = recommend("EX", table).set_index("drug")
    report = json.loads((folder / "example/pharmcat.example.report.json").read_text())
    cpic = report["drugs"]["CPIC Guideline Annotation"]
    same, different = [], []
    for drug, row in ours.iterrows():
        texts = [
            _normalized(a.get("drugRecommendation"))
            for g in cpic.get(drug, {}).get("guidelines", [])
            for a in g["annotations"]
        ]
        if not any(texts) or "not genotyped" in row["phenotypes"] or row["classification"] == "n/a":
            continue  # no text in PharmCAT (IFNL3, warfarin), or a gene PharmCAT calls and we do not (RYR1)
        (same if _normalized(row["recommendation"]) in texts else different).append(drug)
    assert different == ["paroxetine"]
    assert len(same) == 46 and {"capecitabine", "clopidogrel", "fluorouracil", "mercaptopurine", "tamoxifen"} <= set(
        same
    )


NSAIDS = ("celecoxib", "flurbiprofen", "ibuprofen", "lornoxicam", "meloxicam", "piroxicam", "tenoxicam")


def test_cyp2c9_intermediate_activity_score_one_gets_no_text_of_another_score(pgx):
    """CYP2C9 *1/*3 (AS 1.0) and *1/*2 (AS 1.5) are both Intermediate Metabolizers; CPIC looks NSAIDs up by the
    score (PharmCAT's report: lookupKey is the score) and pypgx's one IM text is CPIC's AS 1.5 text, so AS 1.0
    gets a row saying so, naming the guideline, counted as care-changing (DEMO-024's case)."""
    _, _, phenotypes = pgx
    scores = {v for d, v in phenotypes["CYP2C9"].diplotypes.values() if d == "Intermediate Metabolizer"}
    assert scores == {"1.0", "1.5"}  # the phenotype spans two scores in PharmCAT's file
    report = json.loads((pgx[0] / "example/pharmcat.example.report.json").read_text())
    keys = [
        a["lookupKey"]
        for g in report["drugs"]["CPIC Guideline Annotation"]["meloxicam"]["guidelines"]
        for a in g["annotations"]
    ]
    assert keys == [[{"CYP2C9": "2.0"}]]  # CPIC's key is the activity score, not the phenotype
    low = recommend("P1", patient(pgx, {"CYP2C9": ("*1", "*3")})).set_index("drug")
    high = recommend("P1", patient(pgx, {"CYP2C9": ("*1", "*2")})).set_index("drug")
    for drug in NSAIDS:
        im_text = pypgx_text(drug, "CYP2C9", "Intermediate Metabolizer")
        assert high.at[drug, "recommendation"] == im_text
        text = low.at[drug, "recommendation"]
        assert im_text not in text and "Initiate therapy with recommended starting dose" not in text
        assert text.startswith(
            f"The CPIC recommendation for {drug} depends on the activity score within CYP2C9 Intermediate "
            "Metabolizer (AS 1.0 here); the table used"
        )
        assert "one text per phenotype" in text and "consult the CPIC NSAID guideline 2020" in text
        assert low.at[drug, "classification"] == "CPIC level A"
        assert changes_care(drug, text)
    # a poor metabolizer (AS 0 or 0.5) has one CPIC text: shown as it is
    poor = recommend("P1", patient(pgx, {"CYP2C9": ("*2", "*3")})).set_index("drug")
    assert poor.at["meloxicam", "recommendation"] == pypgx_text("meloxicam", "CYP2C9", "Poor Metabolizer")


def test_dpyd_poor_metabolizer_activity_score_half_gets_no_text_of_score_zero(pgx):
    table = patient(pgx, {"DPYD": ("c.1905+1G>A (*2A)", "c.1129-5923C>G, c.1236G>A (HapB3)")})
    assert table.set_index("gene").at["DPYD", "activity_score"] == "0.5"
    recs = recommend("P1", table).set_index("drug")
    for drug in ("capecitabine", "fluorouracil"):
        text = recs.at[drug, "recommendation"]
        assert pypgx_text(drug, "DPYD", "Poor Metabolizer") not in text
        assert "(AS 0.5 here)" in text and "CPIC fluoropyrimidine guideline 2017" in text
        assert changes_care(drug, text)


def test_untested_no_function_alleles_give_a_not_determinable_care_changing_row(pgx):
    """TPMT called *1/*1 without rs1142345 (*3A, *3C): no 'normal starting dose' (DEMO-046's case)."""
    table = patient(pgx, {"TPMT": ("ref", "ref"), "NUDT15": ("ref", "ref")})
    table.loc[table["gene"] == "TPMT", ["phenotype", "lookup_phenotype", "missing_positions", "call_quality"]] = [
        "Indeterminate",
        "Indeterminate",
        "rs1142345",
        "1 of 43 positions missing; phenotype not determinable: rs1142345 not genotyped, so *3A (no function), "
        "*3C (no function) could not be tested",
    ]
    recs = recommend("P1", table).set_index("drug")
    for drug in ("azathioprine", "mercaptopurine", "thioguanine"):
        text = recs.at[drug, "recommendation"]
        assert text.startswith("Not determinable: TPMT *1/*1 was called without some positions: rs1142345 not")
        assert "*3A (no function), *3C (no function) could not be tested" in text
        assert "normal starting dose" not in text and changes_care(drug, text)
        assert recs.at[drug, "phenotypes"] == "NUDT15: Normal Metabolizer; TPMT: Indeterminate"


def test_two_gene_text_for_one_gene_says_the_other_was_not_genotyped(pgx):
    """Tricyclics with CYP2D6 not genotyped (DEMO-015/021/024/046): pypgx's CYP2C19-only text does not name
    CYP2D6, so it is prefixed; rosuvastatin's CPIC text names ABCG2 itself and is kept verbatim."""
    recs = recommend("P1", patient(pgx, {"CYP2C19": ("ref", "ref"), "SLCO1B1": ("ref", "ref")})).set_index("drug")
    for drug in ("amitriptyline", "clomipramine", "imipramine", "trimipramine"):
        text = pypgx_text(drug, "CYP2C19", "Normal Metabolizer", "CYP2D6", "None")
        assert recs.at[drug, "recommendation"] == (
            f"Based on CYP2C19 only (CYP2D6 not genotyped; the recommendation may differ with its genotype): {text}"
        )
        assert changes_care(drug, recs.at[drug, "recommendation"])
    assert recs.at["doxepin", "recommendation"] == (
        "No CPIC recommendation for this phenotype: CYP2D6 not genotyped, and the CPIC table gives none for "
        "CYP2C19 'Normal Metabolizer' alone."
    )
    rosuvastatin = pypgx_text("rosuvastatin", "ABCG2", "None", "SLCO1B1", "Normal Function")
    assert recs.at["rosuvastatin", "recommendation"] == rosuvastatin
    assert changes_care("rosuvastatin", rosuvastatin)  # the same flag as the tricyclics
