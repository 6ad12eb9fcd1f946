"""The target step's report pages: the cohort's top targets, one page per patient, and a figure.

Each page is self-contained HTML (Snakemake's report shows HTML inline, a TSV only as a download):
a table of the top targets where each score is drawn as the sum of its evidence types' shares
(``score.contributions``: weight × evidence / rank², over π²/6), the evidence values themselves, what
lies behind them (mutations, copy-number call, z-scores) and the drugs. The markup is written here
with ``html.escape`` (a table and a few coloured bars; no template library needed).
"""

from __future__ import annotations

import html
from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from precisionflow.actionability.tiers import ESTABLISHED_TIERS
from precisionflow.targets.evidence import EVIDENCE_TYPES
from precisionflow.targets.prioritize import EVIDENCE_COLUMNS, weight_vector
from precisionflow.targets.score import contributions
from precisionflow.workflow import paths

COLOURS = {
    "mutation": "#c0392b",
    "copy_number": "#8e44ad",
    "rna": "#2980b9",
    "protein": "#16a085",
    "integration": "#7f8c8d",
    "druggability": "#d68910",
}
LABELS = {
    "mutation": "mutation",
    "copy_number": "copy number",
    "rna": "RNA",
    "protein": "protein",
    "integration": "integration",
    "druggability": "druggability",
}
STYLE = """
body { font-family: Helvetica, Arial, sans-serif; font-size: 13px; margin: 12px; color: #222; }
h1 { font-size: 18px; margin: 0 0 6px 0; }
h2 { font-size: 15px; margin: 14px 0 4px 0; }
p.note { color: #555; margin: 4px 0 10px 0; }
table { border-collapse: collapse; }
th, td { border-bottom: 1px solid #ddd; padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.bar { display: flex; width: 160px; height: 12px; background: #f0f0f0; }
.bar span { display: block; height: 12px; }
.legend span { display: inline-block; margin-right: 10px; }
.legend i { display: inline-block; width: 10px; height: 10px; margin-right: 3px; }
td.drugs { max-width: 320px; }
"""


def _legend(weights: np.ndarray) -> str:
    items = "".join(
        f'<span><i style="background:{COLOURS[t]}"></i>{LABELS[t]} (weight {w:g})</span>'
        for t, w in zip(EVIDENCE_TYPES, weights, strict=True)
    )
    return f'<p class="legend">{items}</p>'


def _bar(shares: np.ndarray) -> str:
    # 100 % of the bar is a score of 1 (the largest a harmonic sum over π²/6 can reach)
    parts = "".join(
        f'<span style="width:{100 * s:.2f}%;background:{COLOURS[t]}" title="{LABELS[t]}: {s:.3f}"></span>'
        for t, s in zip(EVIDENCE_TYPES, shares, strict=True)
        if s > 0
    )
    return f'<div class="bar">{parts}</div>'


def _cell(value: object, numeric: bool = False) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        text = ""
    elif isinstance(value, float):
        text = f"{value:.3f}".rstrip("0").rstrip(".") if numeric else str(value)
    else:
        text = str(value)
    css = ' class="num"' if numeric else ""
    return f"<td{css}>{html.escape(text)}</td>"


def _drugs(value: object) -> str:
    text = "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)
    return f'<td class="drugs">{html.escape(text.replace(";", ", "))}</td>'


