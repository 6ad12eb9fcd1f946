"""Adapter: the patients' MAFs -> results/variants/tmb.tsv and mutations.h5ad."""

from precisionflow.io import write_h5ad, write_tsv
from precisionflow.variants.cohort import mutation_matrix, tmb_table
from precisionflow.workflow.runner import run_script


def main(smk):
    settings = smk.params.settings
    mafs = dict(zip(smk.params.patients, smk.input.mafs))
    tmb = tmb_table(mafs, settings["tmb_capture_mb"])
    write_tsv(tmb, smk.output.tmb)
    uns = {key: settings[key] for key in ("filters", "annotation", "tmb_capture_mb", "driver_cancer_types")}
    uns["genome_build"] = smk.params.genome_build
    write_h5ad(mutation_matrix(mafs, tmb, uns), smk.output.matrix)


run_script(main, snakemake)  # noqa: F821 (injected by Snakemake)
