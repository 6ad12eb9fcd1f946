"""The tumour's evidence per allele in a VCF block: presence, depth, read counts, allele fraction (and the normal's)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from precisionflow.errors import InputError
from precisionflow.variants.arrow_fields import (
    SampleFields,
    _numpy,
    info_values,
    list_sums,
    list_take,
    per_allele,
    to_float,
)
from precisionflow.variants.vcf_header import VcfHeader

DEPTH_FORMAT_KEYS = ("DP", "DPT")
AD_FORMAT_KEYS = ("AD", "ADT")
AF_FORMAT_KEYS = ("AF", "FA", "VAF")
VAF_INFO_KEYS = ("TVAF",)
DEPTH_INFO_KEYS = ("TDP",)
STRELKA_SNV_KEYS = ("AU", "CU", "GU", "TU")  # tier 1,2 counts of reads showing each base
STRELKA_INDEL_KEYS = ("TAR", "TIR")  # tier 1,2 counts of reads supporting the reference / the indel


# DP is the depth after the caller's read filters (GATK: "approximate read depth; reads with MQ=255 or with bad
# mates are filtered") while AD counts informative reads before them, so AD may exceed DP: by up to 1.3 x in the
# Mutect VCF of ../shared/data (13 reads of 10). An alternate count above twice DP (+5 reads at low depth) would
# need most reads of the allele filtered out: the two fields contradict each other (e.g. AD alt 500 with DP 20).
AD_OVER_DP_FACTOR = 2.0
AD_OVER_DP_READS = 5


def read_evidence_available(header: VcfHeader, tumor: str | None) -> tuple[bool, bool]:
    """Whether the tumour's depth and its allele fraction can be read from this VCF (else the filters on them cannot
    apply)."""
    formats = set(header.formats) if tumor else set()
    strelka = set(STRELKA_SNV_KEYS) <= formats or set(STRELKA_INDEL_KEYS) <= formats
    depth = (
        bool(formats & {*DEPTH_FORMAT_KEYS, *AD_FORMAT_KEYS})
        or strelka
        or bool(set(header.info) & set(DEPTH_INFO_KEYS))
    )
    vaf = bool(formats & {*AD_FORMAT_KEYS, *AF_FORMAT_KEYS}) or strelka or bool(set(header.info) & set(VAF_INFO_KEYS))
    return depth, vaf


def strelka_tier1_counts(
    sample: SampleFields, ref: pa.Array, alt: pa.Array, rows: np.ndarray, path: str, lines: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Reference, alternate and total tier-1 read counts per allele from Strelka2's fields (None when absent).

    Strelka2 writes no ``AD``; vcf2maf reads its tier-1 counts the same way.
    """
    snv_fields = [sample.get([key]) for key in STRELKA_SNV_KEYS]
    indel_fields = [sample.get([key]) for key in STRELKA_INDEL_KEYS]
    if any(f is None for f in snv_fields) and any(f is None for f in indel_fields):
        return None
    n_rows = len(rows)
    ref_count, alt_count, total = (np.full(n_rows, np.nan) for _ in range(3))

    def tier1(values: pa.Array, key: str) -> np.ndarray:
        lists = pc.split_pattern(values, ",")
        return to_float(list_take(lists, np.zeros(len(values), np.int64)), path, f"FORMAT/{key}", lines)[rows]

    ref_rows = ref.take(pa.array(rows))
    single = _numpy(pc.equal(pc.utf8_length(ref_rows), 1)).astype(bool) & _numpy(
        pc.equal(pc.utf8_length(alt), 1)
    ).astype(bool)
    if all(f is not None for f in snv_fields):
        counts = {key[0]: tier1(f, key) for key, f in zip(STRELKA_SNV_KEYS, snv_fields)}
        snv_total = sum(counts.values())
        for base, count in counts.items():
            ref_count = np.where(single & _numpy(pc.equal(ref_rows, base)).astype(bool), count, ref_count)
            alt_count = np.where(single & _numpy(pc.equal(alt, base)).astype(bool), count, alt_count)
        total = np.where(single, snv_total, total)
    if all(f is not None for f in indel_fields):
        tar, tir = (tier1(f, key) for key, f in zip(STRELKA_INDEL_KEYS, indel_fields))
        ref_count = np.where(single, ref_count, tar)
        alt_count = np.where(single, alt_count, tir)
        total = np.where(single, total, tar + tir)
    return ref_count, alt_count, total


