"""Allele-specific copy-number segments, with the planted ERBB2/GRB7 amplicon."""

from __future__ import annotations

import numpy as np

from demo.generator.catalogue import CHROM_LENGTHS
from demo.generator.cohort import Patient


def segments_text(rng: np.random.Generator, patient: Patient) -> tuple[str, dict[str, str]]:
    """Allele-specific segments; HER2 tumours carry a focal ERBB2/GRB7 amplicon.

    Returns the TSV text and the calls a correct gene-level analysis must make for planted events.
    """
    base = patient.ploidy_state // 2
    rows = ["Chromosome\tStart\tEnd\tnMajor\tnMinor"]
    amplicon = (39_500_000, 39_800_000)
    for chrom, length in CHROM_LENGTHS.items():
        if chrom == "X" and patient.sex == "M":
            bounds = [1, length]
        else:
            n_breaks = int(rng.integers(0, 3))
            bounds = sorted({1, length, *[int(x) for x in rng.integers(5_000_000, length - 5_000_000, size=n_breaks)]})
            if patient.subtype == "HER2" and chrom == "17":  # no breakpoint in the amplicon: it is split below
                bounds = [b for b in bounds if b in (1, length) or not amplicon[0] - 1 <= b <= amplicon[1] + 1]
        pieces = list(zip(bounds[:-1], bounds[1:]))
        for start, end in pieces:
            major, minor = base, base
            if chrom == "X" and patient.sex == "M":
                major, minor = base, 0
            elif len(pieces) > 1 and rng.random() < 0.35:  # arm-level gain or loss of one copy
                if rng.random() < 0.5:
                    major += 1
                else:
                    minor -= 1
            if patient.subtype == "HER2" and chrom == "17" and start <= amplicon[0] < end:
                # split around the amplicon
                rows.append(f"{chrom}\t{start}\t{amplicon[0] - 1}\t{major}\t{minor}")
                rows.append(f"{chrom}\t{amplicon[0]}\t{amplicon[1]}\t{int(rng.integers(7, 12)) * base}\t{minor}")
                rows.append(f"{chrom}\t{amplicon[1] + 1}\t{end}\t{major}\t{minor}")
                continue
            rows.append(f"{chrom}\t{start}\t{end}\t{major}\t{minor}")
    calls = {"ERBB2": "amp", "GRB7": "amp"} if patient.subtype == "HER2" else {}
    return "\n".join(rows) + "\n", calls
