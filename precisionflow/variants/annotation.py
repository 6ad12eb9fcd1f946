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
``Variant_Classification`` by :func:`variant_classification` (the vcf2maf table). No Python
library maps VEP/SnpEff terms to MAF classes, so the two tables below are written out here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

# Severity of Sequence Ontology terms (lower = more severe), as vcf2maf's GetEffectPriority,
# with SnpEff's own names added.
CONSEQUENCE_RANK: dict[str, int] = {
    "transcript_ablation": 1,
    "exon_loss_variant": 1,
    "exon_loss": 1,
    "splice_donor_variant": 2,
    "splice_acceptor_variant": 2,
    "stop_gained": 3,
    "frameshift_variant": 3,
    "stop_lost": 3,
    "start_lost": 4,
    "initiator_codon_variant": 4,
    "disruptive_inframe_insertion": 5,
    "disruptive_inframe_deletion": 5,
    "conservative_inframe_insertion": 5,
    "conservative_inframe_deletion": 5,
    "inframe_insertion": 5,
    "inframe_deletion": 5,
    "protein_altering_variant": 5,
    "missense_variant": 6,
    "conservative_missense_variant": 6,
    "rare_amino_acid_variant": 6,
    "transcript_amplification": 7,
    "splice_region_variant": 8,
    "splice_donor_5th_base_variant": 8,
    "splice_donor_region_variant": 8,
    "splice_polypyrimidine_tract_variant": 8,
    "start_retained_variant": 9,
    "stop_retained_variant": 9,
    "synonymous_variant": 9,
    "incomplete_terminal_codon_variant": 10,
    "coding_sequence_variant": 11,
    "mature_miRNA_variant": 11,
    "exon_variant": 11,
    "5_prime_UTR_variant": 12,
    "5_prime_UTR_premature_start_codon_gain_variant": 12,
    "3_prime_UTR_variant": 12,
    "non_coding_exon_variant": 13,
    "non_coding_transcript_exon_variant": 13,
    "non_coding_transcript_variant": 14,
    "nc_transcript_variant": 14,
    "intron_variant": 14,
    "intragenic_variant": 14,
    "INTRAGENIC": 14,
    "NMD_transcript_variant": 15,
    "upstream_gene_variant": 16,
    "downstream_gene_variant": 16,
    "TFBS_ablation": 17,
    "TFBS_amplification": 17,
    "TF_binding_site_variant": 17,
    "regulatory_region_ablation": 17,
    "regulatory_region_amplification": 17,
    "regulatory_region_variant": 17,
    "regulatory_region": 17,
    "feature_elongation": 18,
    "feature_truncation": 18,
    "intergenic_variant": 19,
    "intergenic_region": 19,
}
UNKNOWN_RANK = 20

# Transcript biotypes, most relevant first (vcf2maf's GetBiotypePriority, grouped).
BIOTYPE_RANK: dict[str, int] = {
    "protein_coding": 1,
    "LRG_gene": 2,
    "IG_C_gene": 2,
    "IG_D_gene": 2,
    "IG_J_gene": 2,
    "IG_LV_gene": 2,
    "IG_V_gene": 2,
    "TR_C_gene": 2,
    "TR_D_gene": 2,
    "TR_J_gene": 2,
    "TR_V_gene": 2,
    "miRNA": 3,
    "snRNA": 3,
    "snoRNA": 3,
    "ribozyme": 3,
    "tRNA": 3,
    "sRNA": 3,
    "scaRNA": 3,
    "rRNA": 3,
    "lincRNA": 3,
    "lncRNA": 3,
    "bidirectional_promoter_lncrna": 3,
    "bidirectional_promoter_lncRNA": 3,
    "known_ncrna": 4,
    "vaultRNA": 4,
    "macro_lncRNA": 4,
    "Mt_tRNA": 4,
    "Mt_rRNA": 4,
    "antisense": 5,
    "antisense_RNA": 5,
    "sense_intronic": 5,
    "sense_overlapping": 5,
    "3prime_overlapping_ncrna": 5,
    "3prime_overlapping_ncRNA": 5,
    "misc_RNA": 5,
    "non_coding": 5,
    "regulatory_region": 6,
    "disrupted_domain": 6,
    "processed_transcript": 6,
    "TEC": 6,
    "TF_binding_site": 7,
    "CTCF_binding_site": 7,
    "promoter_flanking_region": 7,
    "enhancer": 7,
    "promoter": 7,
    "open_chromatin_region": 7,
    "retained_intron": 7,
    "nonsense_mediated_decay": 7,
    "non_stop_decay": 7,
    "ambiguous_orf": 7,
    "pseudogene": 8,
    "processed_pseudogene": 8,
    "polymorphic_pseudogene": 8,
    "retrotransposed": 8,
    "translated_processed_pseudogene": 8,
    "translated_unprocessed_pseudogene": 8,
    "transcribed_processed_pseudogene": 8,
    "transcribed_unprocessed_pseudogene": 8,
    "transcribed_unitary_pseudogene": 8,
    "unitary_pseudogene": 8,
    "unprocessed_pseudogene": 8,
    "Mt_tRNA_pseudogene": 8,
    "tRNA_pseudogene": 8,
    "snoRNA_pseudogene": 8,
    "snRNA_pseudogene": 8,
    "scRNA_pseudogene": 8,
    "rRNA_pseudogene": 8,
    "misc_RNA_pseudogene": 8,
    "miRNA_pseudogene": 8,
    "IG_C_pseudogene": 8,
    "IG_J_pseudogene": 8,
    "IG_V_pseudogene": 8,
    "TR_J_pseudogene": 8,
    "TR_V_pseudogene": 8,
    "artifact": 9,
}
UNKNOWN_BIOTYPE_RANK = 9

