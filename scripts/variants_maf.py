"""Adapter: one patient's VCF(s) or MAF(s) -> results/variants/{patient}.maf.tsv (public id as barcode) and
{patient}.counts.tsv (what happened to every record read)."""

import pyarrow as pa

from precisionflow.io import write_tsv
from precisionflow.variants.cohort import counts_table
from precisionflow.variants.filters import FilterSettings
from precisionflow.variants.lookup import References
from precisionflow.variants.maf import variants_to_maf
from precisionflow.workflow.runner import run_script


def main(smk):
    pa.set_cpu_count(max(1, smk.threads))
    settings = smk.params.settings
    references = References.load(
        smk.input.genes, smk.input.drivers or None, smk.input.hotspots or None, settings["driver_cancer_types"]
    )
    filters = FilterSettings.from_config(settings["filters"])
    kind = smk.params.kind
    options = dict(
        patient=smk.wildcards.patient,
        references=references,
        filters=filters,
        genome_build=smk.params.genome_build,
        tumor_sample=smk.params.tumor_sample,
    )
    if kind == "vcf":
        options |= dict(
            normal_sample=smk.params.normal_sample,
            claimed_samples=smk.params.samples_named,
            unknown_samples=smk.params.unknown_samples,
            annotation=settings["annotation"],
        )
    else:
        options |= dict(
            raw_patient=smk.params.sheet_id,
            claimed_barcodes=smk.params.barcodes_named,
            unknown_samples=smk.params.unknown_samples,
        )
    results = variants_to_maf([(kind, path) for path in smk.input.variants], smk.output.maf, **options)
    write_tsv(counts_table(smk.wildcards.patient, results), smk.output.counts)


run_script(main, snakemake)  # noqa: F821 (injected by Snakemake)
