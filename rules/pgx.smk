# Pharmacogenomics: germline VCF -> star-allele diplotypes (PharmCAT's Named Allele Matcher, by hand) ->
# CPIC phenotypes and activity scores -> dosing recommendations. Library: precisionflow/pgx/;
# settings: config "pgx:" (config/README.md). Run for the patients whose sheet row has a germline_vcf.

PGX = paths.PGX  # the step's folder; every output's path: precisionflow/workflow/paths.py
PGX_PATIENTS = patients_with("germline_vcf")
if PGX_PATIENTS:
    for _key, _what in (
        ("definitions", "PharmCAT *_translation.json files"),
        ("phenotypes", "PharmCAT phenotype {GENE}.json files"),
    ):
        _folder = config["pgx"][_key]
        if not _folder or not Path(_folder).is_dir():
            raise WorkflowError(
                f"{config_source()}: key pgx/{_key}: expected a folder of {_what} (patients have a germline_vcf), "
                f"found {'no entry' if not _folder else repr(_folder)}"
            )


localrules:
    pgx_patient_tables,


rule pgx_call:
    input:
        sheet=config["samples"],
        vcfs=pgx_germline_files("germline_vcf"),
        outside_calls=pgx_germline_files("pgx_outside_calls"),
        tables=pgx_table_files,
    output:
        cohort=report(
            paths.PGX_COHORT,
            caption="../report/pgx_cohort.rst",
            category="8. Pharmacogenomics",
            subcategory="Cohort",
            labels={"table": "diplotypes and phenotypes", "format": "TSV"},
        ),
        recommendations=report(
            paths.PGX_RECOMMENDATIONS,
            caption="../report/pgx_recommendations.rst",
            category="8. Pharmacogenomics",
            subcategory="Cohort",
            labels={"table": "dosing recommendations", "format": "TSV"},
        ),
    log:
        "logs/pgx/call.log",
    benchmark:
        "benchmarks/pgx/call.tsv"
    conda:
        "../envs/pgx.yaml"
    threads: 1
    resources:
        mem_mb=mem_mb(1000, 4),
        runtime=runtime_min(10, 0.2),
    params:
        patients=PGX_PATIENTS,
        sheet_rows=pgx_sheet_rows(),
        settings=config["pgx"],
        genome_build=config["pgx"]["genome_build"] or config["genome_build"],
    script:
        "../scripts/pgx_call.py"


# Each patient's rows of the cohort table, in a job of its own: a job's inputs (here N germline VCFs) go into
# every output's metadata record (precisionflow/workflow/patients.py), so the calling job writes cohort tables only.
rule pgx_patient_tables:
    input:
        cohort=paths.PGX_COHORT,
        patients=paths.COHORT_PATIENTS,
    output:
        patients=[
            report(
                paths.patient_pgx(patient),
                caption="../report/pgx_patient.rst",
                category="8. Pharmacogenomics",
                subcategory=patient,
                labels={"patient": patient, "content": "diplotypes and phenotypes"},
            )
            for patient in PGX_PATIENTS
        ],
    log:
        "logs/pgx/patient_tables.log",
    conda:
        "../envs/pgx.yaml"
    threads: 1
    resources:
        mem_mb=mem_mb(500, 4),
        runtime=runtime_min(5, 0.05),
    script:
        "../scripts/pgx_patients.py"
