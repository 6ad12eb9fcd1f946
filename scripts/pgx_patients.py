"""Adapter: results/pgx/cohort.tsv -> results/pgx/{patient}.tsv (each patient's rows)."""

from precisionflow.io import read_table, write_tsv
from precisionflow.pgx.cohort import patient_tables
from precisionflow.workflow import paths
from precisionflow.workflow.patients import patients_with, read_patients
from precisionflow.workflow.runner import run_script


def main(smk):
    # text as written (no number re-formatted, "NA" kept): each patient's file holds the cohort table's bytes
    cohort = read_table(smk.input.cohort, sep="\t", dtype=str, keep_default_na=False, what="the PGx cohort table")
    patients = patients_with(read_patients(smk.input.patients), "germline_vcf")
    for patient, table in patient_tables(cohort, patients).items():
        write_tsv(table, paths.patient_pgx(patient))


run_script(main, snakemake)  # noqa: F821 (injected by Snakemake)
