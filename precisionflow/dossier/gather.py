"""Step outputs -> what each dossier section shows, as small typed functions over pandas frames.

Every source is optional: :class:`Sources` holds the paths of the sources the workflow made and the
reasons of the others, and each reader returns ``None`` for an absent source, so that the section
prints why it is empty (:mod:`precisionflow.dossier.sources`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from precisionflow.actionability.knowledge import therapy_agents
from precisionflow.actionability.suggestions import preclinical_only
from precisionflow.actionability.tiers import ESTABLISHED_TIERS, TIERS
from precisionflow.dossier.sources import SOURCES, absent_cause, absent_reason
from precisionflow.errors import InputError
from precisionflow.pgx.recommendations import changes_care
from precisionflow.pgx.recommendations import guidelines as pgx_guidelines
from precisionflow.steps import STEP_COLUMNS as STEP_TABLE_COLUMNS

# The SPEC columns of the optional sources (the actionability and step tables' from their modules); a file
# lacking one is an error.
PGX_COLUMNS = ["patient", "gene", "diplotype", "phenotype", "activity_score", "missing_positions", "call_quality"]
PGX_RECOMMENDATION_COLUMNS = ["patient", "drug", "genes", "phenotypes", "recommendation", "classification", "source"]
RISK_COLUMNS = ["patient", "risk", "risk_group", "out_of_fold"]
CONTRIBUTION_COLUMNS = ["patient", "feature", "contribution"]
EXPLANATION_COLUMNS = ["patient", "class", "feature", "layer", "contribution"]
STEP_COLUMNS = list(STEP_TABLE_COLUMNS)
# MAF columns the variant table shows (SPEC), under the clinician's names
VARIANT_COLUMNS = {
    "Hugo_Symbol": "gene",
    "HGVSp_Short": "protein change",
    "Variant_Classification": "class",
    "t_vaf": "VAF",
    "is_hotspot": "hotspot",
    "driver_role": "driver role",
    "Chromosome": "chrom",
    "Start_Position": "position",
    "Reference_Allele": "ref",
    "Tumor_Seq_Allele2": "alt",
    "HGVSc": "cDNA change",
}
OUTLIER_Z = 3.0  # |z| from which a value is called an outlier (≈ 0.3 % two-sided under normality)
MAX_OUTLIERS = 15  # per layer, by |z|


@dataclass
class Sources:
    """Paths of the available sources (per-patient ones as {patient: path}) and reasons for the others."""

    paths: dict[str, str | dict[str, str]] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)

    def has(self, name: str) -> bool:
        return name in self.paths

    def reason(self, name: str) -> str:
        """What was not assessed without the source, and why ("PGx not assessed: no germline VCF")."""
        return absent_reason(name, self.reasons.get(name))

    def cause(self, name: str) -> str:
        """Why the source is absent, alone ("no germline VCF"), for a line that names what itself."""
        return absent_cause(name, self.reasons.get(name))


def _check_columns(frame: pd.DataFrame, path: str | os.PathLike[str], columns: Sequence[str]) -> pd.DataFrame:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(path, "header", f"columns {', '.join(columns)}", f"no {', '.join(missing)}")
    return frame


def read_source_table(path: str | os.PathLike[str], columns: Sequence[str] = ()) -> pd.DataFrame:
    """A step's TSV (``#`` lines are comments) with the SPEC columns checked; ids stay strings."""
    frame = pd.read_csv(path, sep="\t", comment="#", dtype={"patient": str}, keep_default_na=True)
    return _check_columns(frame, path, columns)


def tmb_percentiles(tmb: pd.DataFrame) -> pd.DataFrame:
    """TMB per patient with its cohort percentile (share of patients with a TMB at most this one's, in %)."""
    frame = tmb.set_index("patient")
    values = frame["tmb_per_mb"].astype(float)
    frame["percentile"] = values.rank(method="max", pct=True) * 100
    return frame


def variant_table(maf: pd.DataFrame) -> pd.DataFrame:
    """The MAF rows a clinician reads: gene, protein change, class, VAF, hotspot, driver role (+ locus)."""
    present = [c for c in VARIANT_COLUMNS if c in maf.columns]
    table = maf[present].rename(columns=VARIANT_COLUMNS)
    if "hotspot" in table:
        table["hotspot"] = table["hotspot"].astype(str).str.lower().map({"true": "yes", "false": ""}).fillna("")
    return table.fillna("").reset_index(drop=True)


