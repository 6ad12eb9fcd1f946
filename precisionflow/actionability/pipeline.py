"""The actionability step from files to files: what the workflow's script and the benchmark both call."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from precisionflow import references
from precisionflow.actionability.alterations import MAF_TO_CLASS, patient_alterations
from precisionflow.actionability.knowledge import read_moalmanac
from precisionflow.actionability.matching import COLUMNS, actionable_table
from precisionflow.actionability.oncotree import read_oncotree
from precisionflow.actionability.patient_files import read_fusions, read_germline_mafs
from precisionflow.io import read_table
from precisionflow.targets import inputs as targets_inputs
from precisionflow.targets.tables import write_split, write_table

log = logging.getLogger(__name__)


@dataclass
class ActionabilityInputs:
    patients: Sequence[str]  # public ids of the whole cohort
    tumour_types: Mapping[str, str | None]  # patient -> OncoTree code (checked at parse time)
    knowledge_base: str | os.PathLike[str]  # MOAlmanac JSON
    oncotree: str | os.PathLike[str]
    mafs: Mapping[str, str | os.PathLike[str]]  # patient -> results/variants/{patient}.maf.tsv
    copy_number: str | os.PathLike[str] | None = None  # results/variants/copy_number.tsv
    tmb: str | os.PathLike[str] | None = None  # results/variants/tmb.tsv
    drivers: str | os.PathLike[str] | None = None  # IntOGen compendium
    # the optional sheet columns: patient -> fusions TSV, patient -> germline MAF, patient -> msi_status
    fusions: Mapping[str, str | os.PathLike[str]] = field(default_factory=dict)
    germline_mafs: Mapping[str, str | os.PathLike[str]] = field(default_factory=dict)
    msi_status: Mapping[str, str | None] = field(default_factory=dict)


def read_tmb(path: str | os.PathLike[str] | None) -> pd.DataFrame | None:
    if path is None:
        return None
    return read_table(
        path, required=("patient", "tmb_per_mb"), sep="\t", dtype={"patient": str}, what="the TMB table (variant step)"
    )


def build(step: ActionabilityInputs, settings: Mapping) -> pd.DataFrame:
    """The cohort's actionability table (``matching.COLUMNS``), sorted by patient, then tier …"""
    kb = read_moalmanac(step.knowledge_base)
    oncotree = read_oncotree(step.oncotree)
    roles = (
        references.driver_roles(references.read_drivers(step.drivers))
        if step.drivers is not None
        else pd.Series(dtype=object)
    )
    mutations = targets_inputs.read_mafs(step.mafs)
    log.info(
        "%d MAF records; not protein-altering or of unknown consequence (no alteration): %s",
        len(mutations),
        mutations.loc[~mutations["classification"].isin(list(MAF_TO_CLASS)), "classification"].value_counts().to_dict(),
    )
    alterations = patient_alterations(
        mutations,
        targets_inputs.read_copy_number(step.copy_number),
        read_tmb(step.tmb),
        float(settings["actionability"]["tmb_high"]),
        germline=read_germline_mafs(step.germline_mafs) if step.germline_mafs else None,
        fusions=read_fusions(step.fusions) if step.fusions else None,
        msi=step.msi_status,
    )
    if step.fusions or step.germline_mafs or step.msi_status:
        log.info("alterations by type: %s", alterations["alteration_type"].value_counts().sort_index().to_dict())
    table = actionable_table(
        alterations, kb, step.tumour_types, dict(zip(oncotree["code"], oncotree["main_type"], strict=True)), roles
    )
    if step.fusions or step.germline_mafs or step.msi_status:
        optional = alterations[alterations["alteration_type"].isin(["fusion", "germline", "msi"])]
        matched = set(zip(table["patient"], table["alteration_type"], table["alteration"], strict=True))
        keys = zip(optional["patient"], optional["alteration_type"], optional["alteration"], strict=True)
        unmatched = [key for key in keys if key not in matched]
        log.info("%d fusion, germline or MSI-H alteration(s) matched no assertion: %s", len(unmatched), unmatched[:20])
    log.info(
        "%d alterations of %d patients; %d rows, %d suggestions withdrawn by resistance",
        len(alterations),
        alterations["patient"].nunique(),
        len(table),
        int((table["note"].str.startswith("withdrawn")).sum()),
    )
    return table


def run(
    step: ActionabilityInputs,
    settings: Mapping,
    cohort_path: str | os.PathLike[str],
    patient_paths: Mapping[str, str | os.PathLike[str]],
) -> pd.DataFrame:
    """Write the cohort table and each patient's slice of it (a patient without rows: the header only)."""
    table = build(step, settings)
    write_table(table, cohort_path)
    patients = sorted(step.patients)
    table = table[table["patient"].isin(patients)]
    positions = np.searchsorted(table["patient"].to_numpy(dtype=object), patients, side="left")
    ends = np.searchsorted(table["patient"].to_numpy(dtype=object), patients, side="right")
    if len(table):
        bounds = np.r_[positions, ends[-1]] if len(patients) else np.array([0])
        write_split(table.reset_index(drop=True), bounds, [patient_paths[p] for p in patients])
    else:
        for p in patients:
            write_table(pd.DataFrame(columns=COLUMNS), patient_paths[p])
    return table
