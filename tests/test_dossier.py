"""Patient dossiers from synthetic step outputs (precisionflow/dossier/synthetic.py), without Snakemake.

The synthetic cohort carries every source with exactly its SPEC columns, including those of steps
built on other branches (actionability, PGx, outcome, explanations, step table), so each section is
proven before they are merged; a second cohort without them checks that each section says why it is
empty. Patient S0000 is HER2-amplified with a tier I-A trastuzumab row and a resistance row.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pandas as pd
import pytest
from fhir.resources.R4B.bundle import Bundle

from precisionflow.dossier.build import Header, load_cohort
from precisionflow.dossier.fhir import patient_bundle
from precisionflow.dossier.fhir_observations import IG
from precisionflow.dossier.gather import Sources, citation_link, sort_actionable
from precisionflow.dossier.pipeline import build_all
from precisionflow.dossier.sections import patient_dossier
from precisionflow.dossier.synthetic import patient_ids, write_sources
from precisionflow.errors import InputError

SECTION_IDS = ["summary", "therapy", "genomic", "omics", "prediction", "outcome", "pgx", "methods"]
HEADER = Header(
    cohort="synthetic",
    date="2026-11-30",
    version="0.1.0",
    genome_build="GRCh38",
    references=[{"name": "genes", "file": "genes.bed.gz", "sha256": "0123456789ab"}],
    tumor_types={"S0000": "BRCA"},
)
MAX_DOSSIER_BYTES = 2_000_000
N_FULL = 30


@pytest.fixture(scope="module")
def full(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Sources]:
    folder = tmp_path_factory.mktemp("full")
    sources = write_sources(folder / "results", patient_ids(N_FULL))
    build_all(patient_ids(N_FULL), sources, HEADER, folder / "dossiers")
    return folder / "dossiers", sources


@pytest.fixture(scope="module")
def core(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same cohort without the other branches' steps (what this branch's workflow makes)."""
    folder = tmp_path_factory.mktemp("core")
    build_all(
        patient_ids(4), write_sources(folder / "results", patient_ids(4), optional=False), HEADER, folder / "dossiers"
    )
    return folder / "dossiers"


def section_html(page: str, section: str) -> str:
    match = re.search(rf'<section id="{section}">(.*?)</section>', page, flags=re.DOTALL)
    assert match, f"section {section} missing"
    return match.group(1)


def test_every_section_in_the_issue_order(full, core) -> None:
    for folder in (full[0], core):
        page = (folder / "S0000.html").read_text()
        positions = [page.index(f'<section id="{s}">') for s in SECTION_IDS]
        assert positions == sorted(positions)
        assert page.index('id="header"') < positions[0]


def test_header_names_patient_tumour_type_cohort_date_version_and_references(full) -> None:
    header = (full[0] / "S0000.html").read_text().split('<section id="summary">')[0]
    for text in (
        "S0000",
        "BRCA",
        "synthetic",
        "2026-11-30",
        "precisionflow 0.1.0",
        "GRCh38",
        "genes.bed.gz",
        "0123456789ab",
    ):
        assert text in header, text


def test_therapy_rows_by_tier_resistance_first_and_citations_as_links(full) -> None:
    therapy = section_html((full[0] / "S0000.html").read_text(), "therapy")
    tiers = re.findall(r'data-tier="([^"]+)"', therapy)
    assert tiers == ["I-A", "I-A", "II-D"]
    assert therapy.index("Trastuzumab") < therapy.index("Lapatinib")
    assert 'href="https://doi.org/10.1056/NEJM200103153441101"' in therapy
    assert 'href="https://pubmed.ncbi.nlm.nih.gov/31091374/"' in therapy
    assert 'class="tier-I effect-sensitivity"' in therapy and 'class="tier-II effect-resistance"' in therapy


def test_summary_lists_tier_i_therapies_resistance_pgx_flag_and_subtype(full) -> None:
    summary = section_html((full[0] / "S0000.html").read_text(), "summary")
    assert "<b>Trastuzumab</b>" in summary and "<b>Alpelisib</b>" in summary
    # the synthetic resistance row is tier II-D (preclinical): listed as such, not as a resistance warning
    assert "Resistance: ERBB2 amplification predicts resistance" not in summary
    assert re.search(r'<li id="preclinical-resistance">[^<]*ERBB2 amplification and Lapatinib \(tier II-D', summary)
    assert "PGx: tamoxifen" in summary and "aromatase inhibitor" in summary
    assert "<b>HER2</b> (probability 0.92)" in summary


def test_outcome_pgx_and_explanations_render_from_their_spec_columns(full) -> None:
    page = (full[0] / "S0000.html").read_text()
    outcome = section_html(page, "outcome")
    risk = pd.read_csv(full[1].paths["risk"], sep="\t").set_index("patient").loc["S0000"]
    assert f"Risk group <b>{risk['risk_group']}</b>" in outcome and "mut_TP53" in outcome
    pgx = section_html(page, "pgx")
    assert "CYP2D6" in pgx and "*1/*4" in pgx and "Intermediate Metabolizer" in pgx and "CPIC" in pgx
    assert "GRB7" in section_html(page, "prediction")  # the explanation's features
    methods = section_html(page, "methods")
    assert "dropped_low_depth" in methods and "Not assessed" not in methods