def normal_fractions(
    sample: SampleFields,
    ad_keys: Sequence[str],
    ref: pa.Array,
    alt_alleles: pa.Array,
    allele: np.ndarray,
    rows: np.ndarray,
    path: str,
    record_lines: np.ndarray,
) -> np.ndarray:
    """The normal column's allele fraction per allele (AD[k] / sum of AD, else Strelka2's tier-1 counts; NaN where
    unknown)."""
    ad = sample.get(ad_keys) if ad_keys else None
    if ad is None:
        tier1 = strelka_tier1_counts(sample, ref, alt_alleles, rows, path, record_lines)
        if tier1 is None:
            return np.full(len(rows), np.nan)
        _, alt_count, total = tier1
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(total > 0, alt_count / total, np.nan)
    lists = pc.split_pattern(pc.fill_null(ad, "."), ",")
    alt = to_float(list_take(lists, allele, rows), path, f"FORMAT/{ad_keys[0]} (normal)", record_lines[rows])
    sums, complete = list_sums(lists, path, f"FORMAT/{ad_keys[0]} (normal)", record_lines)
    sums, complete = sums[rows], complete[rows]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(complete & (sums > 0), alt / sums, np.nan)


@dataclass(frozen=True)
class EvidenceKeys:
    """The FORMAT and INFO keys of this VCF that give the tumour's depth, read counts and allele fraction."""

    tumor: str | None
    depth: tuple[str, ...]
    ad: tuple[str, ...]
    af: tuple[str, ...]
    tvaf: tuple[str, ...]
    tdp: tuple[str, ...]

    @classmethod
    def of(cls, header: VcfHeader, tumor: str | None) -> EvidenceKeys:
        formats = header.formats if tumor else {}

        def defined(keys: Sequence[str], where) -> tuple[str, ...]:
            return tuple(k for k in keys if k in where)

        return cls(
            tumor,
            defined(DEPTH_FORMAT_KEYS, formats),
            defined(AD_FORMAT_KEYS, formats),
            defined(AF_FORMAT_KEYS, formats),
            defined(VAF_INFO_KEYS, header.info),
            defined(DEPTH_INFO_KEYS, header.info),
        )


@dataclass
class Split:
    """A block's records as one row per ALT allele (``rows``: the record of each; ``allele``: its 1-based number)."""

    ref: pa.Array  # per record, upper-cased
    alt: pa.Array  # per allele, upper-cased
    alt_text: pa.Array  # per record: the whole ALT column
    n_alts: np.ndarray  # per record
    rows: np.ndarray
    allele: np.ndarray
    simple: np.ndarray  # per allele: made of bases (not symbolic, '*' or '.')


@dataclass
class Evidence:
    """Per allele: present in the sample, depth, read counts and allele fraction (NaN where unknown)."""

    present: np.ndarray
    depth: np.ndarray
    vaf: np.ndarray
    ref_count: np.ndarray | None
    alt_count: np.ndarray | None


@dataclass
class ReadCounts:
    """Reference, alternate and total read counts per allele (``AD`` or Strelka2's tier 1), and whether the total is
    complete."""

    ref: np.ndarray | None = None
    alt: np.ndarray | None = None
    total: np.ndarray | None = None
    complete: np.ndarray | None = None
    from_ad: bool = False


