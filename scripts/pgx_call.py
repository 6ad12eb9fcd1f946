"""Adapter: germline VCFs (+ outside calls) -> results/pgx/{patient}.tsv, cohort.tsv, recommendations.tsv."""

from precisionflow.io import write_tsv
from precisionflow.pgx.cohort import GermlineInput, call_patients, cohort_recommendations, cohort_table
from precisionflow.runner import run_script


def main(smk):
    settings = smk.params.settings
    inputs = [GermlineInput(**row) for row in smk.params.inputs]
    tables = call_patients(
        inputs, settings["definitions"], settings["phenotypes"], settings["genes"], settings["max_missing_share"]
    )
    for patient, path in zip(smk.params.patients, smk.output.patients, strict=True):
        write_tsv(tables[patient], path)
    write_tsv(cohort_table(tables), smk.output.cohort)
    write_tsv(cohort_recommendations(tables), smk.output.recommendations)


run_script(main, snakemake)  # noqa: F821 (injected by Snakemake)
