"""Adapter: each patient's inputs, tumour type and label (decided at parse time) -> results/cohort/patients.tsv."""

from precisionflow.workflow.patients import write_patients
from precisionflow.workflow.runner import run_script


def main(smk):
    write_patients(smk.params.rows, smk.output[0])


run_script(main, snakemake)  # noqa: F821 (injected by Snakemake)