def test_absent_steps_say_why_instead_of_vanishing(core) -> None:
    page = (core / "S0000.html").read_text()
    assert '<p class="not-run">PGx not assessed: no germline VCF</p>' in section_html(page, "pgx")
    assert "Outcome not assessed: no outcome columns in the config" in section_html(page, "outcome")
    assert "Therapies not assessed: no actionability knowledge base" in section_html(page, "therapy")
    assert "<li>PGx not assessed: no germline VCF</li>" in section_html(page, "summary")
    not_assessed = section_html(page, "methods")
    assert "PGx not assessed: no germline VCF" in not_assessed and "Per-patient explanations" in not_assessed
    # what was not assessed and why, each said once
    for line in re.findall(r'class="not-run">([^<]*)<', page) + re.findall(r"<li>([^<]*not assessed[^<]*)</li>", page):
        assert line.lower().count("not assessed") <= 1, line


def test_a_skipped_step_gives_its_own_reason_once(tmp_path) -> None:
    """One patient (A04W alone): integration is skipped for the cohort's size, not for a lack of omics layers;
    the dossier says the step table's reason, once, not "no omics layers"."""
    sources = write_sources(tmp_path / "results", patient_ids(3))
    del sources.paths["cohort_h5mu"], sources.paths["clusters"], sources.paths["predictions"]
    reason = "1 patient with an omics layer; the methods need at least 4 (MOFA+ 2, k-means (silhouette) 3, UMAP 4)"
    steps = pd.DataFrame(
        {
            "step": ["integration", "classifier", "pgx"],
            "status": ["skipped", "skipped", "ran"],
            "reason": [reason, "no label column in the config", "1 patient with a germline VCF"],
        }
    )
    steps.to_csv(sources.paths["steps"], sep="\t", index=False)
    build_all(patient_ids(3), sources, HEADER, tmp_path / "dossiers")
    page = (tmp_path / "dossiers" / "S0000.html").read_text()
    omics = section_html(page, "omics")
    assert f"Multi-omics not assessed: the integration step was skipped ({reason})" in omics
    assert "no omics layers" not in page
    prediction = section_html(page, "prediction")
    assert "Prediction not assessed: the classifier step was skipped (no label column in the config)" in prediction
    index = (tmp_path / "dossiers" / "index.html").read_text()
    assert f"Clusters: the integration step was skipped ({reason})" in index


def test_genomic_findings_variants_copy_number_and_tmb(full) -> None:
    genomic = section_html((full[0] / "S0000.html").read_text(), "genomic")
    maf = pd.read_csv(full[1].paths["mafs"]["S0000"], sep="\t")
    assert f"Somatic variants ({len(maf)})" in genomic
    assert "p.E545K" in genomic  # the variant table's data (inlined JSON)
    assert '<svg xmlns="http://www.w3.org/2000/svg" id="cn-plot"' in genomic
    assert re.search(r"<td>ERBB2</td><td>amp</td><td class=\"num\">8.0</td>", genomic)
    tmb = pd.read_csv(full[1].paths["tmb"], sep="\t").set_index("patient")
    percentile = (tmb["tmb_per_mb"] <= tmb.at["S0000", "tmb_per_mb"]).mean() * 100
    assert f"cohort percentile {percentile:.0f} of {N_FULL} patients" in genomic


def test_omics_outliers_and_position_on_the_cohort_map(full) -> None:
    omics = section_html((full[0] / "S0000.html").read_text(), "omics")
    assert 'id="umap-plot"' in omics and "this patient" in omics
    # ERBB2 planted at 8 against N(0, 1) in 29 other patients: z = (8 - 8/30) / sd ≈ 7.7 / 1.7 ≈ 4.5
    # (the outlier inflates the sd; the bound for one value among 30 is 29/sqrt(30) = 5.3)
    match = re.search(r"<td>rna</td><td>rna_ERBB2</td><td>ERBB2</td><td class=\"num\">([0-9.]+)</td>", omics)
    assert match and 3.5 < float(match.group(1)) < 5.3


def test_pages_are_self_contained_small_and_byte_identical(full, tmp_path) -> None:
    folder, sources = full
    page = (folder / "S0000.html").read_text()
    assert not re.search(r'<(script|img|link|iframe)[^>]+(src|href)="(https?:)?//', page)  # nothing fetched
    # the DataTables bundle is inlined (itables' offline mode: the module as base64 text)
    bundle = re.search(r'injectModule\("([A-Za-z0-9+/=]{100000,})"\)', page)
    assert bundle and b"DataTables" in base64.b64decode(bundle.group(1)) and "new ITable(" in page
    assert (folder / "S0000.html").stat().st_size < MAX_DOSSIER_BYTES
    build_all(patient_ids(N_FULL), sources, HEADER, tmp_path)
    for name in ("S0000.html", "S0000.fhir.json", "S0005.html", "index.html"):
        assert (tmp_path / name).read_bytes() == (folder / name).read_bytes(), name


