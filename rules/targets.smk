# Target prioritization: evidence per gene and type (mutations, copy number, RNA, protein, integration,
# druggability), the Open Targets harmonic-sum score, ranked tables for the cohort and every patient,
# and their report pages. Library: precisionflow/targets/; settings: config "targets:" (config/README.md).

from precisionflow.actionability.knowledge import read_moalmanac
from precisionflow.actionability.oncotree import patient_tumour_types
from precisionflow.targets.layer_evidence import layer_kinds

TARGETS = paths.TARGETS  # the step's folder; every output's path: precisionflow/workflow/paths.py
# Layers that give RNA or protein evidence (by layer type, or as "targets: layers:" says).
TARGET_LAYERS = stop_on_input_error(layer_kinds, config["omics"], config["targets"]["layers"])
# Patients with a MAF and with copy-number calls: MAF_PATIENTS, CNA_PATIENTS of rules/variants.smk.

# Clinical actionability (MOAlmanac, AMP tiers) when the config names a knowledge base; each patient's
# OncoTree code (sheet column tumor_type, else the config's tumor_type), checked before any job runs.
ACTIONABILITY = "actionability" in config["resources"]
TUMOUR_TYPES = {}
if ACTIONABILITY:
    # the knowledge base is read once here (a second or less) so that a wrong file stops the run before any job
    stop_on_input_error(read_moalmanac, resource("actionability"))
    TUMOUR_TYPES = stop_on_input_error(
        patient_tumour_types,
        resource("oncotree"),
        config["tumor_type"],
        {p: sheet_value(p, "tumor_type") for p in PATIENTS},
        config_source(),
        SHEET_PATH,
    )


localrules:
    targets_report,


rule targets_prioritize:
    input:
        # which patient has what (one file: N-long params or N inputs cost N x N in Snakemake's metadata)
        patients=paths.COHORT_PATIENTS,
        # the TMB table stands for the patients' MAFs (its job reads them all; the script takes their paths)
        mafs=[paths.TMB] if MAF_PATIENTS else [],
        copy_number=[paths.COPY_NUMBER] if CNA_PATIENTS else [],
        layers=expand(paths.omics_layer("{layer}"), layer=sorted(TARGET_LAYERS)),
        # integration's outputs only when the cohort's shape lets it run (INTEGRATION_STEP, rules/common.smk)
        gene_weights=[paths.FACTOR_GENE_WEIGHTS] if INTEGRATION_STEP.ran else [],
        clusters=[paths.CLUSTERS] if INTEGRATION_STEP.ran else [],
        predictions=[paths.PREDICTIONS] if CLASSIFIER_STEP.ran else [],
        drivers=config["resources"].get("drivers", []),
        drug_gene=config["resources"].get("drug_gene", []),
        drug_categories=config["resources"].get("drug_categories", []),
        knowledge_base=config["resources"].get("actionability", []),
        actionable=[paths.ACTIONABLE] if ACTIONABILITY else [],
    output:
        cohort=report(
            paths.COHORT_TARGETS,
            caption="../report/targets_cohort_table.rst",
            category="5. Targets",
            subcategory="Cohort targets",
            labels={"table": "cohort targets", "format": "TSV (all genes)"},
        ),
        patients=[
            report(
                paths.patient_targets(patient),
                caption="../report/targets_patient_table.rst",
                category="6. Patients",
                subcategory=patient,
                labels={"patient": patient, "content": "all targets (TSV)"},
            )
            for patient in PATIENTS
        ],
    log:
        "logs/targets/prioritize.log",
    benchmark:
        "benchmarks/targets/prioritize.tsv"
    conda:
        "../envs/targets.yaml"
    threads: threads_for(input_mb_per_thread=200, max_threads=4)
    resources:
        mem_mb=mem_mb(1500, 5),
        runtime=runtime_min(10, 0.2),
    params:
        layers=TARGET_LAYERS,
        label=config["label"],
        settings=config["targets"],
    script:
        "../scripts/targets_prioritize.py"


rule targets_actionability:
    input:
        patients=paths.COHORT_PATIENTS,
        copy_number=[paths.COPY_NUMBER] if CNA_PATIENTS else [],
        # also stands for the patients' MAFs (its job reads them all; the script takes their paths)
        tmb=[paths.TMB] if MAF_PATIENTS else [],
        drivers=config["resources"].get("drivers", []),
        knowledge_base=config["resources"].get("actionability", []),
        oncotree=config["resources"].get("oncotree", []),
        # the optional sheet files of each patient (sheet columns fusions, germline_maf)
        fusions=sheet_files("fusions"),
        germline_mafs=sheet_files("germline_maf"),
    output:
        cohort=report(
            paths.ACTIONABLE,
            caption="../report/targets_actionable_table.rst",
            category="5. Targets",
            subcategory="Clinical actionability",
            labels={"table": "actionable alterations (AMP/ASCO/CAP tiers)", "format": "TSV"},
        ),
        patients=[
            report(
                paths.patient_actionable(patient),
                caption="../report/targets_actionable_table.rst",
                category="6. Patients",
                subcategory=patient,
                labels={"patient": patient, "content": "actionable alterations (TSV)"},
            )
            for patient in PATIENTS
        ],
    log:
        "logs/targets/actionability.log",
    benchmark:
        "benchmarks/targets/actionability.tsv"
    conda:
        "../envs/targets.yaml"
    threads: 1
    resources:
        mem_mb=mem_mb(1000, 4),
        runtime=runtime_min(5, 0.1),
    params:
        settings=config["targets"],
    script:
        "../scripts/targets_actionability.py"


rule targets_report:
    input:
        patients=paths.COHORT_PATIENTS,
        cohort=paths.COHORT_TARGETS,
        # the cohort tables stand for their jobs' per-patient tables (params below): asking a job for each of
        # N files made the DAG scan its N outputs per file (planning in N squared)
        actionable=[paths.ACTIONABLE] if ACTIONABILITY else [],
        # the patient pages show the outcome step's risk group and contributions (when configured)
        risk=[paths.RISK] if config["outcome"] else [],
        contributions=[paths.CONTRIBUTIONS] if config["outcome"] else [],
    output:
        cohort_page=report(
            paths.TARGETS_PAGE,
            caption="../report/targets_cohort_page.rst",
            category="5. Targets",
            subcategory="Cohort targets",
            labels={"table": "cohort targets", "format": "top targets (page)"},
        ),
        figure=report(
            paths.EVIDENCE_FIGURE,
            caption="../report/targets_evidence_figure.rst",
            category="5. Targets",
            subcategory="Cohort targets",
            labels={"table": "cohort targets", "format": "evidence behind the scores (figure)"},
        ),
        patient_pages=[
            report(
                paths.patient_targets_page(patient),
                caption="../report/targets_patient_page.rst",
                category="6. Patients",
                subcategory=patient,
                labels={"patient": patient, "content": "top targets, evidence and drugs"},
            )
            for patient in PATIENTS
        ],
    log:
        "logs/targets/report.log",
    conda:
        "../envs/targets.yaml"
    threads: 1
    resources:
        mem_mb=mem_mb(500, 4),
        runtime=runtime_min(5, 0.1),
    params:
        cohort=config["cohort"],
        settings=config["targets"],
    script:
        "../scripts/targets_report.py"
