"""Alterations × assertions: which assertion a patient's alteration matches, how, at which AMP tier,
with which suggestions (:mod:`~precisionflow.actionability.suggestions`).

Match kinds (recorded in ``match``), for somatic variant assertions of a mutation's gene (germline
variants: the Germline Variant assertions, by the same rules, every germline gene taken as loss-of-function):

* ``exact`` — the same protein change (``p.V600E`` and ``p.V600E``);
* ``residue`` — the assertion names a residue only (``p.G12``) and the patient's change is at it (``p.G12D``);
* ``gene_class`` — the assertion has no protein change: its variant class must be the patient's
  (Missense, Nonsense, Frameshift, …). Without a class either ("KRAS mutation"), a sensitivity
  assertion takes missense and in-frame changes only, unless the gene is a loss-of-function driver
  (a truncating mutation does not activate an oncogene); resistance and prognosis take any
  protein-altering mutation (resistance beats sensitivity: withholding a drug is the safe side);
* ``copy_number`` — an ``amp`` call and an Amplification assertion, ``deep_loss`` and a Deletion;
* ``biomarker`` — TMB-high and a high mutational-burden assertion; MSI-H and an MSI-High assertion;
* fusions (Rearrangement assertions): ``exact`` when the assertion names both partners in the patient's
  order, ``gene_class`` when it names one gene that is either partner (:func:`_fusion_matches`).

Tiers: :mod:`precisionflow.actionability.tiers` (evidence level × tumour type, AMP/ASCO/CAP 2017; tier III for
a driver-gene alteration that matches no assertion).

A gene-level sensitivity assertion (``gene_class``: "PIK3CA missense", no protein change) supports only
an alteration known to carry the gene's effect: a hotspot (cancerhotspots), or a truncating change of a
loss-of-function driver. Any other change of that class is a variant of unknown significance: tier III
(AMP's VUS tier), the therapy shown but not suggested — a random PIK3CA missense is not the biomarker of
alpelisib's approval. A VUS's resistance row is tier III too (not reported as established resistance), yet
it still withdraws the agent's suggestions for the patient (withholding a drug is the safe side).

Which rows are suggestions (``suggested``, ``note``): :mod:`precisionflow.actionability.suggestions`
(resistance beats sensitivity, contradicted indications, tier II-D evidence is for trials and research,
VUS). Rows are never dropped.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from precisionflow.actionability.alterations import FUSION_SEPARATOR, TRUNCATING
from precisionflow.actionability.oncotree import relation
from precisionflow.actionability.suggestions import suggest
from precisionflow.actionability.tiers import LEVEL_GRADE, LEVEL_ORDER, TIERS, driver_alterations, tier

SPEC_COLUMNS = [
    "patient",
    "gene",
    "alteration_type",
    "alteration",
    "match",
    "tier",
    "evidence_level",
    "therapy",
    "effect",
    "tumor_type",
    "assertion_tumor_type",
    "source_id",
    "citation",
]
EXTRA_COLUMNS = ["suggested", "note", "reference", "indication"]
COLUMNS = SPEC_COLUMNS + EXTRA_COLUMNS

EFFECT_ORDER = {"sensitivity": 0, "resistance": 1, "prognosis": 2, "": 3}
NON_TRUNCATING = frozenset({"Missense", "Deletion", "Insertion"})
RESIDUE = r"^p\.[A-Z*]\d+$"
KEY_COLUMNS = ["assertion_id", "gene", "protein_change", "variant_class", "effect"]


def _mutation_matches(
    mutations: pd.DataFrame, kb: pd.DataFrame, roles: pd.Series, feature: str = "Somatic Variant"
) -> pd.DataFrame:
    """(alteration row, assertion id, match kind) of the mutations and the assertions of one feature type
    (somatic or germline variants): three joins on small key columns (gene + protein change, gene +
    residue, gene for assertions without a protein change), so that a large cohort is never crossed with
    the whole knowledge base."""
    somatic = kb.loc[kb["feature_type"] == feature, KEY_COLUMNS]
    alts = mutations[["gene", "protein_change", "variant_class"]].reset_index(names="alt_row")
    parts = []
    specific = somatic[somatic["protein_change"] != ""]
    exact = alts[alts["protein_change"] != ""].merge(
        specific[["assertion_id", "gene", "protein_change"]], on=["gene", "protein_change"]
    )
    parts.append(exact[["alt_row", "assertion_id"]].assign(match="exact"))
    residues = specific[specific["protein_change"].str.match(RESIDUE)].rename(columns={"protein_change": "residue"})
    alt_residue = alts["protein_change"].str.extract(r"^(p\.[A-Z*]\d+)(?!\d)", expand=False)
    with_residue = alts.assign(residue=alt_residue).dropna(subset=["residue"])
    residue = with_residue[with_residue["residue"] != with_residue["protein_change"]].merge(
        residues[["assertion_id", "gene", "residue"]], on=["gene", "residue"]
    )
    parts.append(residue[["alt_row", "assertion_id"]].assign(match="residue"))
    general = somatic[somatic["protein_change"] == ""].replace({"variant_class": {"Activating mutation": "Missense"}})
    pairs = alts.merge(general[["assertion_id", "gene", "variant_class", "effect"]], on="gene", suffixes=("", "_kb"))
    lof = pairs["gene"].map(roles).fillna("").eq("LoF")
    classless = pairs["variant_class_kb"] == ""
    ok = np.where(
        classless,
        (pairs["effect"] != "sensitivity") | lof | pairs["variant_class"].isin(NON_TRUNCATING),
        pairs["variant_class_kb"] == pairs["variant_class"],
    )
    parts.append(pairs.loc[ok, ["alt_row", "assertion_id"]].assign(match="gene_class"))
    return pd.concat(parts, ignore_index=True)


def _copy_number_matches(copy_number: pd.DataFrame, kb: pd.DataFrame) -> pd.DataFrame:
    cn = kb.loc[kb["feature_type"] == "Copy Number", ["assertion_id", "gene", "direction"]]
    pairs = (
        copy_number[["gene", "variant_class"]]
        .reset_index(names="alt_row")
        .merge(cn, left_on=["gene", "variant_class"], right_on=["gene", "direction"])
    )
    return pairs[["alt_row", "assertion_id"]].assign(match="copy_number")


def _fusion_matches(fusions: pd.DataFrame, kb: pd.DataFrame) -> pd.DataFrame:
    """Fusions (``gene`` ``GENE1::GENE2``) and Rearrangement assertions: ``exact`` when the assertion names
    both partners in the same order (MOAlmanac and the fusion callers write the 5' partner first; a
    reciprocal ALK::EML4 does not make the EML4::ALK kinase), ``gene_class`` when it names one gene
    ("ALK fusion") and that gene is either partner. An assertion with a karyotype locus (``t(11;14)``)
    describes a translocation a fusion table cannot show: not matched."""
    rearrangements = kb.loc[
        (kb["feature_type"] == "Rearrangement") & (kb["locus"] == "") & (kb["gene"] != ""),
        ["assertion_id", "gene", "gene2"],
    ]
    if fusions.empty:
        return pd.DataFrame({"alt_row": np.zeros(0, np.int64), "assertion_id": np.zeros(0, np.int64), "match": ""})
    partners = fusions["gene"].str.upper().str.partition(FUSION_SEPARATOR)
    alts = pd.DataFrame({"alt_row": fusions.index, "gene1": partners[0], "gene2": partners[2]})
    both = rearrangements[rearrangements["gene2"] != ""].rename(columns={"gene": "gene1"})
    exact = alts.merge(both, on=["gene1", "gene2"])[["alt_row", "assertion_id"]].assign(match="exact")
    single = rearrangements.loc[rearrangements["gene2"] == "", ["assertion_id", "gene"]]
    either = pd.concat(
        [
            alts[["alt_row", "gene1"]].rename(columns={"gene1": "gene"}),
            alts[["alt_row", "gene2"]].rename(columns={"gene2": "gene"}),
        ]
    )
    one = either.merge(single, on="gene").drop_duplicates(["alt_row", "assertion_id"])
    return pd.concat([exact, one[["alt_row", "assertion_id"]].assign(match="gene_class")], ignore_index=True)


def _msi_matches(msi: pd.DataFrame, kb: pd.DataFrame) -> pd.DataFrame:
    """MSI-H and MOAlmanac's Microsatellite Stability assertions of that status (``biomarker``)."""
    stability = kb.loc[kb["feature_type"] == "Microsatellite Stability", ["assertion_id", "biomarker"]]
    pairs = (
        msi[["variant_class"]]
        .reset_index(names="alt_row")
        .assign(status=lambda f: f["variant_class"].str.lower())
        .merge(stability.assign(status=stability["biomarker"].str.lower()), on="status")
    )
    return pairs[["alt_row", "assertion_id"]].assign(match="biomarker")