def test_index_links_every_patient(full) -> None:
    index = (full[0] / "index.html").read_text()
    for patient in patient_ids(N_FULL):
        assert f'href="{patient}.html"' in index and f'href="{patient}.fhir.json"' in index
    for figure in ('id="oncoplot"', 'id="tmb-distribution"', 'id="clusters"', 'id="fairness"'):
        assert figure in index


def resources(bundle: dict, kind: str | None = None, profile: str | None = None) -> list[dict]:
    found = [e["resource"] for e in bundle["entry"]]
    if kind:
        found = [r for r in found if r["resourceType"] == kind]
    if profile:
        found = [r for r in found if f"{IG}/{profile}" in r.get("meta", {}).get("profile", [])]
    return found


def component(resource: dict, loinc: str) -> dict | None:
    return next((c for c in resource.get("component", []) if c["code"]["coding"][0]["code"] == loinc), None)


def genes_of(resource: dict) -> list[str]:
    """The genes studied (LOINC 48018-6 components) of an Observation."""
    return [
        c["valueCodeableConcept"]["text"] for c in resource["component"] if c["code"]["coding"][0]["code"] == "48018-6"
    ]


def therapy_of(resource: dict) -> str | None:
    medication = component(resource, "51963-7")
    return medication["valueCodeableConcept"]["text"] if medication else None


def test_fhir_bundle_has_the_amplification_and_its_therapy(full) -> None:
    import json

    bundle = json.loads((full[0] / "S0000.fhir.json").read_text())
    Bundle.model_validate(bundle)
    report = resources(bundle, "DiagnosticReport", "genomics-report")[0]
    results = {r["reference"] for r in report["result"]}
    assert report["subject"]["reference"] == "urn:uuid:" + resources(bundle, "Patient")[0]["id"]
    amplifications = [
        r for r in resources(bundle, "Observation", "variant") if "ERBB2" in genes_of(r) and component(r, "48019-4")
    ]
    assert len(amplifications) == 1
    amp = amplifications[0]
    assert genes_of(amp) == ["ERBB2", "GRB7"]  # adjacent and both at 8 copies: one amplicon
    assert component(amp, "48019-4")["valueCodeableConcept"]["coding"][0]["code"] == "SO:0001880"
    assert component(amp, "82155-3")["valueQuantity"]["value"] == 8.0
    assert f"urn:uuid:{amp['id']}" in results
    implications = resources(bundle, "Observation", "therapeutic-implication")
    trastuzumab = [r for r in implications if therapy_of(r) == "Trastuzumab"]
    assert len(trastuzumab) == 1
    assert {"reference": f"urn:uuid:{amp['id']}"} in trastuzumab[0]["derivedFrom"]
    assert component(trastuzumab[0], "51961-1")["valueCodeableConcept"]["text"] == "Responsive"
    lapatinib = next(r for r in implications if therapy_of(r) == "Lapatinib")
    assert component(lapatinib, "51961-1")["valueCodeableConcept"]["text"] == "Resistant"
    assert len(resources(bundle, "Observation", "tmb")) == 1
    genotype = resources(bundle, "Observation", "genotype")[0]
    assert genotype["valueCodeableConcept"]["text"] == "CYP2D6 *1/*4"
    metabolizer = next(r for r in implications if component(r, "53040-2") and not component(r, "51963-7"))
    assert component(metabolizer, "53040-2")["valueCodeableConcept"]["text"] == "Intermediate Metabolizer"
    assert metabolizer["derivedFrom"] == [{"reference": f"urn:uuid:{genotype['id']}"}]
    tamoxifen = next(r for r in implications if therapy_of(r) == "tamoxifen")
    assert {"reference": f"urn:uuid:{genotype['id']}"} in tamoxifen["derivedFrom"]
    assert all(r.get("issued", "2026-11-30").startswith("2026-11-30") for r in resources(bundle))


def test_fhir_ids_are_deterministic_and_distinct(full) -> None:
    import json

    cohort = load_cohort(patient_ids(N_FULL), full[1], HEADER)
    first, second = patient_bundle(patient_dossier(cohort, "S0000")), patient_bundle(patient_dossier(cohort, "S0000"))
    assert first == second
    ids = [e["resource"]["id"] for e in first["entry"]]
    assert len(ids) == len(set(ids))
    other = json.loads((full[0] / "S0001.fhir.json").read_text())
    assert not set(ids) & {e["resource"]["id"] for e in other["entry"]}


