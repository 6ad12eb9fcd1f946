"""Germline genotypes at the allele-defining positions, read from a VCF with pysam.

Single- or multi-sample, ``chr`` contigs or not, plain or gVCF (a reference block with ``END``
covers the positions inside it as homozygous reference). The positions read are those of the
configured build (GRCh38, or GRCh37 through :mod:`precisionflow.pgx.builds`); a file of the other build
is refused with one line, whether its header says so (``##reference``, ``##contig`` lengths), its REF
alleles differ at most positions, or its records sit at the other build's positions.

Reading goes in named stages: the header (:func:`check_header`), the definition sites
(:class:`Sites`), the records (:class:`_Reader`), then the build verdict (:class:`BuildCheck`).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pysam

from precisionflow.errors import InputError, shorten
from precisionflow.pgx.definitions import GeneDefinition, Position
from precisionflow.settings import defaults

Genotype = tuple[str, str] | None  # the two VCF alleles at a position, or None when not called / absent
SYMBOLIC = {"<NON_REF>", "<*>", "*"}
# Lengths of the contigs holding pharmacogenes: a header giving one build's length names the build.
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
GRCH38_LENGTHS = {
    "1": 248956422,
    "2": 242193529,
    "4": 190214555,
    "6": 170805979,
    "7": 159345973,
    "8": 145138636,
    "10": 133797422,
    "12": 133275309,
    "13": 114364328,
    "16": 90338345,
    "19": 58617616,
}
CONTIG_LENGTHS = {"GRCh37": GRCH37_LENGTHS, "GRCh38": GRCH38_LENGTHS}
REFERENCE_NAMES = {"GRCh37": ("GRCh37", "hg19", "b37", "hs37"), "GRCh38": ("GRCh38", "hg38", "hs38")}
OTHER_BUILD = {"GRCh37": "GRCh38", "GRCh38": "GRCh37"}
REGION_GAP = 1_000_000  # definition sites closer than this are fetched as one region of an indexed VCF
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


def check_header(vcf: pysam.VariantFile, path: str | Path, samples: Sequence[str | None], build: str) -> list[str]:
    """The VCF columns to read (one per requested sample; None = the file's only sample), after checking
    the header has genotypes and names no build other than ``build``."""
    if "GT" not in vcf.header.formats:
        raise InputError(
            path,
            "header",
            "a FORMAT GT field (genotypes)",
            f"FORMAT fields {shorten(list(vcf.header.formats)) or 'none'}",
        )
    chosen = [_sample_column(list(vcf.header.samples), sample, path) for sample in samples]
    _check_header_build(vcf, path, build)
    return chosen


def _sample_column(names: list[str], sample: str | None, path: str | Path) -> str:
    if sample is None:
        if len(names) != 1:
            raise InputError(
                path,
                "header",
                "one sample column, or a germline_sample naming one",
                f"{len(names)} samples: {shorten(names)}",
            )
        return names[0]
    if sample not in names:
        raise InputError(
            path, "header", f"a sample column {sample!r} (germline_sample)", f"samples {shorten(names) or 'none'}"
        )
    return sample


def _fix(build: str) -> str:
    other = OTHER_BUILD[build]
    return f"the config's germline build is {build}; for a {other} file set pgx genome_build: {other}, or lift it over"


def _check_header_build(vcf: pysam.VariantFile, path: str | Path, build: str) -> None:
    other = OTHER_BUILD[build]
    for record in vcf.header.records:
        value = str(record.value)
        if record.key == "reference" and any(n in value for n in REFERENCE_NAMES[other]):
            if not any(n in value for n in REFERENCE_NAMES[build]):
                raise InputError(path, "header ##reference", f"a {build} VCF ({_fix(build)})", value)
    for contig, meta in vcf.header.contigs.items():
        name = contig.removeprefix("chr")
        if meta.length is not None and CONTIG_LENGTHS[other].get(name) == meta.length:
            raise InputError(
                path,
                f"header ##contig={contig}",
                f"{build} contig lengths ({_fix(build)})",
                f"the {other} length {meta.length}",
            )


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


@dataclass
class Sites:
    """Where the definition positions are on the VCF's build."""

    where: dict[tuple[str, int], list[tuple[str, int]]]  # (chrom, pos) -> [(gene, position index)]
    by_chrom: dict[str, list[int]]  # chrom -> sorted positions (for reference blocks)

    @classmethod
    def of(cls, definitions: dict[str, GeneDefinition]) -> Sites:
        where: dict[tuple[str, int], list[tuple[str, int]]] = {}
        for gene, definition in definitions.items():
            for index, position in enumerate(definition.positions):
                pos = position.vcf_pos()
                if pos is not None:
                    where.setdefault((position.chrom, pos), []).append((gene, index))
        by_chrom: dict[str, list[int]] = {}
        for chrom, pos in where:
            by_chrom.setdefault(chrom, []).append(pos)
        return cls(where, {chrom: sorted(positions) for chrom, positions in by_chrom.items()})

    def regions(self, other: dict[tuple[str, int], str]) -> list[tuple[str, int, int]]:
        """(chrom, first, last) spans covering these sites and the other build's (to see a wrong build)."""
        spans: list[tuple[str, int, int]] = []
        for chrom, pos in sorted(set(self.where) | set(other), key=lambda s: (s[0], s[1])):
            if spans and spans[-1][0] == chrom and pos - spans[-1][2] < REGION_GAP:
                spans[-1] = (chrom, spans[-1][1], pos)
            else:
                spans.append((chrom, pos, pos))
        return spans


@dataclass
class BuildCheck:
    """REF bases at the build's positions, and records at the other build's positions: the build verdict."""

    build: str
    other: dict[tuple[str, int], str]  # the other build's sites -> reference base
    checked: int = 0
    mismatched: list[str] = field(default_factory=list)
    at_other: int = 0

    def ref_matches(self, record: pysam.VariantRecord, position: Position) -> bool:
        """Whether a record at a SNV position has the build's reference base there (counted)."""
        ref = position.vcf_ref()
        if len(ref) != 1 or not record.ref:
            return True
        self.checked += 1
        if record.ref[0] == ref:
            return True
        self.mismatched.append(f"{record.chrom}:{record.pos} REF {record.ref}, expected {ref}")
        return False

    def see(self, chrom: str, record: pysam.VariantRecord, own: bool) -> None:
        base = self.other.get((chrom, record.pos))
        if base is not None and not own and record.ref and record.ref[0] == base:
            self.at_other += 1

    def verdict(self, path: str | Path) -> None:
        other = OTHER_BUILD[self.build]
        if self.checked >= MIN_REF_CHECKS and len(self.mismatched) > MAX_REF_MISMATCH_SHARE * self.checked:
            raise InputError(
                path,
                "REF alleles at the pharmacogene positions",
                f"{self.build} reference alleles (is this VCF {other}? {_fix(self.build)})",
                f"{len(self.mismatched)} of {self.checked} differ, e.g. {self.mismatched[0]}",
            )
        matched = self.checked - len(self.mismatched)
        if self.at_other >= MIN_REF_CHECKS and self.at_other > matched:
            raise InputError(
                path,
                "record positions",
                f"records at the {self.build} pharmacogene positions ({_fix(self.build)})",
                f"{self.at_other} records at {other} positions with the {other} reference base, "
                f"{matched} at {self.build} ones",
            )


class _Reader:
    """Fills ``calls`` (gene -> position -> sample -> genotype) from the records, one at a time."""

    def __init__(self, definitions: dict[str, GeneDefinition], columns: list[str], sites: Sites, check: BuildCheck):
        self.definitions, self.columns, self.sites, self.check = definitions, columns, sites, check
        self.calls = {g: [[None] * len(columns) for _ in d.positions] for g, d in definitions.items()}
        self.ref_mismatches: dict[str, list[str]] = {}

    def add(self, record: pysam.VariantRecord) -> None:
        chrom = record.chrom.removeprefix("chr")
        self.check.see(chrom, record, (chrom, record.pos) in self.sites.where)
        if chrom not in self.sites.by_chrom:
            return
        block = record.stop > record.pos and all(a in SYMBOLIC for a in (record.alts or ()))
        covered = _covered(self.sites.by_chrom[chrom], record.pos, record.stop) if block else [record.pos]
        for pos in covered:
            for gene, index in self.sites.where.get((chrom, pos), ()):
                self._position(record, pos, gene, index, block)

    def _position(self, record: pysam.VariantRecord, pos: int, gene: str, index: int, block: bool) -> None:
        position = self.definitions[gene].positions[index]
        label = f"{record.chrom}:{pos}"
        if pos == record.pos and not self.check.ref_matches(record, position):
            self.ref_mismatches.setdefault(gene, []).append(label)
        if label in self.ref_mismatches.get(gene, ()):
            return  # a REF of another reference: the position is treated as missing
        if block:
            alleles = (position.vcf_ref(),) * (1 + len(record.alts or ()))
        else:
            alleles = _to_definition(tuple(record.alleles), record.ref, position.ref)
        column = self.calls[gene][index]
        for k, sample in enumerate(self.columns):
            genotype = _genotype(record, sample, alleles)
            # a second record at the same position (split multi-allelic) adds, never erases, a call
            if genotype is not None and (column[k] is None or column[k] == (position.vcf_ref(),) * 2):
                column[k] = genotype


def read_genotypes(
    path: str | Path,
    definitions: dict[str, GeneDefinition],
    samples: Sequence[str | None],
    build: str | None = None,
    other_sites: dict[tuple[str, int], str] | None = None,
) -> SampleGenotypes:
    """Genotypes of ``samples`` at every definition position (None where the VCF says nothing).

    ``definitions`` are on ``build`` (:func:`precisionflow.pgx.builds.on_build`); ``other_sites`` are the
    positions of the other build (:func:`precisionflow.pgx.builds.other_build_sites`), to refuse a file of
    that build whose REF alleles alone would not tell. ``build`` None: the config's default build."""
    build = build or defaults("config")["genome_build"]
    check = BuildCheck(build, other_sites or {})
    sites = Sites.of(definitions)
    with open_vcf(path) as vcf:
        columns = check_header(vcf, path, samples, build)
        reader = _Reader(definitions, columns, sites, check)
        for record in _records(vcf, sites.regions(check.other)):
            reader.add(record)
    check.verdict(path)
    return SampleGenotypes(columns, reader.calls, reader.ref_mismatches)


def _covered(positions: list[int], start: int, stop: int) -> list[int]:
    """Definition positions inside [start, stop] (1-based, inclusive)."""
    return positions[bisect.bisect_left(positions, start) : bisect.bisect_right(positions, stop)]


def _records(vcf: pysam.VariantFile, regions: list[tuple[str, int, int]]):
    """Records near the definition sites: fetched per region through an index when there is one, else all."""
    try:
        has_index = vcf.index is not None
    except (AttributeError, ValueError):
        has_index = False
    if not has_index:
        yield from vcf
        return
    contigs = set(vcf.header.contigs)
    seen: set[tuple[str, int, str]] = set()
    for chrom, first, last in regions:
        for name in (chrom, f"chr{chrom}"):
            if name in contigs:
                for record in vcf.fetch(name, first - 1, last):
                    key = (record.chrom, record.pos, record.ref + ",".join(record.alts or ()))
                    if key not in seen:  # a reference block spanning two regions is fetched twice
                        seen.add(key)
                        yield record
