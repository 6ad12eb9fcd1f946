"""Assemble each patient's dossier (the sections' data) from the cohort's step outputs.

:func:`load_cohort` reads every available source once; :func:`~precisionflow.dossier.sections.patient_dossier`
cuts one patient's sections out of it. Both return plain data (frames, dicts), rendered by
:mod:`~precisionflow.dossier.render` and exported by :mod:`~precisionflow.dossier.fhir`.
:func:`cohort_overview` draws the index page's figures.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from precisionflow.actionability.matching import SPEC_COLUMNS as ACTIONABLE_COLUMNS
from precisionflow.dossier import figures
from precisionflow.dossier.gather import (
    CONTRIBUTION_COLUMNS,
    EXPLANATION_COLUMNS,
    PGX_COLUMNS,
    PGX_RECOMMENDATION_COLUMNS,
    RISK_COLUMNS,
    STEP_COLUMNS,
    Sources,
    omics_zscores,
    read_json,
    read_omics,
    read_source_table,
    sort_actionable,
    tmb_percentiles,
)
from precisionflow.dossier.sources import SOURCES, skipped_step_causes
from precisionflow.dossier.svg import GenomeAxis, Scatter


@dataclass
class Header:
    cohort: str
    date: str  # ISO date, deterministic (config report_date, else the sample sheet's modification day)
    version: str
    genome_build: str
    references: list[dict[str, str]]  # name, file, sha256 (first 12 hex digits)
    tumor_types: dict[str, str] = field(default_factory=dict)  # public id -> OncoTree code
    # public id -> the somatic inputs the sample sheet gives the patient (GENOMIC_INPUTS; the patients table's
    # flags); None: not known, read from the cohort's MAFs and copy-number calls
    genomic_inputs: dict[str, list[str]] | None = None


@dataclass
class Cohort:
    patients: list[str]
    sources: Sources
    header: Header
    mafs: dict[str, pd.DataFrame] = field(default_factory=dict)
    copy_number: pd.DataFrame | None = None
    copy_number_by_patient: dict[str, pd.DataFrame] = field(default_factory=dict)
    genome_axis: GenomeAxis | None = None
    scatter: Scatter | None = None
    tmb: pd.DataFrame | None = None
    zscores: dict[str, pd.DataFrame] = field(default_factory=dict)
    feature_genes: dict[str, dict[str, str]] = field(default_factory=dict)
    umap: pd.DataFrame | None = None
    clusters: pd.Series | None = None
    predictions: pd.DataFrame | None = None
    model_metrics: dict | None = None
    fairness: pd.DataFrame | None = None
    explanations: pd.DataFrame | None = None
    targets: dict[str, pd.DataFrame] = field(default_factory=dict)
    actionable: pd.DataFrame | None = None
    risk: pd.DataFrame | None = None
    contributions: pd.DataFrame | None = None
    outcome_features: pd.DataFrame | None = None  # the risk model's features, patients × features (NA: not assessed)
    outcome_metrics: dict | None = None
    pgx: pd.DataFrame | None = None
    pgx_recommendations: pd.DataFrame | None = None
    steps: pd.DataFrame | None = None
    input_summary: pd.DataFrame | None = None
    grouped: dict[str, dict[str, pd.DataFrame]] = field(default_factory=dict)  # source -> patient -> rows

    def rows(self, name: str, patient: str) -> pd.DataFrame | None:
        """One patient's rows of a per-patient source (without the patient column); None when absent."""
        frame = getattr(self, name)
        if frame is None:
            return None
        if name not in self.grouped:  # split once: a boolean filter per patient costs O(patients²)
            self.grouped[name] = {
                str(p): g.drop(columns="patient").reset_index(drop=True)
                for p, g in frame.groupby("patient", sort=False)
            }
        empty = frame.iloc[:0].drop(columns="patient")
        return self.grouped[name].get(patient, empty)


def file_digest(path: str | os.PathLike[str]) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:12]


def reference_versions(resources: Mapping[str, str]) -> list[dict[str, str]]:
    """Each reference table by file name and content digest (the files carry no version of their own)."""
    return [
        {"name": name, "file": Path(path).name, "sha256": file_digest(path)} for name, path in sorted(resources.items())
    ]


def _table(sources: Sources, name: str, columns: Sequence[str] = ()) -> pd.DataFrame | None:
    return read_source_table(sources.paths[name], columns) if sources.has(name) else None


def read_pgx(source: str | Mapping[str, str]) -> pd.DataFrame:
    """PGx calls: the cohort table (with a ``patient`` column), or {patient: path} of the per-patient tables."""
    if not isinstance(source, Mapping):
        return read_source_table(source, PGX_COLUMNS)
    frames = [read_source_table(path, PGX_COLUMNS[1:]).assign(patient=patient) for patient, path in source.items()]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=PGX_COLUMNS)


