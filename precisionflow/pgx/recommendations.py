"""Dosing recommendations for key drug-gene pairs, by phenotype (or DPYD activity score).

No machine-readable CPIC recommendation table ships offline (PharmCAT's report JSON holds only the
recommendations of the sample it was run on), so this is a small table curated by hand from the
published guidelines named in each row (wording shortened from the guideline's recommendation
tables). Irinotecan has no CPIC guideline: its row is the DPWG's, and says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

RECOMMENDATION_COLUMNS = [
    "patient",
    "drug",
    "genes",
    "phenotypes",
    "recommendation",
    "classification",
    "source",
    "table_version",
    "positions_source",  # the build and position table of the patient's germline VCF (calls.GENE_COLUMNS)
]
# Curated on this date from the guidelines below; bump it whenever a row changes.
TABLE_VERSION = "precisionflow-curated-2026-11-30"

DPYD_SOURCE = "CPIC guideline for fluoropyrimidines and DPYD (Amstutz et al., Clin Pharmacol Ther 2018;103:210-216)"
THIOPURINE_SOURCE = (
    "CPIC guideline for thiopurines and TPMT and NUDT15 (Relling et al., Clin Pharmacol Ther 2019;105:1095-1105)"
)
CLOPIDOGREL_SOURCE = "CPIC guideline for CYP2C19 and clopidogrel (Lee et al., Clin Pharmacol Ther 2022;112:959-967)"
STATIN_SOURCE = (
    "CPIC guideline for SLCO1B1, ABCG2 and CYP2C9 and statins "
    "(Cooper-DeHoff et al., Clin Pharmacol Ther 2022;111:1007-1021)"
)
WARFARIN_SOURCE = (
    "CPIC guideline for CYP2C9, VKORC1, CYP4F2 and warfarin (Johnson et al., Clin Pharmacol Ther 2017;102:397-404)"
)
IRINOTECAN_SOURCE = "DPWG guideline for UGT1A1 and irinotecan (no CPIC guideline for this pair)"


@dataclass(frozen=True)
class Rule:
    drug: str
    gene: str
    phenotype: str  # the gene's CPIC phenotype, or "activity score X" for DPYD
    recommendation: str
    classification: str
    source: str


_FLUORO = {
    "activity score 2.0": ("No indication to change dose or therapy: use the label-recommended dosage.", "Strong"),
    "activity score 1.5": (
        "Reduce the starting dose by 50%, then titrate on toxicity or therapeutic drug monitoring.",
        "Moderate",
    ),
    "activity score 1.0": (
        "Reduce the starting dose by 50%, then titrate on toxicity or therapeutic drug monitoring.",
        "Strong",
    ),
    "activity score 0.5": (
        "Avoid 5-fluorouracil and its prodrugs; if no alternative is suitable, give a strongly reduced dose with early "
        "therapeutic drug monitoring.",
        "Strong",
    ),
    "activity score 0.0": ("Avoid 5-fluorouracil and 5-fluorouracil prodrug-based regimens.", "Strong"),
}
_THIOPURINE = {
    "Normal Metabolizer": (
        "Start with the normal starting dose; allow 2 weeks to reach steady state after each dose change.",
        "Strong",
    ),
    "Intermediate Metabolizer": (
        "Start with a reduced dose (30-80% of the normal dose) if the normal starting dose is at least 75 mg/m2/day or "
        "1.5 mg/kg/day (mercaptopurine) / 2-3 mg/kg/day (azathioprine); adjust on myelosuppression.",
        "Strong",
    ),
    "Poor Metabolizer": (
        "Malignancy: start with drastically reduced doses (10-fold lower daily dose, thrice weekly); non-malignant "
        "conditions: consider a non-thiopurine immunosuppressant.",
        "Strong",
    ),
}
_CLOPIDOGREL = {
    "Ultrarapid Metabolizer": ("If clopidogrel is considered, use the standard dose (75 mg/day).", "Strong"),
    "Rapid Metabolizer": ("If clopidogrel is considered, use the standard dose (75 mg/day).", "Strong"),
    "Normal Metabolizer": ("If clopidogrel is considered, use the standard dose (75 mg/day).", "Strong"),
    "Intermediate Metabolizer": (
        "ACS/PCI: avoid standard-dose clopidogrel if possible; use prasugrel or ticagrelor at standard dose if not "
        "contraindicated.",
        "Strong",
    ),
    "Poor Metabolizer": (
        "ACS/PCI: avoid clopidogrel if possible; use prasugrel or ticagrelor at standard dose if not contraindicated.",
        "Strong",
    ),
}
_SIMVASTATIN = {
    "Increased Function": ("Prescribe the desired starting dose; adjust per disease-specific guidelines.", "Strong"),
    "Normal Function": ("Prescribe the desired starting dose; adjust per disease-specific guidelines.", "Strong"),
    "Decreased Function": (
        "Prescribe an alternative statin; if simvastatin is warranted, limit the dose to <20 mg/day.",
        "Strong",
    ),
    "Possible Decreased Function": (
        "Prescribe an alternative statin; if simvastatin is warranted, limit the dose to <20 mg/day.",
        "Moderate",
    ),
    "Poor Function": ("Prescribe an alternative statin depending on the desired potency.", "Strong"),
}
_IRINOTECAN = {
    "Normal Metabolizer": ("No action needed for this gene-drug interaction.", "DPWG: no action"),
    "Intermediate Metabolizer": ("No action needed for this gene-drug interaction.", "DPWG: no action"),
    "Poor Metabolizer": (
        "Start with 70% of the standard dose; if tolerated, increase the dose guided by the neutrophil count.",
        "DPWG: dose adjustment",
    ),
}

RULES: tuple[Rule, ...] = (
    *(Rule(d, "DPYD", p, r, c, DPYD_SOURCE) for d in ("fluorouracil", "capecitabine") for p, (r, c) in _FLUORO.items()),
    *(
        Rule(d, g, p, r, c, THIOPURINE_SOURCE)
        for d in ("mercaptopurine", "azathioprine", "thioguanine")
        for g in ("TPMT", "NUDT15")
        for p, (r, c) in _THIOPURINE.items()
    ),
    *(Rule("clopidogrel", "CYP2C19", p, r, c, CLOPIDOGREL_SOURCE) for p, (r, c) in _CLOPIDOGREL.items()),
    *(Rule("simvastatin", "SLCO1B1", p, r, c, STATIN_SOURCE) for p, (r, c) in _SIMVASTATIN.items()),
    *(Rule("irinotecan", "UGT1A1", p, r, c, IRINOTECAN_SOURCE) for p, (r, c) in _IRINOTECAN.items()),
)
WARFARIN = (
    "Calculate the dose with a validated pharmacogenetic algorithm (e.g. IWPC or Gage; warfarindosing.org) using the "
    "CYP2C9 and VKORC1 genotypes.",
    "Strong",
)


def _lookup_phenotype(gene: str, row: pd.Series) -> str:
    if gene == "DPYD":
        return f"activity score {row['activity_score']}" if row["activity_score"] else row["phenotype"]
    # the phenotype recommendations are looked up by (PharmCAT's SLCO1B1 rule may set it from rs4149056)
    lookup = row.get("lookup_phenotype")
    return lookup if isinstance(lookup, str) and lookup else row["phenotype"]


def _caveat(row: pd.Series) -> str:
    return "" if row["call_quality"] in ("ok", "outside call") else f" (call: {row['call_quality']})"


def recommend(patient: str, genes: pd.DataFrame) -> pd.DataFrame:
    """The patient's rows: one per drug and gene of the table whose gene is in the patient's calls.

    A call the table cannot use (not called, tied diplotypes with different phenotypes, a phenotype no
    row covers) still gets a row saying so, so nothing is silent; a partial call carries its caveat.
    """
    by_gene = {row["gene"]: row for _, row in genes.iterrows()}
    rows = []
    pairs: dict[tuple[str, str], list[Rule]] = {}
    for rule in RULES:
        pairs.setdefault((rule.drug, rule.gene), []).append(rule)
    for (drug, gene), rules in pairs.items():
        row = by_gene.get(gene)
        if row is None:
            continue
        phenotype = _lookup_phenotype(gene, row)
        rule = next((r for r in rules if r.phenotype == phenotype), None)
        if rule is not None:
            rows.append(
                [
                    patient,
                    drug,
                    gene,
                    f"{gene}: {phenotype if gene != 'DPYD' else row['phenotype']}",
                    rule.recommendation + _caveat(row),
                    rule.classification,
                    rule.source,
                    TABLE_VERSION,
                ]
            )
        else:
            why = (
                "the gene was not called"
                if row["diplotype"] == "not called"
                else f"no row for phenotype {row['phenotype']!r}"
            )
            rows.append(
                [
                    patient,
                    drug,
                    gene,
                    f"{gene}: {row['phenotype'] or row['diplotype']}",
                    f"No genotype-guided recommendation: {why} ({row['call_quality']}).",
                    "n/a",
                    rules[0].source,
                    TABLE_VERSION,
                ]
            )
    cyp2c9, vkorc1 = by_gene.get("CYP2C9"), by_gene.get("VKORC1")
    if cyp2c9 is not None and vkorc1 is not None and "not called" not in (cyp2c9["diplotype"], vkorc1["diplotype"]):
        rows.append(
            [
                patient,
                "warfarin",
                "CYP2C9;VKORC1",
                f"CYP2C9: {cyp2c9['diplotype']}; VKORC1: {vkorc1['phenotype']}",
                WARFARIN[0] + _caveat(cyp2c9) + _caveat(vkorc1),
                WARFARIN[1],
                WARFARIN_SOURCE,
                TABLE_VERSION,
            ]
        )
    table = pd.DataFrame(rows, columns=RECOMMENDATION_COLUMNS[:-1])
    sources = genes["positions_source"] if "positions_source" in genes.columns else pd.Series(dtype=str)
    table["positions_source"] = ";".join(sorted(set(sources.dropna()) - {""}))
    return table.sort_values(["patient", "drug", "genes"], kind="stable").reset_index(drop=True)
