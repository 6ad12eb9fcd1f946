# The cohort as given: which patient has which input, for the report and for the steps' planning.


localrules:
    cohort_overview,
    cohort_steps,
    cohort_patients,


rule cohort_overview:
    input:
        sheet=SHEET_PATH,
        layers=[config["omics"][layer]["path"] for layer in LAYERS],
    output:
        report(
            paths.COHORT_OVERVIEW,
            caption="../report/cohort_overview.rst",
            category="1. Cohort",
        ),
    log:
        "logs/cohort/cohort_overview.log",
    conda:
        "../envs/base.yaml"
    threads: 1
    resources:
        mem_mb=mem_mb(500, 2),
        runtime=runtime_min(5),
    params:
        public_ids=PUBLIC_ID,
        clinical=clinical_columns(),
        layers={layer: config["omics"][layer] for layer in LAYERS},
        label=config["label"],
        unknown_samples=config["unknown_samples"],
    script:
        "../scripts/cohort_overview.py"


rule cohort_steps:
    output:
        report(paths.COHORT_STEPS, caption="../report/cohort_steps.rst", category="1. Cohort"),
    log:
        "logs/cohort/cohort_steps.log",
    conda:
        "../envs/base.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    params:
        # a function: the decisions use every step's globals (MAF_PATIENTS ...), defined after this file
        steps=lambda w: cohort_steps(),
    script:
        "../scripts/cohort_steps.py"


# One row per patient for the jobs that write one file per patient (targets, actionability, dossiers): they
# read it instead of taking N-long params or N inputs (precisionflow/workflow/patients.py says why).
rule cohort_patients:
    input:
        sheet=SHEET_PATH,
    output:
        paths.COHORT_PATIENTS,
    log:
        "logs/cohort/cohort_patients.log",
    conda:
        "../envs/base.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    params:
        # a function: the rows use every step's globals (MAF_PATIENTS, TUMOUR_TYPES ...), defined after this file
        rows=lambda w: cohort_patient_rows(),
    script:
        "../scripts/cohort_patients.py"
