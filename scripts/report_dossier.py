"""Adapter: the step outputs -> results/report/patients/{patient}.html, {patient}.fhir.json and index.html."""

from precisionflow.dossier.build import Header, load_cohort, reference_versions
from precisionflow.dossier.gather import Sources
from precisionflow.dossier.pipeline import write_dossiers
from precisionflow.workflow.runner import run_script


def main(smk):
    patients = list(smk.params.patients)
    paths = {}
    for name, value in smk.input.items():
        if name == "references" or name.endswith("_job"):  # a job's table standing for its patients' files
            continue
        per_patient = smk.params.per_patient.get(name)
        paths[name] = dict(zip(per_patient, value, strict=True)) if per_patient is not None else str(value)
    paths |= {name: dict(files) for name, files in smk.params.job_files.items()}
    references = dict(zip(smk.params.reference_names, smk.input.references, strict=True))
    header = Header(
        cohort=smk.params.cohort,
        date=smk.params.date,
        version=smk.params.version,
        genome_build=smk.params.genome_build,
        references=reference_versions(references),
        tumor_types=dict(smk.params.tumor_types),
    )
    cohort = load_cohort(patients, Sources(paths=paths), header)
    write_dossiers(
        cohort,
        dict(zip(patients, smk.output.pages, strict=True)),
        dict(zip(patients, smk.output.bundles, strict=True)),
        smk.output.index,
        processes=smk.threads,
    )


run_script(main, snakemake)  # noqa: F821 (injected by Snakemake)
