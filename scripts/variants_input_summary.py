"""Adapter: the patients' results/variants/{patient}.counts.tsv -> results/cohort/input_summary.tsv."""

from precisionflow.io import write_tsv
from precisionflow.runner import run_script
from precisionflow.variants.cohort import input_summary


def main(smk):
    write_tsv(input_summary(smk.input.counts), smk.output[0])


run_script(main, snakemake)  # noqa: F821 (injected by Snakemake)
