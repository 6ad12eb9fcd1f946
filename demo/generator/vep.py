"""VEP annotations (CSQ) of the demo's variants: two transcripts, the canonical one with the protein change."""

from __future__ import annotations

import numpy as np

from demo.generator.catalogue import AMINO, Gene


def alt_base(rng: np.random.Generator, ref: str) -> str:
    return str(rng.choice([b for b in "ACGT" if b != ref]))


def protein_change(rng: np.random.Generator, consequence: str, position: int) -> tuple[str, str]:
    """HGVSp (three-letter) and Amino_acids of a passenger mutation's canonical transcript."""
    letters = list(AMINO)
    ref_aa = str(rng.choice(letters))
    if consequence == "missense_variant":
        alt_aa = str(rng.choice([a for a in letters if a != ref_aa]))
        return f"p.{AMINO[ref_aa]}{position}{AMINO[alt_aa]}", f"{ref_aa}/{alt_aa}"
    if consequence == "synonymous_variant":
        return f"p.{AMINO[ref_aa]}{position}=", ref_aa
    if consequence == "stop_gained":
        return f"p.{AMINO[ref_aa]}{position}Ter", f"{ref_aa}/*"
    if consequence == "frameshift_variant":
        return f"p.{AMINO[ref_aa]}{position}fs", f"{ref_aa}/X"
    if consequence == "inframe_deletion":
        return f"p.{AMINO[ref_aa]}{position}del", f"{ref_aa}/-"
    return "", ""


def csq_entries(
    allele: str,
    gene: Gene,
    consequence: str,
    impact: str,
    hgvsp: str,
    amino: str,
    position: int | None,
    gnomad: float | None,
) -> str:
    """Two VEP transcript entries: the canonical one carries the protein change."""
    transcript = "ENST9" + gene.ensembl[5:]
    protein = "ENSP9" + gene.ensembl[5:]
    canonical = [
        allele,
        consequence,
        impact,
        gene.symbol,
        gene.ensembl,
        "Transcript",
        transcript + ".1",
        "protein_coding",
        "",
        "",
        f"{transcript}.1:c.{(position or 1) * 3}N>N",
        f"{protein}.1:{hgvsp}" if hgvsp else "",
        str(position) if hgvsp else "",
        amino,
        "",
        "YES",
        "" if gnomad is None else f"{gnomad:g}",
    ]
    other = [
        allele,
        "non_coding_transcript_exon_variant" if consequence != "intron_variant" else "intron_variant",
        "MODIFIER",
        gene.symbol,
        gene.ensembl,
        "Transcript",
        transcript.replace("ENST9", "ENST8") + ".2",
        "retained_intron",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "" if gnomad is None else f"{gnomad:g}",
    ]
    return ",".join("|".join(entry) for entry in (canonical, other))
