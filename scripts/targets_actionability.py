"""Adapter: variant tables, the sheet's fusions, germline MAFs and MSI status, MOAlmanac, OncoTree ->
results/targets/actionable.tsv and one table per patient."""

from precisionflow.actionability.pipeline import ActionabilityInputs, run
from precisionflow.targets.settings import with_defaults
from precisionflow.workflow.runner import run_script


def optional(files):
    """A named input that may be absent: one path (a string) or an empty list."""
    if isinstance(files, str):
        return files or None
    return files[0] if len(files) else None


def main(smk):
    step = ActionabilityInputs(
        patients=smk.params.patients,
        tumour_types=dict(smk.params.tumour_types),
        knowledge_base=smk.input.knowledge_base,
        oncotree=smk.input.oncotree,
        mafs=dict(zip(smk.params.variant_patients, smk.input.mafs, strict=True)),
        copy_number=optional(smk.input.copy_number),
        tmb=optional(smk.input.tmb),
        drivers=optional(smk.input.drivers),
        fusions=dict(zip(smk.params.fusion_patients, smk.input.fusions, strict=True)),
        germline_mafs=dict(zip(smk.params.germline_patients, smk.input.germline_mafs, strict=True)),
        msi_status=dict(smk.params.msi_status),
    )
    run(
        step,
        with_defaults(smk.params.settings),
        smk.output.cohort,
        dict(zip(smk.params.patients, smk.output.patients, strict=True)),
    )


run_script(main, snakemake)  # noqa: F821 (injected by Snakemake)