def _biomarker_matches(biomarkers: pd.DataFrame, kb: pd.DataFrame) -> pd.DataFrame:
    burden = kb.loc[
        (kb["feature_type"] == "Mutational Burden") & (kb["biomarker"].str.lower() == "high"), ["assertion_id"]
    ]
    pairs = biomarkers[[]].reset_index(names="alt_row").merge(burden, how="cross")
    return pairs[["alt_row", "assertion_id"]].assign(match="biomarker")


def _germline_matches(germline: pd.DataFrame, kb: pd.DataFrame) -> pd.DataFrame:
    """Germline variants and Germline Variant assertions, matched as mutations are, every gene taken as a
    loss-of-function gene: MOAlmanac's germline assertions are pathogenic variants of predisposition and
    DNA-repair genes (BRCA1/2, PALB2, ATM …), whose truncations are the established pathogenic changes."""
    roles = pd.Series("LoF", index=pd.Index(germline["gene"].unique()), dtype=object)
    return _mutation_matches(germline, kb, roles, feature="Germline Variant")


def match_alterations(alterations: pd.DataFrame, kb: pd.DataFrame, roles: pd.Series | None = None) -> pd.DataFrame:
    """Every (alteration, assertion) pair that matches: the alteration's columns, the assertion's
    (``_kb`` suffix where names clash) and ``match``; ``alt_row`` is the alteration's row position."""
    roles = roles if roles is not None else pd.Series(dtype=object)
    alterations = alterations.reset_index(drop=True)
    keys = pd.concat(
        [
            _mutation_matches(alterations[alterations["alteration_type"] == "mutation"], kb, roles),
            _copy_number_matches(alterations[alterations["alteration_type"].isin(["amplification", "deletion"])], kb),
            _biomarker_matches(alterations[alterations["alteration_type"] == "tmb"], kb),
            _germline_matches(alterations[alterations["alteration_type"] == "germline"], kb),
            _fusion_matches(alterations[alterations["alteration_type"] == "fusion"], kb),
            _msi_matches(alterations[alterations["alteration_type"] == "msi"], kb),
        ],
        ignore_index=True,
    )
    keys = keys.sort_values(["alt_row", "assertion_id"], kind="stable")
    # the pairs' columns by position (numpy take): a merge would copy the knowledge base's long text per pair
    alt_pos = keys["alt_row"].to_numpy()
    kb_pos = pd.Index(kb["assertion_id"]).get_indexer(keys["assertion_id"])
    columns = {"alt_row": alt_pos, "match": keys["match"].to_numpy()}
    columns |= {c: alterations[c].to_numpy()[alt_pos] for c in alterations.columns}
    columns |= {(c if c not in alterations.columns else f"{c}_kb"): kb[c].to_numpy()[kb_pos] for c in kb.columns}
    return pd.DataFrame(columns)