def targets_html(
    title: str, note: str, table: pd.DataFrame, settings: Mapping, top_n: int, details: list[str], lead: str = ""
) -> str:
    """A page: ``lead`` (HTML: the patient's actionable alterations), then the first ``top_n`` rows of a
    ranked table with score bars, evidence, ``details`` columns, drugs."""
    weights = weight_vector(settings)
    top = table.head(top_n)
    shares = (
        contributions(top[EVIDENCE_COLUMNS].to_numpy(dtype=np.float64), weights)
        if len(top)
        else np.zeros((0, len(weights)))
    )
    head = (
        ["rank", "gene", "score", "evidence"]
        + [LABELS[t] for t in EVIDENCE_TYPES]
        + [d.replace("_", " ") for d in details]
    )
    evidence = "drug_evidence" in table.columns  # a patient's table: each drug's evidence, curated or inferential
    head += ["drugs", "drug evidence"] if evidence else ["drugs"]
    rows = []
    for i, (_, row) in enumerate(top.iterrows()):
        cells = [
            _cell(int(row["rank"]), True),
            f"<td><b>{html.escape(str(row['gene']))}</b></td>",
            _cell(float(row["score"]), True),
            f"<td>{_bar(shares[i])}</td>",
        ]
        cells += [_cell(float(row[c]), True) for c in EVIDENCE_COLUMNS]
        cells += [_cell(row[d], pd.api.types.is_float_dtype(top[d])) for d in details]
        cells.append(_drugs(row["drugs"]))
        if evidence:
            cells.append(_cell(row["drug_evidence"]))
        rows.append("<tr>" + "".join(cells) + "</tr>")
    body = "".join(rows) if rows else f'<tr><td colspan="{len(head)}">no gene with tumour evidence</td></tr>'
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>'
        + html.escape(title)
        + f"</title><style>{STYLE}</style></head><body>\n<h1>{html.escape(title)}</h1>\n"
        + lead
        + ("<h2>Ranked targets (multi-omics score: supporting evidence)</h2>\n" if lead else "")
        + f'<p class="note">{html.escape(note)}</p>\n{_legend(weights)}\n'
        + "<table><thead><tr>"
        + "".join(f"<th>{html.escape(h)}</th>" for h in head)
        + f"</tr></thead><tbody>\n{body}\n</tbody></table>\n</body></html>\n"
    )


SCORE_NOTE = (
    "Score: the Open Targets harmonic sum of the evidence (each in [0, 1], times its weight, sorted, "
    "the i-th divided by i², the sum divided by π²/6); the bar shows each type's share of it."
)


def cohort_page(cohort: pd.DataFrame, settings: Mapping, cohort_name: str) -> str:
    top_n = settings["top_n_cohort_report"]
    note = (
        f"{len(cohort):,} genes with tumour or integration evidence; the top {min(top_n, len(cohort))} shown. "
        "Each gene's row is the group (label or cluster) where its evidence is strongest, "
        "against the rest of the cohort. " + SCORE_NOTE + f" Full table: {paths.COHORT_TARGETS}."
    )
    details = ["group", "group_size", "mutated_fraction", "amplified_fraction", "rna_z", "protein_z"]
    return targets_html(
        f"Cohort {cohort_name}: top targets", note, cohort, settings, top_n, [d for d in details if d in cohort.columns]
    )


ACTIONABLE_HEAD = [
    "tier",
    "gene",
    "alteration",
    "therapy",
    "evidence level",
    "tumour type of the evidence",
    "match",
    "source",
    "note",
    "indication (MOAlmanac)",
]
INDICATION_CHARS = 240  # the indication's restrictions come first (HR+, HER2-negative …); the TSV has it whole


def _actionable_rows(rows: pd.DataFrame, empty: str) -> str:
    if rows.empty:
        return f'<p class="note">{html.escape(empty)}</p>\n'
    body = "".join(
        "<tr>"
        + "".join(_cell(r[c]) for c in ("tier", "gene", "alteration", "therapy", "evidence_level"))
        + _cell(r["assertion_tumor_type"] or "any")
        + "".join(_cell(r[c]) for c in ("match", "source_id", "note"))
        + _cell(
            r["indication"] if len(r["indication"]) <= INDICATION_CHARS else r["indication"][:INDICATION_CHARS] + " …"
        )
        + "</tr>"
        for _, r in rows.iterrows()
    )
    return (
        "<table><thead><tr>"
        + "".join(f"<th>{html.escape(h)}</th>" for h in ACTIONABLE_HEAD)
        + f"</tr></thead><tbody>{body}</tbody></table>\n"
    )


