# Patient dossiers: one self-contained HTML page and one HL7 FHIR R4 (Genomics Reporting) bundle per
# patient, and the cohort index. Library: precisionflow/dossier/; sources and their paths: SPEC.md.

DOSSIERS = paths.DOSSIERS  # the step's folder; every output's path: precisionflow/workflow/paths.py
# Which step output feeds the dossiers: dossier_sources() in rules/common.smk (one line per source).


rule report_dossiers:
    input:
        unpack(dossier_inputs),
    output:
        pages=[
            report(
                paths.patient_dossier(patient),
                caption="../report/dossier_page.rst",
                category="6. Patients",
                subcategory=patient,
                labels={"patient": patient, "content": "dossier (self-contained HTML)"},
            )
            for patient in PATIENTS
        ],
        bundles=[paths.patient_bundle(patient) for patient in PATIENTS],
        index=report(
            paths.DOSSIER_INDEX,
            caption="../report/dossier_index.rst",
            category="9. Dossiers",
            labels={"page": "cohort index of the dossiers"},
        ),
    log:
        "logs/report/dossiers.log",
    benchmark:
        "benchmarks/report/dossiers.tsv"
    conda:
        "../envs/report.yaml"
    # patients are written in parallel (forked workers): about one thread per 100 patients' inputs
    threads: threads_for(input_mb_per_thread=100, max_threads=8)
    resources:
        mem_mb=mem_mb(1000, 6),
        runtime=runtime_min(10, 0.5),
    params:
        per_patient=dossier_per_patient(),
        reference_names=sorted(config["resources"]),
        cohort=config["cohort"],
        date=report_date(),
        version=workflow_version(f"{workflow.basedir}/pyproject.toml"),
        genome_build=config["genome_build"],
    script:
        "../scripts/report_dossier.py"