def test_an_invalid_resource_fails_validation() -> None:
    from pydantic import ValidationError

    from precisionflow.dossier.fhir import validated

    with pytest.raises(ValidationError):
        validated(
            {
                "resourceType": "Bundle",
                "type": "collection",
                "entry": [{"resource": {"resourceType": "Observation", "status": "final"}}],
            }
        )


def test_an_actionable_table_without_its_spec_columns_is_an_error(tmp_path) -> None:
    sources = write_sources(tmp_path / "results", patient_ids(3))
    frame = pd.read_csv(sources.paths["actionable"], sep="\t").drop(columns=["tier"])
    frame.to_csv(sources.paths["actionable"], sep="\t", index=False)
    with pytest.raises(InputError, match=r"actionable.tsv: header: expected columns .* found no tier"):
        load_cohort(patient_ids(3), sources, HEADER)


def test_resistance_is_listed_before_sensitivity_within_a_tier() -> None:
    rows = pd.DataFrame(
        {
            "tier": ["II-C", "I-A", "I-A"],
            "effect": ["sensitivity", "sensitivity", "resistance"],
            "gene": ["A", "B", "C"],
            "therapy": ["x", "y", "z"],
        }
    )
    assert sort_actionable(rows)["gene"].tolist() == ["C", "B", "A"]


@pytest.mark.parametrize(
    ("citation", "source_id", "link"),
    [
        ("Slamon et al. 2001. DOI:10.1056/NEJM200103153441101.", "1", "https://doi.org/10.1056/NEJM200103153441101"),
        ("Juric D et al. (PMID: 30543347)", "", "https://pubmed.ncbi.nlm.nih.gov/30543347/"),
        ("see https://www.fda.gov/drugs/x.", "", "https://www.fda.gov/drugs/x"),
        ("FDA label", "42", None),
    ],
)
def test_citation_links(citation: str, source_id: str, link: str | None) -> None:
    assert citation_link(citation, source_id) == link


def test_parallel_workers_write_the_same_bytes(full, tmp_path) -> None:
    folder, sources = full
    build_all(patient_ids(N_FULL), sources, HEADER, tmp_path, processes=2)
    for path in sorted(folder.iterdir()):
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), path.name


def test_pgx_calls_from_per_patient_tables(tmp_path) -> None:
    """results/pgx/{patient}.tsv (SPEC columns, no patient column) give the same section as the cohort table."""
    sources = write_sources(tmp_path / "results", patient_ids(3))
    cohort_table = pd.read_csv(sources.paths["pgx"], sep="\t", keep_default_na=False)
    per_patient = {}
    for patient, rows in cohort_table.groupby("patient"):
        per_patient[patient] = str(tmp_path / f"{patient}.pgx.tsv")
        rows.drop(columns="patient").to_csv(per_patient[patient], sep="\t", index=False)
    from_cohort = patient_dossier(load_cohort(patient_ids(3), sources, HEADER), "S0001")["by_id"]["pgx"]
    sources.paths["pgx"] = per_patient
    from_files = patient_dossier(load_cohort(patient_ids(3), sources, HEADER), "S0001")["by_id"]["pgx"]
    assert from_files["genotypes"] == from_cohort["genotypes"] and from_files["genotypes"][0]["diplotype"] == "*1/*4"


def test_a_tmb_the_variant_step_could_not_compute_is_named_not_invented(tmp_path) -> None:
    """A VCF without transcript annotation: tmb.tsv has NA and says why (real data: A04W); the page says so."""
    sources = write_sources(tmp_path / "results", patient_ids(3), optional=False)
    tmb = pd.read_csv(sources.paths["tmb"], sep="\t")
    tmb.loc[0, ["coding_mutations", "tmb_per_mb"]] = None
    tmb["annotation"] = ["no transcript annotation: coding mutations unknown", "", ""]
    tmb.to_csv(sources.paths["tmb"], sep="\t", index=False, na_rep="NA")
    cohort = load_cohort(patient_ids(3), sources, HEADER)
    genomic = patient_dossier(cohort, "S0000")["by_id"]["genomic"]
    assert "tmb" not in genomic
    assert "TMB not computed: no transcript annotation: coding mutations unknown" in genomic["reasons"]
    other = patient_dossier(cohort, "S0001")["by_id"]["genomic"]["tmb"]
    assert other["cohort_size"] == 2  # the percentile is among the patients with a TMB


