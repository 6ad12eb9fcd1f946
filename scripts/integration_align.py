"""Adapter: results/omics/{layer}.h5ad + the sheet's clinical columns -> results/integration/aligned.h5mu."""

from threadpoolctl import threadpool_limits

from precisionflow.integration.align import clinical_table
from precisionflow.integration.pipeline import build_cohort, write_h5mu
from precisionflow.sheet import load_sheet
from precisionflow.workflow.runner import run_script


def main(smk):
    sheet = load_sheet(smk.input.sheet)
    clinical = clinical_table(sheet, smk.params.public_ids, smk.params.clinical)
    with threadpool_limits(smk.threads):
        mdata = build_cohort(dict(zip(smk.params.layers, smk.input.layers, strict=True)), clinical, smk.params.settings)
    write_h5mu(mdata, smk.output.mudata)


run_script(main, snakemake)  # noqa: F821 (injected by Snakemake)
