"""The target step from files to files: what the workflow's script and the benchmark both call."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from precisionflow import dgidb, references
from precisionflow.actionability.knowledge import (
    allele_specific_agents,
    anticancer_agents,
    approved_agents,
    read_moalmanac,
    resistance_only_genes,
    withdrawn_agents,
)
from precisionflow.targets import drugs as dr
from precisionflow.targets import inputs as io_
from precisionflow.targets.curated import (
    CuratedEvidence,
    annotate_drugs,
    curated_sensitivity,
    directed_pairs,
    without_category,
)
from precisionflow.targets.evidence import EvidenceInputs
from precisionflow.targets.prioritize import Prepared, cohort_table, patient_tables, prepare
from precisionflow.targets.settings import with_defaults
from precisionflow.targets.tables import write_split, write_table

log = logging.getLogger(__name__)


@dataclass
class StepInputs:
    patients: Sequence[str]  # public ids of the whole cohort
    mafs: Mapping[str, str | os.PathLike[str]]  # patient -> results/variants/{patient}.maf.tsv
    copy_number: str | os.PathLike[str] | None  # results/variants/copy_number.tsv
    cn_patients: Sequence[str]  # patients with copy-number segments
    layers: Mapping[str, tuple[str | os.PathLike[str], str]]  # layer -> (results/omics/{layer}.h5ad, rna | protein)
    gene_weights: str | os.PathLike[str] | None = None
    groups: pd.Series | None = None
    separation: str = "label"
    drivers: str | os.PathLike[str] | None = None
    drug_gene: str | os.PathLike[str] | None = None
    drug_categories: str | os.PathLike[str] | None = None
    knowledge_base: str | os.PathLike[str] | None = None  # MOAlmanac JSON: approved and anticancer agents
    actionable: str | os.PathLike[str] | None = None  # results/targets/actionable.tsv: resisted or contradicted agents


def load(step: StepInputs, settings: Mapping) -> tuple[EvidenceInputs, pd.Series, frozenset[tuple[str, str]]]:
    """Read every input; returns the evidence inputs, each gene's drug list and the (gene, agent) pairs in which
    the agent acts on the gene (:func:`~precisionflow.targets.curated.directed_pairs`)."""
    mutations = io_.read_mafs(step.mafs)
    copy_number = io_.read_copy_number(step.copy_number)
    layers = [io_.read_layer(path, name, kind) for name, (path, kind) in sorted(step.layers.items())]
    roles = (
        references.driver_roles(references.read_drivers(step.drivers))
        if step.drivers is not None
        else pd.Series(dtype=object)
    )
    interactions = dgidb.read_drug_gene(step.drug_gene) if step.drug_gene is not None else pd.DataFrame()
    curated, approved, specific, kb = frozenset(), None, frozenset(), None
    if step.knowledge_base is not None:
        kb = read_moalmanac(step.knowledge_base)
        curated, approved, specific = anticancer_agents(kb), approved_agents(kb), allele_specific_agents(kb)
    per_drug = dr.drug_weights(
        interactions, settings, anticancer=dr.anticancer_drugs(interactions, settings, curated), approved=approved
    )
    categories = dgidb.read_drug_categories(step.drug_categories) if step.drug_categories is not None else None
    listed = (
        per_drug[[(g, d) not in specific for g, d in zip(per_drug["gene"], per_drug["drug"], strict=True)]]
        if specific
        else per_drug
    )
    from_drugs, from_categories = dr.interactions_part(listed, settings), dr.categories_part(categories, settings)
    inputs = EvidenceInputs(
        patients=sorted(step.patients),
        mutations=mutations,
        mutated_patients=sorted(step.mafs),
        copy_number=copy_number,
        cn_patients=sorted(set(step.cn_patients) | set(copy_number["patient"])),
        layers=layers,
        gene_weights=io_.read_gene_weights(step.gene_weights),
        roles=roles,
        # an allele-specific drug (sotorasib: KRAS p.G12C only) is no drug of the gene: it makes no KRAS p.G12D
        # druggable, and reaches a G12C patient through the matching assertion (actionable.tsv)
        druggability=dr.combined(from_drugs, from_categories),
        groups=step.groups,
        separation=step.separation,
        drug_interactions=from_drugs,
        drug_categories=from_categories,
        drug_weights=listed,
    )
    return inputs, dr.drug_lists(listed, settings), directed_pairs(kb, per_drug)


def category_dropped(
    prepared: Prepared, no_category: Mapping[str, frozenset[str]], withdrawn: pd.Series | None = None
) -> dict[str, frozenset[str]]:
    """``no_category`` (patient -> genes) restricted to the rows whose DGIdb category is above their drugs' part
    (``withdrawn``: the patient's part where agents were withdrawn, ``drugs.withdrawn_parts``): the rows whose
    druggability the rule changed."""
    index = pd.Index(prepared.genes)
    parts = {} if withdrawn is None else withdrawn.to_dict()
    out = {}
    for patient, genes in no_category.items():
        found = [(g, index.get_loc(g)) for g in genes if g in index]
        above = frozenset(
            g for g, i in found if prepared.drug_categories[i] > parts.get((patient, g), prepared.drug_interactions[i])
        )
        if above:
            out[patient] = above
    return out


def run(
    step: StepInputs,
    settings: Mapping | None,
    cohort_path: str | os.PathLike[str],
    patient_paths: Mapping[str, str | os.PathLike[str]],
) -> pd.DataFrame:
    """Write the cohort table to ``cohort_path`` and each patient's to ``patient_paths[patient]`` (every
    patient of ``step.patients``); return the cohort table."""
    settings = with_defaults(settings)
    inputs, drugs, directed = load(step, settings)
    actionable = io_.read_actionable(step.actionable) if step.actionable is not None else None
    resistance = resistance_only_genes(actionable) if actionable is not None else {}
    no_category = without_category(actionable, resistance) if actionable is not None else {}
    withdrawn = withdrawn_agents(actionable) if actionable is not None else {}
    # a gene's drugs' part in the rows of a patient with withdrawn agents: only the drugs still shown count
    parts = dr.withdrawn_parts(inputs.drug_weights, withdrawn, settings)
    prepared = prepare(inputs, settings)
    log.info(
        "%d genes, %d patients, %d layers, %d genes with drugs",
        len(prepared.genes),
        len(prepared.patients),
        len(inputs.layers),
        len(drugs),
    )
    cohort = cohort_table(inputs, prepared, drugs, settings)
    write_table(cohort, cohort_path)
    tables = patient_tables(prepared, drugs, settings, no_category, parts)
    if actionable is not None:
        evidence = CuratedEvidence(
            curated_sensitivity(actionable, directed),
            withdrawn,
            resistance,
            category_dropped(prepared, no_category, parts),
        )
        annotate_drugs(tables, evidence, settings["druggability"]["max_drugs"])
    write_split(tables.table, tables.bounds, [patient_paths[p] for p in tables.patients])
    log.info("cohort table: %d genes; patient tables: %d rows in all", len(cohort), len(tables.table))
    return cohort
