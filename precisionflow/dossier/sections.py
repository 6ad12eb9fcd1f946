"""Cut one patient's dossier sections out of the cohort (:class:`~precisionflow.dossier.build.Cohort`).

:func:`patient_dossier` returns every section, in the page's order, as plain data (frames, dicts), rendered by
:mod:`~precisionflow.dossier.render` and exported by :mod:`~precisionflow.dossier.fhir`; :func:`index_row`
is the patient's line in the cohort index.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from precisionflow.dossier.build import Cohort
from precisionflow.dossier.gather import (
    PGX_NOT_ASSESSED,
    citation_link,
    copy_number_events,
    copy_number_segments,
    feature_values,
    outliers,
    pgx_flags,
    preclinical_resistance,
    preclinical_therapies,
    resistance_warnings,
    therapy_pgx,
    top_therapies,
    variant_table,
    withdrawn_therapies,
)
from precisionflow.dossier.sources import not_assessed
from precisionflow.dossier.svg import copy_number_track
from precisionflow.integration.scope import NOT_APPLICABLE
from precisionflow.targets.prioritize import RESISTANCE_ONLY

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


def _records(frame: pd.DataFrame | None) -> list[dict]:
    return [] if frame is None else frame.to_dict(orient="records")


def _section(name: str, available: bool, reasons: list[str], **data) -> dict:
    return {"id": name, "title": dict(SECTIONS)[name], "available": available, "reasons": reasons, **data}


def pgx_not_assessed(cohort: Cohort, patient: str) -> str:
    """Why a drug's PGx recommendation is absent for this patient (the cause alone: the line names what)."""
    if cohort.pgx is None:
        return cohort.sources.cause("pgx")
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


# the patients table's flags of the inputs the actionability step matches against the knowledge base, and
# what each stands for in a "not assessed" line (MSI status alone is no test of the genome's alterations)
GENOMIC_INPUTS = {
    "variants": "no somatic VCF or MAF",
    "copy_number": "no copy-number calls",
    "fusions": "no fusions",
    "germline_maf": "no germline MAF",
}


def genomic_inputs(cohort: Cohort, patient: str) -> list[str]:
    """The somatic inputs assessed for the patient (keys of GENOMIC_INPUTS): the sample sheet's, else those of
    the cohort's MAFs and copy-number calls."""
    if cohort.header.genomic_inputs is not None:
        return [name for name in GENOMIC_INPUTS if name in cohort.header.genomic_inputs.get(patient, [])]
    return [
        name
        for name, present in (
            ("variants", patient in cohort.mafs),
            ("copy_number", patient in cohort.copy_number_by_patient),
        )
        if present
    ]


def no_genomic_data(cohort: Cohort, patient: str) -> str | None:
    """Why the patient's therapy evidence was not assessed (no somatic data of any kind), or None."""
    if genomic_inputs(cohort, patient):
        return None
    return "no somatic data for this patient (" + ", ".join(GENOMIC_INPUTS.values()) + ")"


def therapy_section(cohort: Cohort, patient: str) -> dict:
    if cohort.actionable is None:
        return _section("therapy", False, [cohort.sources.reason("actionable")], rows=[])
    unassessed = no_genomic_data(cohort, patient)
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
    reasons = ([not_assessed("Therapy evidence", unassessed)] if unassessed else []) + unannotated_variants(
        cohort, patient
    )
    return _section(
        "therapy",
        True,
        reasons,
        rows=records,
        columns=columns,
        tiers=sorted({r["tier"] for r in records}),
        assessed=unassessed is None,
        not_assessed_cause=unassessed,
    )


def genomic_section(cohort: Cohort, patient: str) -> dict:
    reasons, data = [], {}
    if patient in cohort.mafs:
        data["variants"] = variant_table(cohort.mafs[patient])
    else:
        reasons.append(
            cohort.sources.reason("mafs")
            if not cohort.sources.has("mafs")
            else not_assessed("Variants", "no somatic VCF or MAF for this patient")
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
            else not_assessed("Copy number", "no copy-number calls for this patient")
        )
    if cohort.tmb is None or patient not in cohort.tmb.index:
        no_variants = not_assessed("TMB", "no somatic variants for this patient")
        reasons.append(cohort.sources.reason("tmb") if cohort.tmb is None else no_variants)
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
    kind = str(rows["kind"].iloc[0]) if len(rows) and "kind" in rows.columns else ""
    if kind.startswith(NOT_APPLICABLE):  # a patient of another tumour type than the labels' (integration/scope.py)
        data["predicted"] = kind
        data["not_applicable"] = True
    elif len(rows) and pd.notna(rows["predicted"].iloc[0]):
        row = rows.iloc[0]
        probabilities = {c.removeprefix("prob_"): float(row[c]) for c in rows.columns if c.startswith("prob_")}
        data["predicted"] = str(row["predicted"])
        data["probabilities"] = dict(sorted(probabilities.items(), key=lambda kv: -kv[1]))
        data["probability"] = probabilities.get(data["predicted"])
        data["layers_used"] = str(row.get("layers_used", ""))
    reasons = [] if "predicted" in data else ["no prediction for this patient (no omics layer)"]
    if cohort.explanations is not None:
        data["explanations"] = cohort.rows("explanations", patient).sort_values(
            "contribution", key=abs, ascending=False, kind="stable"
        )
    else:
        reasons.append(cohort.sources.reason("explanations"))
    if cohort.model_metrics and isinstance(cohort.model_metrics.get("classifier"), dict):
        data["design"] = cohort.model_metrics["classifier"].get("design")
    return _section("prediction", "predicted" in data, reasons, **data)


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
    data |= patient_feature_values(cohort, patient, data.get("contributions"))
    if cohort.outcome_metrics:
        data["metrics"] = cohort.outcome_metrics
    return _section("outcome", bool(len(rows)), reasons, **data)


