"""Dosing recommendations by phenotype, from CPIC's tables as pypgx ships them, plus a small curated table.

CPIC rows: pypgx's ``api/data/recommendation-table.csv`` (drug, one or two genes with a CPIC phenotype
each -> CPIC's recommendation text, given verbatim) and ``api/data/cpic-table.csv`` (drug-gene pair ->
CPIC level, guideline URL, PMIDs), read as files from the installed package (pypgx pinned in
requirements.txt; locating it does not import it, see ``builds``). Every drug of the table with a gene in
the patient's calls gets one row, looked up by the patient's phenotypes:

- the phenotype vocabulary is CPIC's in both PharmCAT's phenotype files and pypgx's table, so a phenotype
  is used as it is (SLCO1B1: ``lookup_phenotype``, PharmCAT's rs4149056 rule); a gene of a two-gene drug
  absent from the patient's calls is pypgx's ``None`` ("genotype not available");
- DPYD: CPIC assigns the phenotype from the activity score (2 normal, 1-1.5 intermediate, 0-0.5 poor) and
  pypgx's table is keyed by that phenotype, not by the score, so the score picks the row through the
  phenotype PharmCAT's file gives (the table has one row per phenotype);
- a combination with no row in the table, a row whose recommendation is ``None``, a call with no CPIC
  phenotype or tied between phenotypes gets an explicit "No CPIC recommendation for this phenotype" row
  saying why, never an invented one;
- activity score within a phenotype (``SCORE_SPLITS``): CPIC looks CYP2C9 and DPYD up by activity score
  (PharmCAT's report: ``lookupKey`` is the score), PharmCAT's phenotype files give CYP2C9 and DPYD
  intermediate (AS 1, 1.5) and poor (AS 0, 0.5) metabolizers two scores each, and pypgx's table has one text
  per phenotype. Where CPIC's guideline gives the scores of one phenotype different texts (CYP2C9 IM and the
  NSAIDs: pypgx's text is CPIC's AS 1.5 text; DPYD PM and the fluoropyrimidines: the AS 0 text), a patient of
  the other score gets no text but a row saying that the recommendation depends on the score, naming the
  guideline to consult; it counts as care-changing;
- a call whose missing positions define untested lower-function alleles (``definitions.UNTESTED``) gets a
  "Not determinable" row naming them, care-changing, for every drug of the gene;
- a two-gene drug with one gene not genotyped: pypgx's text for the other gene alone is prefixed "Based on
  <gene> only (<gene> not genotyped ...)" unless it names the missing gene itself (rosuvastatin's "ABCG2
  genotype result is not available", CPIC's own wording); the tricyclics' texts do not, so they get it.

Curated rows (``CURATED``) only for drug-gene pairs pypgx's table lacks and the tumour board needs, each
naming its guideline and marked "curated" in ``source``: irinotecan-UGT1A1 (DPWG; CPIC has no irinotecan
guideline) and warfarin-CYP2C9/VKORC1 (CPIC's warfarin guideline is a dosing algorithm, so pypgx's table
has no row for it).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

import pandas as pd

from precisionflow.pgx.builds import pypgx_version, read_pypgx_table
from precisionflow.pgx.definitions import UNTESTED

RECOMMENDATION_COLUMNS = [
    "patient",
    "drug",
    "genes",
    "phenotypes",
    "recommendation",
    "classification",
    "source",
    "table_version",
    "positions_source",  # the build and position table of the patient's germline VCF (calls.GENE_COLUMNS)
]
RECOMMENDATION_TABLE = "recommendation-table.csv"
CPIC_TABLE = "cpic-table.csv"
# the curated rows were written on this date from the guidelines named; bump it whenever a row changes
CURATED_VERSION = "precisionflow curated table 2026-11-30"
NOT_GENOTYPED = "None"  # pypgx's phenotype for a gene of a two-gene drug that was not genotyped
NO_RECOMMENDATION = "No {body} recommendation for this phenotype"
_NO_RECOMMENDATION = re.compile(re.escape(NO_RECOMMENDATION).replace(re.escape("{body}"), r"\w+"))


@dataclass(frozen=True)
class ScoreSplit:
    """A phenotype whose activity scores CPIC's guideline gives different texts, of which pypgx's table keeps the
    one for ``text_score`` (its single row per phenotype), for these drugs."""

    gene: str
    phenotype: str
    text_score: float
    drugs: frozenset[str]
    guideline: str


NSAIDS = frozenset({"celecoxib", "flurbiprofen", "ibuprofen", "lornoxicam", "meloxicam", "piroxicam", "tenoxicam"})
SCORE_SPLITS = (
    # CPIC NSAID guideline, Theken et al. 2020 (PMID 32189324): its recommendation tables have rows "IM, AS 1.5"
    # (initiate with the recommended starting dose: pypgx's IM text) and "IM, AS 1" (read for meloxicam, Table 3,
    # pmc.ncbi.nlm.nih.gov/articles/PMC8080882/table/T3: 50% of the lowest starting dose, or an alternative); all
    # seven NSAIDs of pypgx's table are held to it, the flag sends the reader to the guideline; PM is one row
    ScoreSplit("CYP2C9", "Intermediate Metabolizer", 1.5, NSAIDS, "CPIC NSAID guideline 2020 (PMID 32189324)"),
    # CPIC fluoropyrimidine guideline, Amstutz et al. 2018 (PMID 29152729), Table 2 (PMC5760397): PM "AS 0.5" (avoid,
    # or a strongly reduced dose with early drug monitoring) and "AS 0" (avoid: pypgx's PM text); IM AS 1 and 1.5
    # have had one text (reduce by 50%) since CPIC's 2018 update, pypgx's IM text
    ScoreSplit(
        "DPYD",
        "Poor Metabolizer",
        0.0,
        frozenset({"capecitabine", "fluorouracil"}),
        "CPIC fluoropyrimidine guideline 2017 (PMID 29152729)",
    ),
)


@dataclass(frozen=True)
class Guideline:
    """One drug's rows: phenotypes of ``genes`` (in that order) -> (recommendation or None, classification)."""

    drug: str
    genes: tuple[str, ...]
    rows: dict[tuple[str, ...], tuple[str | None, str]]
    source: str
    table_version: str
    body: str = "CPIC"


