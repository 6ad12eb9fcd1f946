"""Adapter: variant tables, the sheet's fusions, germline MAFs and MSI status, MOAlmanac, OncoTree ->
results/targets/actionable.tsv and one table per patient."""

from precisionflow.actionability.pipeline import ActionabilityInputs, run
from precisionflow.targets.settings import with_defaults
from precisionflow.workflow import paths
from precisionflow.workflow.patients import patients_with, read_patients, texts
from precisionflow.workflow.runner import run_script


def optional(files):
    """A named input that may be absent: one path (a string) or an empty list."""
    if isinstance(files, str):
        return files or None
    return files[0] if len(files) else None


def main(smk):
    table = read_patients(smk.input.patients)
    patients = table["patient"].tolist()
    step = ActionabilityInputs(
        patients=patients,
        tumour_types=texts(table, "oncotree_code"),
        knowledge_base=smk.input.knowledge_base,
        oncotree=smk.input.oncotree,
        mafs={p: paths.patient_maf(p) for p in patients_with(table, "variants")},
        copy_number=optional(smk.input.copy_number),
        tmb=optional(smk.input.tmb),
        drivers=optional(smk.input.drivers),
        # the sheet's files, in the order of the patients that have one (rules/common.smk sheet_files)
        fusions=dict(zip(patients_with(table, "fusions"), smk.input.fusions, strict=True)),
        germline_mafs=dict(zip(patients_with(table, "germline_maf"), smk.input.germline_mafs, strict=True)),
        msi_status={p: status for p, status in texts(table, "msi_status").items() if status},
    )
    run(
        step,
        with_defaults(smk.params.settings),
        smk.output.cohort,
        {p: paths.patient_actionable(p) for p in patients},
    )


run_script(main, snakemake)  # noqa: F821 (injected by Snakemake)
