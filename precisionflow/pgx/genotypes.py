"""Germline genotypes at the allele-defining positions, read from a VCF with pysam.

Single- or multi-sample, ``chr`` contigs or not, plain or gVCF (a reference block with ``END``
covers the positions inside it as homozygous reference). Positions are GRCh38 (PharmCAT's
definitions have no GRCh37 coordinates), so a GRCh37 file is refused with a clear line.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pysam

from precisionflow.errors import InputError, shorten
from precisionflow.pgx.definitions import GeneDefinition

Genotype = tuple[str, str] | None  # the two VCF alleles at a position, or None when not called / absent
SYMBOLIC = {"<NON_REF>", "<*>", "*"}
# Lengths of the contigs holding pharmacogenes: a header giving the GRCh37 length names the build.
GRCH37_LENGTHS = {
    "1": 249250621,
    "2": 243199373,
    "4": 191154276,
    "6": 171115067,
    "7": 159138663,
    "8": 146364022,
    "10": 135534747,
    "12": 133851895,
    "13": 115169878,
    "16": 90354753,
    "19": 59128983,
}
# At least this many SNV positions compared, and more than this share with another REF: wrong build.
MIN_REF_CHECKS = 3
MAX_REF_MISMATCH_SHARE = 0.5


@dataclass
class SampleGenotypes:
    """Per sample and gene, the genotype at each of the gene's positions (definition order)."""

    samples: list[str]
    calls: dict[str, list[list[Genotype]]]  # gene -> position -> sample index -> genotype
    ref_mismatches: dict[str, list[str]] = field(default_factory=dict)  # gene -> "chr:pos" whose REF differs

    def of(self, sample_index: int, gene: str) -> tuple[Genotype, ...]:
        return tuple(per_sample[sample_index] for per_sample in self.calls[gene])


def open_vcf(path: str | Path) -> pysam.VariantFile:
    try:
        return pysam.VariantFile(str(path))
    except (ValueError, OSError) as error:
        raise InputError(path, "header", "a VCF (plain or bgzipped)", f"a file pysam cannot read ({error})") from None


def check_header(vcf: pysam.VariantFile, path: str | Path, samples: Sequence[str | None]) -> list[str]:
    """The VCF columns to read (one per requested sample; None = the file's only sample)."""
    if "GT" not in vcf.header.formats:
        raise InputError(
            path,
            "header",
            "a FORMAT GT field (genotypes)",
            f"FORMAT fields {shorten(list(vcf.header.formats)) or 'none'}",
        )
    names = list(vcf.header.samples)
    chosen = []
    for sample in samples:
        if sample is None:
            if len(names) != 1:
                raise InputError(
                    path,
                    "header",
                    "one sample column, or a germline_sample naming one",
                    f"{len(names)} samples: {shorten(names)}",
                )
            chosen.append(names[0])
        elif sample not in names:
            raise InputError(
                path, "header", f"a sample column {sample!r} (germline_sample)", f"samples {shorten(names) or 'none'}"
            )
        else:
            chosen.append(sample)
    for record in vcf.header.records:
        if record.key == "reference" and any(b in str(record.value) for b in ("GRCh37", "hg19", "b37", "hs37")):
            raise InputError(
                path,
                "header ##reference",
                "a GRCh38 VCF (PharmCAT's definitions have GRCh38 positions only; lift it over)",
                str(record.value),
            )
    for contig, meta in vcf.header.contigs.items():
        name = contig.removeprefix("chr")
        if meta.length is not None and GRCH37_LENGTHS.get(name) == meta.length:
            raise InputError(
                path,
                f"header ##contig={contig}",
                "GRCh38 contig lengths (PharmCAT's definitions have GRCh38 positions only; lift it over)",
                f"the GRCh37 length {meta.length}",
            )
    return chosen


def _genotype(record: pysam.VariantRecord, sample: str, alleles: tuple[str, ...]) -> Genotype:
    gt = record.samples[sample].get("GT")
    if gt is None or len(gt) != 2 or gt[0] is None or gt[1] is None:
        return None
    return alleles[gt[0]], alleles[gt[1]]


def _to_definition(alleles: tuple[str, ...], vcf_ref: str, ref: str) -> tuple[str, ...]:
    """A record's alleles in the definition's representation when both are anchored at the same POS but
    their REFs differ in length: ``CATAT>CAT`` or ``C>CAT`` (an indel caller's UGT1A1 *28) for the
    definition's ``CAT>CATAT``. Alleles that do not fit stay as they are (and then match no named allele)."""
    if vcf_ref == ref:
        return alleles
    if vcf_ref.startswith(ref):  # the record's REF is longer: drop the shared tail
        extra = vcf_ref[len(ref) :]
        return tuple(a[: -len(extra)] if a.endswith(extra) and len(a) > len(extra) else a for a in alleles)
    if ref.startswith(vcf_ref):  # the record's REF is shorter: add the definition's tail
        extra = ref[len(vcf_ref) :]
        return tuple(a if a.startswith("<") else a + extra for a in alleles)
    return alleles


