"""The cohort's patients table (``results/cohort/patients.tsv``): one row per patient (public id, sheet order of
the rules' ``PATIENTS``) with what the cohort-level jobs that write one file per patient need to know of each.

Why a file and not those jobs' params or per-patient inputs: Snakemake writes a job's params, its input list and
the checksums of its inputs into the metadata record of *every* output. A job writing N per-patient files with
N-long params or N inputs thus wrote N records of size N: 1.1 GB of ``.snakemake/metadata`` and 70 s of
bookkeeping after the dossier job alone for 1,000 patients (quadratic: ~100 GB at 10,000). These jobs read this
one table instead, and take each patient's file paths from :mod:`precisionflow.workflow.paths`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

import pandas as pd

from precisionflow.errors import InputError
from precisionflow.io import read_table, write_tsv

# flags: whether the patient has the sheet's input (yes/no); texts: blank where none
FLAG_COLUMNS = ("variants", "copy_number", "fusions", "germline_maf", "germline_vcf")
TEXT_COLUMNS = ("msi_status", "tumor_type", "oncotree_code", "label")
COLUMNS = ("patient", *FLAG_COLUMNS, *TEXT_COLUMNS)


def patients_table(rows: Iterable[Mapping[str, object]]) -> pd.DataFrame:
    """The table from one mapping per patient (``patient``, each flag as a bool, each text or None)."""
    table = pd.DataFrame(list(rows), columns=list(COLUMNS))
    for column in FLAG_COLUMNS:
        table[column] = table[column].map(lambda v: "yes" if v else "no")
    for column in TEXT_COLUMNS:
        table[column] = table[column].map(lambda v: "" if v is None or pd.isna(v) else str(v))
    return table


def write_patients(rows: Iterable[Mapping[str, object]], path: str | os.PathLike[str]) -> None:
    write_tsv(patients_table(rows), path)


def read_patients(path: str | os.PathLike[str]) -> pd.DataFrame:
    """The table with flags as booleans and blank texts as empty strings; checked (columns, unique ids, flags)."""
    table = read_table(
        path, required=COLUMNS, sep="\t", dtype=str, keep_default_na=False, what="the cohort's patients table"
    )
    repeated = table["patient"].duplicated()
    if repeated.any():
        row = int(repeated.to_numpy().argmax())
        raise InputError(path, f"line {row + 2}, column patient", "each patient once", repr(table["patient"][row]))
    for column in FLAG_COLUMNS:
        bad = ~table[column].isin(["yes", "no"])
        if bad.any():
            row = int(bad.to_numpy().argmax())
            raise InputError(path, f"line {row + 2}, column {column}", "yes or no", repr(table[column][row]))
        table[column] = table[column] == "yes"
    return table[list(COLUMNS)].reset_index(drop=True)


def patients_with(table: pd.DataFrame, flag: str) -> list[str]:
    """The patients (in the table's order) whose ``flag`` column is yes."""
    return table.loc[table[flag], "patient"].tolist()


def texts(table: pd.DataFrame, column: str) -> dict[str, str | None]:
    """Patient -> the column's text (None where blank)."""
    return {p: (v or None) for p, v in zip(table["patient"], table[column], strict=True)}