IRINOTECAN_SOURCE = (
    "DPWG guideline for UGT1A1 and irinotecan (Dutch Pharmacogenetics Working Group); curated: no CPIC "
    "guideline for this pair, pypgx's table has no irinotecan row"
)
WARFARIN_SOURCE = (
    "CPIC guideline for CYP2C9, VKORC1, CYP4F2 and warfarin (Johnson et al., Clin Pharmacol Ther "
    "2017;102:397-404), https://cpicpgx.org/guidelines/guideline-for-warfarin-and-cyp2c9-and-vkorc1/; curated: "
    "the guideline is a dosing algorithm, pypgx's table has no warfarin row"
)
_METABOLIZERS = ("Normal Metabolizer", "Intermediate Metabolizer", "Poor Metabolizer")
_IRINOTECAN_NO_ACTION = ("No action needed for this gene-drug interaction.", "DPWG: no action")
_WARFARIN = (
    "Calculate the dose with a validated pharmacogenetic algorithm (e.g. IWPC or Gage; warfarindosing.org) using the "
    "CYP2C9 and VKORC1 genotypes.",
    "CPIC level A",
)
CURATED: tuple[Guideline, ...] = (
    Guideline(
        "irinotecan",
        ("UGT1A1",),
        {
            ("Normal Metabolizer",): _IRINOTECAN_NO_ACTION,
            ("Intermediate Metabolizer",): _IRINOTECAN_NO_ACTION,
            ("Poor Metabolizer",): (
                "Start with 70% of the standard dose; if tolerated, increase the dose guided by the neutrophil count.",
                "DPWG: dose adjustment",
            ),
        },
        IRINOTECAN_SOURCE,
        CURATED_VERSION,
        body="DPWG",
    ),
    Guideline(
        "warfarin",
        ("CYP2C9", "VKORC1"),
        {(c, v): _WARFARIN for c in _METABOLIZERS for v in ("-1639 GG", "-1639 AG", "-1639 AA")},
        WARFARIN_SOURCE,
        CURATED_VERSION,
    ),
)


def _read(name: str) -> pd.DataFrame:
    return read_pypgx_table(name, "the CPIC recommendation tables")


def _cpic_citation(levels: pd.DataFrame, drug: str, genes: tuple[str, ...]) -> tuple[str, str]:
    """(classification, source) of a drug's genes from cpic-table.csv: CPIC level, guideline URL, PMIDs."""
    rows = levels[(levels["Drug"] == drug) & levels["Gene"].isin(genes)]
    by_gene = {
        gene: f"{level}" + ("" if status == "Final" else f" ({status.lower()})")
        for gene, level, status in zip(rows["Gene"], rows["CPICLevel"], rows["CPICLevelStatus"], strict=True)
    }
    if len(set(by_gene.values())) == 1 and len(by_gene) == len(genes):
        classification = f"CPIC level {next(iter(by_gene.values()))}"
    else:
        classification = "CPIC level " + ", ".join(f"{g} {by_gene.get(g, 'not listed')}" for g in genes)
    urls = sorted({u for u in rows["Guideline"] if u})
    pmids = sorted({p for cell in rows["PMID"] for p in cell.split(";") if p})
    cited = " ".join(urls) + (f" (PMID {', '.join(pmids)})" if pmids else "")
    source = f"CPIC guideline {cited}".rstrip() + f"; pypgx {pypgx_version()} {RECOMMENDATION_TABLE}, {CPIC_TABLE}"
    return classification, source