def actionable_html(patient: str, actionable: pd.DataFrame) -> str:
    """The page's lead: tier I/II suggestions (AMP/ASCO/CAP), then resistance, then withdrawn suggestions."""
    actionable = actionable.fillna("")
    # tiers I-A to II-C: a tier II-D row (preclinical evidence) is never suggested; it stays in the full table
    suggestions = actionable[(actionable["suggested"] == "yes") & actionable["tier"].isin(ESTABLISHED_TIERS)]
    # resistance at tiers I-A to II-C lead the page; preclinical (II-D) resistance stays in the table (it still
    # withdraws a suggestion there), so that preclinical data alone never reads as a reason to withhold a
    # standard therapy
    resistance = actionable[(actionable["effect"] == "resistance") & actionable["tier"].isin(ESTABLISHED_TIERS)]
    withdrawn = actionable[actionable["note"].str.startswith("withdrawn")]
    withdrawn_title = "Withdrawn: resistance predicted by another alteration, or an indication excluding this tumour"
    return (
        "<h2>Actionable alterations (AMP/ASCO/CAP tiers I-II, MOAlmanac)</h2>\n"
        + _actionable_rows(suggestions, "No tier I or II therapy matched this patient's alterations.")
        + "<h2>Resistance (tiers I-A to II-C)</h2>\n"
        + _actionable_rows(resistance, "No resistance assertion matched this patient's alterations.")
        + (f"<h2>{withdrawn_title}</h2>\n" + _actionable_rows(withdrawn, "") if len(withdrawn) else "")
        + '<p class="note">Full table (with tier II-D preclinical evidence, tier III drivers and prognosis): '
        f"{html.escape(paths.patient_actionable(patient))}.</p>\n"
    )


def patient_page(
    patient: str, table: pd.DataFrame, settings: Mapping, actionable: pd.DataFrame | None = None, outcome_note: str = ""
) -> str:
    top_n = settings["top_n_report"]
    note = (
        f"{len(table):,} genes with tumour evidence in this patient (own mutations, copy-number calls, "
        f"over-expression against the cohort); the top {min(top_n, len(table))} shown. "
        + SCORE_NOTE
        + f" Full table: {paths.patient_targets(patient)}."
        + (f" {outcome_note}" if outcome_note else "")
    )
    details = ["mutations", "copy_number_call", "rna_z", "protein_z"]
    lead = actionable_html(patient, actionable) if actionable is not None else ""
    if lead:
        note += (
            " Drugs there name their evidence: curated (MOAlmanac, with the tier of the suggestion above) first, then"
            " inferential ones (DGIdb, AMP tier II-D at most, listed only for an activating mutation or an"
            " amplification)."
        )
    return targets_html(
        f"Patient {patient}: top targets",
        note,
        table,
        settings,
        top_n,
        [d for d in details if d in table.columns],
        lead,
    )


def evidence_figure(cohort: pd.DataFrame, settings: Mapping, top_n: int = 20) -> Figure:
    """Horizontal stacked bars: the top cohort targets' scores split into their evidence types' shares."""
    weights = weight_vector(settings)
    top = cohort.head(top_n)
    shares = (
        contributions(top[EVIDENCE_COLUMNS].to_numpy(dtype=np.float64), weights)
        if len(top)
        else np.zeros((0, len(weights)))
    )
    figure = Figure(figsize=(7.5, 0.32 * max(len(top), 3) + 1.2))
    ax = figure.add_subplot(1, 1, 1)
    y = np.arange(len(top))[::-1]
    left = np.zeros(len(top))
    for j, kind in enumerate(EVIDENCE_TYPES):
        ax.barh(y, shares[:, j], left=left, color=COLOURS[kind], label=LABELS[kind], height=0.75)
        left += shares[:, j]
    labels = [
        f"{g} ({grp})" if "group" in top.columns else str(g)
        for g, grp in zip(top["gene"], top.get("group", top["gene"]), strict=True)
    ]
    ax.set_yticks(y, labels)
    ax.set_xlabel("score (harmonic sum of weighted evidence, / π²/6)")
    ax.set_xlim(0, max(0.05, float(left.max()) * 1.05 if len(top) else 1))
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    ax.set_title(f"Top {len(top)} cohort targets and the evidence behind each score", fontsize=10)
    figure.tight_layout()
    return figure
