"""Adapter: the patients' copy-number segments -> results/variants/copy_number.tsv (gene-level calls)."""

from precisionflow.io import write_tsv
from precisionflow.references import contig_matcher, read_genes
from precisionflow.runner import run_script
from precisionflow.variants.copy_number import CopyNumberSettings, combine, gene_copy_number, read_segments


def main(smk):
    genes = read_genes(smk.input.genes)
    match = contig_matcher(genes["chrom"].unique())
    settings = CopyNumberSettings.from_config(smk.params.settings)
    tables = []
    for patient, path, sex, sample in zip(smk.params.patients, smk.input.segments, smk.params.sex, smk.params.tumor_samples):
        tables.append(gene_copy_number(read_segments(path, match, sample), genes, patient, settings, sex))
    write_tsv(combine(tables), smk.output[0])


run_script(main, snakemake)  # noqa: F821 (injected by Snakemake)