# MAF classes that change the protein (maftools' default vc_nonSyn): counted by TMB and the cohort matrix.
NON_SYNONYMOUS = frozenset(
    {
        "Frame_Shift_Del",
        "Frame_Shift_Ins",
        "Splice_Site",
        "Translation_Start_Site",
        "Nonsense_Mutation",
        "Nonstop_Mutation",
        "In_Frame_Del",
        "In_Frame_Ins",
        "Missense_Mutation",
    }
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

AMINO_ACIDS = {
    "Ala": "A",
    "Arg": "R",
    "Asn": "N",
    "Asp": "D",
    "Cys": "C",
    "Gln": "Q",
    "Glu": "E",
    "Gly": "G",
    "His": "H",
    "Ile": "I",
    "Leu": "L",
    "Lys": "K",
    "Met": "M",
    "Phe": "F",
    "Pro": "P",
    "Ser": "S",
    "Thr": "T",
    "Trp": "W",
    "Tyr": "Y",
    "Val": "V",
    "Ter": "*",
    "Sec": "U",
    "Pyl": "O",
    "Xaa": "X",
}
_THREE_LETTER = re.compile("|".join(AMINO_ACIDS))


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


def most_severe_term(consequence: str) -> str:
    """The most severe of ``&``-joined consequence terms (ties: the first written)."""
    terms = [t for t in consequence.replace(",", "&").split("&") if t]
    if not terms:
        return ""
    return min(terms, key=lambda t: CONSEQUENCE_RANK.get(t, UNKNOWN_RANK))


def variant_classification(term: str, variant_type: str, inframe: bool) -> str:
    """MAF ``Variant_Classification`` of a consequence term (vcf2maf's GetVariantClassification).

    ``variant_type`` is the MAF ``Variant_Type`` (SNP, INS, DEL, ...); ``inframe`` whether the
    length change is a multiple of three (only used for ``protein_altering_variant``).
    """
    if term in {
        "splice_acceptor_variant",
        "splice_donor_variant",
        "transcript_ablation",
        "exon_loss_variant",
        "exon_loss",
    }:
        return "Splice_Site"
    if term == "stop_gained":
        return "Nonsense_Mutation"
    frameshift = term == "frameshift_variant" or (term == "protein_altering_variant" and not inframe)
    if frameshift and variant_type == "DEL":
        return "Frame_Shift_Del"
    if frameshift and variant_type == "INS":
        return "Frame_Shift_Ins"
    if term == "stop_lost":
        return "Nonstop_Mutation"
    if term in {"initiator_codon_variant", "start_lost"}:
        return "Translation_Start_Site"
    if term in {"inframe_insertion", "disruptive_inframe_insertion", "conservative_inframe_insertion"} or (
        term == "protein_altering_variant" and inframe and variant_type == "INS"
    ):
        return "In_Frame_Ins"
    if term in {"inframe_deletion", "disruptive_inframe_deletion", "conservative_inframe_deletion"} or (
        term == "protein_altering_variant" and inframe and variant_type == "DEL"
    ):
        return "In_Frame_Del"
    if term in {
        "missense_variant",
        "coding_sequence_variant",
        "conservative_missense_variant",
        "rare_amino_acid_variant",
    }:
        return "Missense_Mutation"
    if term in {"transcript_amplification", "intron_variant", "INTRAGENIC", "intragenic_variant"}:
        return "Intron"
    if term == "splice_region_variant":
        return "Splice_Region"
    if term in {
        "incomplete_terminal_codon_variant",
        "synonymous_variant",
        "stop_retained_variant",
        "NMD_transcript_variant",
    }:
        return "Silent"
    if term in {
        "mature_miRNA_variant",
        "exon_variant",
        "non_coding_exon_variant",
        "non_coding_transcript_exon_variant",
        "non_coding_transcript_variant",
        "nc_transcript_variant",
    }:
        return "RNA"
    if term in {"5_prime_UTR_variant", "5_prime_UTR_premature_start_codon_gain_variant"}:
        return "5'UTR"
    if term == "3_prime_UTR_variant":
        return "3'UTR"
    if term in {
        "TF_binding_site_variant",
        "regulatory_region_variant",
        "regulatory_region",
        "intergenic_variant",
        "intergenic_region",
    }:
        return "IGR"
    if term == "upstream_gene_variant":
        return "5'Flank"
    if term == "downstream_gene_variant":
        return "3'Flank"
    return "Targeted_Region"


def hgvsp_short(hgvsp: str) -> str:
    """One-letter protein change: ``ENSP0001.1:p.Lys281Ter`` -> ``p.K281*``; empty unless it is a ``p.`` notation."""
    text = hgvsp.split(":", 1)[1] if ":" in hgvsp else hgvsp
    text = text.replace("%3D", "=")
    if not text.startswith("p."):
        return ""
    return _THREE_LETTER.sub(lambda m: AMINO_ACIDS[m.group(0)], text)


def vep_allele(ref: str, alts: Sequence[str], alt: str) -> str:
    """The allele string VEP writes for ``alt``: when REF and every ALT share their first base, it is removed (``-`` if empty)."""
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
