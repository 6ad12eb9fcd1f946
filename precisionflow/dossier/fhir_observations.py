"""The resources of a patient's FHIR bundle, one builder per finding, after the Genomics Reporting guide (STU2).

Each Observation claims the guide's profile: ``variant`` (somatic variants; copy-number events as variants with
a DNA change type and a copy number), ``tmb``, ``therapeutic-implication`` (an actionability row, derived from
the variant it matches), ``genotype`` and a PGx ``therapeutic-implication`` (diplotype -> phenotype ->
recommendation). Ids are UUIDv5 of (patient, kind, key): the same results give the same resources, byte for
byte. :mod:`~precisionflow.dossier.fhir` gathers them into the bundle.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import pandas as pd

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
