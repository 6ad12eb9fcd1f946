"""The dossier's sources: every step output a section reads, by name, with its SPEC path
(from :mod:`precisionflow.workflow.paths`).

A source is *available* when its step is part of this workflow (the rule passes its path), and
*absent* otherwise, with the reason the dossier prints ("no germline VCF: PGx not assessed").
The rules decide which sources are available (``dossier_sources`` in rules/report.smk); this module
only names them and their reasons; the rules and this module take the paths from the same place.
"""

from __future__ import annotations

from dataclasses import dataclass

from precisionflow.workflow import paths


@dataclass(frozen=True)
class Source:
    name: str
    path: str  # the SPEC path; ``{patient}`` where the step writes one file per patient
    section: str  # the dossier section it feeds
    absent: str  # why the section is empty when the step did not run


SOURCES: dict[str, Source] = {
    s.name: s
    for s in (
        Source("mafs", paths.patient_maf("{patient}"), "genomic", "no somatic VCF or MAF: variants not assessed"),
        Source(
            "copy_number",
            paths.COPY_NUMBER,
            "genomic",
            "no copy-number calls: copy number not assessed",
        ),
        Source("tmb", paths.TMB, "genomic", "no somatic VCF or MAF: TMB not assessed"),
        Source("cohort_h5mu", paths.COHORT_H5MU, "omics", "no omics layers: multi-omics not assessed"),
        Source("clusters", paths.CLUSTERS, "omics", "no omics layers: clusters not assessed"),
        Source(
            "predictions",
            paths.PREDICTIONS,
            "prediction",
            "no label column in the config: no classifier",
        ),
        Source("model_metrics", paths.MODEL_METRICS, "prediction", "integration step did not run"),
        Source(
            "fairness",
            paths.FAIRNESS,
            "prediction",
            "no label column in the config: no fairness audit",
        ),
        Source(
            "explanations",
            paths.EXPLANATIONS,
            "prediction",
            "per-patient explanations are not computed by this workflow",
        ),
        Source("targets", paths.patient_targets("{patient}"), "summary", "target prioritization did not run"),
        Source(
            "actionable",
            paths.ACTIONABLE,
            "therapy",
            "no actionability knowledge base (resources: actionability): therapies not assessed",
        ),
        Source("risk", paths.RISK, "outcome", "no outcome columns in the config: outcome not assessed"),
        Source(
            "contributions",
            paths.CONTRIBUTIONS,
            "outcome",
            "no outcome columns in the config: risk contributions not assessed",
        ),
        Source(
            "outcome_metrics",
            paths.OUTCOME_METRICS,
            "outcome",
            "no outcome columns in the config: outcome not assessed",
        ),
        # the cohort table with a patient column, or the per-patient tables paths.patient_pgx(patient)
        Source("pgx", paths.PGX_COHORT, "pgx", "no germline VCF: PGx not assessed"),
        Source("pgx_recommendations", paths.PGX_RECOMMENDATIONS, "pgx", "no germline VCF: PGx not assessed"),
        Source("steps", paths.COHORT_STEPS, "methods", "the run's step table is not produced by this workflow"),
        Source(
            "input_summary",
            paths.INPUT_SUMMARY,
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
