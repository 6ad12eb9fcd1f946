"""Adapter: germline VCFs (+ outside calls) -> results/pgx/cohort.tsv, recommendations.tsv."""

from precisionflow.io import write_tsv
from precisionflow.pgx.cohort import call_patients, cohort_recommendations, cohort_table, germline_inputs
from precisionflow.sheet import load_sheet
from precisionflow.workflow.runner import run_script


def main(smk):
    settings = smk.params.settings
    inputs = germline_inputs(load_sheet(smk.input.sheet), smk.params.sheet_rows, smk.params.patients)
    tables = call_patients(inputs, {**settings, "genome_build": smk.params.genome_build})
    write_tsv(cohort_table(tables), smk.output.cohort)
    write_tsv(cohort_recommendations(tables), smk.output.recommendations)


run_script(main, snakemake)  # noqa: F821 (injected by Snakemake)
