"""Adapter: aligned.h5mu + the MOFA+ model -> clusters, UMAP (cohort.h5mu, clusters.tsv, factor tables, figures)."""

import json

from threadpoolctl import threadpool_limits

from precisionflow.integration import figures
from precisionflow.integration.factors import read_result
from precisionflow.integration.pipeline import joint_factors, label_series, read_h5mu, rounded, write_h5mu
from precisionflow.io import write_text, write_tsv
from precisionflow.plots import save_png
from precisionflow.workflow.runner import run_script


def main(smk):
    mdata = read_h5mu(smk.input.mudata)
    with threadpool_limits(smk.threads):
        out = joint_factors(mdata, smk.params.settings, smk.params.label, read_result(smk.input.model))
    write_h5mu(mdata, smk.output.mudata)
    write_tsv(out.clusters, smk.output.clusters)
    write_tsv(out.factor_table.round(6), smk.output.factors)
    write_tsv(out.gene_weights.round(6), smk.output.gene_weights)
    write_text(json.dumps(rounded(out.metrics), indent=2) + "\n", smk.output.metrics)
    save_png(figures.variance_explained(out.variance_explained), smk.output.variance_figure)
    labels = label_series(mdata, smk.params.label)
    save_png(
        figures.umap(out.umap, out.clusters.set_index("patient")["cluster"], labels, smk.params.label),
        smk.output.umap_figure,
    )


run_script(main, snakemake)  # noqa: F821 (injected by Snakemake)
