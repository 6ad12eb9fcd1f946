"""The dossier's sources: every step output a section reads, by name, with its SPEC path.

A source is *available* when its step is part of this workflow (the rule passes its path), and
*absent* otherwise, with the reason the dossier prints ("no germline VCF: PGx not assessed").
The rules decide which sources are available (``dossier_sources`` in rules/report.smk); this module
only names them, so the library and the rules agree on paths.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    name: str
    path: str  # the SPEC path; ``{patient}`` where the step writes one file per patient
    section: str  # the dossier section it feeds
    absent: str  # why the section is empty when the step did not run


SOURCES: dict[str, Source] = {
    s.name: s
    for s in (
        Source("mafs", "results/variants/{patient}.maf.tsv", "genomic", "no somatic VCF or MAF: variants not assessed"),
        Source(
            "copy_number",
            "results/variants/copy_number.tsv",
            "genomic",
            "no copy-number calls: copy number not assessed",
        ),
        Source("tmb", "results/variants/tmb.tsv", "genomic", "no somatic VCF or MAF: TMB not assessed"),
        Source("cohort_h5mu", "results/integration/cohort.h5mu", "omics", "no omics layers: multi-omics not assessed"),
        Source("clusters", "results/integration/clusters.tsv", "omics", "no omics layers: clusters not assessed"),
        Source(
            "predictions",
            "results/integration/predictions.tsv",
            "prediction",
            "no label column in the config: no classifier",
        ),
        Source("model_metrics", "results/integration/model_metrics.json", "prediction", "integration step did not run"),
        Source(
            "fairness",
            "results/integration/fairness.tsv",
            "prediction",
            "no label column in the config: no fairness audit",
        ),
        Source(
            "explanations",
            "results/integration/explanations.tsv",
            "prediction",
            "per-patient explanations are not computed by this workflow",
        ),
        Source("targets", "results/targets/patients/{patient}.tsv", "summary", "target prioritization did not run"),
        Source(
            "actionable",
            "results/targets/actionable.tsv",
            "therapy",
            "no actionability knowledge base (resources: actionability): therapies not assessed",
        ),
        Source("risk", "results/outcome/risk.tsv", "outcome", "no outcome columns in the config: outcome not assessed"),
        Source(
            "contributions",
            "results/outcome/contributions.tsv",
            "outcome",
            "no outcome columns in the config: risk contributions not assessed",
        ),
        Source(
            "outcome_metrics",
            "results/outcome/metrics.json",
            "outcome",
            "no outcome columns in the config: outcome not assessed",
        ),
        # the cohort table with a patient column, or the per-patient tables results/pgx/{patient}.tsv
        Source("pgx", "results/pgx/cohort.tsv", "pgx", "no germline VCF: PGx not assessed"),
        Source("pgx_recommendations", "results/pgx/recommendations.tsv", "pgx", "no germline VCF: PGx not assessed"),
        Source("steps", "results/cohort/steps.tsv", "methods", "the run's step table is not produced by this workflow"),
        Source(
            "input_summary",
            "results/cohort/input_summary.tsv",
            "methods",
            "the input summary is not produced by this workflow",
        ),
    )
}


def patient_path(name: str, patient: str) -> str:
    return SOURCES[name].path.format(patient=patient)


def absent_reason(name: str, override: str | None = None) -> str:
    """Why a source is missing: the rules' reason when they give one, else the default."""
    return override or SOURCES[name].absent


def workflow_version(pyproject: str) -> str:
    """The workflow's version, from pyproject.toml (this module is light: the rules import it at parse time)."""
    import tomllib

    with open(pyproject, "rb") as handle:
        return str(tomllib.load(handle)["project"]["version"])