def patient_feature_values(cohort: Cohort, patient: str, contributions: pd.DataFrame | None) -> dict:
    """Each listed contribution's feature value for the patient (a ``value`` column after ``feature``), and
    the model's features not assessed for the patient (``filled_in``, ``n_features``)."""
    features = cohort.outcome_features
    if features is None or patient not in features.index:
        return {}
    out: dict = {"filled_in": sorted(features.columns[features.loc[patient].isna()]), "n_features": features.shape[1]}
    if contributions is not None:
        values = feature_values(features, patient, contributions["feature"].astype(str).tolist())
        out["contributions"] = contributions.assign(value=values)[["feature", "value", "contribution"]]
    return out


def pgx_section(cohort: Cohort, patient: str) -> dict:
    if cohort.pgx is None:
        return _section("pgx", False, [cohort.sources.reason("pgx")])
    genotypes = cohort.rows("pgx", patient)
    recommendations = cohort.rows("pgx_recommendations", patient)
    reasons = [] if len(genotypes) else [not_assessed("PGx", "no germline VCF for this patient")]
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
        data["preclinical"] = _records(preclinical_therapies(rows))
        data["resistance"] = _records(resistance_warnings(rows))
        data["preclinical_resistance"] = _records(preclinical_resistance(rows))
    if pgx["available"] and pgx["recommendations"]:
        data["pgx_flags"] = _records(pgx_flags(pd.DataFrame(pgx["recommendations"])))
    if prediction.get("predicted"):
        data["predicted"] = prediction["predicted"]
        data["probability"] = prediction.get("probability")
    if cohort.targets.get(patient) is not None:
        targets = cohort.targets[patient]
        columns = [c for c in ("gene", "rank", "score", "drugs", "drug_evidence") if c in targets.columns]
        top = targets.sort_values("rank").head(5)[columns].fillna("")
        if "drug_evidence" in top.columns:  # a gene whose curated drugs are all resisted says so, not a blank
            evidence = top["drug_evidence"].astype(str)
            top["resisted"] = evidence.str.removeprefix(RESISTANCE_ONLY + ": ").where(
                evidence.str.startswith(RESISTANCE_ONLY), ""
            )
        data["targets"] = _records(top)
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


def resistance_cell(summary: Mapping, therapy: Mapping) -> str:
    """A patient's resistance in the cohort index, from the summary's lines: each alteration with tier I-A to II-C
    resistance evidence, its best tier and the therapies it predicts resistance to, then the therapies withdrawn
    for the patient ("KRAS p.G12D (I-A): Cetuximab, Panitumumab; withdrawn: Alpelisib (PIK3CA p.H1047R)");
    ``none`` when there is neither, ``not assessed`` when no alteration was tested."""
    if not therapy.get("available") or therapy.get("assessed") is False:
        return "not assessed"
    by_alteration: dict[str, tuple[str, list[str]]] = {}
    for r in summary.get("resistance", []):  # best tier first (the table's order)
        tier, therapies = by_alteration.setdefault(f"{r['gene']} {r['alteration']}".strip(), (r["tier"], []))
        if r["therapy"] not in therapies:
            therapies.append(r["therapy"])
    parts = [f"{alteration} ({tier}): {', '.join(t)}" for alteration, (tier, t) in by_alteration.items()]
    withdrawn = dict.fromkeys(f"{r['therapy']} ({r['gene']} {r['alteration']})" for r in summary.get("withdrawn", []))
    if withdrawn:
        parts.append("withdrawn: " + ", ".join(withdrawn))
    return "; ".join(parts) or "none"


def index_row(dossier: Mapping) -> dict:
    """A patient's line in the cohort index."""
    s = dossier["by_id"]
    variants = s["genomic"].get("variants")
    therapies = s["summary"].get("therapies", [])
    listed = "; ".join(sorted({f"{r['therapy']} ({r['tier']})" for r in therapies}))
    if s["therapy"].get("assessed") is False:  # no somatic data: no blank that reads as "nothing found"
        listed = "; ".join(filter(None, ["not assessed", listed]))
    return {
        "patient": dossier["patient"],
        "tumor_type": dossier["tumor_type"],
        "variants": "" if variants is None else len(variants),
        "tmb": f"{s['genomic']['tmb']['value']:.2f}" if "tmb" in s["genomic"] else "",
        "cluster": s["omics"].get("cluster", ""),
        "predicted": s["prediction"].get("predicted", ""),
        "therapies": listed,
        "resistance": resistance_cell(s["summary"], s["therapy"]),
    }
