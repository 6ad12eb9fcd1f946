"""The demo patients (subtype, labels, layers, sheet) and the planted fairness bias."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from demo.generator.catalogue import (
    BLANK_LABEL_SHARE,
    CHROM_LENGTHS,
    CHROMS,
    KEY_GENES,
    N_FILLER_GENES,
    SUBTYPE_SHARES,
    SUBTYPES,
    Gene,
)


@dataclass
class Patient:
    id: str
    subtype: str
    label_blank: bool
    sex: str
    age: int
    ancestry: str
    mrn: str
    date_of_birth: str
    ploidy_state: int  # copies of each chromosome in the baseline (2, or 4 after genome doubling)
    layers: list[str]
    has_variants: bool
    hotspots: list[str] = field(default_factory=list)
    kept_variants: list[str] = field(default_factory=list)
    coding_mutations: int = 0


def make_genes(rng: np.random.Generator) -> list[Gene]:
    """Key genes plus synthetic filler genes placed where no key gene lies."""
    genes = list(KEY_GENES)
    per_chrom = {c: [(g.start, g.end) for g in KEY_GENES if g.chrom == c] for c in CHROMS}
    n = 0
    while n < N_FILLER_GENES:
        chrom = CHROMS[int(rng.integers(len(CHROMS)))]
        length = int(rng.integers(8_000, 90_000))
        start = int(rng.integers(1_000_000, CHROM_LENGTHS[chrom] - 1_000_000))
        end = start + length
        if any(start < e + 50_000 and end > s - 50_000 for s, e in per_chrom[chrom]):
            continue
        per_chrom[chrom].append((start, end))
        n += 1
        genes.append(Gene(f"DMG{n:04d}", chrom, start, end, f"ENSG9{n:010d}", "+" if rng.random() < 0.5 else "-"))
    return sorted(genes, key=lambda g: (CHROMS.index(g.chrom), g.start))


def make_patients(rng: np.random.Generator, n_patients: int) -> list[Patient]:
    counts = {s: int(round(SUBTYPE_SHARES[s] * n_patients)) for s in SUBTYPES}
    counts["Luminal"] = n_patients - counts["Basal"] - counts["HER2"]
    subtypes = [s for s in SUBTYPES for _ in range(counts[s])]
    rng.shuffle(subtypes)
    width = max(3, len(str(n_patients)))
    patients = []
    for i, subtype in enumerate(subtypes, start=1):
        year = int(rng.integers(1940, 1995))
        patients.append(
            Patient(
                id=f"DEMO-{i:0{width}d}",
                subtype=str(subtype),
                label_blank=False,
                sex="F" if rng.random() < 0.8 else "M",
                age=int(rng.integers(30, 86)),
                ancestry=str(rng.choice(["EUR", "AFR", "EAS", "AMR", "SAS"], p=[0.45, 0.2, 0.15, 0.12, 0.08])),
                mrn=f"MRN{int(rng.integers(10**7, 10**8))}",
                date_of_birth=f"{year}-{int(rng.integers(1, 13)):02d}-{int(rng.integers(1, 29)):02d}",
                ploidy_state=4 if rng.random() < 0.2 else 2,
                layers=["rna", "protein", "mirna"],
                has_variants=True,
            )
        )
    # Blank labels: a fifth of each subtype, to be predicted.
    for subtype in SUBTYPES:
        members = [p for p in patients if p.subtype == subtype]
        for p in members[: max(1, round(BLANK_LABEL_SHARE * len(members)))]:
            p.label_blank = True
    # Missing layers: protein for ~13 %, miRNA for ~7 %, RNA for two, variants for a few Basal.
    order = rng.permutation(len(patients))
    n_no_protein = max(1, round(0.13 * n_patients))
    for idx in order[:n_no_protein]:
        patients[idx].layers.remove("protein")
    for idx in order[n_no_protein : n_no_protein + max(1, round(0.07 * n_patients))]:
        patients[idx].layers.remove("mirna")
    # RNA missing for one HER2 and one Luminal patient that still have protein.
    for subtype in ("HER2", "Luminal"):
        candidate = next(
            p
            for p in patients
            if p.subtype == subtype and "protein" in p.layers and "mirna" in p.layers and not p.label_blank
        )
        candidate.layers.remove("rna")
    basal = [p for p in patients if p.subtype == "Basal" and "rna" in p.layers and "protein" in p.layers]
    for p in basal[-max(1, round(0.05 * n_patients)) :]:
        p.has_variants = False
    return patients


# Planted fairness bias (issue 18): in one protected group, the recorded subtype of labelled Basal and
# Luminal patients is swapped (as when one population's tumours are typed by an unreliable ER assay),
# so the classifier, which learns the biology, errs on that group only: the fairness audit must name
# it, and flag no other group. HER2 labels stay right (the HER2 drivers stay the classifier's top
# features). Drawn from its own generator so that every other demo file stays the same.
BIASED_COLUMN, BIASED_GROUP, BIASED_SHARE = "ancestry", "AFR", 1.0
SWAPPED = {"Basal": "Luminal", "Luminal": "Basal"}


def plant_label_bias(patients: list[Patient], seed: int) -> dict[str, str]:
    """Patient id -> the wrong subtype recorded in the sheet, for ``BIASED_SHARE`` of the labelled Basal
    and Luminal patients of ``BIASED_GROUP``."""
    rng = np.random.default_rng([seed, 18])
    labelled = [
        p for p in patients if getattr(p, BIASED_COLUMN) == BIASED_GROUP and not p.label_blank and p.subtype in SWAPPED
    ]
    chosen = rng.choice(len(labelled), size=int(round(BIASED_SHARE * len(labelled))), replace=False)
    return {labelled[i].id: SWAPPED[labelled[i].subtype] for i in sorted(int(i) for i in chosen)}


SHEET_COLUMNS = [
    "patient",
    "sex",
    "age",
    "ancestry",
    "subtype",
    "mrn",
    "date_of_birth",
    "vcf",
    "cna",
    "tumor_sample",
    "normal_sample",
    "tumor_type",
    "os_days",
    "os_event",
]
GERMLINE_COLUMNS = ["germline_vcf", "germline_sample", "pgx_outside_calls"]


def sheet_text(
    patients: list[Patient],
    prefix: str,
    outcome: dict[str, tuple[str, str]],
    tumor_types: dict[str, str] | None = None,
    germline: dict[str, dict] | None = None,
    recorded: dict[str, str] | None = None,
) -> str:
    """The sample sheet; ``tumor_types`` overrides the config's cohort tumour type for a few patients;
    ``recorded``: subtypes written in place of the true one (the planted fairness bias)."""
    tumor_types = tumor_types or {}
    recorded = recorded or {}
    germline = germline or {}
    lines = ["\t".join(SHEET_COLUMNS + GERMLINE_COLUMNS)]
    for p in patients:
        lines.append(
            "\t".join(
                [
                    p.id,
                    p.sex,
                    str(p.age),
                    p.ancestry,
                    "" if p.label_blank else recorded.get(p.id, p.subtype),
                    p.mrn,
                    p.date_of_birth,
                    f"{prefix}vcf/{p.id}.vcf.gz" if p.has_variants else "",
                    f"{prefix}cna/{p.id}.cna.tsv" if p.has_variants else "",
                    f"{p.id}_T" if p.has_variants else "",
                    f"{p.id}_N" if p.has_variants else "",
                    tumor_types.get(p.id, ""),
                    *outcome[p.id],
                    *germline_cells(germline.get(p.id), p.id, prefix),
                ]
            )
        )
    return "\n".join(lines) + "\n"


def germline_cells(truth: dict | None, patient: str, prefix: str) -> list[str]:
    """The sheet's germline columns of a patient (blank without a germline sample)."""
    if truth is None:
        return ["", "", ""]
    outside = f"{prefix}germline/{patient}.outside_calls.tsv" if truth["outside_calls"] else ""
    return [f"{prefix}germline/germline.vcf", truth["sample"], outside]
