"""Adapter: aligned.h5mu -> the MOFA+ model (parts/mofa.h5ad). Only mudata and mofapy2 are loaded here:
clusters, UMAP, tables and figures run in the next job (scripts/integration_clusters.py)."""

from threadpoolctl import threadpool_limits

from precisionflow.integration.factors import write_result
from precisionflow.integration.pipeline import factor_model, read_h5mu
from precisionflow.workflow.runner import run_script


def main(smk):
    mdata = read_h5mu(smk.input.mudata)
    with threadpool_limits(smk.threads):
        model = factor_model(mdata, smk.params.settings)
    write_result(model, smk.output.model)


run_script(main, snakemake)  # noqa: F821 (injected by Snakemake)