def with_actionability_columns(sources: Sources) -> pd.DataFrame:
    """The synthetic actionable.tsv with the step's further columns (``suggested``, ``note``) as the step
    writes them for S0000 (ERBB2-amplified): alpelisib withdrawn (its approval is for HER2-negative disease),
    and the FDA-approved capecitabine + trastuzumab + tucatinib (MOAlmanac 724) suggested."""
    table = pd.read_csv(sources.paths["actionable"], sep="\t", dtype=str, keep_default_na=False)
    capecitabine = table.iloc[0].copy()
    capecitabine[["therapy", "source_id"]] = ["Capecitabine + Trastuzumab + Tucatinib", "MOAlmanac:724"]
    gastric = table.iloc[0].copy()  # trastuzumab again, from the gastric-cancer approval (II-C): listed once
    gastric[["tier", "assertion_tumor_type", "source_id"]] = ["II-C", "STAD", "MOAlmanac:721"]
    table = pd.concat([table, capecitabine.to_frame().T, gastric.to_frame().T], ignore_index=True)
    table["suggested"] = (table["effect"] == "sensitivity").map({True: "yes", False: "no"})
    table["note"] = ""
    alpelisib = (table["patient"] == "S0000") & (table["therapy"] == "Alpelisib")
    note = "withdrawn: the indication is HER2-negative disease; this patient has a ERBB2 amplification"
    table.loc[alpelisib, ["suggested", "note"]] = ["no", note]
    table.loc[table["effect"] == "resistance", "note"] = "variant of unknown significance: …"
    table["indication"] = ""
    table.loc[table["therapy"] == "Alpelisib", "indication"] = (
        "HR+, HER2-negative, PIK3CA-mutated advanced breast cancer"
    )
    table.to_csv(sources.paths["actionable"], sep="\t", index=False)
    return table


def test_a_withdrawn_therapy_is_not_listed_as_a_suggestion_and_the_page_says_why(tmp_path) -> None:
    """An oncologist reads the summary first: alpelisib, withdrawn by the actionability step for the
    HER2-amplified S0000, must not appear among its tier I–II therapies (nor in the cohort index), and the
    therapy table must show that it is not suggested and why."""
    sources = write_sources(tmp_path / "results", patient_ids(3))
    with_actionability_columns(sources)
    build_all(patient_ids(3), sources, HEADER, tmp_path / "dossiers")
    page = (tmp_path / "dossiers" / "S0000.html").read_text()
    summary = section_html(page, "summary")
    assert summary.count("<b>Trastuzumab</b>") == 1 and "<b>Alpelisib</b>" not in summary
    assert re.search(
        r"Not suggested: Alpelisib \(PIK3CA p\.E545K, tier I-A; [\w:]+\): withdrawn: the indication is HER2-neg",
        summary,
    )
    # trastuzumab for the amplification from two assertions: one entry, both sources named
    assert re.search(r"<b>Trastuzumab</b> \(ERBB2 amplification, tier I-A; [\w:]+, MOAlmanac:721\)", summary)
    assert "ERBB2 amplification and Lapatinib (tier II-D; variant of unknown significance: …)" in summary
    therapy = section_html(page, "therapy")
    row = re.search(r"<tr [^>]*>(?:(?!</tr>).)*Alpelisib(?:(?!</tr>).)*</tr>", therapy, flags=re.DOTALL).group(0)
    assert "<td>no: withdrawn: the indication is HER2-negative disease" in row
    # the approval's own restriction (HR+, which no input of the workflow assesses) is on the page for every row
    assert "<summary>indication</summary>HR+, HER2-negative, PIK3CA-mutated advanced breast cancer" in row
    index = (tmp_path / "dossiers" / "index.html").read_text()
    s0000 = re.search(r"<tr>(?:(?!</tr>).)*S0000\.html(?:(?!</tr>).)*</tr>", index, flags=re.DOTALL).group(0)
    therapies, resistance = re.findall(r"<td[^>]*>(.*?)</td>", s0000, flags=re.DOTALL)[-3:-1]
    assert "Trastuzumab (I-A)" in therapies and "Alpelisib" not in therapies
    assert resistance == "withdrawn: Alpelisib (PIK3CA p.E545K)"  # the resistance column names it as withdrawn


def test_pgx_dosing_guidance_is_shown_beside_the_suggested_drug(tmp_path) -> None:
    """Capecitabine in a suggested combination: the patient's DPYD recommendation beside it; a patient
    without PGx calls: it says that DPYD-guided dosing was not assessed, not nothing."""
    sources = write_sources(tmp_path / "results", patient_ids(3))
    with_actionability_columns(sources)
    recommendations = pd.read_csv(sources.paths["pgx_recommendations"], sep="\t", dtype=str, keep_default_na=False)
    dpyd = recommendations.iloc[0].copy()
    dpyd[["drug", "genes", "phenotypes", "recommendation", "classification", "source"]] = [
        "capecitabine",
        "DPYD",
        "DPYD: Intermediate Metabolizer",
        "Reduce the starting dose by 50% followed by titration of dose based on toxicity.",
        "Strong",
        "CPIC fluoropyrimidines/DPYD",
    ]
    pd.concat([recommendations, dpyd.to_frame().T]).to_csv(sources.paths["pgx_recommendations"], sep="\t", index=False)
    cohort = load_cohort(patient_ids(3), sources, HEADER)
    sections = patient_dossier(cohort, "S0000")["by_id"]
    row = next(r for r in sections["therapy"]["rows"] if r["therapy"].startswith("Capecitabine"))
    assert row["pgx"] == [
        "capecitabine: Reduce the starting dose by 50% followed by titration of dose based on toxicity. "
        "(DPYD: Intermediate Metabolizer; CPIC fluoropyrimidines/DPYD)"
    ]
    assert next(r for r in sections["therapy"]["rows"] if r["therapy"] == "Trastuzumab")["pgx"] == []
    summary = next(r for r in sections["summary"]["therapies"] if r["therapy"].startswith("Capecitabine"))
    assert summary["pgx_guidance"] == row["pgx"]
    cohort.pgx = cohort.pgx[cohort.pgx["patient"] != "S0000"]
    cohort.pgx_recommendations = cohort.pgx_recommendations[cohort.pgx_recommendations["patient"] != "S0000"]
    cohort.grouped.clear()
    row = next(
        r for r in patient_dossier(cohort, "S0000")["by_id"]["therapy"]["rows"] if "Capecitabine" in r["therapy"]
    )
    assert row["pgx"] == ["capecitabine: DPYD genotype-guided dosing not assessed (no germline VCF for this patient)"]
    assert row["pgx_guidance"] == []  # the summary's PGx line says why PGx was not assessed, once


