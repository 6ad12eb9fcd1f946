"""The planted overall survival (sheet columns ``os_days``, ``os_event``)."""

from __future__ import annotations

import math

import numpy as np

from demo.generator.cohort import Patient
from demo.generator.variants import Record

# Planted outcome (precisionflow/outcome): its own random stream, so the other files do not change.
# Stream 18: at 60 patients each planted effect reaches q < 0.05 with its CI covering the planted HR in
# about 70 % of streams (simulated); stream 17 drew a Basal estimate two standard errors low.
OUTCOME_STREAM = 18
OUTCOME_SUBTYPE, OUTCOME_SUBTYPE_HR = "Basal", 4.0
OUTCOME_GENE_HR = 4.0
OUTCOME_MEDIAN_DAYS = 3 * 365  # median survival of the reference group (neither subtype nor gene)
OUTCOME_FOLLOW_UP_DAYS = (2 * 365, 10 * 365)  # uniform administrative censoring
OUTCOME_MISSING_SHARE = 0.05  # patients without follow-up (predicted by the final model)


def mutated_genes(records: list[Record]) -> set[str]:
    """Genes with a kept non-synonymous mutation (what results/variants/mutations.h5ad counts)."""
    return {r.csq.split("|")[3] for r in records if r.coding}


def planted_outcome_gene(mutated: dict[str, set[str]]) -> str:
    """The gene carrying the outcome effect: the most often mutated one that no subtype drives (its
    mutations are passengers, independent of the subtype, so its marginal hazard ratio is the planted one)."""
    counts: dict[str, int] = {}
    for genes in mutated.values():
        for gene in genes - {"TP53", "PIK3CA"}:
            counts[gene] = counts.get(gene, 0) + 1
    return min(counts, key=lambda g: (-counts[g], g))


def make_outcome(
    seed: int, patients: list[Patient], mutated: dict[str, set[str]], gene: str, recorded: dict[str, str] | None = None
) -> dict[str, tuple[str, str]]:
    """Overall survival per patient: (os_days, os_event) as sheet cells. Exponential times with hazard
    h0 * HR_subtype^[subtype] * HR_gene^[gene mutated], uniform administrative censoring, a few blank.
    The subtype is the one the sheet records (``recorded`` overrides the biology for the planted fairness
    bias): the covariate the outcome model is given carries the planted hazard ratio."""
    recorded = recorded or {}
    rng = np.random.default_rng([seed, OUTCOME_STREAM])
    baseline = math.log(2) / OUTCOME_MEDIAN_DAYS
    outcome = {}
    for p in patients:
        log_hr = math.log(OUTCOME_SUBTYPE_HR) * (recorded.get(p.id, p.subtype) == OUTCOME_SUBTYPE)
        log_hr += math.log(OUTCOME_GENE_HR) * (gene in mutated.get(p.id, set()))
        event_time = rng.exponential(1 / (baseline * math.exp(log_hr)))
        follow_up = rng.uniform(*OUTCOME_FOLLOW_UP_DAYS)
        missing = rng.random() < OUTCOME_MISSING_SHARE
        days = max(1, int(round(min(event_time, follow_up))))
        outcome[p.id] = ("", "") if missing else (str(days), str(int(event_time <= follow_up)))
    return outcome
