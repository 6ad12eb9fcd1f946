# Target prioritization: evidence per gene and type (mutations, copy number, RNA, protein, integration,
# druggability), the Open Targets harmonic-sum score, ranked tables for the cohort and every patient,
# and their report pages. Library: precisionflow/targets/; settings: config "targets:" (config/README.md).

from precisionflow.targets.layout import layer_kinds

TARGETS = "results/targets"
# Layers that give RNA or protein evidence (by layer type, or as "targets: layers:" says).
TARGET_LAYERS = stop_on_input_error(layer_kinds, config["omics"], config["targets"]["layers"])
# Patients with a MAF and with copy-number calls: MAF_PATIENTS, CNA_PATIENTS of rules/variants.smk.


localrules:
    targets_report,


rule targets_prioritize:
    input:
        mafs=expand("results/variants/{patient}.maf.tsv", patient=MAF_PATIENTS),
        copy_number=["results/variants/copy_number.tsv"] if CNA_PATIENTS else [],
        layers=expand("results/omics/{layer}.h5ad", layer=sorted(TARGET_LAYERS)),
        gene_weights="results/integration/factor_gene_weights.tsv",
        clusters="results/integration/clusters.tsv",
        predictions=["results/integration/predictions.tsv"] if config["label"] else [],
        drivers=config["resources"].get("drivers", []),
        drug_gene=config["resources"].get("drug_gene", []),
        drug_categories=config["resources"].get("drug_categories", []),
    output:
        cohort=report(
            f"{TARGETS}/cohort_targets.tsv",
            caption="../report/targets_cohort_table.rst",
            category="5. Targets",
            subcategory="Cohort targets",
            labels={"table": "cohort targets", "format": "TSV (all genes)"},
        ),
        patients=[
            report(
                f"{TARGETS}/patients/{patient}.tsv",
                caption="../report/targets_patient_table.rst",
                category="6. Patients",
                subcategory=patient,
                labels={"patient": patient, "content": "all targets (TSV)"},
            )
            for patient in PATIENTS
        ],
    params:
        patients=PATIENTS,
        # each patient's label by public id (the raw ids must not reach the report's job details)
        labels={p: sheet_value(p, config["label"]) for p in PATIENTS} if config["label"] else {},
        variant_patients=MAF_PATIENTS,
        cn_patients=CNA_PATIENTS,
        layers=TARGET_LAYERS,
        label=config["label"],
        settings=config["targets"],
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
    script:
        "../scripts/targets_prioritize.py"


rule targets_report:
    input:
        cohort=f"{TARGETS}/cohort_targets.tsv",
        patients=expand(f"{TARGETS}/patients/{{patient}}.tsv", patient=PATIENTS),
        # the patient pages show the outcome step's risk group and contributions (when configured)
        risk=[f"{outcome_layout.FOLDER}/risk.tsv"] if config["outcome"] else [],
        contributions=[f"{outcome_layout.FOLDER}/contributions.tsv"] if config["outcome"] else [],
    output:
        cohort_page=report(
            f"{TARGETS}/report/cohort_targets.html",
            caption="../report/targets_cohort_page.rst",
            category="5. Targets",
            subcategory="Cohort targets",
            labels={"table": "cohort targets", "format": "top targets (page)"},
        ),
        figure=report(
            f"{TARGETS}/report/cohort_evidence.png",
            caption="../report/targets_evidence_figure.rst",
            category="5. Targets",
            subcategory="Cohort targets",
            labels={"table": "cohort targets", "format": "evidence behind the scores (figure)"},
        ),
        patient_pages=[
            report(
                f"{TARGETS}/report/patients/{patient}.html",
                caption="../report/targets_patient_page.rst",
                category="6. Patients",
                subcategory=patient,
                labels={"patient": patient, "content": "top targets, evidence and drugs"},
            )
            for patient in PATIENTS
        ],
    params:
        patients=PATIENTS,
        cohort=config["cohort"],
        settings=config["targets"],
    log:
        "logs/targets/report.log",
    conda:
        "../envs/targets.yaml"
    threads: 1
    resources:
        mem_mb=mem_mb(500, 4),
        runtime=runtime_min(5, 0.1),
    script:
        "../scripts/targets_report.py"
