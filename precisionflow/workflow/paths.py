"""Every output path of every step: the one place that answers "where does step X write Y".

The rules (``rules/*.smk``) name their outputs and inputs with these constants and functions, the
library modules that list a step's outputs (the dossier's sources) read them here, and ``rule all``
asks for the ``*_outputs`` lists. Paths are the SPEC's output contract (README.md), relative to the
working folder. A function of a patient or a layer also gives the rule's wildcard pattern:
``patient_maf("{patient}")`` is ``results/variants/{patient}.maf.tsv``.

Light (standard library only): the rules import it while the workflow is parsed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

RESULTS = "results"

# --- cohort: the sheet as given, and which steps the cohort's shape lets run (rules/cohort.smk) ---
COHORT = f"{RESULTS}/cohort"
COHORT_OVERVIEW = f"{COHORT}/overview.tsv"
COHORT_STEPS = f"{COHORT}/steps.tsv"
# what the jobs writing one file per patient read instead of per-patient params (precisionflow/workflow/patients.py)
COHORT_PATIENTS = f"{COHORT}/patients.tsv"
INPUT_SUMMARY = f"{COHORT}/input_summary.tsv"  # written by the variants step (rule variants_input_summary)

# --- variants: MAFs, copy number, TMB, mutation matrix, oncoplot (rules/variants.smk) ---
VARIANTS = f"{RESULTS}/variants"
COPY_NUMBER = f"{VARIANTS}/copy_number.tsv"
COPY_NUMBER_INPUTS = f"{VARIANTS}/copy_number_inputs.tsv"
TMB = f"{VARIANTS}/tmb.tsv"
MUTATIONS = f"{VARIANTS}/mutations.h5ad"
ONCOPLOT = f"{VARIANTS}/oncoplot.png"


def patient_maf(patient: str) -> str:
    return f"{VARIANTS}/{patient}.maf.tsv"


def patient_counts(patient: str) -> str:
    """A patient's input records kept and dropped, by reason (gathered into :data:`INPUT_SUMMARY`)."""
    return f"{VARIANTS}/{patient}.counts.tsv"


def vep_vcf(patient: str, part: str | int) -> str:
    """The ``part``-th VCF of a patient annotated by VEP (temporary)."""
    return f"{VARIANTS}/vep/{patient}.{part}.vcf.gz"


def variant_outputs() -> list[str]:
    """What ``rule all`` asks of the variants step when the cohort has variant or copy-number inputs."""
    return [TMB, COPY_NUMBER, MUTATIONS, ONCOPLOT, INPUT_SUMMARY]


# --- omics: one normalized AnnData per layer and its QC figures (rules/omics.smk) ---
OMICS = f"{RESULTS}/omics"


def omics_layer(layer: str) -> str:
    return f"{OMICS}/{layer}.h5ad"


def omics_qc(layer: str, figure: str) -> str:
    """A layer's QC figure: ``samples`` (per-sample QC) or ``pca``."""
    return f"{OMICS}/qc/{layer}.{figure}.png"


def omics_outputs(layers: Sequence[str]) -> list[str]:
    return [omics_layer(layer) for layer in layers]


# --- integration: aligned layers, MOFA+ factors, clusters, classifier (rules/integration.smk) ---
INTEGRATION = f"{RESULTS}/integration"
ALIGNED = f"{INTEGRATION}/aligned.h5mu"
COHORT_H5MU = f"{INTEGRATION}/cohort.h5mu"
# the factor job's hand-off to the clusters job: the fitted MOFA+ model (factors, weights, variance)
MOFA_MODEL = f"{INTEGRATION}/parts/mofa.h5ad"
CLUSTERS = f"{INTEGRATION}/clusters.tsv"
FACTORS = f"{INTEGRATION}/factors.tsv"
FACTOR_GENE_WEIGHTS = f"{INTEGRATION}/factor_gene_weights.tsv"
MODEL_METRICS = f"{INTEGRATION}/model_metrics.json"
VARIANCE_FIGURE = f"{INTEGRATION}/figures/variance_explained.png"
UMAP_FIGURE = f"{INTEGRATION}/figures/umap.png"
PREDICTIONS = f"{INTEGRATION}/predictions.tsv"
FEATURE_IMPORTANCE = f"{INTEGRATION}/feature_importance.tsv"
FAIRNESS = f"{INTEGRATION}/fairness.tsv"
EXPLANATIONS = f"{INTEGRATION}/explanations.tsv"
IMPORTANCE_FIGURE = f"{INTEGRATION}/figures/feature_importance.png"


def integration_part(name: str) -> str:
    """A job's share of :data:`MODEL_METRICS` (``factors``, ``classifier``), merged by rule integration_metrics."""
    return f"{INTEGRATION}/parts/{name}.json"


