"""Protein-change notation shared by the variant and actionability steps: HGVS three-letter amino acids
(``p.Val600Glu``, VEP's HGVSp, MOAlmanac's protein changes) to one letter (``p.V600E``)."""

from __future__ import annotations

import re

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


def one_letter(text: str) -> str:
    """Every three-letter amino acid of ``text`` as its one-letter code (``p.Lys281Ter`` -> ``p.K281*``)."""
    return _THREE_LETTER.sub(lambda m: AMINO_ACIDS[m.group(0)], text)
