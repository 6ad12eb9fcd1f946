"""The target tables name the curated evidence of the patient's own alterations (tumour-board review of the runs):

* A04W (ERBB2-amplified breast cancer) had 11 tier I-A ERBB2 suggestions in its actionability table while its
  target table called ERBB2's drugs "inferential (DGIdb …, tier II-D at most)";
* DEMO-033 (KRAS p.G12D colorectal cancer) had KRAS first with druggability 0.5 from DGIdb's "CLINICALLY
  ACTIONABLE" gene category, though its only curated evidence is resistance (cetuximab, panitumumab).

Both run here on two patients like them, through the actionability step and the target step (libraries): with
the real MOAlmanac, OncoTree, IntOGen and DGIdb files of ../shared/data, and with the demo's (whose 14 real
MOAlmanac assertions give KRAS p.G12D colorectal cancer its anti-EGFR resistance only).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from precisionflow.actionability.knowledge import withdrawn_agents
from precisionflow.actionability.pipeline import ActionabilityInputs
from precisionflow.actionability.pipeline import run as run_actionability
from precisionflow.targets import drugs as dr
from precisionflow.targets.curated import Curated, drug_cell
from precisionflow.targets.pipeline import StepInputs, load
from precisionflow.targets.pipeline import run as run_targets
from precisionflow.targets.prioritize import INFERENTIAL, RESISTANCE_ONLY
from precisionflow.targets.settings import with_defaults

MAF_HEADER = ["Hugo_Symbol", "Variant_Classification", "HGVSp_Short", "is_hotspot"]
HER2_AGENTS = {"TRASTUZUMAB", "LAPATINIB", "PERTUZUMAB", "NERATINIB", "TUCATINIB", "TRASTUZUMAB EMTANSINE"}
SETTINGS = with_defaults({})
DEMO = Path(__file__).resolve().parents[1] / "demo" / "resources"
PARTNERS = {"CAPECITABINE", "DOCETAXEL", "PEMBROLIZUMAB", "CHEMOTHERAPY", "FLUOROPYRIMIDINE", "HYALURONIDASE-ZZXF"}


def write_cohort(folder: Path) -> dict:
    """HER2 (breast, ERBB2 amplified, PIK3CA H1047R as A04W), CRC (colorectal, KRAS G12D as DEMO-033) and VUS
    (colorectal, a KRAS missense change of unknown significance)."""
    folder.mkdir(parents=True, exist_ok=True)
    mafs = {
        "HER2": [("PIK3CA", "Missense_Mutation", "p.H1047R", "True")],
        "CRC": [("KRAS", "Missense_Mutation", "p.G12D", "True")],
        "VUS": [("KRAS", "Missense_Mutation", "p.S205D", "False")],  # as DEMO-003: no hotspot, matched by gene only
    }
    paths = {}
    for patient, rows in mafs.items():
        paths[patient] = folder / f"{patient}.maf.tsv"
        pd.DataFrame(rows, columns=MAF_HEADER).to_csv(paths[patient], sep="\t", index=False)
    copy_number = pd.DataFrame(
        [("HER2", "ERBB2", 12.0, "amp", 2.0), ("CRC", "ERBB2", 2.0, "neutral", 2.0)],
        columns=["patient", "gene", "total_cn", "call", "ploidy"],
    )
    copy_number.to_csv(folder / "copy_number.tsv", sep="\t", index=False)
    return paths


def run_both_steps(folder: Path, resources: dict[str, Path]) -> dict[str, pd.DataFrame]:
    """The actionability step, then the target step, on the two patients with the given reference files."""
    mafs = write_cohort(folder)
    patients = sorted(mafs)
    run_actionability(
        ActionabilityInputs(
            patients=patients,
            tumour_types={"HER2": "BRCA", "CRC": "COADREAD", "VUS": "COADREAD"},
            knowledge_base=resources["moalmanac"],
            oncotree=resources["oncotree"],
            mafs=mafs,
            copy_number=folder / "copy_number.tsv",
            drivers=resources["drivers"],
        ),
        SETTINGS,
        folder / "actionable.tsv",
        {p: folder / f"{p}.actionable.tsv" for p in patients},
    )
    step = StepInputs(
        patients=patients,
        mafs=mafs,
        copy_number=folder / "copy_number.tsv",
        cn_patients=patients,
        layers={},
        drivers=resources["drivers"],
        drug_gene=resources["dgidb"],
        drug_categories=resources["categories"],
        knowledge_base=resources["moalmanac"],
        actionable=folder / "actionable.tsv",
    )
    run_targets(step, {}, folder / "cohort.tsv", {p: folder / f"{p}.tsv" for p in patients})
    read = lambda path: pd.read_csv(path, sep="\t", keep_default_na=False, na_values=["NA"])  # noqa: E731
    return {
        **{p: read(folder / f"{p}.tsv").set_index("gene") for p in patients},
        **{f"{p}.actionable": read(folder / f"{p}.actionable.tsv") for p in patients},
    }


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> dict[str, pd.DataFrame]:
    """With the real MOAlmanac knowledge base, OncoTree, IntOGen and DGIdb files (../shared/data)."""
    resources, knowledge = shared_data / "resources", shared_data / "knowledge"
    files = {
        "moalmanac": knowledge / "moalmanac.json",
        "oncotree": knowledge / "oncotree.2023-03-09.txt",
        "drivers": resources / "intogen_drivers_2020.tsv",
        "dgidb": resources / "dgidb_interactions.tsv.gz",
        "categories": resources / "dgidb_categories.tsv.gz",
    }
    return run_both_steps(tmp_path_factory.mktemp("curated_real"), files)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    """With the demo's reference files (its 14 real MOAlmanac assertions: KRAS p.G12D colorectal cancer has only
    the anti-EGFR resistance, as DEMO-033; in the whole knowledge base it also has tier II-C sensitivities)."""
    files = {
        "moalmanac": DEMO / "moalmanac.json",
        "oncotree": DEMO / "oncotree.tsv",
        "drivers": DEMO / "intogen_drivers.tsv",
        "dgidb": DEMO / "dgidb_interactions.tsv.gz",
        "categories": DEMO / "dgidb_categories.tsv.gz",
    }
    return run_both_steps(tmp_path_factory.mktemp("curated_demo"), files)


def test_an_amplified_erbb2_with_tier_one_suggestions_names_them_not_dgidb(real) -> None:
    actionable = real["HER2.actionable"]
    first = actionable[(actionable["gene"] == "ERBB2") & (actionable["tier"] == "I-A")]
    assert len(first) >= 5 and (first["suggested"] == "yes").all()  # the premise: as A04W's 11
    erbb2 = real["HER2"].loc["ERBB2"]
    drugs = erbb2["drugs"].split(";")
    evidence = erbb2["drug_evidence"]
    assert evidence.startswith("curated (MOAlmanac): tier I-A, ERBB2 amplification: "), evidence
    # the curated agents acting on ERBB2 come first, each with its tier; regimen partners are no ERBB2 drug
    curated = evidence.split("; ")[0].split(": ")[-1].split(", ")
    assert {"TRASTUZUMAB (I-A)", "LAPATINIB (I-A)", "TUCATINIB (I-A)"} <= set(curated), curated
    assert drugs[: len(curated)] == [c.rsplit(" (", 1)[0] for c in curated]
    assert not set(drugs) & PARTNERS and len(set(drugs) & HER2_AGENTS) >= 5
    # DGIdb fills the list after them, named as such; no drug is shown without its evidence in the cell
    inferential = drugs[len(curated) :]
    assert len(drugs) <= SETTINGS["druggability"]["max_drugs"]
    if inferential:
        assert f"{INFERENTIAL}: {', '.join(inferential)}" in evidence
    # resistance beats sensitivity: alpelisib (PIK3CA), withdrawn for this HER2-positive tumour, is shown nowhere
    pik3ca = real["HER2"].loc["PIK3CA"]
    assert "ALPELISIB" not in pik3ca["drugs"].split(";") and "withdrawn ALPELISIB" in pik3ca["drug_evidence"]
    assert not pik3ca["drug_evidence"].startswith("curated")  # no suggested PIK3CA therapy for this patient


def test_a_resistance_only_kras_takes_no_druggability_from_a_dgidb_category(demo) -> None:
    actionable = demo["CRC.actionable"]
    kras = actionable[(actionable["gene"] == "KRAS") & (actionable["therapy"] != "")]
    assert set(kras.loc[kras["tier"].isin(["I-A", "I-B", "II-C"]), "effect"]) == {"resistance"}  # the premise
    row = demo["CRC"].loc["KRAS"]
    assert row["evidence_druggability"] == 0 and row["drugs"] == ""
    assert row["drug_evidence"].startswith(f"{RESISTANCE_ONLY}: ") and "CETUXIMAB" in row["drug_evidence"]
    assert "DGIdb gene category not counted" in row["drug_evidence"]


def test_a_resistance_of_a_variant_of_unknown_significance_changes_no_druggability(demo) -> None:
    """Tier III (the assertion names KRAS mutations, not this change): for research, no reason to change a score;
    the DGIdb category still counts (0.5, times 0.5 for a missense change of an oncogene)."""
    actionable = demo["VUS.actionable"]
    kras = actionable[(actionable["gene"] == "KRAS") & (actionable["therapy"] != "")]
    assert set(kras["effect"]) == {"resistance"} and set(kras["tier"]) == {"III"}  # the premise
    row = demo["VUS"].loc["KRAS"]
    assert row["evidence_druggability"] == 0.25 and "category not counted" not in row["drug_evidence"]
    # its resistance label says what it rests on: not an established resistance of this change
    assert "resistance (KRAS p.S205D; tier III: the assertion names the gene's mutations" in row["drug_evidence"]
    assert "tier III" not in demo["CRC"].loc["KRAS", "drug_evidence"]  # G12D's resistance is of tier I-A


def test_a_drug_cell_names_each_drugs_evidence() -> None:
    curated = Curated({"TRASTUZUMAB": "I-A", "PERTUZUMAB": "I-A", "TUCATINIB": "II-C"}, ("ERBB2 amplification",))
    withdrawn = {"TUCATINIB": "KRAS p.G12D predicts resistance (MOAlmanac:1)"}
    drugs, evidence = drug_cell(["LAPATINIB", "TRASTUZUMAB", "AFATINIB"], curated, withdrawn, None, 4)
    assert drugs == "TRASTUZUMAB;PERTUZUMAB;LAPATINIB;AFATINIB"
    assert evidence == (
        "curated (MOAlmanac): tier I-A, ERBB2 amplification: TRASTUZUMAB (I-A), PERTUZUMAB (I-A); "
        f"{INFERENTIAL}: LAPATINIB, AFATINIB; withdrawn TUCATINIB: KRAS p.G12D predicts resistance (MOAlmanac:1)"
    )
    # max_drugs counts the curated ones first; DGIdb alone keeps its one label
    assert drug_cell(["LAPATINIB", "AFATINIB"], curated, {}, None, 3)[0] == "TRASTUZUMAB;PERTUZUMAB;TUCATINIB"
    assert drug_cell(["LAPATINIB", "AFATINIB"], None, {}, None, 10) == ("LAPATINIB;AFATINIB", INFERENTIAL)
    assert drug_cell([], None, {}, "CETUXIMAB: resistance (KRAS p.G12D)", 10) == (
        "",
        f"{RESISTANCE_ONLY}: CETUXIMAB: resistance (KRAS p.G12D)",
    )


def test_withdrawn_agents_count_in_no_druggability_of_the_her2_patient(real, shared_data: Path) -> None:
    """As A04W, with the real files: alpelisib (PIK3CA) and the partners of the HER2-negative inavolisib regimen
    (palbociclib, fulvestrant) are withdrawn, and their weights leave the patient's druggability of their genes.
    PIK3CA keeps 1.0 from its 22 other DGIdb inhibitors (11 / 3, saturated), so ERBB2 stays first and PIK3CA
    second; CDK4 loses palbociclib (3 / 3 -> 2 / 3)."""
    withdrawn = withdrawn_agents(real["HER2.actionable"])
    assert {"ALPELISIB", "PALBOCICLIB", "FULVESTRANT"} <= set(withdrawn["HER2"])  # the premise
    step = StepInputs(
        patients=["HER2"],
        mafs={},
        copy_number=None,
        cn_patients=[],
        layers={},
        drug_gene=shared_data / "resources" / "dgidb_interactions.tsv.gz",
        knowledge_base=shared_data / "knowledge" / "moalmanac.json",
    )
    weights = load(step, SETTINGS)[0].drug_weights
    parts = dr.withdrawn_parts(weights, withdrawn, SETTINGS)
    pik3ca = weights[weights["gene"] == "PIK3CA"]
    kept = pik3ca.loc[~pik3ca["drug"].isin(withdrawn["HER2"]), "weight"].sum()
    assert "ALPELISIB" in set(pik3ca["drug"]) and kept == 11.0
    assert parts[("HER2", "PIK3CA")] == 1.0 and parts[("HER2", "CDK4")] == pytest.approx(2 / 3)
    table = real["HER2"]
    assert table.at["ERBB2", "rank"] == 1 and table.at["PIK3CA", "rank"] == 2
    assert table.at["PIK3CA", "evidence_druggability"] == 1.0
