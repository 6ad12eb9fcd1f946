"""What a dossier says when a fact was not assessed for the patient, rather than found absent (tumour-board
review of the demo run: DEMO-057, with neither a VCF/MAF nor copy number, read as "no alteration matches")."""

from __future__ import annotations

import re
from dataclasses import replace

import pandas as pd

from precisionflow.dossier.build import load_cohort
from precisionflow.dossier.render import render_dossier
from precisionflow.dossier.sections import index_row, patient_dossier
from precisionflow.dossier.synthetic import patient_ids, write_sources
from precisionflow.targets.prioritize import RESISTANCE_ONLY
from tests.test_dossier import HEADER, section_html

NEGATIVE = (
    "No tier I–II therapy suggested for this patient's alterations.",
    "No alteration of this patient matches an assertion of the knowledge base.",
)


def without_somatic_data(cohort, patient: str) -> None:
    """The patient as a sample sheet without a VCF/MAF and copy number leaves them: no MAF, no calls, no rows."""
    cohort.mafs.pop(patient)
    cohort.copy_number_by_patient.pop(patient)
    cohort.actionable = cohort.actionable[cohort.actionable["patient"] != patient]
    cohort.grouped.clear()


def test_no_somatic_data_reads_not_assessed_not_negative(tmp_path) -> None:
    cohort = load_cohort(patient_ids(3), write_sources(tmp_path / "results", patient_ids(3)), HEADER)
    without_somatic_data(cohort, "S0001")
    dossier = patient_dossier(cohort, "S0001")
    page = render_dossier(dossier, "synthetic")
    summary = section_html(page, "summary")
    first = re.search(r"<li[^>]*>(.*?)</li>", summary, flags=re.DOTALL).group(1)
    assert "Therapy evidence NOT ASSESSED</b>: no somatic data for this patient (no somatic VCF or MAF" in first
    for sentence in NEGATIVE:
        assert sentence not in page
    assert "Therapy evidence not assessed: no somatic data" in section_html(page, "therapy")
    assert index_row(dossier)["therapies"] == "not assessed"


def test_a_patient_with_data_but_no_match_keeps_the_negative_wording(tmp_path) -> None:
    cohort = load_cohort(patient_ids(3), write_sources(tmp_path / "results", patient_ids(3)), HEADER)
    cohort.actionable = cohort.actionable[cohort.actionable["patient"] != "S0001"]  # data, nothing matched
    dossier = patient_dossier(cohort, "S0001")
    page = render_dossier(dossier, "synthetic")
    assert "NOT ASSESSED" not in page
    for sentence in NEGATIVE:
        assert sentence in page
    assert index_row(dossier)["therapies"] == ""


def test_the_sample_sheet_flags_decide_what_was_assessed(tmp_path) -> None:
    """A patient with only a fusions file (no VCF/MAF, no copy number) was assessed; one with no input was not,
    even where the cohort's tables would say otherwise."""
    sources = write_sources(tmp_path / "results", patient_ids(3))
    header = replace(HEADER, genomic_inputs={"S0000": ["copy_number"], "S0001": ["fusions"], "S0002": []})
    cohort = load_cohort(patient_ids(3), sources, header)
    cohort.actionable = cohort.actionable[cohort.actionable["patient"] == "S0000"]
    assert patient_dossier(cohort, "S0001")["by_id"]["therapy"]["assessed"]
    assert not patient_dossier(cohort, "S0002")["by_id"]["therapy"]["assessed"]
    assert patient_dossier(cohort, "S0000")["by_id"]["therapy"]["assessed"]


def test_only_established_resistance_is_a_resistance_warning(tmp_path) -> None:
    """A04W: 'TP53 -> nutlin-3 resistance' (tier II-D, cell lines) must not read like 'TP53 -> chemoradiotherapy
    resistance' (II-C, clinical evidence): only tiers I-A to II-C make a "predicts resistance" line."""
    sources = write_sources(tmp_path / "results", patient_ids(3))
    cohort = load_cohort(patient_ids(3), sources, HEADER)
    rows = cohort.actionable
    lapatinib = rows.index[(rows["patient"] == "S0000") & (rows["therapy"] == "Lapatinib")]
    established = rows.loc[lapatinib].assign(therapy="Chemoradiotherapy", tier="II-C", note="")
    cohort.actionable = pd.concat([rows, established], ignore_index=True)
    cohort.grouped.clear()
    summary = section_html(render_dossier(patient_dossier(cohort, "S0000"), "synthetic"), "summary")
    warnings = re.findall(r'<li class="warning">Resistance: ([^<]*)</li>', summary)
    assert warnings == ["ERBB2 amplification predicts resistance to Chemoradiotherapy (tier II-C)"]
    preclinical = re.search(r'<li id="preclinical-resistance">([^<]*)</li>', summary).group(1)
    assert "no reason to withhold a standard therapy" in preclinical and "Lapatinib (tier II-D" in preclinical


def test_risk_contributions_show_the_patients_value_and_what_was_filled_in(tmp_path) -> None:
    """DEMO-057 (no genomic data): 'mutation:ALK' is NA in results/outcome/features.tsv yet scored as absent;
    each listed contribution shows the patient's value, and the risk line says features were filled in."""
    cohort = load_cohort(patient_ids(4), write_sources(tmp_path / "results", patient_ids(4)), HEADER)
    cohort.outcome_features = pd.DataFrame(
        {"age": [71.0, 64.0, 50.0, 55.0], "mut_TP53": [None, 1.0, 0.0, 0.0], "subtype=Basal": [1.0, 0.0, 0.0, 1.0]},
        index=pd.Index(patient_ids(4), name="patient"),
    )
    page = render_dossier(patient_dossier(cohort, "S0000"), "synthetic")
    outcome = section_html(page, "outcome")
    assert re.search(r"<td>mut_TP53</td><td>not assessed \(filled in as absent\)</td>", outcome)
    assert re.search(r"<td>age</td><td>71</td>", outcome)
    filled = re.search(r'id="risk-filled-in">([^<]*)<', outcome).group(1)
    assert "1 of the model's 3 features not assessed for this patient" in filled and "mut_TP53" in filled
    other = section_html(render_dossier(patient_dossier(cohort, "S0001"), "synthetic"), "outcome")
    assert re.search(r"<td>mut_TP53</td><td>present</td>", other) and "risk-filled-in" not in other


def test_top_targets_name_their_drugs_or_their_resistance(tmp_path) -> None:
    """DEMO-033: 'Top ranked targets: KRAS, EGFR' right under the anti-EGFR resistance lines read as an
    opportunity; the summary names each listed target's drug cell (here the resistance it records)."""
    cohort = load_cohort(patient_ids(3), write_sources(tmp_path / "results", patient_ids(3)), HEADER)
    cohort.targets["S0000"] = pd.DataFrame(
        {
            "gene": ["KRAS", "EGFR", "ERBB2"],
            "rank": [1, 2, 3],
            "score": [0.7, 0.4, 0.3],
            "drugs": ["", None, "LAPATINIB;TRASTUZUMAB"],
            "drug_evidence": [f"{RESISTANCE_ONLY}: CETUXIMAB, PANITUMUMAB: resistance (KRAS p.G12D)", "", "curated"],
        }
    )
    summary = section_html(render_dossier(patient_dossier(cohort, "S0000"), "synthetic"), "summary")
    assert (
        "Top ranked targets: KRAS (no drug: CETUXIMAB, PANITUMUMAB: resistance (KRAS p.G12D)), EGFR, "
        "ERBB2 (LAPATINIB, TRASTUZUMAB)</li>" in summary
    )
