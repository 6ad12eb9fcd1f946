"""Sequence Ontology consequence terms: their severity, transcript biotypes' rank, and the MAF class of each.

No Python library maps VEP/SnpEff terms to MAF classes, so vcf2maf's tables are written out here.
"""

from __future__ import annotations

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

# MAF Variant_Classification of each term whose class depends on nothing else (vcf2maf's GetVariantClassification;
# each term is in one class only, so the table gives what vcf2maf's ordered tests give).
_CLASS_TERMS = {
    "Splice_Site": ("splice_acceptor_variant", "splice_donor_variant", "transcript_ablation", "exon_loss_variant",
                    "exon_loss"),
    "Nonsense_Mutation": ("stop_gained",),
    "Nonstop_Mutation": ("stop_lost",),
    "Translation_Start_Site": ("initiator_codon_variant", "start_lost"),
    "In_Frame_Ins": ("inframe_insertion", "disruptive_inframe_insertion", "conservative_inframe_insertion"),
    "In_Frame_Del": ("inframe_deletion", "disruptive_inframe_deletion", "conservative_inframe_deletion"),
    "Missense_Mutation": ("missense_variant", "coding_sequence_variant", "conservative_missense_variant",
                          "rare_amino_acid_variant"),
    "Intron": ("transcript_amplification", "intron_variant", "INTRAGENIC", "intragenic_variant"),
    "Splice_Region": ("splice_region_variant",),
    "Silent": ("incomplete_terminal_codon_variant", "synonymous_variant", "stop_retained_variant",
               "NMD_transcript_variant"),
    "RNA": ("mature_miRNA_variant", "exon_variant", "non_coding_exon_variant", "non_coding_transcript_exon_variant",
            "non_coding_transcript_variant", "nc_transcript_variant"),
    "5'UTR": ("5_prime_UTR_variant", "5_prime_UTR_premature_start_codon_gain_variant"),
    "3'UTR": ("3_prime_UTR_variant",),
    "IGR": ("TF_binding_site_variant", "regulatory_region_variant", "regulatory_region", "intergenic_variant",
            "intergenic_region"),
    "5'Flank": ("upstream_gene_variant",),
    "3'Flank": ("downstream_gene_variant",),
}  # fmt: skip
TERM_CLASS = {term: name for name, terms in _CLASS_TERMS.items() for term in terms}
# Terms whose class depends on the variant type and the length change.
_LENGTH_CHANGING = ("frameshift_variant", "protein_altering_variant")
OTHER_CLASS = "Targeted_Region"


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
    if term not in _LENGTH_CHANGING:
        return TERM_CLASS.get(term, OTHER_CLASS)
    kind = {"DEL": "Del", "INS": "Ins"}.get(variant_type)
    if kind is None:  # a substitution: vcf2maf's frameshift and in-frame tests both need an insertion or a deletion
        return OTHER_CLASS
    frameshift = term == "frameshift_variant" or not inframe
    return f"Frame_Shift_{kind}" if frameshift else f"In_Frame_{kind}"
