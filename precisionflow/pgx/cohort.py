"""A cohort's germline calls: each germline VCF read once for all its patients, one table per patient,
the cohort table and the recommendations."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from precisionflow.pgx.builds import on_build, other_build_sites, position_source
from precisionflow.pgx.calls import GENE_COLUMNS, add_outside_calls, read_outside_calls, sample_table
from precisionflow.pgx.definitions import load_definitions, load_phenotypes
from precisionflow.pgx.genotypes import read_genotypes
from precisionflow.pgx.recommendations import RECOMMENDATION_COLUMNS, recommend
from precisionflow.settings import defaults, with_defaults

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GermlineInput:
    patient: str  # public id (what outputs show)
    vcf: str
    sample: str | None  # VCF column; None = the file's only sample
    outside_calls: str | None = None


def germline_inputs(sheet: pd.DataFrame, rows: Sequence[int], patients: Sequence[str]) -> list[GermlineInput]:
    """The germline inputs of the sheet's ``rows`` (0-based), named by the patients' public ids."""

    def cell(row: int, column: str) -> str | None:
        value = sheet.iloc[row][column] if column in sheet.columns else None
        return None if value is None or pd.isna(value) else str(value)

    return [
        GermlineInput(
            patient, cell(row, "germline_vcf") or "", cell(row, "germline_sample"), cell(row, "pgx_outside_calls")
        )
        for row, patient in zip(rows, patients, strict=True)
    ]


def call_patients(inputs: Sequence[GermlineInput], settings: Mapping) -> dict[str, pd.DataFrame]:
    """patient -> gene table (SPEC columns + definitions_version, positions_source), in the order of ``inputs``.

    ``settings``: the config's ``pgx:`` section (defaults filled in from its schema); its ``genome_build``
    None means the config's own ``genome_build``."""
    settings = with_defaults("pgx", settings)
    build = settings["genome_build"] or defaults("config")["genome_build"]
    max_missing_share = settings["max_missing_share"]
    definitions = load_definitions(settings["definitions"], tuple(settings["genes"]))
    other_sites = other_build_sites(definitions, build)
    definitions = on_build(definitions, build)
    phenotypes = load_phenotypes(settings["phenotypes"])
    log.info(
        "definitions: %d genes, version %s; positions: %s",
        len(definitions),
        sorted({d.version for d in definitions.values()}),
        position_source(build),
    )
    by_file: dict[str, list[GermlineInput]] = {}
    for item in inputs:
        by_file.setdefault(item.vcf, []).append(item)
    cache: dict = {}  # identical genotypes at a gene give the same call (most samples are reference)
    tables: dict[str, pd.DataFrame] = {}
    for number, (vcf, items) in enumerate(by_file.items(), start=1):
        genotypes = read_genotypes(vcf, definitions, [i.sample for i in items], build, other_sites)
        for index, item in enumerate(items):
            table = sample_table(definitions, phenotypes, genotypes, index, max_missing_share, cache)
            if item.outside_calls:
                table = add_outside_calls(table, read_outside_calls(item.outside_calls), phenotypes)
            tables[item.patient] = table
        # the log names no path: paths often carry raw patient ids (logs/ travel with results/)
        log.info("germline VCF %d of %d: %d sample(s) called", number, len(by_file), len(items))
    return {item.patient: tables[item.patient] for item in inputs}


def cohort_table(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    frames = [table.assign(patient=patient) for patient, table in sorted(tables.items())]
    columns = ["patient", *GENE_COLUMNS]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


def patient_tables(cohort: pd.DataFrame, patients: Sequence[str]) -> dict[str, pd.DataFrame]:
    """Each patient's rows of the cohort table, without the patient column (``results/pgx/{patient}.tsv``).

    A job of its own writes them from the cohort table: Snakemake records a job's inputs in every output's
    metadata, so the calling job (N germline VCFs in) writes the cohort tables only (precisionflow/workflow/
    patients.py says why)."""
    columns = [c for c in cohort.columns if c != "patient"]
    groups = {patient: rows for patient, rows in cohort.groupby("patient", sort=False)}
    return {p: groups[p][columns].reset_index(drop=True) if p in groups else cohort[columns].iloc[:0] for p in patients}


def cohort_recommendations(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    frames = [recommend(patient, table) for patient, table in sorted(tables.items())]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=RECOMMENDATION_COLUMNS)
