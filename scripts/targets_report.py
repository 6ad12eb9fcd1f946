"""Adapter: results/targets/*.tsv -> the report's pages (cohort, one per patient) and evidence figure."""

from precisionflow.io import read_table, write_text
from precisionflow.outcome.summary import patient_outcome_note
from precisionflow.plots import save_png
from precisionflow.targets.inputs import read_actionable, read_targets
from precisionflow.targets.report import cohort_page, evidence_figure, patient_page
from precisionflow.targets.settings import with_defaults
from precisionflow.workflow.runner import run_script


def main(smk):
    settings = with_defaults(smk.params.settings)
    cohort = read_targets(smk.input.cohort)
    write_text(cohort_page(cohort, settings, smk.params.cohort), smk.output.cohort_page)
    save_png(evidence_figure(cohort, settings), smk.output.figure)
    tables = smk.params.patient_actionable
    actionable = dict(zip(smk.params.patients, tables, strict=True)) if tables else {}
    # the outcome step's risk group and Cox contributions, when the config has an outcome
    risk = shares = None
    if smk.input.risk:
        risk = read_table(smk.input.risk[0], sep="\t", dtype={"patient": str})
        shares = read_table(smk.input.contributions[0], sep="\t", dtype={"patient": str})
    for patient, table_path, page in zip(
        smk.params.patients, smk.params.patient_tables, smk.output.patient_pages, strict=True
    ):
        lead = read_actionable(actionable[patient]) if patient in actionable else None
        note = patient_outcome_note(patient, risk, shares) if risk is not None else ""
        write_text(patient_page(patient, read_targets(table_path), settings, lead, note), page)


run_script(main, snakemake)  # noqa: F821 (injected by Snakemake)
