"""Adapter: the patients' MAFs and TMB -> results/variants/oncoplot.png (report figure)."""

import pandas as pd

from precisionflow.plots import save_png
from precisionflow.variants.cohort import oncoplot
from precisionflow.workflow.runner import run_script


def main(smk):
    tmb = pd.read_csv(smk.input.tmb, sep="\t", dtype={"patient": str})
    save_png(oncoplot(dict(zip(smk.params.patients, smk.input.mafs)), tmb, smk.params.top_n), smk.output[0])


run_script(main, snakemake)  # noqa: F821 (injected by Snakemake)