def unestablished_gene_matches(pairs: pd.DataFrame, roles: pd.Series) -> pd.Series:
    """Gene-level sensitivity and resistance matches of a variant not known to carry the gene's effect:
    neither a hotspot nor a truncating change of a loss-of-function driver or of a germline gene (tier III;
    a resistance row still withdraws the agent's suggestions)."""
    germline = pairs["alteration_type"] == "germline"
    established = pairs["is_hotspot"].astype(bool) | (
        pairs["variant_class"].isin(TRUNCATING) & (pairs["gene"].map(roles).fillna("").eq("LoF") | germline)
    )
    variant = pairs["alteration_type"].isin(["mutation", "germline"])  # a fusion's gene_class is its gene's
    return (
        variant & (pairs["match"] == "gene_class") & pairs["effect"].isin(["sensitivity", "resistance"]) & ~established
    )


def actionable_table(
    alterations: pd.DataFrame,
    kb: pd.DataFrame,
    tumour_types: Mapping[str, str | None],
    main_types: Mapping[str, str],
    roles: pd.Series | None = None,
) -> pd.DataFrame:
    """The actionability table (``COLUMNS``): one row per matched alteration × assertion, plus one tier III
    row per driver alteration that matched none; sorted by patient, tier, gene, alteration, effect,
    evidence level, therapy and assertion."""
    roles = roles if roles is not None else pd.Series(dtype=object)
    alterations = alterations.reset_index(drop=True)
    pairs = match_alterations(alterations, kb, roles)
    if pairs.empty:
        pairs = pd.DataFrame(
            columns=["alt_row", "match", *alterations.columns, *[c for c in kb.columns if c not in alterations.columns]]
        )
    patient_type = pairs["patient"].map(lambda p: tumour_types.get(p)) if len(pairs) else pd.Series(dtype=object)
    codes = pairs["tumor_type"] if "tumor_type" in pairs else pd.Series(dtype=object)
    relations = {key: relation(key[0], key[1], main_types) for key in set(zip(patient_type, codes, strict=True))}
    grades = pairs["evidence_level"].map(LEVEL_GRADE) if len(pairs) else pd.Series(dtype=object)
    matched = pd.DataFrame(
        {
            "patient": pairs["patient"],
            "gene": pairs["gene"],
            "alteration_type": pairs["alteration_type"],
            "alteration": pairs["alteration"],
            "match": pairs["match"],
            "tier": [tier(g, relations[(p, c)]) for g, p, c in zip(grades, patient_type, codes, strict=True)],
            "evidence_level": pairs["evidence_level"],
            "therapy": pairs["therapy"],
            "effect": pairs["effect"],
            "tumor_type": patient_type.fillna(""),
            "assertion_tumor_type": codes,
            "source_id": [f"MOAlmanac:{int(a)}" for a in pairs["assertion_id"]],
            "citation": pairs["citation"],
            "reference": pairs["reference"],
            "indication": pairs["indication"],
            "prognosis": pairs["prognosis"],
            "assertion_id": pairs["assertion_id"].astype(np.int64),
        }
    )
    matched["vus"] = unestablished_gene_matches(pairs, roles).to_numpy() if len(pairs) else np.zeros(0, bool)
    matched.loc[matched["vus"], "tier"] = "III"
    unmatched = alterations.drop(index=pairs["alt_row"].unique() if len(pairs) else [])
    unmatched = unmatched[driver_alterations(unmatched, roles)] if len(unmatched) else unmatched
    tier3 = pd.DataFrame(
        {
            "patient": unmatched["patient"],
            "gene": unmatched["gene"],
            "alteration_type": unmatched["alteration_type"],
            "alteration": unmatched["alteration"],
            "match": "",
            "tier": "III",
            "evidence_level": "",
            "therapy": "",
            "effect": "",
            "tumor_type": unmatched["patient"].map(lambda p: tumour_types.get(p) or ""),
            "assertion_tumor_type": "",
            "source_id": [f"IntOGen:{roles.get(g, '')}" for g in unmatched["gene"]],
            "citation": "IntOGen driver gene (Martínez-Jiménez et al., Nat Rev Cancer 2020); no assertion matched",
            "reference": "",
            "indication": "",
            "prognosis": "",
            "assertion_id": 0,
            "vus": False,
        }
    )
    table = (
        pd.concat([t for t in (matched, tier3) if len(t)], ignore_index=True)
        if len(matched) or len(tier3)
        else pd.DataFrame(columns=[*COLUMNS, "prognosis", "vus"])
    )
    table = table.fillna({c: "" for c in table.columns if c != "assertion_id"})
    if len(table):
        order = pd.DataFrame(
            {
                "patient": table["patient"],
                "tier": table["tier"].map({t: i for i, t in enumerate(TIERS)}),
                "gene": table["gene"],
                "alteration": table["alteration"],
                "effect": table["effect"].map(EFFECT_ORDER),
                "level": table["evidence_level"].map(LEVEL_ORDER).fillna(len(LEVEL_ORDER)),
                "therapy": table["therapy"],
                "source": table["assertion_id"],
            }
        )
        table = table.loc[order.sort_values(list(order.columns), kind="stable").index].reset_index(drop=True)
    vus = table.pop("vus").astype(bool)
    table = suggest(table, vus)
    prognosis = table.pop("prognosis")
    # the prognosis first, then what else the row's note says (tier II-D: preclinical evidence only)
    labelled = prognosis + " prognosis" + np.where(table["note"] != "", "; " + table["note"], "")
    table["note"] = np.where(prognosis != "", labelled, table["note"])
    return table[COLUMNS].reset_index(drop=True)
