"""Druggability of each gene from drug-gene interactions (DGIdb), and the drugs named in the tables.

Rule, per gene (settings under ``targets: druggability:``):

* each distinct drug weighs by the kind of its interactions with the gene: 1.0 when one of them acts
  against the target (``direct_types``: inhibitor, antagonist, antibody, blocker …), 0.5 for another
  stated kind (agonist, modulator, binder …), 0.1 when no kind is given (mostly text-mined claims);
  times 0.5 unless the drug is approved (the ``approved`` column of newer DGIdb exports; in the v3
  layout, a claim from one of ``approved_sources``, by default ``FDA``);
* interactions part = min(1, Σ drug weights / ``saturation``) (3: three approved inhibitors make a
  gene fully tractable);
* categories part (optional DGIdb categories file) = the largest value of the gene's categories in
  ``categories`` (``CLINICALLY ACTIONABLE`` 0.5, druggable-genome families 0.25);
* d(g) = max(interactions part, categories part), in [0, 1].

``drugs``: the gene's drugs, strongest first (weight, then number of sources, then name), at most
``max_drugs``, joined by ``;``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd


def drug_weights(interactions: pd.DataFrame, settings: Mapping) -> pd.DataFrame:
    """One row per (gene, drug): ``weight``, ``sources`` (distinct claim sources), ``direct``, ``approved``.

    ``interactions``: :func:`precisionflow.references.read_drug_gene` (``gene, drug, interaction_types,
    source``), with an ``approved`` column where the export has one. Drug names are compared
    case-insensitively and written upper-case.
    """
    cfg = settings["druggability"]
    if interactions.empty:
        return pd.DataFrame(columns=["gene", "drug", "weight", "sources", "direct", "approved"])
    direct_types = {t.lower() for t in cfg["direct_types"]}
    frame = interactions[["gene", "drug", "interaction_types", "source"]].copy()
    frame["drug"] = frame["drug"].astype(str).str.upper()
    types = frame["interaction_types"].fillna("").astype(str).str.lower()
    kinds = types.str.split(r"\s*,\s*")
    frame["direct"] = kinds.map(lambda ks: any(k in direct_types for k in ks))
    frame["typed"] = types.str.strip() != ""
    if "approved" in interactions.columns and interactions["approved"].notna().any():
        frame["approved"] = interactions["approved"].fillna(False).astype(bool)
    else:
        approved_sources = {s.lower() for s in cfg["approved_sources"]}
        frame["approved"] = frame["source"].fillna("").astype(str).str.lower().isin(approved_sources)
    per_drug = frame.groupby(["gene", "drug"], sort=True).agg(
        direct=("direct", "any"), typed=("typed", "any"), approved=("approved", "any"), sources=("source", "nunique")
    )
    kind = np.where(per_drug["direct"], cfg["direct_weight"], np.where(per_drug["typed"], cfg["other_weight"], cfg["untyped_weight"]))
    per_drug["weight"] = kind * np.where(per_drug["approved"], 1.0, cfg["not_approved_factor"])
    return per_drug.reset_index()[["gene", "drug", "weight", "sources", "direct", "approved"]]


def druggability(per_drug: pd.DataFrame, categories: pd.DataFrame | None, settings: Mapping) -> pd.Series:
    """gene -> d(g) in [0, 1] (genes with neither interactions nor a scored category are absent)."""
    cfg = settings["druggability"]
    parts = []
    if not per_drug.empty:
        parts.append((per_drug.groupby("gene")["weight"].sum() / cfg["saturation"]).clip(upper=1.0))
    if categories is not None and not categories.empty:
        values = {k.upper(): float(v) for k, v in cfg["categories"].items()}
        scored = categories.assign(value=categories["category"].astype(str).str.upper().map(values)).dropna(subset=["value"])
        if not scored.empty:
            parts.append(scored.groupby("gene")["value"].max().clip(upper=1.0))
    if not parts:
        return pd.Series(dtype=np.float64, name="druggability")
    combined = pd.concat(parts, axis=1).max(axis=1)
    return combined.sort_index().rename("druggability")


def drug_lists(per_drug: pd.DataFrame, settings: Mapping) -> pd.Series:
    """gene -> ``'DRUG A;DRUG B;…'``, strongest first, at most ``max_drugs``."""
    if per_drug.empty:
        return pd.Series(dtype=object, name="drugs")
    limit = settings["druggability"]["max_drugs"]
    ordered = per_drug.sort_values(["gene", "weight", "sources", "drug"], ascending=[True, False, False, True], kind="stable")
    top = ordered.groupby("gene", sort=True).head(limit)
    return top.groupby("gene", sort=True)["drug"].agg(";".join).rename("drugs")
