# Outcome: survival associations per gene, copy-number event, joint factor, cluster and covariate
# (Kaplan-Meier, log-rank, Cox, BH q) and a risk model (elastic-net Cox, random survival forest,
# their ensemble) in repeated nested cross-validation. Runs when the config has an "outcome:" section
# (config/README.md).
# Library: precisionflow/outcome/.

OUTCOME = paths.OUTCOME  # the step's folder; every output's path: precisionflow/workflow/paths.py

if config["outcome"]:

    rule outcome_associations:
        input:
            unpack(outcome_inputs),
        output:
            associations=report(
                paths.ASSOCIATIONS,
                caption="../report/outcome_associations.rst",
                category="7. Outcome",
                subcategory="Associations",
            ),
            features=paths.OUTCOME_FEATURES,
            survival=paths.SURVIVAL,
            km_clusters=report(
                paths.outcome_figure("km_clusters"),
                caption="../report/outcome_km.rst",
                category="7. Outcome",
                subcategory="Kaplan-Meier",
            ),
            km_genes=report(
                paths.outcome_figure("km_genes"),
                caption="../report/outcome_km.rst",
                category="7. Outcome",
                subcategory="Kaplan-Meier",
            ),
            km_factors=report(
                paths.outcome_figure("km_factors"),
                caption="../report/outcome_km.rst",
                category="7. Outcome",
                subcategory="Kaplan-Meier",
            ),
        log:
            "logs/outcome/associations.log",
        conda:
            "../envs/outcome.yaml"
        threads: 1
        resources:
            mem_mb=mem_mb(1000, 6),
            runtime=runtime_min(10, 0.2),
        params:
            public_ids=PUBLIC_ID,
            layers=outcome_layers(),
            settings=config["outcome"],
        script:
            "../scripts/outcome_associations.py"

    rule outcome_risk:
        input:
            features=paths.OUTCOME_FEATURES,
            survival=paths.SURVIVAL,
        output:
            risk=report(
                paths.RISK,
                caption="../report/outcome_risk.rst",
                category="7. Outcome",
                subcategory="Risk model",
            ),
            contributions=paths.CONTRIBUTIONS,
            metrics=report(
                paths.OUTCOME_METRICS,
                caption="../report/outcome_metrics.rst",
                category="7. Outcome",
                subcategory="Risk model",
            ),
            km_risk_groups=report(
                paths.outcome_figure("km_risk_groups"),
                caption="../report/outcome_risk.rst",
                category="7. Outcome",
                subcategory="Risk model",
            ),
        log:
            "logs/outcome/risk.log",
        benchmark:
            "benchmarks/outcome/risk.tsv"
        conda:
            "../envs/outcome.yaml"
        threads: threads_for(input_mb_per_thread=2, max_threads=8)
        resources:
            mem_mb=mem_mb(1000, 40),
            runtime=runtime_min(15, 5),
        params:
            settings=config["outcome"],
        script:
            "../scripts/outcome_risk.py"
