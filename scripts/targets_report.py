"""Adapter: results/targets/*.tsv -> the report's pages (cohort, one per patient) and evidence figure."""

from precisionflow.io import read_table, write_text
from precisionflow.outcome.summary import patient_outcome_note
from precisionflow.plots import save_png
from precisionflow.targets.inputs import read_actionable, read_targets
from precisionflow.targets.report import cohort_page, evidence_figure, patient_page
from precisionflow.targets.settings import with_defaults
from precisionflow.workflow import paths
from precisionflow.workflow.patients import read_patients
from precisionflow.workflow.runner import run_script


def main(smk):
    settings = with_defaults(smk.params.settings)
    cohort = read_targets(smk.input.cohort)
    write_text(cohort_page(cohort, settings, smk.params.cohort), smk.output.cohort_page)
    save_png(evidence_figure(cohort, settings), smk.output.figure)
    patients = read_patients(smk.input.patients)["patient"].tolist()
    # the outcome step's risk group and Cox contributions, when the config has an outcome
    risk = shares = None
    if smk.input.risk:
        risk = read_table(smk.input.risk[0], sep="\t", dtype={"patient": str})
        shares = read_table(smk.input.contributions[0], sep="\t", dtype={"patient": str})
    for patient in patients:
        lead = read_actionable(paths.patient_actionable(patient)) if smk.input.actionable else None
        note = patient_outcome_note(patient, risk, shares) if risk is not None else ""
        page = patient_page(patient, read_targets(paths.patient_targets(patient)), settings, lead, note)
        write_text(page, paths.patient_targets_page(patient))


run_script(main, snakemake)  # noqa: F821 (injected by Snakemake)
