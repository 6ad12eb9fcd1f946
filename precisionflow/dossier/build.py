"""Assemble each patient's dossier (the sections' data) from the cohort's step outputs.

:func:`load_cohort` reads every available source once; :func:`patient_dossier` cuts one patient's
sections out of it. Both return plain data (frames, dicts), rendered by :mod:`~precisionflow.dossier.render`
and exported by :mod:`~precisionflow.dossier.fhir`.
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
    PGX_NOT_ASSESSED,
    PGX_RECOMMENDATION_COLUMNS,
    RISK_COLUMNS,
    STEP_COLUMNS,
    Sources,
    citation_link,
    copy_number_events,
    copy_number_segments,
    omics_zscores,
    outliers,
    pgx_flags,
    read_json,
    read_omics,
    read_source_table,
    resistance_warnings,
    sort_actionable,
    therapy_pgx,
    tmb_percentiles,
    top_therapies,
    variant_table,
    withdrawn_therapies,
)
from precisionflow.dossier.svg import GenomeAxis, Scatter, copy_number_track

# Section ids and titles, in the order (the browser test checks every one is present).
SECTIONS = [
    ("summary", "Summary"),
    ("therapy", "Therapy evidence"),
    ("genomic", "Genomic findings"),
    ("omics", "Multi-omics"),
    ("prediction", "Prediction and its explanation"),
    ("outcome", "Outcome"),
    ("pgx", "Pharmacogenomics"),
    ("methods", "Methods and limitations"),
]


@dataclass
class Header:
    cohort: str
    date: str  # ISO date, deterministic (config report_date, else the sample sheet's modification day)
    version: str
    genome_build: str
    references: list[dict[str, str]]  # name, file, sha256 (first 12 hex digits)
    tumor_types: dict[str, str] = field(default_factory=dict)  # public id -> OncoTree code


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
    cohort.outcome_metrics = read_json(sources.paths["outcome_metrics"]) if sources.has("outcome_metrics") else None
    cohort.pgx = read_pgx(sources.paths["pgx"]).fillna("") if sources.has("pgx") else None  # blanks print blank
    recommendations = _table(sources, "pgx_recommendations", PGX_RECOMMENDATION_COLUMNS)
    cohort.pgx_recommendations = None if recommendations is None else recommendations.fillna("")
    cohort.steps = _table(sources, "steps", STEP_COLUMNS)
    cohort.input_summary = _table(sources, "input_summary", ["patient", "input", "records", "kept"])
    return cohort


def _records(frame: pd.DataFrame | None) -> list[dict]:
    return [] if frame is None else frame.to_dict(orient="records")


def _section(name: str, available: bool, reasons: list[str], **data) -> dict:
    return {"id": name, "title": dict(SECTIONS)[name], "available": available, "reasons": reasons, **data}


def pgx_not_assessed(cohort: Cohort, patient: str) -> str:
    """Why a drug's PGx recommendation is absent for this patient."""
    if cohort.pgx is None:
        return cohort.sources.reason("pgx")
    if not len(cohort.rows("pgx", patient)):
        return "no germline VCF for this patient"
    return "the gene is not in this patient's PGx calls"


def unannotated_variants(cohort: Cohort, patient: str) -> list[str]:
    """The reason to print when the patient's somatic variants carry no consequence (a VCF without VEP or
    SnpEff annotation): the knowledge base matched them only where they are known hotspots."""
    maf = cohort.mafs.get(patient)
    if maf is None or "Variant_Classification" not in maf.columns or not len(maf):
        return []
    unknown = int((maf["Variant_Classification"].astype(str) == "Unknown").sum())
    if not unknown:
        return []
    return [
        f"{unknown} of {len(maf)} somatic variants have no consequence annotation: matched to the knowledge base "
        "only where they are known hotspots (annotate the VCF with VEP or SnpEff to assess the others)"
    ]


def therapy_section(cohort: Cohort, patient: str) -> dict:
    if cohort.actionable is None:
        return _section("therapy", False, [cohort.sources.reason("actionable")], rows=[])
    rows = cohort.rows("actionable", patient)
    records = _records(rows)
    recommendations = None if cohort.pgx_recommendations is None else cohort.rows("pgx_recommendations", patient)
    why = pgx_not_assessed(cohort, patient)
    for record in records:
        record["link"] = citation_link(str(record["citation"]), str(record["source_id"]))
        record["pgx"] = therapy_pgx(str(record["therapy"]), recommendations, why) if record["therapy"] else []
        # the summary names the guidance found; the table also says where it was not assessed
        record["pgx_guidance"] = [note for note in record["pgx"] if PGX_NOT_ASSESSED not in note]
    columns = [*rows.columns, "link", "pgx", "pgx_guidance"]
    reasons = unannotated_variants(cohort, patient)
    return _section("therapy", True, reasons, rows=records, columns=columns, tiers=sorted({r["tier"] for r in records}))