def test_a_drug_class_of_a_therapy_gets_the_pgx_guidance_of_its_drugs() -> None:
    """MOAlmanac 730 names "Fluoropyrimidine + Pembrolizumab + Platinum Compound + Trastuzumab": DPYD dosing
    applies to the fluoropyrimidine (capecitabine or fluorouracil)."""
    from precisionflow.dossier.gather import therapy_pgx

    therapy = "Fluoropyrimidine + Pembrolizumab + Platinum Compound + Trastuzumab"
    assert therapy_pgx(therapy, None, "no germline VCF") == [
        "capecitabine: DPYD genotype-guided dosing not assessed (no germline VCF)",
        "fluorouracil: DPYD genotype-guided dosing not assessed (no germline VCF)",
    ]


def test_pgx_flags_every_recommendation_that_changes_a_dose_from_the_real_table() -> None:
    """Each recommendation of the PGx step's tables (pypgx's CPIC rows and the curated ones): flagged when it asks
    for something other than the drug's recommendation for typical phenotypes. "Start with 70% of the standard
    dose" (irinotecan, UGT1A1 poor metabolizer: the demo's DEMO-015), "avoid standard dose clopidogrel" and
    reduced thiopurine doses change the dose; a rapid metabolizer given clopidogrel's standard dose does not."""
    from precisionflow.dossier.gather import pgx_flags
    from precisionflow.pgx.recommendations import guidelines

    rows = [
        (g.drug, "; ".join(f"{gene}: {p}" for gene, p in zip(g.genes, key, strict=True)), text)
        for g in guidelines()
        for key, (text, _) in g.rows.items()
        if text
    ]
    table = pd.DataFrame(rows, columns=["drug", "phenotypes", "recommendation"])
    flagged = set(zip(*pgx_flags(table)[["drug", "phenotypes"]].T.values, strict=True))
    for drug, phenotype in [
        ("irinotecan", "UGT1A1: Poor Metabolizer"),
        ("clopidogrel", "CYP2C19: Intermediate Metabolizer"),
        ("clopidogrel", "CYP2C19: Poor Metabolizer"),
        ("mercaptopurine", "NUDT15: Normal Metabolizer; TPMT: Intermediate Metabolizer"),
        ("azathioprine", "NUDT15: Intermediate Metabolizer; TPMT: Normal Metabolizer"),
        ("capecitabine", "DPYD: Intermediate Metabolizer"),
        ("fluorouracil", "DPYD: Poor Metabolizer"),
        ("simvastatin", "SLCO1B1: Poor Function"),
    ]:
        assert (drug, phenotype) in flagged, (drug, phenotype)
    for drug, phenotype in [
        ("irinotecan", "UGT1A1: Intermediate Metabolizer"),
        ("clopidogrel", "CYP2C19: Rapid Metabolizer"),
        ("simvastatin", "SLCO1B1: Increased Function"),
        ("fluorouracil", "DPYD: Normal Metabolizer"),
        ("mercaptopurine", "NUDT15: Normal Metabolizer; TPMT: Normal Metabolizer"),
    ]:
        assert (drug, phenotype) not in flagged, (drug, phenotype)
    no_recommendation = pd.DataFrame(
        {"drug": ["clopidogrel"], "phenotypes": ["CYP2C19: Indeterminate"],
         "recommendation": ["No CPIC recommendation for this phenotype: CYP2C19 is not called."]}
    )  # fmt: skip
    assert pgx_flags(no_recommendation).empty


