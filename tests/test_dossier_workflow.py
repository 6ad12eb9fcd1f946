"""The dossiers of the demo cohort in the whole workflow (the session's ``demo_run``).

Every patient gets a page and a FHIR bundle, the index links them all, every bundle validates with
fhir.resources, the HER2-amplified demo patients' bundles hold the ERBB2 amplification as the guide's
variant Observation, the index's resistance column agrees with each patient's actionability table (DEMO-033's
KRAS p.G12D and its anti-EGFR resistance), a dossier stays under 2 MB, and a forced rerun writes the same bytes.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest
from fhir.resources.R4B.bundle import Bundle

from tests.conftest import run_snakemake
from tests.test_dossier_index import resistance_column

pytestmark = pytest.mark.workflow

FOLDER = "results/report/patients"
IG = "http://hl7.org/fhir/uv/genomics-reporting/StructureDefinition"
MAX_DOSSIER_BYTES = 2_000_000  # the limit for a patient of the 60-patient demo


def patients(project: Path) -> list[str]:
    return sorted(pd.read_csv(project / "config/samples.tsv", sep="\t", dtype=str)["patient"])


def test_every_patient_has_a_page_and_a_bundle_linked_from_the_index(demo_run: Path) -> None:
    folder = demo_run / FOLDER
    index = (folder / "index.html").read_text()
    for patient in patients(demo_run):
        assert (folder / f"{patient}.html").stat().st_size > 0 and (folder / f"{patient}.fhir.json").stat().st_size > 0
        assert f'href="{patient}.html"' in index and f'href="{patient}.fhir.json"' in index


def test_the_index_names_each_demo_patients_resistance(demo_run: Path, truth: dict) -> None:
    """The planted KRAS p.G12D colorectal case (truth.yaml: cetuximab and panitumumab, tier I-A resistance) reads
    so on the index; a patient whose actionability table has no tier I-A–II-C resistance and no tier I–II therapy
    withdrawn reads "none"."""
    column = resistance_column((demo_run / FOLDER / "index.html").read_text())
    assert sorted(column) == patients(demo_run)
    for patient, facts in truth["patients"].items():
        table = pd.read_csv(
            demo_run / f"results/targets/patients/{patient}.actionable.tsv", sep="\t", dtype=str, keep_default_na=False
        )
        tier_i_ii = table[table["tier"].isin(["I-A", "I-B", "II-C"])]  # a VUS's (tier III) withdrawal is no warning
        established = tier_i_ii[tier_i_ii["effect"] == "resistance"]
        withdrawn = tier_i_ii[tier_i_ii["note"].str.contains("withdrawn: ", regex=False)]
        if not facts["has_variants"]:  # no somatic data: nothing was tested, which is no "none"
            assert column[patient] == "not assessed" and table.empty, (patient, column[patient])
            continue
        assert (column[patient] == "none") == (established.empty and withdrawn.empty), (patient, column[patient])
        for row in facts["actionable"]:
            if row["effect"] == "resistance" and row["tier"] in ("I-A", "I-B", "II-C"):
                alteration = f"{row['gene']} {row['alteration']} ("
                assert alteration in column[patient] and row["therapy"] in column[patient], (patient, column[patient])
    (crc,) = [p for p, f in truth["patients"].items() if f["tumor_type"] == "COADREAD"]
    assert column[crc].startswith("KRAS p.G12D (I-A): Cetuximab, Panitumumab"), column[crc]


def test_every_demo_bundle_validates(demo_run: Path) -> None:
    for patient in patients(demo_run):
        bundle = json.loads((demo_run / FOLDER / f"{patient}.fhir.json").read_text())
        Bundle.model_validate(bundle)
        report = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "DiagnosticReport")
        assert len(report["result"]) == len(bundle["entry"]) - 2  # every Observation is a result of the report


def genes_of(observation: dict) -> list[str]:
    """The genes studied (LOINC 48018-6 components) of an Observation."""
    return [
        c["valueCodeableConcept"]["text"]
        for c in observation["component"]
        if c["code"]["coding"][0]["code"] == "48018-6"
    ]


def test_erbb2_amplification_of_her2_patients_as_the_guides_variant(demo_run: Path, truth: dict) -> None:
    amplified = sorted(p for p, t in truth["patients"].items() if t.get("copy_number_calls", {}).get("ERBB2") == "amp")
    assert amplified
    for patient in amplified:
        bundle = json.loads((demo_run / FOLDER / f"{patient}.fhir.json").read_text())
        variants = [
            e["resource"]
            for e in bundle["entry"]
            if f"{IG}/variant" in e["resource"].get("meta", {}).get("profile", [])
        ]
        erbb2 = [v for v in variants if "ERBB2" in genes_of(v)]
        assert len(erbb2) == 1, patient
        change = next(c for c in erbb2[0]["component"] if c["code"]["coding"][0]["code"] == "48019-4")
        assert change["valueCodeableConcept"]["coding"][0]["display"] == "feature_amplification"
        page = (demo_run / FOLDER / f"{patient}.html").read_text()
        assert "<td>ERBB2</td><td>amp</td>" in page


def test_a_demo_dossier_is_under_2_mb(demo_run: Path) -> None:
    sizes = {p: (demo_run / FOLDER / f"{p}.html").stat().st_size for p in patients(demo_run)}
    assert max(sizes.values()) < MAX_DOSSIER_BYTES, max(sizes.items(), key=lambda kv: kv[1])


def test_the_colorectal_case_reads_no_breast_subtype(demo_run: Path, truth: dict) -> None:
    """DEMO-033, the demo's KRAS G12D colorectal tumour in a breast-labelled cohort: its dossier says the
    subtype labels do not apply to it (it said "Predicted subtype: Basal"); a breast patient keeps its own."""
    page = (demo_run / FOLDER / "DEMO-033.html").read_text()
    assert "Predicted subtype: <b>not applicable (subtype labels are for BRCA)</b>" in page
    assert not any(f"Predicted subtype: <b>{s}</b>" in page for s in truth["subtypes"])
    breast = next(p for p, f in sorted(truth["patients"].items()) if f["label_blank"] and f["tumor_type"] == "BRCA")
    other = (demo_run / FOLDER / f"{breast}.html").read_text()
    assert f"Predicted subtype: <b>{truth['patients'][breast]['subtype']}</b>" in other


def test_absent_steps_are_named_in_every_demo_dossier(demo_run: Path, truth: dict) -> None:
    """The demo runs every step; a patient without a germline sample says PGx was not assessed for them."""
    without = [p for p in patients(demo_run) if p not in truth["pgx"]]
    page = (demo_run / FOLDER / f"{without[0]}.html").read_text()
    assert "PGx not assessed: no germline VCF for this patient" in page
    assert "no outcome columns in the config" not in page  # the demo's config has an outcome


def test_a_forced_rerun_writes_the_same_bytes(demo_run: Path) -> None:
    def digests() -> dict[str, str]:
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted((demo_run / FOLDER).iterdir())}

    before = digests()
    run_snakemake(demo_run, "--forcerun", "report_dossiers", check=True, timeout=900)
    assert digests() == before
