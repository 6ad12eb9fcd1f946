# Patient dossiers: one self-contained HTML page and one HL7 FHIR R4 (Genomics Reporting) bundle per
# patient, and the cohort index. Library: precisionflow/dossier/; sources and their paths: SPEC.md.

from datetime import datetime, timezone

from precisionflow.dossier.build import workflow_version
from precisionflow.dossier.sources import patient_path, SOURCES

DOSSIERS = "results/report/patients"


def dossier_sources():
    """Each optional source of the dossiers -> its path (or {patient: path}) when its step is part of this
    workflow, else None (the dossier then prints the source's reason, precisionflow/dossier/sources.py).
    Wiring a step's output into the dossiers is one line here."""
    integration = integration_outputs()
    made = lambda name: SOURCES[name].path if SOURCES[name].path in integration else None  # noqa: E731
    return {
        "mafs": {p: patient_path("mafs", p) for p in MAF_PATIENTS} if MAF_PATIENTS else None,
        "copy_number": SOURCES["copy_number"].path if CNA_PATIENTS else None,
        "tmb": SOURCES["tmb"].path if MAF_PATIENTS else None,
        "cohort_h5mu": made("cohort_h5mu") if LAYERS else None,
        "clusters": made("clusters") if LAYERS else None,
        "predictions": made("predictions") if LAYERS else None,
        "model_metrics": made("model_metrics") if LAYERS else None,
        "fairness": made("fairness") if LAYERS else None,
        "targets": {p: patient_path("targets", p) for p in PATIENTS},
        # Steps being built on other branches (issues 14-18): set their line to the SOURCES path (or a
        # {patient: path} map) under the condition their rule file uses, when merging.
        "actionable": None,  # issue 14: SOURCES["actionable"].path if <actionability resource given>
        "pgx": None,  # issue 16: SOURCES["pgx"].path if patients_with("germline_vcf")
        "pgx_recommendations": None,  # issue 16
        "risk": None,  # issue 17: SOURCES["risk"].path if config["outcome"]
        "contributions": None,  # issue 17
        "outcome_metrics": None,  # issue 17
        "explanations": None,  # issue 18
        "steps": None,  # issue 15
        "input_summary": None,  # issue 15
    }


def dossier_inputs(wildcards):
    """The available sources as named inputs (per-patient ones as lists), and the reference tables."""
    inputs = {name: list(path.values()) if isinstance(path, dict) else path for name, path in dossier_sources().items() if path}
    inputs["references"] = [config["resources"][name] for name in sorted(config["resources"])]
    return inputs


def report_date():
    """The dossiers' date: the config's, else the sample sheet's modification day (the same on reruns)."""
    if config["report_date"]:
        return str(config["report_date"])
    return datetime.fromtimestamp(Path(SHEET_PATH).stat().st_mtime, tz=timezone.utc).date().isoformat()


rule report_dossiers:
    input:
        unpack(dossier_inputs),
    output:
        pages=[
            report(
                f"{DOSSIERS}/{patient}.html",
                caption="../report/dossier_page.rst",
                category="6. Patients",
                subcategory=patient,
                labels={"patient": patient, "content": "dossier (self-contained HTML)"},
            )
            for patient in PATIENTS
        ],
        bundles=[f"{DOSSIERS}/{patient}.fhir.json" for patient in PATIENTS],
        index=report(
            f"{DOSSIERS}/index.html",
            caption="../report/dossier_index.rst",
            category="7. Dossiers",
            labels={"page": "cohort index of the dossiers"},
        ),
    params:
        patients=PATIENTS,
        per_patient={name: list(path) for name, path in dossier_sources().items() if isinstance(path, dict)},
        absent=sorted(name for name, path in dossier_sources().items() if not path),
        reference_names=sorted(config["resources"]),
        cohort=config["cohort"],
        date=report_date(),
        version=workflow_version(f"{workflow.basedir}/pyproject.toml"),
        genome_build=config["genome_build"],
        # public id -> OncoTree code: the sheet's tumor_type column, else the config's
        tumor_types={p: sheet_value(p, "tumor_type") or config.get("tumor_type") or "" for p in PATIENTS},
    log:
        "logs/report/dossiers.log",
    benchmark:
        "benchmarks/report/dossiers.tsv"
    conda:
        "../envs/report.yaml"
    threads: 1
    resources:
        mem_mb=mem_mb(1000, 6),
        runtime=runtime_min(10, 0.5),
    script:
        "../scripts/report_dossier.py"
