"""The Molecular Oncology Almanac (MOAlmanac) knowledge base: its JSON read into one table of assertions.

MOAlmanac (moalmanac.org; github.com/vanallenlab/moalmanac-db) ships its curated assertions as a JSON
list, one object per assertion: ``feature_type`` (Somatic Variant, Copy Number, Rearrangement, Germline
Variant, Mutational Burden, Microsatellite Stability, …) with its feature fields (``gene``,
``protein_change``, ``variant_annotation``; ``gene1`` (5'), ``gene2`` (3', may be blank) and ``locus`` for
rearrangements; ``direction`` for copy number; ``classification`` for
mutational burden; ``status`` for MSI), the tumour type (``oncotree_code``, blank = any), the therapy,
the effect flags (``therapy_sensitivity``, ``therapy_resistance``, ``favorable_prognosis``: 1, 0 or
blank), the evidence level (``predictive_implication``) and the citation.

Effects: sensitivity 1 → ``sensitivity``; resistance 1, or sensitivity 0 (MOAlmanac's "no benefit",
e.g. NRAS-mutant colorectal cancer and cetuximab) → ``resistance``; favourable prognosis 1 or 0 →
``prognosis`` (``favourable`` / ``unfavourable`` in ``prognosis``). Assertions marked ``_deprecated``
and those with none of these effects (germline adverse-event risk only) are left out and counted.
"""

from __future__ import annotations

import json
import logging
import os
from collections import Counter

import pandas as pd

from precisionflow.actionability.tiers import TIERS
from precisionflow.errors import InputError

log = logging.getLogger(__name__)


REQUIRED_FIELDS = (
    "assertion_id",
    "feature_type",
    "oncotree_code",
    "therapy_name",
    "predictive_implication",
    "citation",
)
EVIDENCE_LEVELS = ("FDA-Approved", "Guideline", "Clinical trial", "Clinical evidence", "Preclinical", "Inferential")
COLUMNS = [
    "assertion_id",
    "feature_type",
    "gene",
    "gene2",
    "locus",
    "protein_change",
    "variant_class",
    "direction",
    "biomarker",
    "tumor_type",
    "disease",
    "therapy",
    "therapy_type",
    "effect",
    "prognosis",
    "evidence_level",
    "citation",
    "reference",
    "indication",
]


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _effect(entry: dict) -> tuple[str, str]:
    sensitivity, resistance, prognosis = (
        _text(entry.get(k)) for k in ("therapy_sensitivity", "therapy_resistance", "favorable_prognosis")
    )
    if resistance == "1" or sensitivity == "0":
        return "resistance", ""
    if sensitivity == "1":
        return "sensitivity", ""
    if prognosis in ("0", "1"):
        return "prognosis", "favourable" if prognosis == "1" else "unfavourable"
    return "", ""


def _reference(entry: dict) -> str:
    """PMID, else DOI, else NCT id, else the URL: a short handle of the citation."""
    for key, prefix in (("pmid", "PMID:"), ("doi", "doi:"), ("nct", ""), ("url", "")):
        value = _text(entry.get(key))
        if value:
            return prefix + value
    return ""