def genomic_section(cohort: Cohort, patient: str) -> dict:
    reasons, data = [], {}
    if patient in cohort.mafs:
        data["variants"] = variant_table(cohort.mafs[patient])
    else:
        reasons.append(
            cohort.sources.reason("mafs")
            if not cohort.sources.has("mafs")
            else "no somatic VCF or MAF for this patient"
        )
    if patient in cohort.copy_number_by_patient:
        rows = cohort.copy_number_by_patient[patient]
        data["cn_events"] = copy_number_events(rows)
        data["cn_segments"] = copy_number_segments(rows)
        data["cn_track"] = copy_number_track(rows, cohort.genome_axis) if cohort.genome_axis is not None else None
    else:
        reasons.append(
            cohort.sources.reason("copy_number")
            if cohort.copy_number is None
            else "no copy-number calls for this patient"
        )
    if cohort.tmb is None or patient not in cohort.tmb.index:
        reasons.append(
            cohort.sources.reason("tmb") if cohort.tmb is None else "no TMB for this patient (no somatic variants)"
        )
    elif pd.isna(cohort.tmb.at[patient, "tmb_per_mb"]):  # the variant step could not count coding mutations
        why = cohort.tmb.at[patient, "annotation"] if "annotation" in cohort.tmb else ""
        reasons.append(f"TMB not computed{': ' + str(why) if isinstance(why, str) and why else ''}")
    else:
        coding = cohort.tmb.at[patient, "coding_mutations"] if "coding_mutations" in cohort.tmb else None
        data["tmb"] = {
            "value": float(cohort.tmb.at[patient, "tmb_per_mb"]),
            "coding_mutations": None if coding is None or pd.isna(coding) else int(coding),
            "percentile": float(cohort.tmb.at[patient, "percentile"]),
            "cohort_size": int(cohort.tmb["tmb_per_mb"].notna().sum()),
        }
    return _section("genomic", bool(data), reasons, **data)


def omics_section(cohort: Cohort, patient: str) -> dict:
    if not cohort.zscores and cohort.umap is None:
        return _section("omics", False, [cohort.sources.reason("cohort_h5mu")])
    data = {"outliers": outliers(cohort.zscores, patient, cohort.feature_genes), "layers": sorted(cohort.zscores)}
    if cohort.scatter is not None and patient in cohort.scatter.points:
        data["umap_marker"] = cohort.scatter.points[patient][:2]
    if cohort.clusters is not None and patient in cohort.clusters.index:
        data["cluster"] = str(cohort.clusters[patient])
    reasons = (
        []
        if cohort.scatter is not None and patient in cohort.scatter.points
        else ["this patient has no omics layer: not placed on the cohort map"]
    )
    return _section("omics", True, reasons, **data)


def prediction_section(cohort: Cohort, patient: str) -> dict:
    if cohort.predictions is None:
        return _section("prediction", False, [cohort.sources.reason("predictions")])
    rows = cohort.predictions[cohort.predictions["patient"] == patient]
    data: dict = {}
    if len(rows):
        row = rows.iloc[0]
        probabilities = {c.removeprefix("prob_"): float(row[c]) for c in rows.columns if c.startswith("prob_")}
        data["predicted"] = str(row["predicted"])
        data["probabilities"] = dict(sorted(probabilities.items(), key=lambda kv: -kv[1]))
        data["probability"] = probabilities.get(data["predicted"])
        data["layers_used"] = str(row.get("layers_used", ""))
    reasons = [] if len(rows) else ["no prediction for this patient (labelled, or no omics layer)"]
    if cohort.explanations is not None:
        data["explanations"] = cohort.rows("explanations", patient).sort_values(
            "contribution", key=abs, ascending=False, kind="stable"
        )
    else:
        reasons.append(cohort.sources.reason("explanations"))
    if cohort.model_metrics and isinstance(cohort.model_metrics.get("classifier"), dict):
        data["design"] = cohort.model_metrics["classifier"].get("design")
    return _section("prediction", bool(len(rows)), reasons, **data)


