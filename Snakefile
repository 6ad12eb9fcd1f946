# precisionflow: a cohort's multi-omics data to ranked, explained therapeutic targets.
# Usage: see README.md. The default config is the project's demo cohort.
from snakemake.utils import min_version

min_version("9.27")

# The default cohort unless --configfile names another (a cohort's config replaces it whole,
# instead of being merged into the demo's layers).
if not workflow.overwrite_configfiles:

    configfile: "config/config.yaml"


report: "report/workflow.rst"


include: "rules/common.smk"
include: "rules/cohort.smk"
include: "rules/variants.smk"
include: "rules/omics.smk"
include: "rules/integration.smk"
include: "rules/targets.smk"
include: "rules/pgx.smk"
include: "rules/outcome.smk"
include: "rules/report.smk"


rule all:
    default_target: True
    input:
        cohort_outputs(),
        omics_outputs(),
        variant_outputs(),
        integration_outputs(),
        targets_outputs(),
        pgx_outputs(),
        outcome_outputs(),
        dossier_outputs(),
