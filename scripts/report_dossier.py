"""Adapter: the step outputs -> results/report/patients/{patient}.html, {patient}.fhir.json and index.html."""

from precisionflow.dossier.build import Header, load_cohort, reference_versions
from precisionflow.dossier.gather import Sources
from precisionflow.dossier.pipeline import write_dossiers
from precisionflow.dossier.sections import GENOMIC_INPUTS
from precisionflow.dossier.sources import patient_path
from precisionflow.workflow import paths as output_paths
from precisionflow.workflow.patients import patients_with, read_patients, texts
from precisionflow.workflow.runner import run_script


def main(smk):
    table = read_patients(smk.input.patients)
    patients = table["patient"].tolist()
    paths = {
        name: str(value)
        for name, value in smk.input.items()
        # not the job tables standing for their patients' files
        if name not in ("references", "patients") and not name.endswith("_job")
    }
    for name, flag in smk.params.per_patient.items():
        having = patients if flag is None else patients_with(table, flag)
        paths[name] = {p: patient_path(name, p) for p in having}
    references = dict(zip(smk.params.reference_names, smk.input.references, strict=True))
    flagged = {flag: set(patients_with(table, flag)) for flag in GENOMIC_INPUTS}
    header = Header(
        cohort=smk.params.cohort,
        date=smk.params.date,
        version=smk.params.version,
        genome_build=smk.params.genome_build,
        references=reference_versions(references),
        tumor_types={p: t or "" for p, t in texts(table, "tumor_type").items()},
        genomic_inputs={p: [flag for flag in GENOMIC_INPUTS if p in flagged[flag]] for p in patients},
    )
    cohort = load_cohort(patients, Sources(paths=paths), header)
    write_dossiers(
        cohort,
        {p: output_paths.patient_dossier(p) for p in patients},
        {p: output_paths.patient_bundle(p) for p in patients},
        smk.output.index,
        processes=smk.threads,
    )


run_script(main, snakemake)  # noqa: F821 (injected by Snakemake)
