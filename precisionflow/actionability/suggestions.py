"""Which rows of the actionability table are suggestions to the tumour board (``suggested``) and, when not,
why (``note``). Rows are never dropped: the table keeps one row per alteration × assertion; these rules
only say which sensitivity rows a tumour board should consider, applied once, in :func:`suggest`.

* Resistance beats sensitivity: every agent of a resistance assertion matched by any of the patient's
  alterations (in any tumour type, at any tier, II-D included) is *resisted* for the patient. A sensitivity
  row whose agents are all resisted is withdrawn (``suggested`` = no, ``note`` names the alteration and
  assertion); a combination that only includes a resisted agent beside others (KRAS G12C colorectal
  cancer: adagrasib + cetuximab, FDA-approved, while cetuximab alone is resisted) stays a suggestion with
  the note, because the combination is itself the curated assertion. Resistance and prognosis rows are
  never suggestions.
* A suggestion whose indication excludes an alteration of the patient (an approval for HER2-negative or
  triple-negative disease and the patient's ERBB2 amplification, one for RAS wild-type disease and a KRAS
  or NRAS mutation: ``CONTRADICTIONS``) is withdrawn the same way, its tier kept.
* Tier II-D evidence (MOAlmanac "Preclinical": cell lines, animal models; "Inferential": inferred from
  related evidence) is for trials and research, not a treatment suggestion: such a sensitivity row is
  kept, tier II-D, ``suggested`` = no, ``note`` saying so (:data:`PRECLINICAL_NOTE`). A tier II-D resistance or
  prognosis row says so as well (:data:`PRECLINICAL_NOTES`): a cell-line resistance to radiation is no reason
  to withhold a standard therapy (it still withdraws its agents' suggestions, by the first rule).
* A variant of unknown significance (tier III:
  :func:`~precisionflow.actionability.matching.unestablished_gene_matches`) is never a suggestion
  (:data:`VUS_NOTE`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from precisionflow.actionability.knowledge import therapy_agents

VUS_NOTE = "variant of unknown significance: the assertion names the gene's mutations, not this change (no hotspot)"
PRECLINICAL_TIER = "II-D"
PRECLINICAL_NOTE = "{kind} evidence only (MOAlmanac: {level}): for trials and research, not a treatment suggestion"
PRECLINICAL_NOTES = {  # tier II-D rows by effect
    "sensitivity": PRECLINICAL_NOTE,
    "resistance": "{kind} evidence only (MOAlmanac: {level}): for research, no reason to withhold a standard therapy",
    "prognosis": "{kind} evidence only (MOAlmanac: {level}): for research, not a prognosis to act on",
}
WITHDRAWN = "withdrawn: "  # marks the reason of a suggestion withdrawn by a resistance or a contradiction


def withdraw_resisted(table: pd.DataFrame) -> pd.DataFrame:
    """``suggested`` and ``note``: sensitivity rows whose agents a resistance row of the patient covers."""
    table = table.copy()
    table["suggested"] = np.where(table["effect"] == "sensitivity", "yes", "no")
    table["note"] = ""
    resistance = table[(table["effect"] == "resistance") & (table["therapy"] != "")]
    if resistance.empty:
        return table
    agents_of = {t: sorted(therapy_agents(t)) for t in table["therapy"].unique()}
    resisted = resistance.assign(agent=resistance["therapy"].map(agents_of)).explode("agent")
    resisted["reason"] = (
        (resisted["gene"] + " " + resisted["alteration"]).str.strip()
        + " predicts resistance to "
        + resisted["agent"].str.lower()
        + " ("
        + resisted["source_id"]
        + ")"
    )
    reasons = resisted.drop_duplicates(["patient", "agent"])[
        ["patient", "agent", "reason"]
    ]  # the first row: the best tier
    sensitive = table[(table["effect"] == "sensitivity") & table["patient"].isin(set(resistance["patient"]))]
    if sensitive.empty:
        return table
    agents = sensitive["therapy"].map(agents_of)
    long = (
        sensitive[["patient"]].assign(agent=agents, n_agents=agents.map(len)).explode("agent").reset_index(names="row")
    )
    hits = long.merge(reasons, on=["patient", "agent"])
    if hits.empty:
        return table
    grouped = hits.sort_values(["row", "agent"], kind="stable").groupby("row", sort=True)
    summary = grouped.agg(hit=("agent", "size"), n_agents=("n_agents", "first"), reason=("reason", "first"))
    # the first reason in full; further resisted agents of a combination counted (they share the cause)
    more = summary["hit"] - 1
    summary["reason"] = summary["reason"] + np.where(more > 0, " (and " + more.astype(str) + " more agent(s))", "")
    withdrawn = summary["hit"] == summary["n_agents"]
    table.loc[summary.index[withdrawn], "suggested"] = "no"
    table.loc[summary.index, "note"] = (
        np.where(withdrawn, "withdrawn: ", "combination kept (asserted as such); alone: ") + summary["reason"]
    )
    return table


# An indication's stated restriction (a pattern, as the knowledge base words it), its name, and the patient's
# own alteration that contradicts it: the approvals of alpelisib, capivasertib and inavolisib (PIK3CA/AKT1/
# PTEN-altered breast cancer) are for HR+, HER2-negative disease ("HER2-negative", "human epidermal growth
# factor receptor 2 (HER2)-negative", "HER2 negative"), not an ERBB2-amplified tumour; nor are those for
# triple-negative disease (platinum for germline BRCA1/2 breast cancer). Trastuzumab + tucatinib is approved
# for RAS wild-type colorectal cancer: not for a tumour with a KRAS or NRAS mutation.
CONTRADICTIONS = (
    (r"HER2\)?[- ]negative", "HER2-negative", "ERBB2", "amplification"),
    (r"triple[- ]negative", "triple-negative", "ERBB2", "amplification"),
    (r"\bK?RAS[- ]wild[- ]type", "RAS wild-type", "KRAS", "mutation"),
    (r"\bN?RAS[- ]wild[- ]type", "RAS wild-type", "NRAS", "mutation"),
)


def withdraw_contradicted(table: pd.DataFrame) -> pd.DataFrame:
    """Withdraw a suggestion whose indication excludes an alteration the patient has (``CONTRADICTIONS``)."""
    for pattern, phrase, gene, alteration_type in CONTRADICTIONS:
        has = set(table.loc[(table["gene"] == gene) & (table["alteration_type"] == alteration_type), "patient"])
        if not has:
            continue
        candidates = (table["suggested"] == "yes") & table["patient"].isin(has)
        hit = candidates.copy()
        hit[candidates] = table.loc[candidates, "indication"].str.contains(pattern, case=False, regex=True)
        reason = f"withdrawn: the indication is {phrase} disease; this patient has a {gene} {alteration_type}"
        table.loc[hit, "suggested"] = "no"
        table.loc[hit, "note"] = np.where(table.loc[hit, "note"] != "", reason + "; " + table.loc[hit, "note"], reason)
    return table


def _prefix(table: pd.DataFrame, rows: pd.Series, notes: pd.Series | str) -> None:
    """Put ``notes`` before the rows' existing notes (``; `` between)."""
    before = table.loc[rows, "note"]
    table.loc[rows, "note"] = notes + np.where(before != "", "; " + before, "")


