"""The dossier's sources: every step output a section reads, by name, with its SPEC path
(from :mod:`precisionflow.workflow.paths`).

A source is *available* when its step is part of this workflow (the rule passes its path), and
*absent* otherwise, with the line the dossier prints: what was not assessed and why, once ("PGx not assessed:
no germline VCF"); the why is the skipped step's reason in ``results/cohort/steps.tsv`` when it has one.
The rules decide which sources are available (``dossier_sources`` in rules/common.smk); this module
only names them and their reasons; the rules and this module take the paths from the same place.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from precisionflow.workflow import paths

if TYPE_CHECKING:  # the rules import this module at parse time: kept light
    import pandas as pd


@dataclass(frozen=True)
class Source:
    name: str
    path: str  # the SPEC path; ``{patient}`` where the step writes one file per patient
    section: str  # the dossier section it feeds
    what: str  # what is not assessed without it ("PGx")
    absent: str  # why, when the step did not run and results/cohort/steps.tsv says nothing ("no germline VCF")
    step: str | None = None  # the step of results/cohort/steps.tsv whose skip explains its absence


NO_OUTCOME = "no outcome columns in the config"
SOURCES: dict[str, Source] = {
    s.name: s
    for s in (
        Source("mafs", paths.patient_maf("{patient}"), "genomic", "Variants", "no somatic VCF or MAF", "variants"),
        Source("copy_number", paths.COPY_NUMBER, "genomic", "Copy number", "no copy-number calls", "copy_number"),
        Source("tmb", paths.TMB, "genomic", "TMB", "no somatic VCF or MAF", "variants"),
        Source("cohort_h5mu", paths.COHORT_H5MU, "omics", "Multi-omics", "no omics layers", "integration"),
        Source("clusters", paths.CLUSTERS, "omics", "Clusters", "no omics layers", "integration"),
        Source(
            "predictions", paths.PREDICTIONS, "prediction", "Prediction", "no label column in the config", "classifier"
        ),
        Source(
            "model_metrics", paths.MODEL_METRICS, "prediction", "Model metrics", "the step did not run", "classifier"
        ),
        Source(
            "fairness", paths.FAIRNESS, "prediction", "Fairness audit", "no label column in the config", "classifier"
        ),
        Source(
            "explanations",
            paths.EXPLANATIONS,
            "prediction",
            "Per-patient explanations",
            "not computed by this workflow",
            "classifier",
        ),
        Source(
            "targets",
            paths.patient_targets("{patient}"),
            "summary",
            "Target prioritization",
            "the step did not run",
            "targets",
        ),
        Source(
            "actionable",
            paths.ACTIONABLE,
            "therapy",
            "Therapies",
            "no actionability knowledge base (resources: actionability)",
            "actionability",
        ),
        Source("risk", paths.RISK, "outcome", "Outcome", NO_OUTCOME, "outcome"),
        Source("contributions", paths.CONTRIBUTIONS, "outcome", "Risk contributions", NO_OUTCOME, "outcome"),
        Source(
            "outcome_features", paths.OUTCOME_FEATURES, "outcome", "The risk model's features", NO_OUTCOME, "outcome"
        ),
        Source("outcome_metrics", paths.OUTCOME_METRICS, "outcome", "Outcome", NO_OUTCOME, "outcome"),
        # the cohort table with a patient column, or the per-patient tables paths.patient_pgx(patient)
        Source("pgx", paths.PGX_COHORT, "pgx", "PGx", "no germline VCF", "pgx"),
        Source(
            "pgx_recommendations", paths.PGX_RECOMMENDATIONS, "pgx", "PGx recommendations", "no germline VCF", "pgx"
        ),
        Source("steps", paths.COHORT_STEPS, "methods", "The run's step table", "not produced by this workflow"),
        Source("input_summary", paths.INPUT_SUMMARY, "methods", "The input summary", "not produced by this workflow"),
    )
}


def patient_path(name: str, patient: str) -> str:
    return SOURCES[name].path.format(patient=patient)


def absent_cause(name: str, override: str | None = None) -> str:
    """Why a source is missing, without what it is: the given cause (the skip of its step) when there is one,
    else the default."""
    return override or SOURCES[name].absent


def absent_reason(name: str, override: str | None = None) -> str:
    """The line a dossier prints for a missing source, saying what was not assessed and why, once:
    "PGx not assessed: no germline VCF"."""
    return not_assessed(SOURCES[name].what, absent_cause(name, override))


def not_assessed(what: str, why: str) -> str:
    return f"{what} not assessed: {why}"


def skipped_step_causes(steps: pd.DataFrame | None, absent: Iterable[str]) -> dict[str, str]:
    """The causes of the absent sources whose step results/cohort/steps.tsv marks skipped, in its words ("the
    integration step was skipped (1 patient with an omics layer; …)"): one patient's integration is skipped
    for the cohort's size, not for a lack of omics layers."""
    if steps is None:
        return {}
    skipped = {
        str(step): str(reason) for step, status, reason in steps[["step", "status", "reason"]].itertuples(index=False)
        if status == "skipped"
    }  # fmt: skip
    return {
        name: f"the {SOURCES[name].step} step was skipped ({skipped[SOURCES[name].step]})"
        for name in absent
        if SOURCES[name].step in skipped
    }


def workflow_version(pyproject: str) -> str:
    """The workflow's version, from pyproject.toml (this module is light: the rules import it at parse time)."""
    import tomllib

    with open(pyproject, "rb") as handle:
        return str(tomllib.load(handle)["project"]["version"])