def test_variants_without_consequence_annotation_are_named_in_the_therapy_section(tmp_path) -> None:
    """A VCF without VEP/SnpEff annotation (the real A04W: 194 variants, class Unknown): only hotspots reach
    the knowledge base, so "no matching assertion" is not a negative; the therapy section says so."""
    sources = write_sources(tmp_path / "results", patient_ids(3))
    maf = pd.read_csv(sources.paths["mafs"]["S0001"], sep="\t")
    maf.loc[1:, "Variant_Classification"] = "Unknown"
    maf.to_csv(sources.paths["mafs"]["S0001"], sep="\t", index=False)
    build_all(patient_ids(3), sources, HEADER, tmp_path / "dossiers")
    therapy = section_html((tmp_path / "dossiers" / "S0001.html").read_text(), "therapy")
    expected = f"{len(maf) - 1} of {len(maf)} somatic variants have no consequence annotation"
    assert f'<p class="not-run">{expected}' in therapy
    assert f"<li>{expected}" in section_html((tmp_path / "dossiers" / "S0001.html").read_text(), "methods")
    assert "no consequence annotation" not in (tmp_path / "dossiers" / "S0000.html").read_text()


def test_the_risk_group_comes_with_the_models_cross_validated_c_index(tmp_path) -> None:
    """A risk group alone invites over-reading: the page states how well the model ranks patients (the
    demo's coxnet: C 0.62 ± 0.10 against 0.50 permuted), and that a patient without outcome got the final
    model's risk, not an out-of-fold one."""
    import json

    sources = write_sources(tmp_path / "results", patient_ids(3))
    metrics = {
        "risk_model": "coxnet",
        "models": {"coxnet": {"c_index": {"mean": 0.615018, "sd": 0.101348}}},
        "permuted_outcome": {"c_index_mean": 0.497393, "c_index_sd": 0.06966},
    }
    Path(sources.paths["outcome_metrics"]).write_text(json.dumps(metrics))
    risk = pd.read_csv(sources.paths["risk"], sep="\t")
    risk.loc[risk["patient"] == "S0001", "out_of_fold"] = False
    risk.to_csv(sources.paths["risk"], sep="\t", index=False)
    build_all(patient_ids(3), sources, HEADER, tmp_path / "dossiers")
    outcome = section_html((tmp_path / "dossiers" / "S0000.html").read_text(), "outcome")
    assert "cross-validated C-index 0.62 ± 0.10, 0.50 with the outcome permuted (0.5 is chance)" in outcome
    assert "out of fold)" in outcome
    other = section_html((tmp_path / "dossiers" / "S0001.html").read_text(), "outcome")
    assert "from the final model: this patient has no outcome to validate it on" in other


def test_fhir_exports_no_withdrawn_sensitivity_as_a_response() -> None:
    """A sensitivity the patient's tumour contradicts (alpelisib's HER2-negative approval for an ERBB2-amplified
    tumour) is withdrawn on the page; the FHIR bundle must not tell the hospital's system "Responsive"."""
    from precisionflow.dossier.fhir import exported_implication

    row = {"therapy": "Alpelisib + Fulvestrant", "effect": "sensitivity", "suggested": "no"}
    assert not exported_implication(row)
    assert exported_implication({**row, "suggested": "yes"})
    assert exported_implication({**row, "effect": "resistance"})  # the reason a drug is withheld
    assert exported_implication({"therapy": "Trastuzumab", "effect": "sensitivity"})  # no suggested column
    assert not exported_implication({"therapy": "", "effect": "sensitivity", "suggested": "no"})
    # tier II-D evidence is not a suggestion, yet it is a finding: exported with its tier and level
    from precisionflow.actionability.suggestions import PRECLINICAL_NOTE

    note = PRECLINICAL_NOTE.format(kind="preclinical", level="Preclinical")
    preclinical = {"therapy": "Pictilisib", "effect": "sensitivity", "suggested": "no", "tier": "II-D", "note": note}
    assert exported_implication(preclinical)
    resisted = f"{note}; withdrawn: KRAS p.G12D predicts resistance to pictilisib (MOAlmanac:1)"
    assert not exported_implication({**preclinical, "note": resisted})