def withhold_preclinical(table: pd.DataFrame) -> pd.DataFrame:
    """Tier II-D sensitivity rows are not suggestions (``suggested`` = no); the note of every tier II-D row
    (sensitivity, resistance, prognosis: :data:`PRECLINICAL_NOTES`) says what its evidence is in plain words,
    before any other reason (a resistance that also withdrew the row)."""
    table.loc[(table["effect"] == "sensitivity") & (table["tier"] == PRECLINICAL_TIER), "suggested"] = "no"
    hit = (table["tier"] == PRECLINICAL_TIER) & table["effect"].isin(list(PRECLINICAL_NOTES))
    pairs = zip(table.loc[hit, "effect"], table.loc[hit, "evidence_level"].astype(str), strict=True)
    notes = [PRECLINICAL_NOTES[effect].format(kind=level.lower(), level=level) for effect, level in pairs]
    _prefix(table, hit, pd.Series(notes, index=table.index[hit], dtype=object))
    return table


def preclinical_only(effect: str, tier: str, note: str) -> bool:
    """Whether a sensitivity row is not suggested only because its evidence is preclinical or inferential
    (tier II-D; no resistance or contradiction withdrew it): evidence to show and export as such, not a
    suggestion and not a withdrawal."""
    return effect == "sensitivity" and tier == PRECLINICAL_TIER and WITHDRAWN not in str(note)


def suggest(table: pd.DataFrame, vus: pd.Series) -> pd.DataFrame:
    """``suggested`` and ``note`` of every row, by the rules of this module in order (``vus``: the rows of a
    variant of unknown significance)."""
    table = withdraw_contradicted(withdraw_resisted(table))
    table = withhold_preclinical(table)
    table.loc[vus, "suggested"] = "no"
    _prefix(table, vus, VUS_NOTE)
    return table
