"""A patient's results as an HL7 FHIR R4 bundle after the Genomics Reporting implementation guide (STU2).

One ``collection`` Bundle: a Patient known only by its public id, a genomics-report DiagnosticReport, and
one Observation per finding (built by :mod:`~precisionflow.dossier.fhir_observations`): somatic variants,
copy-number events, TMB, therapeutic implications (each derived from the variant it matches), PGx genotypes,
phenotypes and recommendations. Resources are validated by ``fhir.resources`` (its R4B models, FHIR 4.3, which
keep R4's shape for these resources). Ids are UUIDv5 of (patient, kind, key): the same results give the same
bundle, byte for byte.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from fhir.resources.R4B.bundle import Bundle

from precisionflow.actionability.suggestions import preclinical_only
from precisionflow.dossier.fhir_observations import (
    IG,
    _concept,
    copy_number_observation,
    genotype_observation,
    metabolizer_observation,
    pgx_implication,
    resource_id,
    therapeutic_implication,
    tmb_observation,
    variant_observation,
)


def _matching(refs: Mapping[str, list[str]], gene: str) -> list[str]:
    return refs.get(str(gene), [])


def exported_implication(row: Mapping[str, Any]) -> bool:
    """Whether a therapy row becomes a therapeutic-implication Observation: it names a therapy, and it is not a
    sensitivity withdrawn for this patient (``suggested`` = no: a resistance, an indication the tumour
    contradicts, a VUS); resistance rows are exported (they are the reason a drug is withheld), and so is a
    tier II-D sensitivity not suggested only for its preclinical evidence (its tier and level say so)."""
    if not str(row.get("therapy") or "").strip():
        return False
    withdrawn = str(row.get("suggested") or "yes").strip().lower() == "no"
    if withdrawn and preclinical_only(str(row.get("effect")), str(row.get("tier")), str(row.get("note") or "")):
        return True
    return not (withdrawn and row.get("effect") == "sensitivity")


class _Collected:
    """The bundle's result resources in order, and each gene's variant observations (for derivedFrom)."""

    def __init__(self) -> None:
        self.resources: list[dict] = []
        self.by_gene: dict[str, list[str]] = {}

    def add(self, resource: dict, gene: str | None = None) -> str:
        self.resources.append(resource)
        ref = f"urn:uuid:{resource['id']}"
        if gene is not None:
            self.by_gene.setdefault(str(gene), []).append(ref)
        return ref


def _add_genomic(found: _Collected, patient: str, patient_ref: str, date: str, build: str, genomic: Mapping) -> None:
    if genomic.get("variants") is not None:
        for variant in genomic["variants"].to_dict(orient="records"):
            found.add(variant_observation(patient, patient_ref, date, build, variant), variant["gene"])
    for event in genomic.get("cn_segments", []):
        ref = found.add(copy_number_observation(patient, patient_ref, date, build, event))
        for gene in event["genes"]:
            found.by_gene.setdefault(str(gene), []).append(ref)
    if "tmb" in genomic:
        found.add(tmb_observation(patient, patient_ref, date, genomic["tmb"]))


def _add_implications(found: _Collected, patient: str, patient_ref: str, date: str, sections: Mapping) -> None:
    # tier III rows (a driver alteration without an assertion) name no therapy, and a sensitivity the patient's
    # resistance or tumour withdrew is not a response to predict: neither is exported as an implication
    for row in (r for r in sections["therapy"].get("rows", []) if exported_implication(r)):
        found.add(therapeutic_implication(patient, patient_ref, date, row, _matching(found.by_gene, row["gene"])))
    pgx = sections["pgx"]
    for row in pgx.get("genotypes", []):
        genotype_ref = found.add(genotype_observation(patient, patient_ref, date, row), row["gene"])
        if str(row.get("phenotype") or "").strip():  # an outside call (CYP2D6 ...) may come without a phenotype
            found.add(metabolizer_observation(patient, patient_ref, date, row, genotype_ref))
    for row in pgx.get("recommendations", []):
        genes = [g.strip() for g in str(row["genes"]).replace(";", ",").split(",") if g.strip()]
        refs = [r for g in genes for r in _matching(found.by_gene, g)]
        found.add(pgx_implication(patient, patient_ref, date, row, refs))


def _diagnostic_report(patient: str, patient_ref: str, header: Any, sections: Mapping, resources: list[dict]) -> dict:
    genomic = sections["genomic"]
    cn_note = ""
    if genomic.get("cn_events") is not None:
        counts = genomic["cn_events"]["call"].value_counts()
        cn_note = (
            f"Copy number: {int(counts.get('gain', 0))} genes gained, {int(counts.get('loss', 0))} lost by one copy. "
        )
    date, build = header.date, header.genome_build
    return {
        "resourceType": "DiagnosticReport",
        "id": resource_id(patient, "report", patient),
        "meta": {"profile": [f"{IG}/genomics-report"]},
        "status": "final",
        "category": [
            {
                "coding": [
                    {"system": "http://terminology.hl7.org/CodeSystem/v2-0074", "code": "GE", "display": "Genetics"}
                ]
            }
        ],
        "code": _concept("51969-4", "Genetic analysis report"),
        "subject": {"reference": patient_ref},
        "effectiveDateTime": date,
        "issued": f"{date}T00:00:00+00:00",
        "result": [{"reference": f"urn:uuid:{r['id']}"} for r in resources],
        "conclusion": f"precisionflow {header.version}, cohort {header.cohort}, {build}. {cn_note}Not assessed: "
        + ("; ".join(sections["methods"]["not_assessed"]) or "none"),
    }


def patient_bundle(dossier: Mapping[str, Any]) -> dict:
    """The bundle of one dossier (:func:`precisionflow.dossier.sections.patient_dossier`), validated."""
    patient = dossier["patient"]
    header = dossier["header"]
    date = header.date
    patient_uuid = resource_id(patient, "patient", patient)
    patient_ref = f"urn:uuid:{patient_uuid}"
    sections = dossier["by_id"]
    found = _Collected()
    _add_genomic(found, patient, patient_ref, date, header.genome_build, sections["genomic"])
    _add_implications(found, patient, patient_ref, date, sections)
    report = _diagnostic_report(patient, patient_ref, header, sections, found.resources)
    patient_resource = {
        "resourceType": "Patient",
        "id": patient_uuid,
        "identifier": [{"system": f"urn:precisionflow:cohort:{header.cohort}", "value": patient}],
    }
    entries = [patient_resource, report, *found.resources]
    bundle = {
        "resourceType": "Bundle",
        "id": resource_id(patient, "bundle", patient),
        "type": "collection",
        "timestamp": f"{date}T00:00:00+00:00",
        "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in entries],
    }
    return validated(bundle)


def validated(bundle: dict) -> dict:
    """The bundle, once fhir.resources accepts it (raises pydantic's ValidationError when invalid)."""
    Bundle.model_validate(bundle)
    return bundle


def bundle_json(bundle: Mapping) -> str:
    return json.dumps(bundle, ensure_ascii=False, separators=(",", ":")) + "\n"  # compact: the C encoder
