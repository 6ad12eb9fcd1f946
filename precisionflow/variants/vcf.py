"""Reading VCFs: the header with pysam, the body streamed in blocks and parsed column-wise.

The header's ``##`` meta lines are parsed by ``pysam.VariantHeader`` (:mod:`.vcf_header`). The records
(bgzipped, plain gzip or uncompressed; an index is neither needed nor used) are decompressed and split
into columns by pyarrow in C++, a few MB at a time, in a reader thread (:mod:`.vcf_stream`). Fields
inside columns (FORMAT keys, AD lists, INFO keys) are then taken out with vectorised pyarrow/numpy
operations, block by block, two blocks at a time (:func:`.vcf_stream.ordered_map`; results in file
order), so memory stays flat whatever the file size and no Python code runs per record on the way
to the filters. (pysam's per-record iteration is about 10× slower than ``bcftools view``; see
``bench/variants.py`` for this path.)

A header-only VCF has no records (valid). With a normal column, the alleles whose normal allele
fraction exceeds the tumour's are counted (:attr:`ReadStats.looks_swapped`).

**Per allele** (multi-allelic records are split; ALT number *k*):

* present in the sample when its genotype ``GT`` lists *k*; when ``GT`` is absent or unknown
  (``./.``), when ``AD[k]`` > 0; when neither is known, present;
* depth ``t_depth``: FORMAT ``DP``, else ``DPT``, else the sum of ``AD`` (or ``ADT``), else INFO ``TDP``;
* ``t_ref_count``/``t_alt_count``: ``AD[0]``/``AD[k]`` (or ``ADT``); in a Strelka2 VCF (no ``AD``),
  the tier-1 read counts, as vcf2maf reads them: for an SNV the ``<REF>U``/``<ALT>U`` of ``AU``,
  ``CU``, ``GU``, ``TU``; for an indel ``TAR``/``TIR``;
* ``t_vaf``: ``AD[k]`` / sum of ``AD`` when every ``AD`` value is known, else ``AD[k]`` / depth
  (Strelka2: alt / the sum of the four base counts, or ``TIR`` / (``TAR`` + ``TIR``)),
  else FORMAT ``AF``/``FA``/``VAF`` (for ALT *k*), else INFO ``TVAF``;
* symbolic ALTs (``<DEL>``, breakends), ``*`` and ``.`` are not small variants: counted and dropped;
* an unknown depth or VAF cannot fail ``min_depth``/``min_vaf``: the allele is kept and counted as
  ``not_applied_min_depth``/``not_applied_min_vaf``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from precisionflow.errors import InputError
from precisionflow.variants.arrow_fields import (
    SampleFields,
    _max_of_ampersand,
    _numpy,
    bases,
    info_values,
    per_allele,
    texts_of,
)
from precisionflow.variants.filters import filter_evidence, passes_filter
from precisionflow.variants.vcf_evidence import (
    Evidence,
    EvidenceKeys,
    Split,
    normal_fractions,
    read_evidence_available,
    tumour_evidence,
)
from precisionflow.variants.vcf_header import VcfHeader
from precisionflow.variants.vcf_stream import BLOCK_BYTES, iter_blocks, ordered_map

R = TypeVar("R")


@dataclass
class AlleleBlock:
    """One block of alleles (a row per ALT allele): text as pyarrow arrays, numbers as numpy arrays.

    ``chrom`` uses the genes reference's naming, ``vcf_chrom`` the file's; ``alts`` is the record's
    whole ALT text and ``allele`` the ALT's number in it (1-based); counts and fractions are NaN
    where unknown; ``population_af`` is the highest INFO population frequency (NaN when none);
    ``info`` holds the INFO values (e.g. ``CSQ``) the reader was asked to carry.
    """

    line: np.ndarray
    chrom: pa.Array
    vcf_chrom: pa.Array
    pos: np.ndarray
    ref: pa.Array
    alt: pa.Array
    alts: pa.Array
    allele: np.ndarray
    filter: pa.Array
    t_depth: np.ndarray
    t_ref_count: np.ndarray
    t_alt_count: np.ndarray
    t_vaf: np.ndarray
    population_af: np.ndarray
    info: dict[str, pa.Array] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.pos)


@dataclass
class ReadSettings:
    """What the block reader needs to know besides the file."""

    pass_filters: tuple[str, ...]
    min_depth: float
    min_vaf: float
    info_keys: tuple[str, ...] = ()  # INFO keys to carry as text columns (annotation)
    population_af_fields: tuple[str, ...] = ()  # INFO keys with population allele frequencies
    normal: str | None = None  # the matched normal's column: its allele fractions are compared with the tumour's


# A tumour and a normal column look swapped when, among at least this many alleles that pass FILTER and have
# both fractions known, the normal shows the higher allele fraction for most: somatic calls are absent from the normal.
SWAP_MIN_ALLELES = 3
SWAP_SHARE = 0.5


@dataclass
class ReadStats:
    counts: Counter = field(default_factory=Counter)
    unknown_contigs: set[str] = field(default_factory=set)
    first_record_line: int | None = None
    depth_available: bool = False
    vaf_available: bool = False
    # Per ALT allele (a multi-allelic record counts once per ALT): what the accounting adds up.
    alleles: Counter = field(default_factory=Counter)
    normal_compared: int = 0  # alleles with tumour and normal fractions known
    normal_higher: int = 0  # ... of which the normal's is the higher

    def add(self, other: ReadStats) -> None:
        """Add the counts of a later block."""
        self.counts.update(other.counts)
        self.alleles.update(other.alleles)
        self.unknown_contigs |= other.unknown_contigs
        if self.first_record_line is None:
            self.first_record_line = other.first_record_line
        self.normal_compared += other.normal_compared
        self.normal_higher += other.normal_higher

    @property
    def looks_swapped(self) -> bool:
        return self.normal_compared >= SWAP_MIN_ALLELES and self.normal_higher > SWAP_SHARE * self.normal_compared


@dataclass(frozen=True)
class _Plan:
    """What is read from each block of this file (fixed per file)."""

    path: str
    keys: EvidenceKeys
    columns: tuple[str, ...]
    info_needed: tuple[str, ...]
    normal: str | None


def _plan(header: VcfHeader, tumor: str | None, settings: ReadSettings) -> _Plan:
    keys = EvidenceKeys.of(header, tumor)
    info_needed = tuple(dict.fromkeys([*settings.info_keys, *settings.population_af_fields, *keys.tvaf, *keys.tdp]))
    columns = ["CHROM", "POS", "REF", "ALT", "FILTER"]
    if info_needed:
        columns.append("INFO")
    if tumor:
        columns += ["FORMAT", tumor]
    normal = settings.normal if tumor and settings.normal in header.samples and settings.normal != tumor else None
    if normal:
        columns.append(normal)
    return _Plan(header.path, keys, tuple(columns), info_needed, normal)


def read_vcf_alleles(
    header: VcfHeader,
    tumor: str | None,
    settings: ReadSettings,
    contig_match: Callable[[str], str | None],
    stats: ReadStats,
    block_bytes: int = BLOCK_BYTES,
    finish: Callable[[AlleleBlock], R] | None = None,
    workers: int = 1,
) -> Iterator[AlleleBlock] | Iterator[R]:
    """Alleles that pass the record-level filters (contig, FILTER, presence, depth, VAF), block by block, in order.

    ``finish`` (e.g. annotation into MAF rows) is applied to each block in the same worker; ``workers`` threads work
    on consecutive blocks at once (each block's counts kept apart, then added to ``stats`` in order).
    """
    plan = _plan(header, tumor, settings)
    stats.depth_available, stats.vaf_available = read_evidence_available(header, tumor)

    def work(item: tuple[int, pa.RecordBatch]) -> tuple[AlleleBlock | R | None, ReadStats]:
        first_line, batch = item
        local = ReadStats()
        block = _block_alleles(batch, first_line, plan, settings, contig_match, local)
        if block is not None:
            local.counts["kept_before_annotation"] += len(block)
        return (block if block is None or finish is None else finish(block)), local

    for result, local in ordered_map(work, iter_blocks(header, plan.columns, block_bytes), workers):
        stats.add(local)
        if result is not None:
            yield result


@dataclass
class _Records:
    """Per record of a block: its line, contig (file's names, reference's names, codes) and whether it passes."""

    lines: np.ndarray
    names: list[str]
    mapped: list[str | None]
    codes: np.ndarray
    ok: np.ndarray


def _block_alleles(
    batch: pa.RecordBatch,
    first_line: int,
    plan: _Plan,
    settings: ReadSettings,
    contig_match: Callable[[str], str | None],
    stats: ReadStats,
) -> AlleleBlock | None:
    """The stages of one block: records checked and filtered, split by ALT, evidence read, alleles filtered."""
    records = _records(batch, first_line, plan.path, settings.pass_filters, contig_match, stats)
    if not records.ok.any():
        return None
    split = _split_alleles(batch, records, plan.path, stats)
    tumor = plan.keys.tumor
    sample = SampleFields(batch.column("FORMAT"), batch.column(tumor)) if tumor else SampleFields(None, None)
    info = batch.column("INFO") if plan.info_needed else None
    evidence = tumour_evidence(sample, info, plan.keys, split, plan.path, records.lines)
    keep = split.simple & records.ok[split.rows]
    stats.counts["absent_in_sample"] += int((keep & ~evidence.present).sum())
    keep = filter_evidence(
        keep & evidence.present, evidence.depth, evidence.vaf, settings.min_depth, settings.min_vaf, stats.counts
    )
    if plan.normal:
        _compare_normal(batch, plan, split, records, evidence.vaf, stats)
    chosen = np.flatnonzero(keep)
    if not len(chosen):
        return None
    return _allele_block(batch, chosen, records, split, evidence, info, settings, plan.path)


def _records(
    batch: pa.RecordBatch,
    first_line: int,
    path: str,
    pass_filters: tuple[str, ...],
    contig_match: Callable[[str], str | None],
    stats: ReadStats,
) -> _Records:
    """Contigs matched to the reference and FILTER checked (both counted per record and per allele); POS checked."""
    n = batch.num_rows
    stats.counts["records"] += n
    if stats.first_record_line is None and n:
        stats.first_record_line = first_line
    lines = first_line + np.arange(n, dtype=np.int64)
    chrom = pc.dictionary_encode(batch.column("CHROM"))
    names = chrom.dictionary.to_pylist()
    mapped = [contig_match(c) for c in names]
    codes = _numpy(chrom.indices).astype(np.int64)
    known_code = np.array([m is not None for m in mapped], dtype=bool)
    known = known_code[codes] if n else np.zeros(0, bool)
    stats.unknown_contigs.update(c for c, m in zip(names, mapped) if m is None)
    stats.counts["unknown_contig"] += int((~known).sum())
    passing = passes_filter(batch.column("FILTER"), pass_filters)
    stats.counts["failed_filter"] += int((known & ~passing).sum())
    alt_count_of = _numpy(pc.count_substring(batch.column("ALT"), ",")).astype(np.int64) + 1
    stats.alleles["records"] += int(alt_count_of.sum())
    stats.alleles["unknown_contig"] += int(alt_count_of[~known].sum())
    stats.alleles["failed_filter"] += int(alt_count_of[known & ~passing].sum())
    position = _numpy(batch.column("POS")).astype(np.int64)
    if (position < 1).any():
        i = int(np.flatnonzero(position < 1)[0])
        raise InputError(
            path, f"line {int(lines[i])}, column POS", "a 1-based position (1 or more)", str(int(position[i]))
        )
    return _Records(lines, names, mapped, codes, known & passing)


def _split_alleles(batch: pa.RecordBatch, records: _Records, path: str, stats: ReadStats) -> Split:
    """One row per ALT allele; REF and ALT checked (bases; an ALT equal to REF is an error), symbolic ALTs counted."""
    lines = records.lines
    ref, bad_ref = bases(batch.column("REF"))
    if bad_ref.any():
        i = int(np.flatnonzero(bad_ref)[0])
        raise InputError(path, f"line {int(lines[i])}, column REF", "bases A, C, G, T or N", repr(ref[i].as_py()[:30]))
    alt_text = batch.column("ALT")
    if pc.any(pc.match_substring(alt_text, ",")).as_py():
        alt_lists = pc.split_pattern(alt_text, ",")
        n_alts = _numpy(pc.list_value_length(alt_lists)).astype(np.int64)
        alt_flat = pc.list_flatten(alt_lists)
    else:
        n_alts = np.ones(batch.num_rows, dtype=np.int64)
        alt_flat = alt_text
    rows = np.repeat(np.arange(batch.num_rows), n_alts)
    starts = np.concatenate([[0], np.cumsum(n_alts)[:-1]])
    allele = np.arange(len(rows)) - starts[rows] + 1
    alt, not_bases = bases(alt_flat)
    simple = ~not_bases
    if not simple.all():
        _check_symbolic(alt, simple, rows, records, path, stats)
    same = _numpy(pc.equal(alt, ref.take(pa.array(rows)))).astype(bool) & simple
    if same.any():
        i = int(np.flatnonzero(same)[0])
        raise InputError(
            path,
            f"line {int(lines[rows[i]])}, column ALT",
            "an allele that differs from REF",
            f"ALT {texts_of(alt, i)!r} = REF",
        )
    return Split(ref, alt, alt_text, n_alts, rows, allele, simple)


def _check_symbolic(
    alt: pa.Array, simple: np.ndarray, rows: np.ndarray, records: _Records, path: str, stats: ReadStats
) -> None:
    """ALTs not made of bases must be symbolic (``<DEL>``, breakends), ``*`` or ``.``: counted (dropped later)."""
    texts = np.asarray(alt.to_pylist(), dtype=object)
    symbolic = np.array([t.startswith("<") or "[" in t or "]" in t or t in {"*", "."} for t in texts])
    bad = ~simple & ~symbolic
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            path,
            f"line {int(records.lines[rows[i]])}, column ALT",
            "bases, '*', '.', or a symbolic allele",
            repr(texts[i][:30]),
        )
    stats.counts["symbolic_alt"] += int((symbolic & records.ok[rows]).sum())


def _compare_normal(
    batch: pa.RecordBatch, plan: _Plan, split: Split, records: _Records, vaf: np.ndarray, stats: ReadStats
) -> None:
    """Count the alleles whose normal allele fraction exceeds the tumour's (a swapped sheet shows most of them)."""
    normal_sample = SampleFields(batch.column("FORMAT"), batch.column(plan.normal))
    normal_vaf = normal_fractions(
        normal_sample, plan.keys.ad, split.ref, split.alt, split.allele, split.rows, plan.path, records.lines
    )
    both = split.simple & records.ok[split.rows] & ~np.isnan(vaf) & ~np.isnan(normal_vaf)
    stats.normal_compared += int(both.sum())
    stats.normal_higher += int((both & (normal_vaf > vaf)).sum())


def _allele_block(
    batch: pa.RecordBatch,
    chosen: np.ndarray,
    records: _Records,
    split: Split,
    evidence: Evidence,
    info: pa.Array | None,
    settings: ReadSettings,
    path: str,
) -> AlleleBlock:
    """The kept alleles (``chosen`` rows of the split) with their evidence and population frequency."""
    chosen_rows = split.rows[chosen]
    chosen_pa = pa.array(chosen_rows)
    alt_lines = records.lines[split.rows][chosen]
    population_af = np.full(len(chosen), np.nan)
    for key in settings.population_af_fields:
        texts = per_allele(info_values(info.take(chosen_pa), key), split.allele[chosen], np.arange(len(chosen)))
        population_af = np.fmax(population_af, _max_of_ampersand(texts, path, f"INFO/{key}", alt_lines))
    mapped_names = pa.array([m or "" for m in records.mapped], pa.string())
    chrom_codes = pa.array(records.codes[chosen_rows].astype(np.int32))
    n = len(chosen)
    return AlleleBlock(
        line=alt_lines,
        chrom=pa.DictionaryArray.from_arrays(chrom_codes, mapped_names),
        vcf_chrom=pa.DictionaryArray.from_arrays(chrom_codes, pa.array(records.names, pa.string())),
        pos=_numpy(batch.column("POS")).astype(np.int64)[chosen_rows],
        ref=split.ref.take(chosen_pa),
        alt=split.alt.take(pa.array(chosen)),
        alts=pc.utf8_upper(split.alt_text.take(chosen_pa)) if settings.info_keys else pa.nulls(n, pa.string()),
        allele=split.allele[chosen],
        filter=batch.column("FILTER").take(chosen_pa),
        t_depth=evidence.depth[chosen],
        t_ref_count=evidence.ref_count[chosen] if evidence.ref_count is not None else np.full(n, np.nan),
        t_alt_count=evidence.alt_count[chosen] if evidence.alt_count is not None else np.full(n, np.nan),
        t_vaf=evidence.vaf[chosen],
        population_af=population_af,
        info={key: info_values(info.take(chosen_pa), key) for key in settings.info_keys},
    )
