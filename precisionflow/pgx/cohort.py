"""A cohort's germline calls: each germline VCF read once for all its patients, one table per patient,
the cohort table and the recommendations."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from precisionflow.pgx.calls import GENE_COLUMNS, add_outside_calls, read_outside_calls, sample_table
from precisionflow.pgx.definitions import GENES, load_definitions, load_phenotypes
from precisionflow.pgx.genotypes import read_genotypes
from precisionflow.pgx.recommendations import RECOMMENDATION_COLUMNS, recommend

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GermlineInput:
    patient: str  # public id (what outputs show)
    vcf: str
    sample: str | None  # VCF column; None = the file's only sample
    outside_calls: str | None = None


def call_patients(
    inputs: Sequence[GermlineInput],
    definitions_folder: str | Path,
    phenotypes_folder: str | Path,
    genes: Sequence[str] = GENES,
    max_missing_share: float = 0.5,
) -> dict[str, pd.DataFrame]:
    """patient -> gene table (SPEC columns + definitions_version), in the order of ``inputs``."""
    definitions = load_definitions(definitions_folder, tuple(genes))
    phenotypes = load_phenotypes(phenotypes_folder)
    log.info("definitions: %d genes, version %s", len(definitions), sorted({d.version for d in definitions.values()}))
    by_file: dict[str, list[GermlineInput]] = {}
    for item in inputs:
        by_file.setdefault(item.vcf, []).append(item)
    cache: dict = {}  # identical genotypes at a gene give the same call (most samples are reference)
    tables: dict[str, pd.DataFrame] = {}
    for vcf, items in by_file.items():
        genotypes = read_genotypes(vcf, definitions, [i.sample for i in items])
        for index, item in enumerate(items):
            table = sample_table(definitions, phenotypes, genotypes, index, max_missing_share, cache)
            if item.outside_calls:
                table = add_outside_calls(table, read_outside_calls(item.outside_calls), phenotypes)
            tables[item.patient] = table
        log.info("%s: %d sample(s) called", vcf, len(items))
    return {item.patient: tables[item.patient] for item in inputs}


def cohort_table(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    frames = [table.assign(patient=patient) for patient, table in sorted(tables.items())]
    columns = ["patient", *GENE_COLUMNS]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


def cohort_recommendations(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    frames = [recommend(patient, table) for patient, table in sorted(tables.items())]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=RECOMMENDATION_COLUMNS)