@cache
def cpic_guidelines() -> tuple[Guideline, ...]:
    """pypgx's recommendation table, one Guideline per drug (its genes in the table's order)."""
    table, levels = _read(RECOMMENDATION_TABLE), _read(CPIC_TABLE)
    guidelines = []
    for drug, rows in table.groupby("Drug", sort=True):
        genes = (rows["Gene1"].iloc[0],) if (rows["Gene2"] == "None").all() else tuple(rows[["Gene1", "Gene2"]].iloc[0])
        classification, source = _cpic_citation(levels, drug, genes)
        keys = rows[["Phenotype1", "Phenotype2"][: len(genes)]].itertuples(index=False, name=None)
        texts = (None if text == "None" else text for text in rows["Recommendation"])
        found = {tuple(key): (text, classification) for key, text in zip(keys, texts, strict=True)}
        guidelines.append(Guideline(drug, genes, found, source, f"pypgx {pypgx_version()}"))
    return tuple(guidelines)


@cache
def guidelines() -> tuple[Guideline, ...]:
    """pypgx's CPIC rows and the curated ones (curated only for drugs pypgx's table lacks), by drug."""
    cpic = cpic_guidelines()
    known = {g.drug for g in cpic}
    found = cpic + tuple(g for g in CURATED if g.drug not in known)
    return tuple(sorted(found, key=lambda g: (g.drug, ";".join(g.genes))))


# CPIC's phenotypes of a genotype that changes nothing for the drug (VKORC1 -1639 GG: usual warfarin
# sensitivity; RYR1/CACNA1S: no known susceptibility variant): the drug's recommendation for them is its baseline
TYPICAL_PHENOTYPES = frozenset(
    {"Normal Metabolizer", "Normal Function", "-1639 GG", "Favorable Response", "Uncertain Susceptibility"}
)


@cache
def baseline_recommendations() -> dict[str, str]:
    """drug -> its recommendation for typical phenotypes (drugs whose table has no such row are left out)."""
    found: dict[str, str] = {}
    for guideline in guidelines():
        for key, (text, _) in guideline.rows.items():
            if text and all(phenotype in TYPICAL_PHENOTYPES for phenotype in key):
                found.setdefault(guideline.drug, text)
    return found


def changes_care(drug: str, recommendation: str) -> bool:
    """Whether a patient's recommendation asks for something other than the drug's baseline (a dose change, an
    alternative drug, a caution); a row saying that no recommendation exists asks nothing. A caveat appended to
    the baseline text (a partial call) does not change the care."""
    if _NO_RECOMMENDATION.match(recommendation):
        return False
    baseline = baseline_recommendations().get(drug)
    return baseline is None or not recommendation.startswith(baseline)


def _phenotype(row: Mapping | None) -> str:
    """The phenotype a gene's recommendations are looked up by (NOT_GENOTYPED for a gene without a call)."""
    if row is None:
        return NOT_GENOTYPED
    lookup = row.get("lookup_phenotype")
    return lookup if isinstance(lookup, str) and lookup else str(row["phenotype"])


def _caveat(row: Mapping | None) -> str:
    if row is None or row["call_quality"] in ("ok", "outside call"):
        return ""
    return f" (call: {row['call_quality']})"


def _why_none(guideline: Guideline, key: tuple[str, ...], calls: list[Mapping | None]) -> str:
    """Why no recommendation applies: the first gene without a usable phenotype, or the table's answer."""
    for gene, phenotype, row in zip(guideline.genes, key, calls, strict=True):
        if not phenotype:
            return f"{gene} {row['diplotype']} has no {guideline.body} phenotype ({row['call_quality']})"
        if " or " in phenotype:
            return f"{gene} is tied between phenotypes {phenotype} ({row['call_quality']})"
    missing = [g for g, p in zip(guideline.genes, key, strict=True) if p == NOT_GENOTYPED]
    if missing and len(missing) < len(key):
        known = ", ".join(f"{g} {p!r}" for g, p in zip(guideline.genes, key, strict=True) if p != NOT_GENOTYPED)
        none = f"{' and '.join(missing)} not genotyped, and the {guideline.body} table gives none for {known} alone"
        return none + "".join(_caveat(r) for r in calls)
    wanted = ", ".join(f"{g} {p!r}" for g, p in zip(guideline.genes, key, strict=True))
    if key in guideline.rows:
        return f"the {guideline.body} table gives none for {wanted}" + "".join(_caveat(r) for r in calls)
    return f"no row for {wanted} in the table ({guideline.table_version})" + "".join(_caveat(r) for r in calls)


