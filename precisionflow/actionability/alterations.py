"""A patient's alterations, in the knowledge base's vocabulary, from the variant step's tables.

* mutations: ``results/variants/{patient}.maf.tsv`` (``Hugo_Symbol``, ``HGVSp_Short``,
  ``Variant_Classification``, ``is_hotspot``), read by :func:`precisionflow.targets.inputs.read_mafs`;
  the MAF class becomes MOAlmanac's ``variant_annotation`` (Missense, Nonsense, Frameshift, Splice Site,
  Deletion, Insertion); silent, UTR, intronic and other non-coding records are no alterations;
* copy number: ``results/variants/copy_number.tsv``: ``amp`` is an amplification, ``deep_loss`` a
  deletion (MOAlmanac's two directions); ``gain`` and ``loss`` (one copy) match no assertion;
* tumour mutational burden: ``results/variants/tmb.tsv``: TMB-high at ``tmb_high`` mutations per Mb or
  more (config ``actionability: tmb_high``, 10 by default: the FDA's threshold for pembrolizumab in
  TMB-high solid tumours, KEYNOTE-158); a patient without a TMB value is not TMB-high, and no filter is
  applied;
* germline variants (optional sheet column ``germline_maf``): the same MAF classes and protein changes as
  the somatic ones, alteration type ``germline`` (matched to MOAlmanac's Germline Variant assertions only);
* fusions (optional sheet column ``fusions``): alteration type ``fusion``, written with HGNC's fusion
  notation ``EML4::ALK`` (5' partner first) in both ``gene`` and ``alteration``;
* microsatellite instability (optional sheet column ``msi_status``): ``MSI-H`` is an alteration
  (``msi``); ``MSI-L`` and ``MSS`` are none.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from precisionflow.proteins import one_letter

ALTERATION_COLUMNS = [
    "patient",
    "gene",
    "alteration_type",
    "alteration",
    "protein_change",
    "variant_class",
    "is_hotspot",
]

MAF_TO_CLASS = {
    "Missense_Mutation": "Missense",
    "Nonsense_Mutation": "Nonsense",
    "Frame_Shift_Del": "Frameshift",
    "Frame_Shift_Ins": "Frameshift",
    "Splice_Site": "Splice Site",
    "In_Frame_Del": "Deletion",
    "In_Frame_Ins": "Insertion",
    "Nonstop_Mutation": "Nonsense",
    "Translation_Start_Site": "Nonsense",
}
TRUNCATING = frozenset({"Nonsense", "Frameshift", "Splice Site"})
CN_DIRECTION = {"amp": "Amplification", "deep_loss": "Deletion"}
CN_TYPE = {"amp": "amplification", "deep_loss": "deletion"}
FUSION_SEPARATOR = "::"  # HGNC's fusion notation (Bruford et al., Leukemia 2021)
MSI_STATUSES = ("MSI-H", "MSI-L", "MSS")
MSI_HIGH = "MSI-High"  # MOAlmanac's status of microsatellite-instability assertions


def short_protein_change(value: str) -> str:
    """``p.Val600Glu`` / ``V600E`` / ``p.V600E`` -> ``p.V600E`` (blank stays blank)."""
    text = str(value).strip()
    if not text or text.lower() in {"nan", "na", "none", "."}:
        return ""
    if not text.startswith("p."):
        text = "p." + text
    if re.search(r"[A-Z][a-z]{2}", text):
        text = one_letter(text)
    return text


SUBSTITUTION = r"^p\.[A-Z]\d+[A-Z]$"


def mutation_alterations(mutations: pd.DataFrame) -> pd.DataFrame:
    """Protein-altering mutations (``patient, gene, classification, is_hotspot, protein_change``) as alterations.

    A mutation of unknown consequence (a VCF without annotation) is kept when it is a known hotspot
    whose label is an amino-acid substitution (``PIK3CA H1047R``): a missense change; other unknown
    ones are no alterations (counted in the step's log).
    """
    klass = mutations["classification"].map(MAF_TO_CLASS)
    hotspot_change = (
        mutations["protein_change"].fillna("").astype(str).map(short_protein_change).str.match(SUBSTITUTION)
    )
    klass = klass.where(klass.notna() | ~(mutations["is_hotspot"].astype(bool) & hotspot_change), "Missense")
    kept = mutations[klass.notna()]
    protein = kept["protein_change"].fillna("").astype(str).map(short_protein_change)
    variant_class = klass[klass.notna()]
    return pd.DataFrame(
        {
            "patient": kept["patient"].astype(str),
            "gene": kept["gene"].astype(str),
            "alteration_type": "mutation",
            "alteration": protein.where(protein != "", variant_class),
            "protein_change": protein,
            "variant_class": variant_class,
            "is_hotspot": kept["is_hotspot"].astype(bool),
        },
        columns=ALTERATION_COLUMNS,
    ).drop_duplicates(["patient", "gene", "alteration", "variant_class"])


def copy_number_alterations(copy_number: pd.DataFrame) -> pd.DataFrame:
    """``amp`` and ``deep_loss`` calls (``patient, gene, call``) as alterations."""
    kept = copy_number[copy_number["call"].isin(list(CN_DIRECTION))].drop_duplicates(["patient", "gene", "call"])
    return pd.DataFrame(
        {
            "patient": kept["patient"].astype(str),
            "gene": kept["gene"].astype(str),
            "alteration_type": kept["call"].map(CN_TYPE),
            "alteration": kept["call"].map(CN_TYPE),
            "protein_change": "",
            "variant_class": kept["call"].map(CN_DIRECTION),
            "is_hotspot": False,
        },
        columns=ALTERATION_COLUMNS,
    )


def tmb_alterations(tmb: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """TMB-high patients (``patient, tmb_per_mb``; NA = unknown, not high) as alterations."""
    values = pd.to_numeric(tmb["tmb_per_mb"], errors="coerce")
    kept = tmb[values.to_numpy(dtype=float, na_value=np.nan) >= threshold]
    values = values[kept.index]
    return pd.DataFrame(
        {
            "patient": kept["patient"].astype(str),
            "gene": "",
            "alteration_type": "tmb",
            "alteration": [f"TMB-high ({v:g} mutations/Mb)" for v in values],
            "protein_change": "",
            "variant_class": "High",
            "is_hotspot": False,
        },
        columns=ALTERATION_COLUMNS,
    )


def germline_alterations(germline: pd.DataFrame) -> pd.DataFrame:
    """Protein-altering germline variants (the columns of :func:`mutation_alterations`) as alterations."""
    return mutation_alterations(germline).assign(alteration_type="germline")


def fusion_alterations(fusions: pd.DataFrame) -> pd.DataFrame:
    """Fusions (``patient, gene1, gene2``: 5' and 3' partner) as alterations ``GENE1::GENE2``, once each."""
    kept = fusions.drop_duplicates(["patient", "gene1", "gene2"])
    name = kept["gene1"].astype(str) + FUSION_SEPARATOR + kept["gene2"].astype(str)
    return pd.DataFrame(
        {
            "patient": kept["patient"].astype(str),
            "gene": name,
            "alteration_type": "fusion",
            "alteration": name,
            "protein_change": "",
            "variant_class": "Fusion",
            "is_hotspot": False,
        },
        columns=ALTERATION_COLUMNS,
    )


def msi_alterations(statuses: Mapping[str, str | None]) -> pd.DataFrame:
    """patient -> MSI status (``MSI-H``, ``MSI-L``, ``MSS``, any letter case; checked with the sheet):
    the MSI-H patients as alterations."""
    high = sorted(p for p, status in statuses.items() if status and str(status).strip().upper() == "MSI-H")
    return pd.DataFrame(
        {
            "patient": high,
            "gene": "",
            "alteration_type": "msi",
            "alteration": "MSI-H",
            "protein_change": "",
            "variant_class": MSI_HIGH,
            "is_hotspot": False,
        },
        columns=ALTERATION_COLUMNS,
    )


def patient_alterations(
    mutations: pd.DataFrame,
    copy_number: pd.DataFrame,
    tmb: pd.DataFrame | None,
    tmb_high: float,
    *,
    germline: pd.DataFrame | None = None,
    fusions: pd.DataFrame | None = None,
    msi: Mapping[str, str | None] | None = None,
) -> pd.DataFrame:
    """Every alteration of the cohort (``ALTERATION_COLUMNS``): mutations, copy number, TMB-high, then
    the optional germline variants, fusions and MSI-H."""
    parts = [mutation_alterations(mutations), copy_number_alterations(copy_number)]
    if tmb is not None and not tmb.empty:
        parts.append(tmb_alterations(tmb, tmb_high))
    if germline is not None and not germline.empty:
        parts.append(germline_alterations(germline))
    if fusions is not None and not fusions.empty:
        parts.append(fusion_alterations(fusions))
    if msi:
        parts.append(msi_alterations(msi))
    parts = [p for p in parts if not p.empty]
    if not parts:
        return pd.DataFrame(columns=ALTERATION_COLUMNS)
    return pd.concat(parts, ignore_index=True)