def copy_number_events(copy_number: pd.DataFrame) -> pd.DataFrame:
    """The patient's genes not called neutral: amplifications first, the highest copy numbers first within them."""
    order = {"amp": 0, "deep_loss": 1, "gain": 2, "loss": 3}
    events = copy_number[copy_number["call"] != "neutral"].copy()
    events["_order"] = events["call"].map(order).fillna(9)
    events["_copies"] = -events["total_cn"].astype(float)
    columns = [c for c in ("gene", "call", "total_cn", "chrom", "start", "end") if c in events.columns]
    return events.sort_values(["_order", "_copies", "gene"], kind="stable")[columns].reset_index(drop=True)


def copy_number_segments(copy_number: pd.DataFrame, calls: Sequence[str] = ("amp", "deep_loss")) -> list[dict]:
    """Runs of adjacent genes (genome order, neutral genes included) with one call and copy number, for the
    given calls: a focal amplicon is one event with its genes, not one event per gene. Without positions,
    each gene is its own event."""
    if not {"chrom", "start", "end"} <= set(copy_number.columns):
        rows = copy_number[copy_number["call"].isin(calls)].sort_values("gene", kind="stable")
        return [
            {"genes": [g], "call": c, "total_cn": float(n), "chrom": None, "start": None, "end": None}
            for g, c, n in zip(rows["gene"], rows["call"], rows["total_cn"], strict=True)
        ]
    from precisionflow.dossier.svg import contig_sort_key

    rows = copy_number.dropna(subset=["chrom", "start"]).copy()
    rows["_contig"] = rows["chrom"].astype(str).map(lambda c: contig_sort_key(c))
    rows = rows.sort_values(["_contig", "start", "gene"], kind="stable")
    state = rows["chrom"].astype(str) + "|" + rows["call"].astype(str) + "|" + rows["total_cn"].astype(str)
    run = (state != state.shift()).cumsum()
    segments = []
    for _, group in rows[rows["call"].isin(calls)].groupby(run[rows["call"].isin(calls)], sort=True):
        segments.append(
            {
                "genes": group["gene"].astype(str).tolist(),
                "call": str(group["call"].iloc[0]),
                "total_cn": float(group["total_cn"].iloc[0]),
                "chrom": str(group["chrom"].iloc[0]),
                "start": int(group["start"].min()),
                "end": int(group["end"].max()),
            }
        )
    return segments


