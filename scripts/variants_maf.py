"""Adapter: one patient's VCF or MAF -> results/variants/{patient}.maf.tsv (public id as barcode)."""

import pyarrow as pa

from precisionflow.runner import run_script
from precisionflow.variants.maf import FilterSettings, References, maf_to_maf, vcf_to_maf


def main(smk):
    pa.set_cpu_count(max(1, smk.threads))
    settings = smk.params.settings
    references = References.load(
        smk.input.genes, smk.input.drivers or None, smk.input.hotspots or None, settings["driver_cancer_types"]
    )
    filters = FilterSettings.from_config(settings["filters"])
    common = dict(patient=smk.wildcards.patient, references=references, filters=filters, genome_build=smk.params.genome_build)
    if smk.params.kind == "vcf":
        vcf_to_maf(
            smk.input.variants, smk.output[0], tumor_sample=smk.params.tumor_sample, normal_sample=smk.params.normal_sample,
            claimed_samples=smk.params.samples_named, unknown_samples=smk.params.unknown_samples,
            annotation=settings["annotation"], **common,
        )
    else:
        maf_to_maf(smk.input.variants, smk.output[0], tumor_sample=smk.params.tumor_sample, raw_patient=smk.params.sheet_id, **common)


run_script(main, snakemake)  # noqa: F821 (injected by Snakemake)
