# Multi-omics integration: layers aligned by patient (MuData), MOFA+ joint factors, clusters, UMAP,
# and when the config names a label, a late-integration classifier with its fairness audit.
# Library: precisionflow/integration/; settings: config "integration:" (config/README.md).

from precisionflow.integration.pipeline import check_group_columns

INTEGRATION = paths.INTEGRATION  # the step's folder; every output's path: precisionflow/workflow/paths.py

# A valid-value filter grouped by the label selects features with the label before cross-validation.
stop_on_input_error(check_group_columns, config["omics"], config["label"], config_source())


localrules:
    integration_metrics,


rule integration_align:
    input:
        sheet=SHEET_PATH,
        layers=expand(paths.omics_layer("{layer}"), layer=LAYERS),
    output:
        mudata=paths.ALIGNED,
    log:
        "logs/integration/align.log",
    conda:
        "../envs/integration.yaml"
    threads: 1
    resources:
        mem_mb=mem_mb(1000, 6),
        runtime=runtime_min(10, 0.05),
    params:
        public_ids=PUBLIC_ID,
        clinical=clinical_columns(),
        layers=LAYERS,
        settings=config["integration"],
    script:
        "../scripts/integration_align.py"


# The factor job runs MOFA+ alone (it imports mudata and mofapy2, nothing else); clusters, UMAP, the
# factor tables and the figures follow in integration_clusters, which scanpy and matplotlib load.
rule integration_factors:
    input:
        mudata=paths.ALIGNED,
    output:
        model=paths.MOFA_MODEL,
    log:
        "logs/integration/factors.log",
    benchmark:
        "benchmarks/integration/factors.tsv"
    conda:
        "../envs/integration.yaml"
    threads: threads_for(input_mb_per_thread=100, max_threads=8)
    resources:
        mem_mb=mem_mb(1500, 12),
        runtime=runtime_min(20, 0.5),
    params:
        settings=config["integration"],
    script:
        "../scripts/integration_factors.py"


rule integration_clusters:
    input:
        mudata=paths.ALIGNED,
        model=paths.MOFA_MODEL,
    output:
        mudata=paths.COHORT_H5MU,
        clusters=report(
            paths.CLUSTERS,
            caption="../report/integration_clusters.rst",
            category="4. Integration",
            subcategory="Joint factors and clusters",
        ),
        factors=report(
            paths.FACTORS,
            caption="../report/integration_factors.rst",
            category="4. Integration",
            subcategory="Joint factors and clusters",
        ),
        gene_weights=paths.FACTOR_GENE_WEIGHTS,
        metrics=paths.integration_part("factors"),
        variance_figure=report(
            paths.VARIANCE_FIGURE,
            caption="../report/integration_variance.rst",
            category="4. Integration",
            subcategory="Joint factors and clusters",
        ),
        umap_figure=report(
            paths.UMAP_FIGURE,
            caption="../report/integration_umap.rst",
            category="4. Integration",
            subcategory="Joint factors and clusters",
        ),
    log:
        "logs/integration/clusters.log",
    benchmark:
        "benchmarks/integration/clusters.tsv"
    conda:
        "../envs/integration.yaml"
    threads: threads_for(input_mb_per_thread=100, max_threads=8)
    resources:
        mem_mb=mem_mb(1500, 12),
        runtime=runtime_min(20, 0.5),
    params:
        label=config["label"],
        settings=config["integration"],
    script:
        "../scripts/integration_clusters.py"


# The classifier when the config sets a label and the labelled patients allow cross-validation
# (CLASSIFIER_STEP, rules/common.smk). It trains on and predicts for the labels' tumour type only
# (precisionflow/integration/scope.py): each patient's OncoTree code (the sheet's tumor_type, else the
# config's) and, with resources: oncotree, the codes' main types (IDC and BRCA are one tumour type).
if CLASSIFIER_STEP.ran:

    rule integration_classifier:
        input:
            mudata=paths.ALIGNED,
        output:
            predictions=report(
                paths.PREDICTIONS,
                caption="../report/integration_predictions.rst",
                category="4. Integration",
                subcategory="Classifier",
            ),
            importance=report(
                paths.FEATURE_IMPORTANCE,
                caption="../report/integration_importance.rst",
                category="4. Integration",
                subcategory="Classifier",
            ),
            importance_figure=report(
                paths.IMPORTANCE_FIGURE,
                caption="../report/integration_importance.rst",
                category="4. Integration",
                subcategory="Classifier",
            ),
            fairness=report(
                paths.FAIRNESS,
                caption="../report/integration_fairness.rst",
                category="4. Integration",
                subcategory="Fairness",
            ),
            explanations=report(
                paths.EXPLANATIONS,
                caption="../report/integration_explanations.rst",
                category="4. Integration",
                subcategory="Classifier",
            ),
            metrics=paths.integration_part("classifier"),
        log:
            "logs/integration/classifier.log",
        benchmark:
            "benchmarks/integration/classifier.tsv"
        conda:
            "../envs/integration.yaml"
        threads: 1
        resources:
            mem_mb=mem_mb(1000, 8),
            runtime=runtime_min(20, 0.5),
        params:
            label=config["label"],
            protected=config["protected"],
            settings=config["integration"],
            tumor_types=CLASSIFIER_TUMOUR_TYPES,
            main_types=CLASSIFIER_MAIN_TYPES,
            tumor_type=config["tumor_type"],
        script:
            "../scripts/integration_classifier.py"


rule integration_metrics:
    input:
        parts=[paths.integration_part("factors")]
        + ([paths.integration_part("classifier")] if CLASSIFIER_STEP.ran else []),
    output:
        metrics=report(
            paths.MODEL_METRICS,
            caption="../report/integration_metrics.rst",
            category="4. Integration",
            subcategory="Metrics",
        ),
    log:
        "logs/integration/metrics.log",
    conda:
        "../envs/integration.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    params:
        cohort=config["cohort"],
        label=config["label"],
        protected=config["protected"],
    script:
        "../scripts/integration_metrics.py"
