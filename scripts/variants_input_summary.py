"""Adapter: the patients' results/variants/{patient}.counts.tsv and copy_number_inputs.tsv ->
results/cohort/input_summary.tsv."""

from precisionflow.io import write_tsv
from precisionflow.variants.cohort import input_summary
from precisionflow.workflow.runner import run_script


def main(smk):
    copy_number = smk.input.copy_number_inputs[0] if smk.input.copy_number_inputs else None
    write_tsv(input_summary(smk.input.counts, copy_number), smk.output[0])


run_script(main, snakemake)  # noqa: F821 (injected by Snakemake)