def integration_outputs(label: str | None) -> list[str]:
    """What ``rule all`` asks of the step: the classifier's outputs only when the config sets a label."""
    outputs = [COHORT_H5MU, CLUSTERS, FACTORS, FACTOR_GENE_WEIGHTS, MODEL_METRICS, VARIANCE_FIGURE, UMAP_FIGURE]
    if label:
        outputs += [PREDICTIONS, FEATURE_IMPORTANCE, FAIRNESS, EXPLANATIONS, IMPORTANCE_FIGURE]
    return outputs


# --- targets: prioritization, clinical actionability and their report pages (rules/targets.smk) ---
TARGETS = f"{RESULTS}/targets"
COHORT_TARGETS = f"{TARGETS}/cohort_targets.tsv"
ACTIONABLE = f"{TARGETS}/actionable.tsv"
TARGETS_PAGE = f"{TARGETS}/report/cohort_targets.html"
EVIDENCE_FIGURE = f"{TARGETS}/report/cohort_evidence.png"


def patient_targets(patient: str) -> str:
    return f"{TARGETS}/patients/{patient}.tsv"


def patient_actionable(patient: str) -> str:
    return f"{TARGETS}/patients/{patient}.actionable.tsv"


def patient_targets_page(patient: str) -> str:
    return f"{TARGETS}/report/patients/{patient}.html"


def targets_outputs(patients: Sequence[str]) -> list[str]:
    """What ``rule all`` asks of the step: the tables (SPEC) and the report's pages and figure."""
    return [
        COHORT_TARGETS,
        *[patient_targets(p) for p in patients],
        TARGETS_PAGE,
        EVIDENCE_FIGURE,
        *[patient_targets_page(p) for p in patients],
    ]


def actionability_outputs(patients: Sequence[str]) -> list[str]:
    """The actionability tables (SPEC), when the config gives ``resources: actionability``."""
    return [ACTIONABLE, *[patient_actionable(p) for p in patients]]


# --- pgx: diplotypes, phenotypes and dosing recommendations (rules/pgx.smk) ---
PGX = f"{RESULTS}/pgx"
PGX_COHORT = f"{PGX}/cohort.tsv"
PGX_RECOMMENDATIONS = f"{PGX}/recommendations.tsv"


def patient_pgx(patient: str) -> str:
    return f"{PGX}/{patient}.tsv"


def pgx_outputs(patients: Sequence[str]) -> list[str]:
    """What ``rule all`` asks of the step: nothing unless some patient has a germline VCF."""
    if not patients:
        return []
    return [PGX_COHORT, PGX_RECOMMENDATIONS, *[patient_pgx(p) for p in patients]]


# --- outcome: survival associations and the risk model (rules/outcome.smk) ---
OUTCOME = f"{RESULTS}/outcome"
ASSOCIATIONS = f"{OUTCOME}/associations.tsv"
OUTCOME_FEATURES = f"{OUTCOME}/features.tsv"
SURVIVAL = f"{OUTCOME}/survival.tsv"
RISK = f"{OUTCOME}/risk.tsv"
CONTRIBUTIONS = f"{OUTCOME}/contributions.tsv"
OUTCOME_METRICS = f"{OUTCOME}/metrics.json"
OUTCOME_FIGURES = ("km_clusters", "km_genes", "km_factors", "km_risk_groups")


def outcome_figure(name: str) -> str:
    """A Kaplan-Meier figure, one of :data:`OUTCOME_FIGURES`."""
    return f"{OUTCOME}/figures/{name}.png"


def outcome_outputs(outcome: Mapping | None) -> list[str]:
    """What ``rule all`` asks of the step: nothing unless the config has an ``outcome`` section."""
    if not outcome:
        return []
    tables = [ASSOCIATIONS, RISK, CONTRIBUTIONS, OUTCOME_FEATURES, OUTCOME_METRICS]
    return tables + [outcome_figure(name) for name in OUTCOME_FIGURES]


# --- the patient dossiers: one page and one FHIR bundle per patient, and the index (rules/report.smk) ---
DOSSIERS = f"{RESULTS}/report/patients"
DOSSIER_INDEX = f"{DOSSIERS}/index.html"


def patient_dossier(patient: str) -> str:
    return f"{DOSSIERS}/{patient}.html"


def patient_bundle(patient: str) -> str:
    """A patient's HL7 FHIR R4 bundle."""
    return f"{DOSSIERS}/{patient}.fhir.json"


def dossier_outputs(patients: Sequence[str]) -> list[str]:
    return [path for p in patients for path in (patient_dossier(p), patient_bundle(p))] + [DOSSIER_INDEX]


# The folders each step writes under results/ (the working-folder check looks at them before any job).
STEP_FOLDERS = (COHORT, VARIANTS, OMICS, INTEGRATION, TARGETS, PGX, OUTCOME, DOSSIERS)
