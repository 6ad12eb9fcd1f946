"""Adapter: one layer's file -> results/omics/{layer}.h5ad and its two QC figures."""

from precisionflow.io import write_h5ad
from precisionflow.omics.figures import pca_figure, sample_qc_figure
from precisionflow.omics.layer import build_layer
from precisionflow.workflow.runner import run_script


def main(smk):
    adata = build_layer(
        smk.wildcards.layer,
        smk.params.settings,
        public_ids=smk.params.public_ids,
        drop_unknown=smk.params.unknown_samples == "drop",
        sheet_columns=smk.params.sheet_columns,
        sheet_path=smk.params.sheet_path,
        genes=smk.input.genes,
        threads=smk.threads,
        config_source=smk.params.config_source,
    )
    write_h5ad(adata, smk.output.h5ad)
    sample_qc_figure(adata, smk.output.samples)
    pca_figure(adata, smk.output.pca)


run_script(main, snakemake)  # noqa: F821 (injected by Snakemake)
