"""Adapter: the patients' copy-number files (segments or gene calls) -> results/variants/copy_number.tsv
(gene-level calls) and copy_number_inputs.tsv (records read, kept and dropped per file)."""

from precisionflow.io import write_tsv
from precisionflow.references import contig_matcher, read_genes
from precisionflow.variants.copy_number import CopyNumberSettings, TumourFacts, combine, input_summary
from precisionflow.variants.gene_calls import patient_copy_number
from precisionflow.workflow.runner import run_script


def main(smk):
    genes = read_genes(smk.input.genes)
    match = contig_matcher(genes["chrom"].unique())
    settings = CopyNumberSettings.from_config(smk.params.settings)
    tables, counts = [], []
    for patient, path, sample, sheet_id, (sex, purity, ploidy) in zip(
        smk.params.patients, smk.input.segments, smk.params.tumor_samples, smk.params.sheet_ids, smk.params.facts
    ):
        table, count = patient_copy_number(
            path, genes, match, patient, settings, TumourFacts(sex, purity, ploidy), sample=sample, sheet_id=sheet_id
        )
        tables.append(table)
        counts.append(count)
    write_tsv(combine(tables), smk.output.calls)
    write_tsv(input_summary(counts), smk.output.inputs)


run_script(main, snakemake)  # noqa: F821 (injected by Snakemake)
