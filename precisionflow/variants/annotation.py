"""Consequence annotations: VEP ``CSQ`` and SnpEff ``ANN`` INFO fields to MAF columns.

The field order of each annotation is read from its ``##INFO`` header line, never assumed.

**Which transcript.** For each ALT allele (see :func:`entries_for_allele`):

1. when the annotation has a ``PICK`` field and an entry of the allele carries ``PICK=1``, that
   entry (VEP's own ``--pick``/``--flag_pick`` choice);
2. otherwise entries are ranked as vcf2maf does: transcript biotype (:data:`BIOTYPE_RANK`,
   protein-coding first), then the most severe consequence (:data:`CONSEQUENCE_RANK`), then
   ``CANONICAL=YES`` first, then feature id. The gene is that of the best-ranked entry with a gene
   symbol; the chosen entry is that gene's canonical transcript when it has one, else its
   best-ranked entry.

The consequence of an entry is its most severe term (terms are joined with ``&``), mapped to a MAF
``Variant_Classification`` by :func:`.consequences.variant_classification` (the vcf2maf table).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from precisionflow.proteins import one_letter
from precisionflow.variants.consequences import (
    BIOTYPE_RANK,
    CONSEQUENCE_RANK,
    UNKNOWN_BIOTYPE_RANK,
    UNKNOWN_RANK,
    most_severe_term,
    variant_classification,
)

# Standard names of the annotation subfields this module reads, per format.
_CSQ_NAMES = {
    "Allele": "allele",
    "Consequence": "consequence",
    "IMPACT": "impact",
    "SYMBOL": "symbol",
    "Gene": "gene",
    "Feature": "feature",
    "BIOTYPE": "biotype",
    "HGVSc": "hgvsc",
    "HGVSp": "hgvsp",
    "CANONICAL": "canonical",
    "PICK": "pick",
    "ALLELE_NUM": "allele_num",
    "Protein_position": "protein_position",
    "EXON": "exon",
}
_ANN_NAMES = {
    "Allele": "allele",
    "Annotation": "consequence",
    "Annotation_Impact": "impact",
    "Gene_Name": "symbol",
    "Gene_ID": "gene",
    "Feature_ID": "feature",
    "Transcript_BioType": "biotype",
    "HGVS.c": "hgvsc",
    "HGVS.p": "hgvsp",
    "Rank": "exon",
}


@dataclass(frozen=True)
class AnnotationFormat:
    """One annotation INFO field: its key (``CSQ`` or ``ANN``) and its subfields in header order."""

    key: str
    fields: tuple[str, ...]

    @property
    def source(self) -> str:
        return "VEP CSQ" if self.key == "CSQ" else "SnpEff ANN"

    def positions(self) -> dict[str, int]:
        """Standard name -> position of the subfields this module reads (absent ones left out)."""
        names = _CSQ_NAMES if self.key == "CSQ" else _ANN_NAMES
        return {names[f]: i for i, f in enumerate(self.fields) if f in names}


def parse_format_description(key: str, description: str) -> AnnotationFormat | None:
    """The subfields of a ``CSQ`` (``... Format: A|B|C``) or ``ANN`` (``'A | B | C'``) description."""
    if key == "CSQ":
        match = re.search(r"Format:\s*([^\"]+)", description)
        text = match.group(1) if match else ""
    else:
        match = re.search(r"'([^']+)'", description) or re.search(r":\s*(.+)$", description)
        text = match.group(1) if match else ""
    fields = tuple(f.strip() for f in text.strip().strip("'\"").split("|"))
    if len(fields) < 2 or not all(fields):
        return None
    return AnnotationFormat(key, fields)


def hgvsp_short(hgvsp: str) -> str:
    """One-letter protein change: ``ENSP0001.1:p.Lys281Ter`` -> ``p.K281*``; empty unless it is a ``p.`` notation."""
    text = hgvsp.split(":", 1)[1] if ":" in hgvsp else hgvsp
    text = text.replace("%3D", "=")
    if not text.startswith("p."):
        return ""
    return one_letter(text)


def vep_allele(ref: str, alts: Sequence[str], alt: str) -> str:
    """The allele string VEP writes for ``alt``: when REF and every ALT share their first base, it is removed (``-`` if
    empty)."""
    alleles = [ref, *alts]
    if all(a and a[0] == ref[0] for a in alleles) and not any(a.startswith("<") for a in alleles):
        return alt[1:] or "-"
    return alt


def split_entries(value: str, n_fields: int) -> list[list[str]]:
    """The entries of an annotation value (``,``-separated, ``|``-separated subfields, padded to ``n_fields``)."""
    entries = []
    for text in value.split(","):
        if not text:
            continue
        fields = text.split("|")
        if len(fields) < n_fields:
            fields += [""] * (n_fields - len(fields))
        entries.append(fields)
    return entries


def entries_for_allele(
    entries: list[list[str]], pos: dict[str, int], ref: str, alts: Sequence[str], allele_index: int
) -> list[list[str]]:
    """The entries that describe ALT number ``allele_index`` (1-based).

    ``ALLELE_NUM`` when the annotation has it; else the ``Allele`` subfield equal to the ALT as
    written or as VEP writes it (:func:`vep_allele`); a record with one ALT, or an annotation without
    an allele subfield, uses all its entries.
    """
    if "allele_num" in pos:
        numbered = [e for e in entries if e[pos["allele_num"]] == str(allele_index)]
        if numbered:
            return numbered
    alt = alts[allele_index - 1]
    if "allele" in pos:
        names = {alt, vep_allele(ref, alts, alt)}
        matched = [e for e in entries if e[pos["allele"]] in names]
        if matched or len(alts) > 1:
            return matched
    return entries


def _rank(entry: list[str], pos: dict[str, int]) -> tuple[int, int, int, str]:
    biotype = entry[pos["biotype"]] if "biotype" in pos else ""
    term = most_severe_term(entry[pos["consequence"]]) if "consequence" in pos else ""
    canonical = "canonical" in pos and entry[pos["canonical"]] == "YES"
    feature = entry[pos["feature"]] if "feature" in pos else ""
    return (
        BIOTYPE_RANK.get(biotype, UNKNOWN_BIOTYPE_RANK) if biotype else UNKNOWN_BIOTYPE_RANK + 1,
        CONSEQUENCE_RANK.get(term, UNKNOWN_RANK),
        0 if canonical else 1,
        feature,
    )


def choose_entry(entries: list[list[str]], pos: dict[str, int]) -> list[str] | None:
    """The entry reported for an allele, by the rule in the module docstring (None when there is none)."""
    if not entries:
        return None
    if "pick" in pos:
        picked = [e for e in entries if e[pos["pick"]] == "1"]
        if picked:
            return min(picked, key=lambda e: _rank(e, pos))
    ranked = sorted(entries, key=lambda e: _rank(e, pos))
    if "symbol" not in pos:
        return ranked[0]
    with_symbol = [e for e in ranked if e[pos["symbol"]]]
    if not with_symbol:
        return ranked[0]
    gene = with_symbol[0][pos["symbol"]]
    of_gene = [e for e in with_symbol if e[pos["symbol"]] == gene]
    if "canonical" in pos:
        canonical = [e for e in of_gene if e[pos["canonical"]] == "YES"]
        if canonical:
            return canonical[0]
    return of_gene[0]


@dataclass(frozen=True)
class Consequence:
    """The MAF columns one chosen annotation entry gives."""

    symbol: str
    gene: str
    consequence: str
    impact: str
    biotype: str
    transcript: str
    canonical: bool
    hgvsc: str
    hgvsp: str
    classification: str

    @property
    def hgvsp_short(self) -> str:
        return hgvsp_short(self.hgvsp)


def consequence_of(entry: list[str], pos: dict[str, int], variant_type: str, inframe: bool) -> Consequence:
    def get(name: str) -> str:
        return entry[pos[name]] if name in pos else ""

    term = most_severe_term(get("consequence"))
    return Consequence(
        symbol=get("symbol"),
        gene=get("gene"),
        consequence=get("consequence"),
        impact=get("impact"),
        biotype=get("biotype"),
        transcript=get("feature"),
        canonical=get("canonical") == "YES",
        hgvsc=get("hgvsc"),
        hgvsp=get("hgvsp"),
        classification=variant_classification(term, variant_type, inframe),
    )


def population_af_from_entries(entries: list[list[str]], columns: Sequence[int]) -> float:
    """The highest population allele frequency found in the given subfields of the entries (NaN if none).

    Values may hold several numbers joined by ``&`` (VEP, several co-located known variants).
    """
    best = float("nan")
    for entry in entries:
        for column in columns:
            for text in entry[column].split("&"):
                try:
                    value = float(text)
                except ValueError:
                    continue
                if not value <= best:  # also replaces NaN
                    best = value
    return best
