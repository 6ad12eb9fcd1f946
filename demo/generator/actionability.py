"""The planted actionability truth and the KRAS G12D colorectal resistance case (issue 14)."""

from __future__ import annotations

import numpy as np

from demo.generator.catalogue import CHROMS, HOTSPOTS, KEY_BY_SYMBOL
from demo.generator.cohort import Patient
from demo.generator.variants import Record, allele_depths, csq_entries

# OncoTree codes (oncotree.info, release 2023-03-09, CC BY 4.0): code, main type, name, tissue.
ONCOTREE_CODES = [
    ("BRCA", "Breast Cancer", "Invasive Breast Carcinoma", "Breast"),
    ("IDC", "Breast Cancer", "Breast Invasive Ductal Carcinoma", "Breast"),
    ("COADREAD", "Colorectal Cancer", "Colorectal Adenocarcinoma", "Bowel"),
    ("STAD", "Esophagogastric Cancer", "Stomach Adenocarcinoma", "Esophagus/Stomach"),
    ("NSCLC", "Non-Small Cell Lung Cancer", "Non-Small Cell Lung Cancer", "Lung"),
    ("MEL", "Melanoma", "Melanoma", "Skin"),
]
RESISTANCE_CASE = {"tumor_type": "COADREAD", "gene": "KRAS", "hotspot": "G12D", "hgvsp": "p.Gly12Asp"}
ACTIONABILITY_STREAM = 14  # the separate random stream of this part: other demo files keep their bytes


def planted_actionable(patient: Patient, calls: dict[str, str], resistance_case: bool) -> list[dict]:
    """The rows a correct actionability step must give the patient (truth.yaml): gene, alteration, tier,
    effect, therapy and whether it is a suggestion."""
    rows = []
    if calls.get("ERBB2") == "amp":
        for therapy in ("Trastuzumab", "Lapatinib", "Pertuzumab + Trastuzumab", "Trastuzumab Emtansine"):
            rows.append(
                {
                    "gene": "ERBB2",
                    "alteration": "amplification",
                    "tier": "I-A",
                    "effect": "sensitivity",
                    "therapy": therapy,
                    "suggested": "yes",
                }
            )
        rows.append(
            {
                "gene": "ERBB2",
                "alteration": "amplification",
                "tier": "II-C",
                "effect": "sensitivity",
                "therapy": "Trastuzumab",
                "suggested": "yes",
            }
        )
    for hotspot in patient.hotspots:
        gene, change = hotspot.split(" ")
        if gene == "PIK3CA":
            rows.append(
                {
                    "gene": "PIK3CA",
                    "alteration": f"p.{change}",
                    "tier": "I-A",
                    "effect": "sensitivity",
                    "therapy": "Alpelisib",
                    "suggested": "yes",
                }
            )
            rows.append(
                {
                    "gene": "PIK3CA",
                    "alteration": f"p.{change}",
                    "tier": "II-D",
                    "effect": "sensitivity",
                    "therapy": "Pictilisib",
                    "suggested": "no",  # preclinical evidence: kept, never a suggestion (actionability/suggestions.py)
                }
            )
    if resistance_case:
        for therapy in ("Cetuximab", "Panitumumab"):
            rows.append(
                {
                    "gene": "KRAS",
                    "alteration": "p.G12D",
                    "tier": "I-A",
                    "effect": "resistance",
                    "therapy": therapy,
                    "suggested": "no",
                }
            )
    return rows


def resistance_patient(patients: list[Patient]) -> Patient | None:
    """The planted KRAS G12D colorectal case: the first Basal patient with variants (every layer and a drawn
    label when one has them; the sheet then leaves its breast subtype label blank, see ``cli.generate``);
    None in a cohort without a Basal patient with variants."""
    basal = [p for p in patients if p.subtype == "Basal" and p.has_variants]
    complete = [p for p in basal if not p.label_blank and len(p.layers) == 3]
    return (complete or basal or [None])[0]


def plant_resistance_case(rng: np.random.Generator, patient: Patient, records: list[Record]) -> list[Record]:
    """Add a KRAS G12D hotspot (a PASS record a default filter keeps) to the patient's sorted records."""
    chrom, pos, ref, alt, gene, _, change = next(
        h for h in HOTSPOTS if h[4] == RESISTANCE_CASE["gene"] and h[6] == RESISTANCE_CASE["hotspot"]
    )
    kras = KEY_BY_SYMBOL[gene]
    depth = int(rng.integers(80, 200))
    record = Record(
        f"chr{chrom}",
        pos,
        ref,
        [alt],
        "PASS",
        csq_entries(
            alt, kras, "missense_variant", "MODERATE", RESISTANCE_CASE["hgvsp"], "G/D", int(change[1:-1]), None
        ),
        allele_depths(rng, float(rng.uniform(0.25, 0.45)), depth),
        ([int(rng.integers(30, 90)), 0], 0),
        [f"chr{chrom}:{pos}:{ref}>{alt}"],
        1,
    )
    ordered = sorted(
        [r for r in records if (r.chrom, r.pos) != (record.chrom, record.pos)] + [record],
        key=lambda r: (CHROMS.index(r.chrom[3:]), r.pos),
    )
    patient.kept_variants = [k for r in ordered for k in r.kept]
    patient.coding_mutations = sum(r.coding for r in ordered)
    patient.hotspots.append(f"{gene} {change}")
    return ordered