def read_genotypes(
    path: str | Path, definitions: dict[str, GeneDefinition], samples: Sequence[str | None]
) -> SampleGenotypes:
    """Genotypes of ``samples`` at every definition position (None where the VCF says nothing)."""
    vcf = open_vcf(path)
    with vcf:
        columns = check_header(vcf, path, samples)
        # (chrom, pos) -> [(gene, index)], and sorted positions per chrom for reference blocks
        where: dict[tuple[str, int], list[tuple[str, int]]] = {}
        for gene, definition in definitions.items():
            for index, position in enumerate(definition.positions):
                where.setdefault((position.chrom, position.pos), []).append((gene, index))
        by_chrom: dict[str, list[int]] = {}
        for chrom, pos in where:
            by_chrom.setdefault(chrom, []).append(pos)
        for positions in by_chrom.values():
            positions.sort()
        calls = {g: [[None] * len(columns) for _ in d.positions] for g, d in definitions.items()}
        checked, mismatched = 0, []
        ref_mismatches: dict[str, list[str]] = {}
        for record in _records(vcf, definitions):
            chrom = record.chrom.removeprefix("chr")
            if chrom not in by_chrom:
                continue
            block = record.stop > record.pos and all(a in SYMBOLIC for a in (record.alts or ()))
            covered = _covered(by_chrom[chrom], record.pos, record.stop) if block else [record.pos]
            for pos in covered:
                for gene, index in where.get((chrom, pos), ()):
                    position = definitions[gene].positions[index]
                    if pos == record.pos and len(position.ref) == 1 and len(record.ref) >= 1:
                        checked += 1
                        if record.ref[0] != position.ref:
                            mismatched.append(f"{record.chrom}:{pos} REF {record.ref}, expected {position.ref}")
                            ref_mismatches.setdefault(gene, []).append(f"{record.chrom}:{pos}")
                            continue
                    if gene in ref_mismatches and f"{record.chrom}:{pos}" in ref_mismatches[gene]:
                        continue
                    if block:
                        alleles = (position.ref,) + tuple(position.ref for _ in (record.alts or ()))
                    else:
                        alleles = _to_definition(tuple(record.alleles), record.ref, position.ref)
                    column = calls[gene][index]
                    for k, sample in enumerate(columns):
                        genotype = _genotype(record, sample, alleles)
                        # a second record at the same position (split multi-allelic) adds, never erases, a call
                        if genotype is not None and (column[k] is None or column[k] == (position.ref, position.ref)):
                            column[k] = genotype
        if checked >= MIN_REF_CHECKS and len(mismatched) > MAX_REF_MISMATCH_SHARE * checked:
            raise InputError(
                path,
                "REF alleles at the pharmacogene positions",
                "GRCh38 reference alleles (is this VCF GRCh37? lift it over to GRCh38)",
                f"{len(mismatched)} of {checked} differ, e.g. {mismatched[0]}",
            )
    return SampleGenotypes(columns, calls, ref_mismatches)


def _covered(positions: list[int], start: int, stop: int) -> list[int]:
    """Definition positions inside [start, stop] (1-based, inclusive)."""
    return positions[bisect.bisect_left(positions, start) : bisect.bisect_right(positions, stop)]


def _records(vcf: pysam.VariantFile, definitions: dict[str, GeneDefinition]):
    """Records near the definitions: fetched per gene through an index when there is one, else all."""
    try:
        has_index = vcf.index is not None
    except (AttributeError, ValueError):
        has_index = False
    if not has_index:
        yield from vcf
        return
    contigs = set(vcf.header.contigs)
    seen: set[tuple[str, int, str]] = set()
    for definition in definitions.values():
        first = min(p.pos for p in definition.positions)
        last = max(p.pos for p in definition.positions)
        chrom = definition.positions[0].chrom
        for name in (chrom, f"chr{chrom}"):
            if name in contigs:
                for record in vcf.fetch(name, first - 1, last):
                    key = (record.chrom, record.pos, record.ref + ",".join(record.alts or ()))
                    if key not in seen:  # genes sharing a region (none today) would fetch a record twice
                        seen.add(key)
                        yield record