def _shown(gene: str, phenotype: str) -> str:
    return f"{gene}: {'not genotyped' if phenotype == NOT_GENOTYPED else phenotype or 'no phenotype'}"


def _score_split(guideline: Guideline, calls: list[Mapping | None]) -> str:
    """The row text when the patient's activity score is not the one pypgx's phenotype text stands for, or ""."""
    for split in SCORE_SPLITS:
        if guideline.drug not in split.drugs or split.gene not in guideline.genes:
            continue
        row = calls[guideline.genes.index(split.gene)]
        if row is None or _phenotype(row) != split.phenotype:
            continue
        shown = str(row.get("activity_score") or "")
        scores = {float(s) for s in shown.split(" or ") if s}
        if scores == {split.text_score}:
            continue
        return (
            f"The CPIC recommendation for {guideline.drug} depends on the activity score within {split.gene} "
            f"{split.phenotype} (AS {shown or 'unknown'} here); the table used ({guideline.table_version} "
            f"{RECOMMENDATION_TABLE}) has one text per phenotype, CPIC's text for AS {split.text_score:g}, so it is "
            f"not shown: consult the {split.guideline} for this activity score."
        )
    return ""


def _untested(guideline: Guideline, calls: list[Mapping | None]) -> str:
    """The row text when a gene's call left lower-function alleles untested (definitions.UNTESTED), or ""."""
    for gene, row in zip(guideline.genes, calls, strict=True):
        if row is not None and UNTESTED in str(row["call_quality"]):
            why = str(row["call_quality"]).split(UNTESTED, 1)[1].lstrip(": ")
            return (
                f"Not determinable: {gene} {row['diplotype']} was called without some positions: {why}. The "
                f"{guideline.body} recommendation depends on them, so none is given; genotype these positions."
            )
    return ""


def _partial(guideline: Guideline, key: tuple[str, ...], text: str) -> str:
    """A two-gene text given for one gene alone says so, unless it names the missing gene itself."""
    missing = [g for g, p in zip(guideline.genes, key, strict=True) if p == NOT_GENOTYPED and g not in text]
    if not missing or len(missing) == len(key):
        return text
    known = " and ".join(g for g, p in zip(guideline.genes, key, strict=True) if p != NOT_GENOTYPED)
    absent = " and ".join(missing)
    return f"Based on {known} only ({absent} not genotyped; the recommendation may differ with its genotype): {text}"


def _row(patient: str, guideline: Guideline, by_gene: dict[str, Mapping]) -> list[str]:
    calls = [by_gene.get(gene) for gene in guideline.genes]
    key = tuple(_phenotype(row) for row in calls)
    text, classification = guideline.rows.get(key, (None, "n/a"))
    level = next(iter(guideline.rows.values()))[1]  # the drug-gene pair's CPIC level
    if flagged := _untested(guideline, calls) or _score_split(guideline, calls):
        text, classification = flagged, level
    elif text is None:
        why = _why_none(guideline, key, calls)
        text, classification = f"{NO_RECOMMENDATION.format(body=guideline.body)}: {why}.", "n/a"
    else:
        text = _partial(guideline, key, text) + "".join(_caveat(row) for row in calls)
    phenotypes = "; ".join(_shown(gene, phenotype) for gene, phenotype in zip(guideline.genes, key, strict=True))
    genes = ";".join(guideline.genes)
    return [patient, guideline.drug, genes, phenotypes, text, classification, guideline.source, guideline.table_version]


def recommend(patient: str, genes: pd.DataFrame) -> pd.DataFrame:
    """The patient's rows: one per drug of the tables with at least one of its genes in the patient's calls.

    The recommendation is the table's text verbatim; a call that is partial or tied carries its caveat after
    it in parentheses. A combination the tables do not cover gets a row that says so, and why.
    """
    columns = list(genes.columns)  # plain dicts: a Series per gene and patient costs more than the lookups
    by_gene = {row["gene"]: row for row in (dict(zip(columns, values)) for values in genes.itertuples(index=False))}
    sources = genes["positions_source"] if "positions_source" in genes.columns else pd.Series(dtype=str)
    positions = ";".join(sorted(set(sources.dropna()) - {""}))
    rows = [[*_row(patient, g, by_gene), positions] for g in guidelines() if any(gene in by_gene for gene in g.genes)]
    return pd.DataFrame(rows, columns=RECOMMENDATION_COLUMNS)  # guidelines() is sorted by drug and genes
