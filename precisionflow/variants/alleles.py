"""Allele representations: minimal VCF (``vcf_*``) and MAF convention, and MAF ``Variant_Type``."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from precisionflow.references import (
    maf_alleles,
)


def vcf_minimal(pos: int, ref: str, alt: str) -> tuple[int, str, str]:
    """Shared trailing, then leading bases trimmed while both alleles keep at least one (bcftools norm without a
    reference)."""
    while len(ref) > 1 and len(alt) > 1 and ref[-1] == alt[-1]:
        ref, alt = ref[:-1], alt[:-1]
    while len(ref) > 1 and len(alt) > 1 and ref[0] == alt[0]:
        ref, alt, pos = ref[1:], alt[1:], pos + 1
    return pos, ref, alt


VARIANT_TYPES = ("SNP", "DNP", "TNP", "ONP", "INS", "DEL")
_TYPE_CODE = {t: i for i, t in enumerate(VARIANT_TYPES)}


def variant_type(ref: str, alt: str) -> str:
    """MAF ``Variant_Type`` of MAF-convention alleles (a length-changing substitution counts by its net change, as
    vcf2maf)."""
    if ref == "-":
        return "INS"
    if alt == "-":
        return "DEL"
    if len(ref) == len(alt):
        return {1: "SNP", 2: "DNP", 3: "TNP"}.get(len(ref), "ONP")
    return "INS" if len(alt) > len(ref) else "DEL"


@dataclass
class Alleles:
    """Both representations of a block's alleles: minimal VCF (``vcf_*``) and MAF convention."""

    vcf_pos: np.ndarray
    vcf_ref: pa.Array
    vcf_alt: pa.Array
    start: np.ndarray
    end: np.ndarray
    ref: pa.Array
    alt: pa.Array
    kind: np.ndarray  # index into VARIANT_TYPES

    @property
    def variant_type(self) -> pa.Array:
        return pa.array(VARIANT_TYPES, pa.string()).take(pa.array(self.kind))


def _array(values) -> np.ndarray:
    return np.asarray(values.to_numpy(zero_copy_only=False) if hasattr(values, "to_numpy") else values)


def normalise(pos: np.ndarray, ref: pa.Array, alt: pa.Array) -> Alleles:
    """Minimal VCF and MAF alleles. Single-base substitutions need no change; anchored indels (one
    allele a single base equal to the other's first) are converted column-wise; other rows one by
    one (same rules)."""
    n = len(pos)
    length_ref = _array(pc.utf8_length(ref)).astype(np.int64)
    length_alt = _array(pc.utf8_length(alt)).astype(np.int64)
    out = Alleles(pos.copy(), ref, alt, pos.copy(), pos.copy(), ref, alt, np.full(n, _TYPE_CODE["SNP"], dtype=np.int64))
    rows = np.flatnonzero((length_ref != 1) | (length_alt != 1))
    if not len(rows):
        return out
    take = pa.array(rows)
    sub_ref, sub_alt = ref.take(take), alt.take(take)
    lr, la = length_ref[rows], length_alt[rows]
    same_first = _array(
        pc.equal(pc.utf8_slice_codeunits(sub_ref, 0, 1), pc.utf8_slice_codeunits(sub_alt, 0, 1))
    ).astype(bool)
    deletion = (la == 1) & (lr > 1) & same_first
    insertion = (lr == 1) & (la > 1) & same_first
    dash = pa.scalar("-", pa.string())
    maf_ref = pc.if_else(
        pa.array(insertion), dash, pc.if_else(pa.array(deletion), pc.utf8_slice_codeunits(sub_ref, 1), sub_ref)
    )
    maf_alt = pc.if_else(
        pa.array(deletion), dash, pc.if_else(pa.array(insertion), pc.utf8_slice_codeunits(sub_alt, 1), sub_alt)
    )
    vcf_ref, vcf_alt = sub_ref, sub_alt
    start = pos[rows] + deletion
    end = np.where(insertion, start + 1, start + np.where(deletion, lr - 1, lr) - 1)
    kind = np.where(deletion, _TYPE_CODE["DEL"], np.where(insertion, _TYPE_CODE["INS"], _TYPE_CODE["SNP"]))
    vcf_pos = pos[rows].copy()
    other = np.flatnonzero(~(deletion | insertion))
    if len(other):
        others = pa.array(other)
        values = [
            vcf_minimal(int(p), r, a)
            for p, r, a in zip(vcf_pos[other], sub_ref.take(others).to_pylist(), sub_alt.take(others).to_pylist())
        ]
        mafs = [maf_alleles(*v) for v in values]
        mask = np.zeros(len(rows), dtype=bool)
        mask[other] = True
        mask_pa = pa.array(mask)
        vcf_pos[other] = [v[0] for v in values]
        vcf_ref = pc.replace_with_mask(vcf_ref, mask_pa, pa.array([v[1] for v in values], pa.string()))
        vcf_alt = pc.replace_with_mask(vcf_alt, mask_pa, pa.array([v[2] for v in values], pa.string()))
        start[other] = [m[0] for m in mafs]
        end[other] = [m[0] + 1 if m[1] == "-" else m[0] + len(m[1]) - 1 for m in mafs]
        maf_ref = pc.replace_with_mask(maf_ref, mask_pa, pa.array([m[1] for m in mafs], pa.string()))
        maf_alt = pc.replace_with_mask(maf_alt, mask_pa, pa.array([m[2] for m in mafs], pa.string()))
        kind[other] = [_TYPE_CODE[variant_type(m[1], m[2])] for m in mafs]
    changed = np.zeros(n, dtype=bool)
    changed[rows] = True
    changed_pa = pa.array(changed)
    out.vcf_pos[rows], out.start[rows], out.end[rows], out.kind[rows] = vcf_pos, start, end, kind
    if len(other):  # anchored indels are minimal already: only the other rows change their VCF form
        out.vcf_ref = pc.replace_with_mask(ref, changed_pa, vcf_ref)
        out.vcf_alt = pc.replace_with_mask(alt, changed_pa, vcf_alt)
    out.ref = pc.replace_with_mask(ref, changed_pa, maf_ref)
    out.alt = pc.replace_with_mask(alt, changed_pa, maf_alt)
    return out