def outcome_section(cohort: Cohort, patient: str) -> dict:
    if cohort.risk is None:
        return _section("outcome", False, [cohort.sources.reason("risk")])
    rows = cohort.rows("risk", patient)
    data: dict = {}
    reasons = []
    if len(rows):
        data["risk"] = {k: (v.item() if hasattr(v, "item") else v) for k, v in rows.iloc[0].items()}
    else:
        reasons.append("no risk estimate for this patient")
    if cohort.contributions is not None:
        data["contributions"] = cohort.rows("contributions", patient).sort_values(
            "contribution", key=abs, ascending=False, kind="stable"
        )
    else:
        reasons.append(cohort.sources.reason("contributions"))
    if cohort.outcome_metrics:
        data["metrics"] = cohort.outcome_metrics
    return _section("outcome", bool(len(rows)), reasons, **data)


def pgx_section(cohort: Cohort, patient: str) -> dict:
    if cohort.pgx is None:
        return _section("pgx", False, [cohort.sources.reason("pgx")])
    genotypes = cohort.rows("pgx", patient)
    recommendations = cohort.rows("pgx_recommendations", patient)
    reasons = [] if len(genotypes) else ["no germline VCF for this patient: PGx not assessed"]
    if recommendations is None:
        reasons.append(cohort.sources.reason("pgx_recommendations"))
    return _section(
        "pgx",
        bool(len(genotypes)),
        reasons,
        genotypes=_records(genotypes),
        recommendations=_records(recommendations),
    )


def methods_section(cohort: Cohort, patient: str, sections: Sequence[dict]) -> dict:
    """What was not assessed (every absent source's reason) and the run's step table when present."""
    not_assessed = sorted({reason for section in sections for reason in section["reasons"]})
    data = {"not_assessed": not_assessed, "steps": _records(cohort.steps)}
    if cohort.input_summary is not None:
        data["input_summary"] = cohort.rows("input_summary", patient)
    return _section("methods", True, [], **data)


def summary_section(cohort: Cohort, patient: str, therapy: dict, prediction: dict, pgx: dict) -> dict:
    data: dict = {}
    if therapy["available"]:
        rows = pd.DataFrame(therapy["rows"], columns=therapy["columns"])
        data["therapies"] = _records(top_therapies(rows))
        data["withdrawn"] = _records(withdrawn_therapies(rows))
        data["resistance"] = _records(resistance_warnings(rows))
    if pgx["available"] and pgx["recommendations"]:
        data["pgx_flags"] = _records(pgx_flags(pd.DataFrame(pgx["recommendations"])))
    if prediction.get("predicted"):
        data["predicted"] = prediction["predicted"]
        data["probability"] = prediction.get("probability")
    if cohort.targets.get(patient) is not None:
        data["targets"] = _records(cohort.targets[patient].sort_values("rank").head(5)[["gene", "rank", "score"]])
    return _section("summary", True, [], **data)


def patient_dossier(cohort: Cohort, patient: str) -> dict:
    """Every section of one patient's dossier, in the page's order, with the header."""
    therapy = therapy_section(cohort, patient)
    genomic = genomic_section(cohort, patient)
    omics = omics_section(cohort, patient)
    prediction = prediction_section(cohort, patient)
    outcome = outcome_section(cohort, patient)
    pgx = pgx_section(cohort, patient)
    summary = summary_section(cohort, patient, therapy, prediction, pgx)
    body = [summary, therapy, genomic, omics, prediction, outcome, pgx]
    methods = methods_section(cohort, patient, body)
    header = cohort.header
    return {
        "patient": patient,
        "tumor_type": header.tumor_types.get(patient) or "not given",
        "header": header,
        "sections": [*body, methods],
        "by_id": {s["id"]: s for s in [*body, methods]},
    }


def index_row(dossier: Mapping) -> dict:
    """A patient's line in the cohort index."""
    s = dossier["by_id"]
    variants = s["genomic"].get("variants")
    therapies = s["summary"].get("therapies", [])
    return {
        "patient": dossier["patient"],
        "tumor_type": dossier["tumor_type"],
        "variants": "" if variants is None else len(variants),
        "tmb": f"{s['genomic']['tmb']['value']:.2f}" if "tmb" in s["genomic"] else "",
        "cluster": s["omics"].get("cluster", ""),
        "predicted": s["prediction"].get("predicted", ""),
        "therapies": "; ".join(sorted({f"{r['therapy']} ({r['tier']})" for r in therapies})),
    }


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
