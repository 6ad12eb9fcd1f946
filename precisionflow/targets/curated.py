"""The ``drugs`` and ``drug_evidence`` cells of the patient tables, from the curated evidence of the patient's
own alterations (the actionability table, ``actionable.tsv``) and the inferential DGIdb lists.

Rule: no drug is shown without evidence that can be shown, and resistance beats sensitivity. Per row
(patient, gene):

* **curated** drugs: the agents of the therapies the actionability step suggests for an alteration of the gene
  (sensitivity, tier I-A to II-C, ``suggested`` yes), those acting on the gene (:func:`directed_pairs`: the
  therapy's only agent, an agent of a MOAlmanac *targeted* therapy, or a drug DGIdb says acts against the gene;
  not the chemotherapy or immunotherapy partners of a combination), each at its best tier; listed first, and
  ``drug_evidence`` names them with their tier ("curated (MOAlmanac): tier I-A, ERBB2 amplification:
  TRASTUZUMAB (I-A), …");
* **inferential** drugs: the gene's DGIdb list (prioritize.py: only for an activating alteration), after the
  curated ones, up to ``max_drugs`` in all; "inferential (DGIdb; AMP tier II-D at most)" alone when they are the
  only source, with their names beside curated ones;
* a **withdrawn** agent (:func:`~precisionflow.actionability.knowledge.withdrawn_agents`: an alteration of the
  patient predicts resistance to it, or its indication excludes the patient's tumour) is shown in neither list,
  and ``drug_evidence`` says why;
* a gene whose every curated assertion with a therapy is a resistance for the patient
  (:func:`~precisionflow.actionability.knowledge.resistance_only_genes`) and no drug left says so in place of
  drugs; when one of those resistances is of tier I-A to II-C (:func:`without_category`), its druggability takes
  nothing from DGIdb's gene categories (prioritize.py), and the cell says so where that changed the value.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from precisionflow.actionability.knowledge import therapy_agents
from precisionflow.actionability.tiers import ESTABLISHED_TIERS, TIERS
from precisionflow.targets.prioritize import INFERENTIAL, RESISTANCE_ONLY, PatientTables, set_cells

CURATED = "curated (MOAlmanac)"
CATEGORY_NOT_COUNTED = "DGIdb gene category not counted in druggability (it names no drug for this patient)"


@dataclass(frozen=True)
class Curated:
    """The curated sensitivity evidence of one gene for one patient."""

    agents: dict[str, str]  # agent -> best tier, best tier first, then by name
    alterations: tuple[str, ...]  # "ERBB2 amplification", in table order


def directed_pairs(kb: pd.DataFrame | None, dgidb: pd.DataFrame | None = None) -> frozenset[tuple[str, str]]:
    """(gene, agent) pairs in which the agent acts on the gene: the only agent of a sensitivity assertion of the
    gene, an agent of one MOAlmanac types ``Targeted therapy`` (Trastuzumab + Tucatinib), or a drug acting against
    the gene in DGIdb (``dgidb``: :func:`~precisionflow.targets.drugs.drug_weights` rows with ``direct``).
    Capecitabine, docetaxel or pembrolizumab beside trastuzumab are partners of a regimen, no ERBB2 drug."""
    pairs = set()
    rows = kb[(kb["effect"] == "sensitivity") & (kb["gene"] != "")] if kb is not None else pd.DataFrame()
    for gene, therapy, kind in rows.reindex(columns=["gene", "therapy", "therapy_type"]).itertuples(index=False):
        agents = therapy_agents(therapy)
        if len(agents) == 1 or kind.strip().lower() == "targeted therapy":
            pairs |= {(gene, a) for a in agents}
    if dgidb is not None and not dgidb.empty:
        direct = dgidb[dgidb["direct"].astype(bool)]
        pairs |= set(zip(direct["gene"], direct["drug"], strict=True))
    return frozenset(pairs)


def curated_sensitivity(actionable: pd.DataFrame, directed: Set[tuple[str, str]]) -> dict[str, dict[str, Curated]]:
    """patient -> {gene: :class:`Curated`} from the suggested tier I-A to II-C sensitivity rows of an
    actionability table; genes without an agent acting on them (``directed``) are left out."""
    rows = actionable[
        (actionable["effect"] == "sensitivity")
        & (actionable["suggested"] == "yes")
        & actionable["tier"].isin(ESTABLISHED_TIERS)
        & (actionable["therapy"] != "")
        & (actionable["gene"] != "")
    ]
    out: dict[str, dict[str, Curated]] = {}
    for (patient, gene), group in rows.groupby(["patient", "gene"], sort=True):
        best: dict[str, str] = {}
        for therapy, tier in zip(group["therapy"], group["tier"], strict=True):
            for agent in therapy_agents(therapy):
                if (gene, agent) in directed and TIERS.index(tier) < TIERS.index(best.get(agent, "III")):
                    best[agent] = tier
        if best:
            agents = dict(sorted(best.items(), key=lambda item: (TIERS.index(item[1]), item[0])))
            alterations = tuple(dict.fromkeys(f"{gene} {a}".strip() for a in group["alteration"]))
            out.setdefault(str(patient), {})[str(gene)] = Curated(agents, alterations)
    return out


def without_category(
    actionable: pd.DataFrame, resistance_only: Mapping[str, Mapping[str, str]]
) -> dict[str, frozenset[str]]:
    """patient -> the resistance-only genes (``resistance_only``) with a resistance of tier I-A to II-C: those take
    no druggability from a DGIdb category. A resistance of tier II-D (preclinical) or III (a variant of unknown
    significance matched by gene only) is for research, no reason to change a score."""
    rows = actionable[(actionable["effect"] == "resistance") & actionable["tier"].isin(ESTABLISHED_TIERS)]
    established = set(zip(rows["patient"], rows["gene"], strict=True))
    out = {p: frozenset(g for g in genes if (p, g) in established) for p, genes in resistance_only.items()}
    return {p: genes for p, genes in out.items() if genes}


def drug_cell(
    inferential: list[str],
    curated: Curated | None,
    withdrawn: Mapping[str, str],
    resistance: str | None,
    max_drugs: int,
) -> tuple[str, str]:
    """(drugs, drug_evidence) of one row (``inferential``: its DGIdb list; ``resistance``: the resistance-only
    text of the gene, or None)."""
    shown = [a for a in (curated.agents if curated else ()) if a not in withdrawn]
    extra = [d for d in inferential if d not in withdrawn and d not in shown][: max(0, max_drugs - len(shown))]
    gone = [d for d in dict.fromkeys([*(curated.agents if curated else ()), *inferential]) if d in withdrawn]
    parts = []
    if shown:
        tiers = ", ".join(f"{a} ({curated.agents[a]})" for a in shown)
        parts.append(f"{CURATED}: tier {curated.agents[shown[0]]}, {', '.join(curated.alterations)}: {tiers}")
    if extra:
        parts.append(f"{INFERENTIAL}: {', '.join(extra)}" if shown else INFERENTIAL)
    if gone:
        parts.append("withdrawn " + "; ".join(f"{d}: {withdrawn[d]}" for d in gone))
    if resistance is not None and not (shown or extra):
        parts = [f"{RESISTANCE_ONLY}: {resistance}"]
    return ";".join([*shown, *extra]), "; ".join(parts)


@dataclass
class CuratedEvidence:
    """What the actionability table says of each patient (each map: patient -> …)."""

    curated: Mapping[str, Mapping[str, Curated]]
    withdrawn: Mapping[str, Mapping[str, str]]  # agent -> reason
    resistance_only: Mapping[str, Mapping[str, str]]  # gene -> text
    no_category: Mapping[str, Set[str]] = field(default_factory=dict)  # genes whose category was not counted


def annotate_drugs(tables: PatientTables, evidence: CuratedEvidence, max_drugs: int) -> None:
    """Rewrite the ``drugs`` and ``drug_evidence`` cells of every patient the evidence speaks of (:func:`drug_cell`)."""
    updates: dict[int, tuple[str, str]] = {}
    for i, patient in enumerate(tables.patients):
        curated = evidence.curated.get(patient, {})
        withdrawn = evidence.withdrawn.get(patient, {})
        resistance = evidence.resistance_only.get(patient, {})
        if not (curated or withdrawn or resistance):
            continue
        start = int(tables.bounds[i])
        rows = tables.table.iloc[start : int(tables.bounds[i + 1])]
        genes = rows["gene"].astype(str)
        drugs = rows["drugs"].astype(str)
        wanted = genes.isin([*curated, *resistance]).to_numpy() | ((drugs != "").to_numpy() & bool(withdrawn))
        for offset in np.flatnonzero(wanted):
            gene, listed = genes.iloc[offset], [d for d in drugs.iloc[offset].split(";") if d]
            cell = drug_cell(listed, curated.get(gene), withdrawn, resistance.get(gene), max_drugs)
            if gene in evidence.no_category.get(patient, ()):
                cell = (cell[0], f"{cell[1]}; {CATEGORY_NOT_COUNTED}")
            if cell != (drugs.iloc[offset], str(rows["drug_evidence"].iloc[offset])):
                updates[start + int(offset)] = cell
    set_cells(tables, updates)