def omics_zscores(layers: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Per layer, patients × features z-scores of the normalized values (across the cohort, per feature)."""
    scores = {}
    for name, values in layers.items():
        mean = values.mean(axis=0)
        sd = values.std(axis=0, ddof=1).replace(0, np.nan)
        scores[name] = (values - mean) / sd
    return scores


def outliers(zscores: Mapping[str, pd.DataFrame], patient: str, genes: Mapping[str, Mapping[str, str]]) -> pd.DataFrame:
    """The patient's features with |z| ≥ OUTLIER_Z, per layer, the largest |z| first."""
    rows = []
    for layer, scores in zscores.items():
        if patient not in scores.index:
            continue
        z = scores.loc[patient].dropna()
        z = z[z.abs() >= OUTLIER_Z]
        top = z.reindex(z.abs().sort_values(ascending=False, kind="stable").index)[:MAX_OUTLIERS]
        for feature, value in top.items():
            rows.append(
                {
                    "layer": layer,
                    "feature": feature,
                    "gene": genes.get(layer, {}).get(feature, ""),
                    "z": round(float(value), 2),
                }
            )
    return pd.DataFrame(rows, columns=["layer", "feature", "gene", "z"])


def read_omics(
    h5mu_path: str | os.PathLike[str],
) -> tuple[dict[str, pd.DataFrame], dict[str, dict[str, str]], pd.DataFrame | None]:
    """The normalized layers, each layer's feature -> gene symbol, and the cohort UMAP (or None)."""
    import mudata

    mdata = mudata.read_h5mu(h5mu_path)
    layers, genes = {}, {}
    for name, modality in mdata.mod.items():
        matrix = modality.X.toarray() if hasattr(modality.X, "toarray") else np.asarray(modality.X)
        layers[name] = pd.DataFrame(matrix, index=modality.obs_names, columns=modality.var_names)
        if "gene" in modality.var:
            genes[name] = {f: str(g) for f, g in modality.var["gene"].items() if isinstance(g, str) and g and g != f}
    umap = None
    if "X_umap" in mdata.obsm:
        umap = pd.DataFrame(np.asarray(mdata.obsm["X_umap"])[:, :2], index=mdata.obs_names, columns=["UMAP1", "UMAP2"])
    return layers, genes, umap


def read_json(path: str | os.PathLike[str]) -> dict:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise InputError(path, f"line {error.lineno}", "JSON", error.msg) from None


def sort_actionable(rows: pd.DataFrame) -> pd.DataFrame:
    """Tier I-A first; within a tier resistance before sensitivity (a resistance call must not hide)."""
    tier_rank = rows["tier"].map({t: i for i, t in enumerate(TIERS)}).fillna(len(TIERS))
    effect_rank = rows["effect"].map({"resistance": 0, "sensitivity": 1, "prognosis": 2}).fillna(3)
    order = pd.DataFrame({"t": tier_rank, "e": effect_rank, "g": rows["gene"], "d": rows["therapy"]}).sort_values(
        ["t", "e", "g", "d"], kind="stable"
    )
    return rows.loc[order.index].reset_index(drop=True)


def is_suggested(actionable: pd.DataFrame) -> pd.Series:
    """The rows the actionability step suggests (``suggested`` = yes): a sensitivity row withdrawn by the
    patient's resistance, by an indication the patient's tumour contradicts or as a VUS, and one of tier II-D
    (preclinical evidence), is no suggestion. A table without the column (SPEC columns only) suggests its
    sensitivity rows."""
    if "suggested" not in actionable.columns:
        return actionable["effect"] == "sensitivity"
    return actionable["suggested"].astype(str) == "yes"


def is_preclinical_only(actionable: pd.DataFrame) -> pd.Series:
    """Tier II-D sensitivity rows not suggested only for their preclinical evidence (nothing withdrew them)."""
    notes = actionable["note"] if "note" in actionable.columns else pd.Series("", index=actionable.index)
    only = [
        preclinical_only(str(e), str(t), str(n))
        for e, t, n in zip(actionable["effect"], actionable["tier"], notes, strict=True)
    ]
    return pd.Series(only, index=actionable.index, dtype=bool) & ~is_suggested(actionable)


def _tier_i_ii_sensitivity(actionable: pd.DataFrame) -> pd.Series:
    return actionable["tier"].astype(str).str.match(r"^II?-") & (actionable["effect"] == "sensitivity")


THERAPY_KEY = ["gene", "alteration", "therapy"]


def once_per_therapy(rows: pd.DataFrame, key: Sequence[str] = THERAPY_KEY) -> pd.DataFrame:
    """Each (alteration, therapy) once, at its first row (rows come best tier first: trastuzumab at I-A, not
    again at II-C for gastric cancer), ``sources`` naming every assertion behind it: two assertions of one drug
    for one alteration are one entry, not two recommendations."""
    key = [c for c in key if c in rows.columns]
    first = rows.drop_duplicates(key)
    if first.empty:
        return first.assign(sources=pd.Series(dtype=str))
    sources = rows.groupby(key, sort=False)["source_id"].agg(lambda ids: ", ".join(dict.fromkeys(ids.astype(str))))
    return first.merge(sources.rename("sources").reset_index(), on=key, how="left")


def top_therapies(actionable: pd.DataFrame) -> pd.DataFrame:
    """Tier I–II sensitivity rows the actionability step suggests (what the summary lists): each (alteration,
    therapy) once, with its sources (:func:`once_per_therapy`)."""
    return once_per_therapy(actionable[_tier_i_ii_sensitivity(actionable) & is_suggested(actionable)])


def withdrawn_therapies(actionable: pd.DataFrame) -> pd.DataFrame:
    """Tier I–II sensitivity rows withdrawn for this patient (the summary says so, with the reason), each
    (alteration, therapy) and reason once; tier II-D rows not suggested only for their evidence are listed by
    :func:`preclinical_therapies`, not as withdrawn."""
    rows = actionable[_tier_i_ii_sensitivity(actionable) & ~is_suggested(actionable) & ~is_preclinical_only(actionable)]
    return once_per_therapy(rows, [*THERAPY_KEY, "note"])


def preclinical_therapies(actionable: pd.DataFrame) -> pd.DataFrame:
    """Tier II-D sensitivity rows (preclinical or inferential evidence: for trials and research, not
    suggestions), each (alteration, therapy) once with its sources."""
    return once_per_therapy(actionable[is_preclinical_only(actionable)])


# a drug class named by a knowledge-base therapy ("Fluoropyrimidine + Platinum Compound + Trastuzumab") -> its
# drugs with a genotype-guided dosing guideline
DRUG_CLASSES = {"fluoropyrimidine": ("capecitabine", "fluorouracil")}


def pgx_guided_drugs() -> dict[str, list[str]]:
    """drug (lower case) -> the genes of its genotype-guided dosing guideline (the PGx step's table)."""
    genes: dict[str, set[str]] = {}
    for guideline in pgx_guidelines():
        genes.setdefault(guideline.drug.lower(), set()).update(guideline.genes)
    return {drug: sorted(found) for drug, found in genes.items()}


def therapy_pgx(therapy: str, recommendations: pd.DataFrame | None, not_assessed: str) -> list[str]:
    """The patient's PGx dosing guidance for the agents of a therapy (capecitabine and DPYD …): each agent's
    recommendation rows; for an agent with a genotype-guided guideline but no row, that it was not
    assessed and why (``not_assessed``), never silence. Guidance first, then what was not assessed."""
    rows = recommendations if recommendations is not None else pd.DataFrame(columns=PGX_RECOMMENDATION_COLUMNS)
    drugs = rows["drug"].astype(str).str.lower()
    guided = pgx_guided_drugs()
    notes, missing = [], []
    agents = sorted(a.lower() for a in therapy_agents(therapy))
    for agent in sorted({drug for a in agents for drug in DRUG_CLASSES.get(a, (a,))}):
        found = rows[drugs == agent]
        notes += [f"{agent}: {r.recommendation} ({r.phenotypes}; {r.source})" for r in found.itertuples(index=False)]
        if found.empty and agent in guided:
            missing.append(f"{agent}: {', '.join(guided[agent])} {PGX_NOT_ASSESSED} ({not_assessed})")
    return notes + missing


PGX_NOT_ASSESSED = "genotype-guided dosing not assessed"


def resistance_warnings(actionable: pd.DataFrame) -> pd.DataFrame:
    """Resistance rows of tier I-A to II-C: the summary's "predicts resistance" lines."""
    return actionable[(actionable["effect"] == "resistance") & actionable["tier"].isin(ESTABLISHED_TIERS)]


def preclinical_resistance(actionable: pd.DataFrame) -> pd.DataFrame:
    """Resistance rows of tier II-D (cell lines, inference) and III (a variant of unknown significance): listed
    as such, never as a warning that reads like a reason to withhold a standard therapy."""
    return actionable[(actionable["effect"] == "resistance") & ~actionable["tier"].isin(ESTABLISHED_TIERS)]


NOT_ASSESSED_FEATURE = "not assessed"


def feature_value(value: object, column: pd.Series) -> str:
    """A risk-model feature's value for one patient as a reader takes it: ``present``/``absent`` for a 0/1
    feature, the number otherwise; a blank (no VCF, no copy number …) is ``not assessed`` and says what the
    model filled in (the median: a feature most patients lack is scored as absent)."""
    binary = set(column.dropna().unique()) <= {0.0, 1.0}
    if pd.isna(value):
        median = column.median()
        filled = "as absent" if binary and median == 0 else "with the cohort median"
        return f"{NOT_ASSESSED_FEATURE} (filled in {filled})"
    if binary:
        return "present" if float(value) == 1.0 else "absent"
    return f"{float(value):g}"


def feature_values(features: pd.DataFrame, patient: str, names: Sequence[str]) -> list[str]:
    """The patient's value of each named feature (:func:`feature_value`); '' for a feature the table lacks."""
    if patient not in features.index:
        return ["" for _ in names]
    row = features.loc[patient]
    return [feature_value(row[n], features[n]) if n in features.columns else "" for n in names]


def pgx_flags(recommendations: pd.DataFrame) -> pd.DataFrame:
    """PGx recommendations that change the care (the dose, the drug, a caution) against the drug's
    recommendation for typical phenotypes (:func:`precisionflow.pgx.recommendations.changes_care`)."""
    drugs, texts = recommendations["drug"].astype(str), recommendations["recommendation"].astype(str)
    changed = [changes_care(drug, text) for drug, text in zip(drugs, texts, strict=True)]
    return recommendations[pd.Series(changed, index=recommendations.index, dtype=bool)]


def citation_link(citation: str, source_id: str = "") -> str | None:
    """A link for a citation: a DOI, a PubMed id or a URL found in it (None when it holds none)."""
    import re

    text = f"{citation} {source_id}"
    if match := re.search(r"https?://\S+", text):
        return match.group(0).rstrip(").,;")
    if match := re.search(r"\b(10\.\d{4,9}/[^\s;,)]+)", text):
        return "https://doi.org/" + match.group(1).rstrip(".")
    if match := re.search(r"PMID:?\s*(\d+)", text, flags=re.IGNORECASE):
        return f"https://pubmed.ncbi.nlm.nih.gov/{match.group(1)}/"
    return None


def rows_of(frame: pd.DataFrame | None, patient: str) -> pd.DataFrame | None:
    if frame is None:
        return None
    return frame[frame["patient"] == patient].drop(columns="patient").reset_index(drop=True)


__all__ = [name for name in dir() if not name.startswith("_")] + ["SOURCES"]