def test_the_summary_lists_each_alteration_and_therapy_once_with_its_sources() -> None:
    """A04W had pictilisib twice (two assertions for PIK3CA H1047R): two rows that read as two recommendations.
    The summary lists each (alteration, therapy) once, naming both sources; the same drug for another
    alteration is another entry; the evidence table keeps every row."""
    from precisionflow.actionability.suggestions import PRECLINICAL_NOTE
    from precisionflow.dossier.gather import preclinical_therapies, top_therapies, withdrawn_therapies

    def row(gene, alteration, therapy, tier, source, suggested="yes", note=""):
        return {"gene": gene, "alteration": alteration, "therapy": therapy, "tier": tier, "effect": "sensitivity",
                "source_id": source, "suggested": suggested, "note": note}  # fmt: skip

    preclinical = PRECLINICAL_NOTE.format(kind="preclinical", level="Preclinical")
    table = pd.DataFrame(
        [
            row("PIK3CA", "p.H1047R", "Pictilisib", "I-B", "MOAlmanac:457"),
            row("PIK3CA", "p.H1047R", "Pictilisib", "II-C", "MOAlmanac:471"),
            row("PIK3CA", "p.E545K", "Pictilisib", "II-C", "MOAlmanac:470"),
            row("PIK3CA", "p.H1047R", "Alpelisib", "I-A", "MOAlmanac:456", "no", "withdrawn: HER2-negative"),
            row("PIK3CA", "p.H1047R", "Alpelisib", "I-A", "MOAlmanac:455", "no", "withdrawn: HER2-negative"),
            row("TP53", "p.V272M", "NSC59984", "II-D", "MOAlmanac:891", "no", preclinical),
            row("TP53", "p.V272M", "NSC59984", "II-D", "MOAlmanac:892", "no", preclinical),
        ]
    )
    top = top_therapies(table)
    assert top[["alteration", "therapy", "tier", "sources"]].values.tolist() == [
        ["p.H1047R", "Pictilisib", "I-B", "MOAlmanac:457, MOAlmanac:471"],
        ["p.E545K", "Pictilisib", "II-C", "MOAlmanac:470"],
    ]
    assert withdrawn_therapies(table)[["therapy", "sources"]].values.tolist() == [
        ["Alpelisib", "MOAlmanac:456, MOAlmanac:455"]
    ]
    assert preclinical_therapies(table)[["therapy", "sources"]].values.tolist() == [
        ["NSC59984", "MOAlmanac:891, MOAlmanac:892"]
    ]


def test_preclinical_evidence_is_in_the_evidence_table_not_among_the_therapies(tmp_path) -> None:
    """Tier II-D rows (pictilisib for PIK3CA, from two cell-line studies: A04W's case) stay in the therapy
    evidence table, labelled, and are named once in the summary as preclinical evidence, not as therapies."""
    from precisionflow.actionability.suggestions import PRECLINICAL_NOTE

    sources = write_sources(tmp_path / "results", patient_ids(3))
    table = with_actionability_columns(sources)
    pik3ca = table[(table["patient"] == "S0000") & (table["therapy"] == "Alpelisib")].iloc[0].copy()
    note = PRECLINICAL_NOTE.format(kind="preclinical", level="Preclinical")
    extra = [
        {**pik3ca.to_dict(), "therapy": "Pictilisib", "tier": "II-D", "evidence_level": "Preclinical",
         "source_id": source, "suggested": "no", "note": note, "indication": ""}
        for source in ("MOAlmanac:457", "MOAlmanac:471")
    ]  # fmt: skip
    pd.concat([table, pd.DataFrame(extra)]).to_csv(sources.paths["actionable"], sep="\t", index=False)
    build_all(patient_ids(3), sources, HEADER, tmp_path / "dossiers")
    page = (tmp_path / "dossiers" / "S0000.html").read_text()
    summary = section_html(page, "summary")
    therapies = re.search(r"<li>Tier I–II therapies:.*?</li>", summary).group(0)
    assert "Pictilisib" not in therapies and "Not suggested: Pictilisib" not in summary
    assert "Pictilisib (PIK3CA p.E545K; MOAlmanac:457, MOAlmanac:471)" in summary
    assert "for trials and research" in summary
    rows = re.findall(r"<tr [^>]*>(?:(?!</tr>).)*Pictilisib(?:(?!</tr>).)*</tr>", section_html(page, "therapy"), re.S)
    assert len(rows) == 2 and all('data-tier="II-D"' in r and f"<td>no: {note}</td>" in r for r in rows)
    index = (tmp_path / "dossiers" / "index.html").read_text()
    assert "Pictilisib" not in index


def test_a_patient_of_another_tumour_type_reads_not_applicable_not_a_subtype(tmp_path) -> None:
    """The classifier's 'not applicable' row (a colorectal patient of a breast-labelled cohort, the demo's
    DEMO-033): the summary and the prediction section say so, with no subtype and no probability."""
    sources = write_sources(tmp_path / "results", patient_ids(3))
    predictions = pd.read_csv(sources.paths["predictions"], sep="\t")
    note = "not applicable (subtype labels are for BRCA)"
    row = predictions["patient"] == "S0001"
    predictions.loc[row, [c for c in predictions.columns if c.startswith("prob_")] + ["predicted"]] = None
    predictions["kind"] = "model"
    predictions.loc[row, "kind"] = note
    predictions.to_csv(sources.paths["predictions"], sep="\t", index=False)
    build_all(patient_ids(3), sources, HEADER, tmp_path / "dossiers")
    page = (tmp_path / "dossiers" / "S0001.html").read_text()
    assert f"<li>Predicted subtype: <b>{note}</b></li>" in section_html(page, "summary")
    prediction = section_html(page, "prediction")
    assert f"Predicted subtype: <b>{note}</b>" in prediction and 'id="probabilities"' not in prediction
    assert not re.search(r"\b(HER2|Basal|Luminal)\b|nan", section_html(page, "summary"))
    other = section_html((tmp_path / "dossiers" / "S0000.html").read_text(), "summary")
    assert "Predicted subtype: <b>HER2</b> (probability 0.92)" in other
