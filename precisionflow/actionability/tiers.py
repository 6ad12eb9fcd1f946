"""AMP/ASCO/CAP 2017 tiers (Li et al. J Mol Diagn 2017) of an assertion matched to a patient's alteration:
evidence level × tumour type (:func:`precisionflow.actionability.oncotree.relation`; an assertion without a
tumour type applies to all):

====================================  ===================  ================
MOAlmanac evidence level              this tumour type     another one
====================================  ===================  ================
FDA-Approved, Guideline               I-A                  II-C
Clinical trial                        I-B                  II-C
Clinical evidence                     II-C                 II-C
Preclinical, Inferential              II-D                 II-D
====================================  ===================  ================

MOAlmanac's "Clinical evidence" is case reports and retrospective studies: AMP level C at best (level B
asks for well-powered studies with consensus), so tier II-C even in the patient's tumour type.

A driver-gene alteration (IntOGen) that matches no assertion is tier III (``therapy`` blank).

A tier states the strength of the evidence, not a treatment suggestion: a tier II-D sensitivity row
(preclinical or inferential evidence) is for trials and research and never ``suggested``
(:mod:`~precisionflow.actionability.suggestions`).
"""

from __future__ import annotations

import pandas as pd

from precisionflow.actionability.alterations import TRUNCATING
from precisionflow.actionability.oncotree import ANY, SAME

TIERS = ("I-A", "I-B", "II-C", "II-D", "III")
# I-A to II-C: what may be suggested, and what a resistance warning or a score change may rest on
ESTABLISHED_TIERS = TIERS[:3]
LEVEL_GRADE = {
    "FDA-Approved": "A",
    "Guideline": "A",
    "Clinical trial": "B",
    "Clinical evidence": "C",  # case reports, retrospective studies: AMP level C (see the tier table)
    "Preclinical": "D",
    "Inferential": "D",
}
LEVEL_ORDER = {level: i for i, level in enumerate(LEVEL_GRADE)}


def tier(grade: str, tumour_relation: str) -> str:
    """AMP tier from the evidence grade (A, B, C, D) and the tumour-type relation (same, any, other)."""
    here = tumour_relation in (SAME, ANY)
    if grade == "D":
        return "II-D"
    if grade == "C":
        return "II-C"
    if grade == "A":
        return "I-A" if here else "II-C"
    return "I-B" if here else "II-C"


def driver_alterations(alterations: pd.DataFrame, roles: pd.Series) -> pd.Series:
    """Which alterations hit a driver gene the way its role implies (tier III candidates)."""
    role = alterations["gene"].map(roles).fillna("")
    mutation = alterations["alteration_type"] == "mutation"
    truncating = alterations["variant_class"].isin(TRUNCATING)
    return (
        (mutation & (role == "ambiguous"))
        | (mutation & (role == "Act") & ~truncating)
        | (mutation & (role == "LoF"))
        | ((alterations["alteration_type"] == "amplification") & role.isin(["Act", "ambiguous"]))
        | ((alterations["alteration_type"] == "deletion") & role.isin(["LoF", "ambiguous"]))
    )
