"""Adapter: sample sheet + layer headers -> results/cohort/overview.tsv."""

from precisionflow.cohort import overview
from precisionflow.io import write_tsv
from precisionflow.omics.sample_columns import layer_sample_ids
from precisionflow.sheet import load_sheet
from precisionflow.workflow.runner import run_script


def main(smk):
    sheet = load_sheet(smk.input.sheet)
    layer_samples = {
        name: layer_sample_ids(cfg["path"], cfg["type"], cfg["format"], cfg["orientation"])
        for name, cfg in smk.params.layers.items()
    }
    write_tsv(overview(sheet, smk.params.public_ids, smk.params.clinical, layer_samples), smk.output[0])


run_script(main, snakemake)  # noqa: F821 (injected by Snakemake)