def read_moalmanac(path: str | os.PathLike[str]) -> pd.DataFrame:
    """The knowledge base as a table (columns ``COLUMNS``), one row per usable assertion, by assertion id."""
    path = str(path)
    expected = (
        "a MOAlmanac knowledge-base JSON (a list of assertions with feature_type, oncotree_code, therapy_name, "
        "predictive_implication)"
    )
    try:
        with open(path, encoding="utf-8") as handle:
            entries = json.load(handle)
    except FileNotFoundError:
        raise InputError(path, "file", expected, "no file") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise InputError(path, "content", expected, f"not JSON ({str(error).splitlines()[0]})") from None
    if not isinstance(entries, list) or not entries:
        found = f"a JSON {type(entries).__name__}" + (
            f" with keys {', '.join(map(repr, list(entries)[:4]))}" if isinstance(entries, dict) else ""
        )
        raise InputError(path, "content", expected, found if entries else "an empty list")
    rows, dropped = [], Counter()
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or (missing := [f for f in REQUIRED_FIELDS if f not in entry]):
            what = (
                f"field(s) {', '.join(missing)} missing"
                if isinstance(entry, dict)
                else f"a JSON {type(entry).__name__}"
            )
            raise InputError(path, f"entry {i + 1}", expected, what)
        level = _text(entry["predictive_implication"])
        if level not in EVIDENCE_LEVELS:
            raise InputError(
                path,
                f"entry {i + 1} (assertion {entry['assertion_id']}), field 'predictive_implication'",
                f"one of {', '.join(EVIDENCE_LEVELS)}",
                repr(level),
            )
        if entry.get("_deprecated") is True:
            dropped["deprecated"] += 1
            continue
        effect, prognosis = _effect(entry)
        if not effect:
            dropped["no therapy effect or prognosis (e.g. adverse-event risk only)"] += 1
            continue
        feature = _text(entry["feature_type"])
        rows.append(
            {
                "assertion_id": int(entry["assertion_id"]),
                "feature_type": feature,
                "gene": _text(entry.get("gene") or entry.get("gene1")).upper(),
                # a rearrangement's 3' partner (blank: "ALK fusion", any partner) and its karyotype locus
                "gene2": _text(entry.get("gene2")).upper(),
                "locus": _text(entry.get("locus")),
                "protein_change": _text(entry.get("protein_change")),
                "variant_class": _text(entry.get("variant_annotation")),
                "direction": _text(entry.get("direction")),
                "biomarker": _text(entry.get("classification") or entry.get("status")),
                "tumor_type": _text(entry["oncotree_code"]).upper(),
                "disease": _text(entry.get("oncotree_term") or entry.get("disease")),
                "therapy": _text(entry["therapy_name"]),
                "therapy_type": _text(entry.get("therapy_type")),
                "effect": effect,
                "prognosis": prognosis,
                "evidence_level": level,
                "citation": _text(entry["citation"]),
                "reference": _reference(entry),
                # the assertion's own words: restrictions of the indication (HR+/HER2-negative, a line of therapy …)
                "indication": " ".join(x for x in (_text(entry.get("context")), _text(entry.get("description"))) if x),
            }
        )
    for reason, count in sorted(dropped.items()):
        log.info("%s: %d assertion(s) left out: %s", path, count, reason)
    return pd.DataFrame(rows, columns=COLUMNS).sort_values("assertion_id", kind="stable").reset_index(drop=True)


def therapy_agents(therapy: str) -> frozenset[str]:
    """The agents of a therapy, upper-case: ``'Dabrafenib + Trametinib'`` -> {DABRAFENIB, TRAMETINIB}."""
    return frozenset(a.strip().upper() for a in therapy.split("+") if a.strip())


def approved_agents(kb: pd.DataFrame) -> frozenset[str]:
    """Agents of the FDA-approved sensitivity assertions of the knowledge base (the project's approval source):
    an approved label of resistance (KRAS and cetuximab) approves no drug of the gene."""
    approved = kb[(kb["evidence_level"] == "FDA-Approved") & (kb["effect"] == "sensitivity")]
    return frozenset(a for t in approved["therapy"] for a in therapy_agents(t))


def anticancer_agents(kb: pd.DataFrame) -> frozenset[str]:
    """Every agent of a sensitivity assertion of the knowledge base: a resistance or prognosis assertion
    makes no drug an anticancer agent of a gene (nor raises the gene's druggability)."""
    return frozenset(a for t in kb.loc[kb["effect"] == "sensitivity", "therapy"] for a in therapy_agents(t))


def allele_specific_agents(kb: pd.DataFrame) -> frozenset[tuple[str, str]]:
    """(gene, agent) pairs whose every sensitivity assertion names a protein change: allele-specific drugs
    (KRAS and sotorasib: p.G12C only). Such a drug is never listed as an inferential drug of the gene; it
    reaches a patient only through a matching assertion (``actionable.tsv``)."""
    somatic = kb[(kb["feature_type"] == "Somatic Variant") & (kb["effect"] == "sensitivity") & (kb["gene"] != "")]
    specific: dict[tuple[str, str], bool] = {}
    for gene, change, therapy in somatic[["gene", "protein_change", "therapy"]].itertuples(index=False):
        for agent in therapy_agents(therapy):
            specific[(gene, agent)] = specific.get((gene, agent), True) and change != ""
    return frozenset(key for key, only_specific in specific.items() if only_specific)


