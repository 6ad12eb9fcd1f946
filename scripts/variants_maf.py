"""Adapter: a shard of patients, one after the other in this one interpreter: each patient's VCF(s) or
MAF(s) -> results/variants/{patient}.maf.tsv (public id as barcode) and {patient}.counts.tsv (what happened
to every record read). One log per shard names each patient; a patient's bad input stops the shard with one
line naming the patient and the file (the shard's outputs are removed, so none is left half-made)."""

import logging

import pyarrow as pa

from precisionflow.io import write_tsv
from precisionflow.variants.cohort import counts_table
from precisionflow.variants.filters import FilterSettings
from precisionflow.variants.lookup import References
from precisionflow.variants.maf import variants_to_maf
from precisionflow.workflow.runner import run_script

log = logging.getLogger("precisionflow.variants.shard")


def patient_options(job, smk, references, filters):
    """variants_to_maf's options for one patient (``job``: one entry of the rule's ``params.patients``)."""
    options = dict(
        patient=job["patient"],
        references=references,
        filters=filters,
        genome_build=smk.params.genome_build,
        tumor_sample=job["tumor_sample"],
    )
    if job["kind"] == "vcf":
        return options | dict(
            normal_sample=job["normal_sample"],
            claimed_samples=job["samples_named"],
            unknown_samples=smk.params.unknown_samples,
            annotation=smk.params.settings["annotation"],
        )
    return options | dict(
        raw_patient=job["sheet_id"],
        claimed_barcodes=job["barcodes_named"],
        unknown_samples=smk.params.unknown_samples,
    )


def main(smk):
    pa.set_cpu_count(max(1, smk.threads))
    settings = smk.params.settings
    references = References.load(
        smk.input.genes, smk.input.drivers or None, smk.input.hotspots or None, settings["driver_cancer_types"]
    )
    filters = FilterSettings.from_config(settings["filters"])
    jobs = smk.params.patients
    for number, (job, maf, counts) in enumerate(zip(jobs, smk.output.maf, smk.output.counts, strict=True), 1):
        patient = job["patient"]
        log.info("patient %s (%d of %d): %d %s file(s)", patient, number, len(jobs), len(job["inputs"]), job["kind"])
        options = patient_options(job, smk, references, filters)
        # an error names the file and place (the shard's log names the patient on the line before)
        results = variants_to_maf([(job["kind"], path) for path in job["inputs"]], maf, **options)
        write_tsv(counts_table(patient, results), counts)


run_script(main, snakemake)  # noqa: F821 (injected by Snakemake)