def load_cohort(patients: Sequence[str], sources: Sources, header: Header) -> Cohort:
    """Read every available source once."""
    cohort = Cohort(patients=list(patients), sources=sources, header=header)
    if sources.has("mafs"):
        cohort.mafs = {p: read_source_table(path) for p, path in sources.paths["mafs"].items()}
    cohort.copy_number = _table(sources, "copy_number", ["patient", "gene", "total_cn", "call"])
    if cohort.copy_number is not None:
        cohort.copy_number_by_patient = {
            str(p): rows.drop(columns="patient").reset_index(drop=True)
            for p, rows in cohort.copy_number.groupby("patient", sort=False)
        }
        if {"chrom", "start", "end"} <= set(cohort.copy_number.columns):
            cohort.genome_axis = GenomeAxis.from_calls(cohort.copy_number)
    if sources.has("tmb"):
        cohort.tmb = tmb_percentiles(read_source_table(sources.paths["tmb"], ["patient", "tmb_per_mb"]))
    if sources.has("cohort_h5mu"):
        layers, cohort.feature_genes, cohort.umap = read_omics(sources.paths["cohort_h5mu"])
        cohort.zscores = omics_zscores(layers)
    if sources.has("clusters"):
        cohort.clusters = read_source_table(sources.paths["clusters"], ["patient", "cluster"]).set_index("patient")[
            "cluster"
        ]
    if cohort.umap is not None:
        cohort.scatter = Scatter.from_umap(cohort.umap, cohort.clusters)
    cohort.predictions = _table(sources, "predictions", ["patient", "predicted"])
    cohort.fairness = _table(sources, "fairness")
    cohort.model_metrics = read_json(sources.paths["model_metrics"]) if sources.has("model_metrics") else None
    cohort.explanations = _table(sources, "explanations", EXPLANATION_COLUMNS)
    if sources.has("targets"):
        cohort.targets = {
            p: read_source_table(path, ["gene", "rank", "score"]) for p, path in sources.paths["targets"].items()
        }
    actionable = _table(sources, "actionable", ACTIONABLE_COLUMNS)
    cohort.actionable = None if actionable is None else sort_actionable(actionable.fillna(""))
    cohort.risk = _table(sources, "risk", RISK_COLUMNS)
    cohort.contributions = _table(sources, "contributions", CONTRIBUTION_COLUMNS)
    features = _table(sources, "outcome_features", ["patient"])
    cohort.outcome_features = None if features is None else features.set_index("patient")
    cohort.outcome_metrics = read_json(sources.paths["outcome_metrics"]) if sources.has("outcome_metrics") else None
    cohort.pgx = read_pgx(sources.paths["pgx"]).fillna("") if sources.has("pgx") else None  # blanks print blank
    recommendations = _table(sources, "pgx_recommendations", PGX_RECOMMENDATION_COLUMNS)
    cohort.pgx_recommendations = None if recommendations is None else recommendations.fillna("")
    cohort.steps = _table(sources, "steps", STEP_COLUMNS)
    # an absent source whose step was skipped: the step table's reason (the rules' own reasons kept)
    absent = [name for name in SOURCES if not sources.has(name) and name not in sources.reasons]
    sources.reasons |= skipped_step_causes(cohort.steps, absent)
    cohort.input_summary = _table(sources, "input_summary", ["patient", "input", "records", "kept"])
    return cohort


def altered_matrix(cohort: Cohort, n_genes: int = 20) -> pd.DataFrame | None:
    """Genes × patients, 1 where the patient has a non-synonymous mutation (the most often altered genes)."""
    silent = {"Silent", "Intron", "3'UTR", "5'UTR", "IGR", "RNA", "3'Flank", "5'Flank"}
    pairs = {
        (gene, patient)
        for patient, maf in cohort.mafs.items()
        for gene, kind in zip(maf["Hugo_Symbol"], maf["Variant_Classification"], strict=True)
        if kind not in silent
    }
    if not pairs:
        return None
    frame = pd.DataFrame(sorted(pairs), columns=["gene", "patient"]).assign(v=1)
    matrix = frame.pivot_table(index="gene", columns="patient", values="v", fill_value=0).reindex(
        columns=cohort.patients, fill_value=0
    )
    counts = matrix.sum(axis=1)
    top = counts.sort_values(ascending=False, kind="stable").index[:n_genes]
    top = sorted(top, key=lambda g: (-counts[g], g))
    matrix = matrix.loc[top]
    order = sorted(matrix.columns, key=lambda p: tuple(-matrix[p].to_numpy()) + (p,))
    return matrix[order]


def cohort_tmb(cohort: Cohort) -> pd.Series:
    """The TMB of each patient who has one (NA where the variant step could not count coding mutations)."""
    return pd.Series(dtype=float) if cohort.tmb is None else cohort.tmb["tmb_per_mb"].dropna()


def cohort_overview(cohort: Cohort) -> dict:
    """The index page's figures: oncoplot, TMB distribution, clusters on the UMAP (None when not assessed)."""
    matrix = altered_matrix(cohort) if cohort.mafs else None
    return {
        "oncoplot": figures.oncoplot(matrix) if matrix is not None else None,
        "tmb": figures.tmb_histogram(tmb) if len(tmb := cohort_tmb(cohort)) else None,
        "umap": figures.umap_plot(cohort.umap, cohort.clusters, "") if cohort.umap is not None else None,
    }