def resisted_agents(actionable: pd.DataFrame) -> dict[str, dict[str, str]]:
    """patient -> {agent: reason} from the resistance rows of an actionability table (actionable.tsv)."""
    out: dict[str, dict[str, str]] = {}
    rows = actionable[(actionable["effect"] == "resistance") & (actionable["therapy"] != "")]
    for patient, gene, alteration, therapy, source in rows[
        ["patient", "gene", "alteration", "therapy", "source_id"]
    ].itertuples(index=False):
        for agent in sorted(therapy_agents(therapy)):
            out.setdefault(patient, {}).setdefault(
                agent, f"{gene} {alteration}".strip() + f" predicts resistance ({source})"
            )
    return out


CONTRADICTED = "withdrawn: the indication is "  # the note of a row whose indication the patient's tumour contradicts


# What a resistance of a lower tier rests on, said beside it: a tumour board must not read it as established.
RESISTANCE_QUALIFIERS = {
    "II-D": "preclinical evidence, tier II-D",
    "III": "tier III: the assertion names the gene's mutations, not this change (a variant of unknown significance)",
}


def resistance_only_genes(actionable: pd.DataFrame) -> dict[str, dict[str, str]]:
    """patient -> {gene: text} for the genes whose every assertion with a therapy matched for the patient is a
    resistance (KRAS p.G12D in colorectal cancer: cetuximab, panitumumab): ``'CETUXIMAB, PANITUMUMAB: resistance
    (KRAS p.G12D)'``, what the target table says in place of drugs. When the best tier of those rows is II-D or III
    the text says so (:data:`RESISTANCE_QUALIFIERS`): ``'CETUXIMAB: resistance (KRAS p.S205D; tier III: …)'``."""
    rows = actionable[actionable["therapy"] != ""]
    out: dict[str, dict[str, str]] = {}
    for (patient, gene), group in rows.groupby(["patient", "gene"], sort=True):
        if not gene or set(group["effect"]) != {"resistance"}:
            continue
        agents = sorted({a for t in group["therapy"] for a in therapy_agents(t)})
        alterations = ", ".join(dict.fromkeys(f"{gene} {a}".strip() for a in group["alteration"]))
        tiers = [t for t in group.get("tier", pd.Series(dtype=object)) if t in TIERS]
        qualifier = RESISTANCE_QUALIFIERS.get(min(tiers, key=TIERS.index) if tiers else "")
        evidence = f"{alterations}; {qualifier}" if qualifier else alterations
        out.setdefault(str(patient), {})[str(gene)] = f"{', '.join(agents)}: resistance ({evidence})"
    return out


def withdrawn_agents(actionable: pd.DataFrame) -> dict[str, dict[str, str]]:
    """patient -> {agent: reason}: the agents the patient's alterations predict resistance to
    (:func:`resisted_agents`), and those of a therapy withdrawn because its indication excludes the patient's
    tumour (alpelisib, approved for HER2-negative disease, in an ERBB2-amplified one) that no other row
    suggests for the patient: an inferential drug list must not bring back what the curated evidence took away."""
    out = resisted_agents(actionable)
    suggested = actionable[actionable["suggested"] == "yes"]
    kept = {(p, a) for p, t in zip(suggested["patient"], suggested["therapy"], strict=True) for a in therapy_agents(t)}
    # the contradiction's note may follow a VUS note ("variant of unknown significance …; withdrawn: the …")
    rows = actionable[
        (actionable["effect"] == "sensitivity") & actionable["note"].str.contains(CONTRADICTED, regex=False)
    ]
    for patient, therapy, note, source in rows[["patient", "therapy", "note", "source_id"]].itertuples(index=False):
        for agent in sorted(therapy_agents(therapy)):
            if (patient, agent) not in kept:
                after = note[note.index(CONTRADICTED) + len("withdrawn: ") :]
                reason = "; ".join(after.split("; ")[:2])  # the indication, the alteration
                out.setdefault(patient, {}).setdefault(agent, f"{reason} ({source})")
    return out