def genotype_presence(gt: pa.Array, split: Split, path: str, lines: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Whether each allele is called in ``GT``, and where the genotype is known at all."""
    # Genotypes take few distinct values: decode each once, then look alleles up per row.
    encoded = pc.dictionary_encode(pc.fill_null(gt, "."))
    gt_codes = _numpy(encoded.indices).astype(np.int64)
    calls = []
    for text in encoded.dictionary.to_pylist():
        numbers = [p for p in text.replace("|", "/").split("/") if p != "."]
        if not all(p.isdigit() for p in numbers):
            bad = int(np.flatnonzero(gt_codes == len(calls))[0])
            raise InputError(
                path, f"line {int(lines[bad])}, FORMAT/GT", "allele numbers or '.' separated by '/' or '|'", repr(text)
            )
        calls.append({int(p) for p in numbers})
    width = int(max([split.n_alts.max(initial=0), *[max(c, default=0) for c in calls]])) + 1
    table = np.zeros((len(calls), width), dtype=bool)
    for i, called in enumerate(calls):
        table[i, sorted(called)] = True
    known_call = np.array([bool(c) for c in calls], dtype=bool)
    gt_known = known_call[gt_codes][split.rows]
    present = np.where(gt_known, table[gt_codes[split.rows], np.minimum(split.allele, width - 1)], True)
    return present, gt_known


def read_counts(sample: SampleFields, keys: EvidenceKeys, split: Split, path: str, lines: np.ndarray) -> ReadCounts:
    """``AD`` (or ``ADT``) per allele; without it, Strelka2's tier-1 counts; else nothing known."""
    n_rows = len(split.rows)
    ad = sample.get(keys.ad)
    if ad is not None:
        what = f"FORMAT/{keys.ad[0]}"
        lists = pc.split_pattern(pc.fill_null(ad, "."), ",")
        alt_lines = lines[split.rows]
        alt = to_float(list_take(lists, split.allele, split.rows), path, what, alt_lines)
        ref = to_float(list_take(lists, np.zeros(n_rows, np.int64), split.rows), path, what, alt_lines)
        sums, complete = list_sums(lists, path, what, lines)
        return ReadCounts(ref, alt, sums[split.rows], complete[split.rows], from_ad=True)
    if keys.tumor:
        tier1 = strelka_tier1_counts(sample, split.ref, split.alt, split.rows, path, lines)
        if tier1 is not None:
            ref, alt, total = tier1
            return ReadCounts(ref, alt, total, ~np.isnan(total))
    return ReadCounts(complete=np.zeros(n_rows, dtype=bool))


def allele_depth(
    sample: SampleFields, info: pa.Array | None, keys: EvidenceKeys, split: Split, counts: ReadCounts, path: str,
    lines: np.ndarray,
) -> np.ndarray:  # fmt: skip
    """FORMAT ``DP`` (``DPT``), else the complete sum of the read counts, else INFO ``TDP``; an ``AD`` alternate count
    far above ``DP`` is an error."""
    depth = np.full(len(split.rows), np.nan)
    alt_lines = lines[split.rows]
    dp = sample.get(keys.depth)
    if dp is not None:
        depth = to_float(dp, path, f"FORMAT/{keys.depth[0]}", lines)[split.rows]
        if counts.from_ad:
            over = counts.alt > AD_OVER_DP_FACTOR * depth + AD_OVER_DP_READS  # NaN compares False
            if over.any():
                i = int(np.flatnonzero(over)[0])
                raise InputError(
                    path,
                    f"line {int(alt_lines[i])}, sample {keys.tumor!r}",
                    f"an alternate read count (FORMAT/{keys.ad[0]}) within {AD_OVER_DP_FACTOR:g} x the depth "
                    f"(FORMAT/{keys.depth[0]}) + {AD_OVER_DP_READS}",
                    f"{int(counts.alt[i])} alternate reads of {int(depth[i])}",
                )
    if counts.total is not None:
        depth = np.where(np.isnan(depth) & counts.complete, counts.total, depth)
    for key in keys.tdp:
        values = to_float(per_allele(info_values(info, key), split.allele, split.rows), path, f"INFO/{key}", alt_lines)
        depth = np.where(np.isnan(depth), values, depth)
    return depth


def allele_fraction(
    sample: SampleFields, info: pa.Array | None, keys: EvidenceKeys, split: Split, counts: ReadCounts,
    depth: np.ndarray, path: str, lines: np.ndarray,
) -> np.ndarray:  # fmt: skip
    """Alternate / complete total of the read counts, else alternate / depth, else FORMAT ``AF``/``FA``/``VAF``,
    else INFO ``TVAF``."""
    vaf = np.full(len(split.rows), np.nan)
    alt_lines = lines[split.rows]
    if counts.alt is not None:
        with np.errstate(divide="ignore", invalid="ignore"):
            vaf = np.where(counts.complete & (counts.total > 0), counts.alt / counts.total, np.nan)
            vaf = np.where(np.isnan(vaf) & (depth > 0), counts.alt / depth, vaf)
    af = sample.get(keys.af)
    if af is not None:
        values = to_float(per_allele(af, split.allele, split.rows), path, f"FORMAT/{keys.af[0]}", alt_lines)
        vaf = np.where(np.isnan(vaf), values, vaf)
    for key in keys.tvaf:
        values = to_float(per_allele(info_values(info, key), split.allele, split.rows), path, f"INFO/{key}", alt_lines)
        vaf = np.where(np.isnan(vaf), values, vaf)
    return vaf


def tumour_evidence(
    sample: SampleFields, info: pa.Array | None, keys: EvidenceKeys, split: Split, path: str, lines: np.ndarray
) -> Evidence:
    """The tumour's evidence for each allele of a block (see :mod:`.vcf` for the rules)."""
    present = np.ones(len(split.rows), dtype=bool)
    gt_known = np.zeros(len(split.rows), dtype=bool)
    gt = sample.get(["GT"])
    if gt is not None:
        present, gt_known = genotype_presence(gt, split, path, lines)
    counts = read_counts(sample, keys, split, path, lines)
    if counts.from_ad:
        present = np.where(gt_known | np.isnan(counts.alt), present, counts.alt > 0)
    depth = allele_depth(sample, info, keys, split, counts, path, lines)
    vaf = allele_fraction(sample, info, keys, split, counts, depth, path, lines)
    return Evidence(present, depth, vaf, counts.ref, counts.alt)
