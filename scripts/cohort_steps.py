"""Adapter: the steps the cohort's shape lets run (decided at parse time) -> results/cohort/steps.tsv."""

import pandas as pd

from precisionflow.io import write_tsv
from precisionflow.steps import STEP_COLUMNS
from precisionflow.workflow.runner import run_script


def main(smk):
    write_tsv(pd.DataFrame(list(smk.params.steps), columns=list(STEP_COLUMNS)), smk.output[0])


run_script(main, snakemake)  # noqa: F821 (injected by Snakemake)
