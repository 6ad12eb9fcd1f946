"""Druggability of each gene from drug-gene interactions (DGIdb), and the drugs named in the tables.

Rule, per gene (settings under ``targets: druggability:``):

* only anticancer agents count (:func:`anticancer_drugs`): a drug with a claim of a stated kind against
  some gene (``direct_types``) from an oncology source (``oncology_sources``: CIViC, OncoKB, CGI, CKB, My
  Cancer Genome, …), or a therapy of the MOAlmanac knowledge base; atropine, alcohol or
  diphenhydramine never reach a table;
* claims that only list a clinical trial (``listing_sources``: a trial enrolling patients with the gene
  altered, not a drug acting on it) and claims of a ``not_drug_types`` kind (resistance, biomarker) are no
  interactions; a claim without a kind weighs ``untyped_weight`` (0 by default: in the DGIdb v3 export
  these are mostly biomarker associations, such as KRAS and cetuximab, which predict resistance);
* each distinct drug weighs by the kind of its interactions with the gene: 1.0 when one of them acts
  against the target (``direct_types``: inhibitor, antagonist, antibody, blocker …), 0.5 for another
  stated kind (agonist, modulator, binder …); times 0.5 unless the drug is approved: the ``approved``
  column of newer DGIdb exports, else an agent of an FDA-approved MOAlmanac therapy (DGIdb v3's ``FDA``
  source is the pharmacogenomic-biomarker labelling table, not an approval list; ``approved_sources`` is
  empty by default and kept only for exports whose source means approval);
* interactions part = min(1, Σ drug weights / ``saturation``) (3: three approved inhibitors make a
  gene fully tractable);
* categories part (optional DGIdb categories file) = the largest value of the gene's categories in
  ``categories`` (``CLINICALLY ACTIONABLE`` 0.5, druggable-genome families 0.25);
* d(g) = max(interactions part, categories part), in [0, 1]; for a patient whose curated evidence of the gene
  is resistance only, of tier I-A to II-C (KRAS p.G12D in colorectal cancer: cetuximab, panitumumab), the
  interactions part alone: a category names no drug, and the curated evidence names none for this patient;
* in a patient's row the interactions part leaves out the drugs no longer shown for the patient
  (:func:`withdrawn_parts`): an agent withdrawn for the patient (an alteration predicts resistance to it, or its
  indication excludes the tumour: alpelisib in an ERBB2-amplified breast cancer) is no reason to rank its target
  higher. The cohort table, per group, keeps d(g).

``drugs``: the gene's drugs acting against it (``direct``), strongest first (weight, then number of
sources, then name), at most ``max_drugs``, joined by ``;``. They are *inferential* (AMP tier II-D at most):
the target tables show them only for a patient's activating alteration of the gene (prioritize.py), after the
curated drugs of the patient's own alterations (curated.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd


def _claims(interactions: pd.DataFrame, cfg: Mapping) -> pd.DataFrame:
    """The interaction claims with upper-case drug names, ``direct`` and ``typed`` flags; trial listings
    and claims of a ``not_drug_types`` kind left out."""
    direct_types = {t.lower() for t in cfg["direct_types"]}
    not_drug = {t.lower() for t in cfg["not_drug_types"]}
    listing = {s.lower() for s in cfg["listing_sources"]}
    frame = interactions.copy()
    frame["drug"] = frame["drug"].astype(str).str.strip().str.upper()
    types = frame["interaction_types"].fillna("").astype(str).str.lower()
    kinds = types.str.split(r"\s*,\s*").map(lambda ks: [k for k in ks if k])
    frame["direct"] = kinds.map(lambda ks: any(k in direct_types for k in ks))
    frame["typed"] = kinds.map(bool)
    excluded = kinds.map(lambda ks: any(k in not_drug for k in ks)) | frame["source"].fillna("").astype(
        str
    ).str.lower().isin(listing)
    return frame[~excluded.to_numpy(bool)]


def anticancer_drugs(
    interactions: pd.DataFrame, settings: Mapping, curated: frozenset[str] = frozenset()
) -> frozenset[str]:
    """Drugs (upper-case) that are anticancer agents: a ``direct_types`` claim from an ``oncology_sources``
    source for some gene, or an agent of a curated therapy (``curated``: MOAlmanac's)."""
    cfg = settings["druggability"]
    if interactions.empty:
        return frozenset(curated)
    claims = _claims(interactions, cfg)
    oncology = {s.lower() for s in cfg["oncology_sources"]}
    from_oncology = claims[claims["direct"] & claims["source"].fillna("").astype(str).str.lower().isin(oncology)]
    return frozenset(from_oncology["drug"]) | frozenset(curated)


def drug_weights(
    interactions: pd.DataFrame,
    settings: Mapping,
    anticancer: frozenset[str] | None = None,
    approved: frozenset[str] | None = None,
) -> pd.DataFrame:
    """One row per (gene, drug) with a weight above 0: ``weight``, ``sources`` (distinct claim sources),
    ``direct``, ``approved``.

    ``interactions``: :func:`precisionflow.dgidb.read_drug_gene` (``gene, drug, interaction_types,
    source``), with an ``approved`` column where the export has one. ``anticancer``: the drugs allowed
    (:func:`anticancer_drugs`; None: all, for tests of the weighting alone); ``approved``: approved agents
    (MOAlmanac's FDA-approved therapies) when the export has no ``approved`` column. Drug names are
    compared case-insensitively and written upper-case.
    """
    cfg = settings["druggability"]
    columns = ["gene", "drug", "weight", "sources", "direct", "approved"]
    if interactions.empty:
        return pd.DataFrame(columns=columns)
    frame = _claims(
        interactions[
            [c for c in ("gene", "drug", "interaction_types", "source", "approved") if c in interactions.columns]
        ],
        cfg,
    )
    if anticancer is not None:
        frame = frame[frame["drug"].isin(anticancer)]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    if "approved" in frame.columns and frame["approved"].notna().any():
        frame["approved"] = frame["approved"].fillna(False).astype(bool)
    else:
        approved_sources = {s.lower() for s in cfg["approved_sources"]}
        frame["approved"] = frame["source"].fillna("").astype(str).str.lower().isin(approved_sources)
        if approved is not None:
            frame["approved"] |= frame["drug"].isin(approved)
    per_drug = frame.groupby(["gene", "drug"], sort=True).agg(
        direct=("direct", "any"), typed=("typed", "any"), approved=("approved", "any"), sources=("source", "nunique")
    )
    kind = np.where(
        per_drug["direct"],
        cfg["direct_weight"],
        np.where(per_drug["typed"], cfg["other_weight"], cfg["untyped_weight"]),
    )
    per_drug["weight"] = kind * np.where(per_drug["approved"], 1.0, cfg["not_approved_factor"])
    per_drug = per_drug[per_drug["weight"] > 0]
    return per_drug.reset_index()[columns]


def interactions_part(per_drug: pd.DataFrame, settings: Mapping) -> pd.Series:
    """gene -> min(1, Σ drug weights / ``saturation``): d(g) without the categories (genes without drugs absent).
    What a gene keeps for a patient whose curated evidence of it is resistance only (prioritize.py)."""
    if per_drug.empty:
        return pd.Series(dtype=np.float64, name="druggability")
    total = per_drug.groupby("gene")["weight"].sum() / settings["druggability"]["saturation"]
    return total.clip(upper=1.0).sort_index().rename("druggability")


def categories_part(categories: pd.DataFrame | None, settings: Mapping) -> pd.Series:
    """gene -> the largest value of its DGIdb categories in ``categories`` (genes without a scored one absent)."""
    if categories is None or categories.empty:
        return pd.Series(dtype=np.float64, name="druggability")
    values = {k.upper(): float(v) for k, v in settings["druggability"]["categories"].items()}
    scored = categories.assign(value=categories["category"].astype(str).str.upper().map(values)).dropna(
        subset=["value"]
    )
    return scored.groupby("gene")["value"].max().clip(upper=1.0).sort_index().rename("druggability")


def druggability(per_drug: pd.DataFrame, categories: pd.DataFrame | None, settings: Mapping) -> pd.Series:
    """gene -> d(g) in [0, 1] (genes with neither interactions nor a scored category are absent)."""
    return combined(interactions_part(per_drug, settings), categories_part(categories, settings))


def combined(interactions: pd.Series, categories: pd.Series) -> pd.Series:
    """d(g) = max(interactions part, categories part), from the two parts."""
    parts = [part for part in (interactions, categories) if len(part)]
    if not parts:
        return pd.Series(dtype=np.float64, name="druggability")
    combined = pd.concat(parts, axis=1).max(axis=1)
    return combined.sort_index().rename("druggability")


def withdrawn_parts(
    per_drug: pd.DataFrame | None, withdrawn: Mapping[str, Iterable[str]], settings: Mapping
) -> pd.Series:
    """(patient, gene) -> the interactions part of the gene counting only its drugs not withdrawn for the patient
    (``withdrawn``: patient -> agents, upper-case; :func:`~precisionflow.actionability.knowledge.withdrawn_agents`),
    for the pairs where one of the gene's drugs is withdrawn: a drug the patient must not get makes no target."""
    pairs = [(patient, agent) for patient, agents in withdrawn.items() for agent in agents]
    index = pd.MultiIndex.from_arrays([[], []], names=["patient", "gene"])
    if per_drug is None or per_drug.empty or not pairs:
        return pd.Series(dtype=np.float64, index=index, name="druggability")
    gone = pd.DataFrame(pairs, columns=["patient", "drug"]).merge(per_drug[["gene", "drug", "weight"]], on="drug")
    if gone.empty:
        return pd.Series(dtype=np.float64, index=index, name="druggability")
    lost = gone.groupby(["patient", "gene"], sort=True)["weight"].sum()
    total = per_drug.groupby("gene")["weight"].sum().reindex(lost.index.get_level_values("gene")).to_numpy()
    left = np.clip(total - lost.to_numpy(), 0.0, None) / settings["druggability"]["saturation"]
    return pd.Series(np.minimum(1.0, left), index=lost.index, name="druggability")


def drug_lists(per_drug: pd.DataFrame, settings: Mapping) -> pd.Series:
    """gene -> ``'DRUG A;DRUG B;…'``: drugs acting against the gene, strongest first, at most ``max_drugs``."""
    per_drug = per_drug[per_drug["direct"].astype(bool)] if not per_drug.empty else per_drug
    if per_drug.empty:
        return pd.Series(dtype=object, name="drugs")
    limit = settings["druggability"]["max_drugs"]
    ordered = per_drug.sort_values(
        ["gene", "weight", "sources", "drug"], ascending=[True, False, False, True], kind="stable"
    )
    top = ordered.groupby("gene", sort=True).head(limit)
    return top.groupby("gene", sort=True)["drug"].agg(";".join).rename("drugs")
