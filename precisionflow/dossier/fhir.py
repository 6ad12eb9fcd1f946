"""A patient's results as an HL7 FHIR R4 bundle after the Genomics Reporting implementation guide (STU2).

One ``collection`` Bundle: a Patient known only by its public id, a genomics-report DiagnosticReport, and
one Observation per finding, each claiming the guide's profile: ``variant`` (somatic variants; copy-number
events as variants with a DNA change type and a copy number), ``tmb``, ``therapeutic-implication`` (an
actionability row, derived from the variant it matches), ``genotype`` and a PGx ``therapeutic-implication``
(diplotype -> phenotype -> recommendation). Resources are validated by ``fhir.resources`` (its R4B
models, FHIR 4.3, which keep R4's shape for these resources). Ids are UUIDv5 of (patient, kind, key):
the same results give the same bundle, byte for byte.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any

import pandas as pd
from fhir.resources.R4B.bundle import Bundle

IG = "http://hl7.org/fhir/uv/genomics-reporting/StructureDefinition"
TBD = "http://hl7.org/fhir/uv/genomics-reporting/CodeSystem/tbd-codes-cs"
LOINC = "http://loinc.org"
SO = "http://www.sequenceontology.org"
UCUM = "http://unitsofmeasure.org"
OBS_CATEGORY = {
    "coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "laboratory"}]
}
ID_NAMESPACE = uuid.UUID("6f1e4c52-8f43-5b8e-9a7e-2d1c0f3a9b11")  # this workflow's (fixed) UUIDv5 namespace
# copy-number call -> Sequence Ontology term of the change (Genomics Reporting: DNA change type). Only the
# reportable events (amplification, deep loss), one per run of adjacent genes (an amplicon is one event
# listing its genes); one-copy gains and losses span whole arms, so the report's conclusion counts them.
CN_CHANGE = {
    "amp": ("SO:0001880", "feature_amplification"),
    "deep_loss": ("SO:0001893", "transcript_ablation"),
}
# knowledge-base effect -> LOINC 51961-1 answer (predicted therapeutic implication)
EFFECT_ANSWER = {
    "sensitivity": ("LA9661-5", "Responsive"),
    "resistance": ("LA6677-4", "Resistant"),
    "prognosis": (None, "Prognostic"),
}


def resource_id(patient: str, kind: str, key: str) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, f"{patient}|{kind}|{key}"))


def _concept(code: str | None, display: str, system: str = LOINC) -> dict:
    if code is None:
        return {"text": display}
    return {"coding": [{"system": system, "code": code, "display": display}], "text": display}


def _component(code: str, display: str, **value: Any) -> dict:
    return {"code": _concept(code, display), **value}


def _observation(
    patient_ref: str, oid: str, profile: str, code: dict, date: str, components: list[dict], **value: Any
) -> dict:
    return {
        "resourceType": "Observation",
        "id": oid,
        "meta": {"profile": [f"{IG}/{profile}"]},
        "status": "final",
        "category": [OBS_CATEGORY],
        "code": code,
        "subject": {"reference": patient_ref},
        "effectiveDateTime": date,
        **value,
        "component": components,
    }


def _implication(
    patient: str, patient_ref: str, date: str, kind: str, key: str, components: list[dict], derived_from: list[str]
) -> dict:
    """A therapeutic-implication Observation (tumour therapy or PGx), derived from the findings behind it."""
    observation = _observation(
        patient_ref,
        resource_id(patient, kind, key),
        "therapeutic-implication",
        _concept("therapeutic-implication", "Therapeutic Implication", TBD),
        date,
        components,
    )
    observation["derivedFrom"] = [{"reference": ref} for ref in derived_from]
    return observation


def _variant(patient_ref: str, oid: str, date: str, components: list[dict]) -> dict:
    """A variant Observation (small variant or copy-number event) found present."""
    return _observation(
        patient_ref,
        oid,
        "variant",
        _concept("69548-6", "Genetic variant assessment"),
        date,
        components,
        valueCodeableConcept=_concept("LA9633-4", "Present"),
    )


def _gene(symbol: str) -> dict:
    return _component("48018-6", "Gene studied [ID]", valueCodeableConcept={"text": str(symbol)})


def variant_observation(patient: str, patient_ref: str, date: str, build: str, variant: Mapping[str, Any]) -> dict:
    """A somatic variant (one row of the dossier's variant table)."""
    key = f"{variant['chrom']}:{variant['position']}:{variant['ref']}>{variant['alt']}"
    components = [
        _gene(variant["gene"]),
        _component("48002-0", "Genomic source class", valueCodeableConcept=_concept("LA6684-0", "Somatic")),
        _component("62374-4", "Human reference sequence assembly version", valueCodeableConcept={"text": build}),
        _component(
            "48001-2",
            "Cytogenetic (chromosome) location",
            valueCodeableConcept={"text": f"chr{str(variant['chrom']).removeprefix('chr')}"},
        ),
        _component("69547-8", "Genomic ref allele [ID]", valueString=str(variant["ref"])),
        _component("69551-0", "Genomic alt allele [ID]", valueString=str(variant["alt"])),
        _component("81254-5", "Genomic allele start-end", valueRange={"low": {"value": int(variant["position"])}}),
    ]
    if variant.get("protein change"):
        components.append(
            _component(
                "48005-3", "Amino acid change (pHGVS)", valueCodeableConcept={"text": str(variant["protein change"])}
            )
        )
    if variant.get("cDNA change"):
        components.append(
            _component("48004-6", "DNA change (c.HGVS)", valueCodeableConcept={"text": str(variant["cDNA change"])})
        )
    if variant.get("class"):
        components.append(
            _component("48006-1", "Molecular consequence", valueCodeableConcept={"text": str(variant["class"])})
        )
    vaf = pd.to_numeric(pd.Series([variant.get("VAF")]), errors="coerce").iloc[0]
    if pd.notna(vaf):
        components.append(
            _component(
                "81258-6",
                "Sample variant allelic frequency [NFr]",
                valueQuantity={"value": round(float(vaf), 4), "system": UCUM, "code": "1"},
            )
        )
    return _variant(patient_ref, resource_id(patient, "variant", key), date, components)


def copy_number_observation(patient: str, patient_ref: str, date: str, build: str, event: Mapping[str, Any]) -> dict:
    """A copy-number event (a run of adjacent genes), as a variant with its genes, change type and copy number."""
    so_code, so_display = CN_CHANGE[event["call"]]
    components = [
        *[_gene(gene) for gene in event["genes"]],
        _component("48002-0", "Genomic source class", valueCodeableConcept=_concept("LA6684-0", "Somatic")),
        _component("62374-4", "Human reference sequence assembly version", valueCodeableConcept={"text": build}),
        _component("48019-4", "DNA change type", valueCodeableConcept=_concept(so_code, so_display, SO)),
        _component(
            "82155-3",
            "Genomic structural variant copy number",
            valueQuantity={"value": float(event["total_cn"]), "system": UCUM, "code": "1"},
        ),
    ]
    if pd.notna(event.get("chrom")) and pd.notna(event.get("start")):
        components.append(
            _component(
                "48001-2",
                "Cytogenetic (chromosome) location",
                valueCodeableConcept={"text": f"chr{str(event['chrom']).removeprefix('chr')}"},
            )
        )
        components.append(
            _component(
                "81254-5",
                "Genomic allele start-end",
                valueRange={"low": {"value": int(event["start"])}, "high": {"value": int(event["end"])}},
            )
        )
    oid = resource_id(patient, "copy_number", f"{event['chrom']}:{event['start']}:{event['genes'][0]}")
    return _variant(patient_ref, oid, date, components)


def tmb_observation(patient: str, patient_ref: str, date: str, tmb: Mapping[str, Any]) -> dict:
    oid = resource_id(patient, "tmb", "tmb")
    return _observation(
        patient_ref,
        oid,
        "tmb",
        _concept("94076-7", "Mutations/Megabase [# Ratio] in Tumor"),
        date,
        [],
        valueQuantity={
            "value": round(float(tmb["value"]), 4),
            "unit": "mutations per megabase",
            "system": UCUM,
            "code": "1/1000000{Base}",
        },
    )


def therapeutic_implication(
    patient: str, patient_ref: str, date: str, row: Mapping[str, Any], derived_from: list[str]
) -> dict:
    """An actionability row: the therapy, its predicted effect, tier, evidence level, tumour type and citation."""
    answer_code, answer_display = EFFECT_ANSWER.get(str(row["effect"]), (None, str(row["effect"])))
    components = [
        _component("51963-7", "Medication assessed [ID]", valueCodeableConcept={"text": str(row["therapy"])}),
        _component(
            "51961-1",
            "Genetic variation's effect on drug efficacy",
            valueCodeableConcept=_concept(answer_code, answer_display),
        ),
        _component(
            "93044-6",
            "Level of evidence",
            valueCodeableConcept={"text": f"AMP/ASCO/CAP tier {row['tier']}; evidence {row['evidence_level']}"},
        ),
        _component(
            "81259-4",
            "Associated phenotype",
            valueCodeableConcept={"text": str(row["assertion_tumor_type"] or row["tumor_type"])},
        ),
        _gene(row["gene"]),
    ]
    key = "|".join(str(row[c]) for c in ("gene", "alteration", "therapy", "effect", "tier", "source_id"))
    observation = _implication(patient, patient_ref, date, "therapeutic-implication", key, components, derived_from)
    alteration = f"{row['alteration_type']}: {row['alteration']} ({row['match']} match)"
    note = f"{alteration}. Source {row['source_id']}: {row['citation']}"
    observation["note"] = [{"text": note}]
    return observation


def genotype_observation(patient: str, patient_ref: str, date: str, row: Mapping[str, Any]) -> dict:
    oid = resource_id(patient, "genotype", str(row["gene"]))
    observation = _observation(
        patient_ref,
        oid,
        "genotype",
        _concept("84413-4", "Genotype display name"),
        date,
        [_gene(row["gene"])],
        valueCodeableConcept={"text": f"{row['gene']} {row['diplotype']}"},
    )
    observation["note"] = [
        {"text": f"call quality {row['call_quality']}; missing positions {row['missing_positions'] or 'none'}"}
    ]
    return observation


def metabolizer_observation(
    patient: str, patient_ref: str, date: str, row: Mapping[str, Any], genotype_ref: str
) -> dict:
    """The phenotype a diplotype implies (CPIC term, activity score), derived from its genotype Observation."""
    components = [
        _gene(row["gene"]),
        _component(
            "53040-2",
            "Genetic variation's effect on drug metabolism",
            valueCodeableConcept={"text": str(row["phenotype"])},
        ),
    ]
    observation = _observation(
        patient_ref,
        resource_id(patient, "metabolizer", str(row["gene"])),
        "therapeutic-implication",
        _concept("therapeutic-implication", "Therapeutic Implication", TBD),
        date,
        components,
    )
    observation["derivedFrom"] = [{"reference": genotype_ref}]
    if pd.notna(row.get("activity_score")) and str(row.get("activity_score")) != "":
        observation["note"] = [{"text": f"activity score {row['activity_score']}"}]
    return observation


def pgx_implication(patient: str, patient_ref: str, date: str, row: Mapping[str, Any], derived_from: list[str]) -> dict:
    """A CPIC recommendation: the drug, the phenotype that drives it and the recommendation (as a note)."""
    components = [
        _component("51963-7", "Medication assessed [ID]", valueCodeableConcept={"text": str(row["drug"])}),
        _component(
            "53040-2",
            "Genetic variation's effect on drug metabolism",
            valueCodeableConcept={"text": str(row["phenotypes"])},
        ),
        _component(
            "93044-6", "Level of evidence", valueCodeableConcept={"text": f"{row['source']} {row['classification']}"}
        ),
    ]
    key = f"{row['drug']}|{row['genes']}"
    observation = _implication(patient, patient_ref, date, "pgx-implication", key, components, derived_from)
    observation["note"] = [{"text": str(row["recommendation"])}]
    return observation


def _matching(refs: Mapping[str, list[str]], gene: str) -> list[str]:
    return refs.get(str(gene), [])


def exported_implication(row: Mapping[str, Any]) -> bool:
    """Whether a therapy row becomes a therapeutic-implication Observation: it names a therapy, and it is not a
    sensitivity withdrawn for this patient (``suggested`` = no: a resistance, or an indication the tumour
    contradicts); resistance rows are exported (they are the reason a drug is withheld)."""
    if not str(row.get("therapy") or "").strip():
        return False
    withdrawn = str(row.get("suggested") or "yes").strip().lower() == "no"
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
    """The bundle of one dossier (:func:`precisionflow.dossier.build.patient_dossier`), validated."""
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
