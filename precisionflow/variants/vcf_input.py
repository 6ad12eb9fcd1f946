"""A patient's VCF to MAF rows: header checks, tumour/normal columns, annotation, streamed blocks."""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from precisionflow.errors import InputError, shorten
from precisionflow.settings import or_default
from precisionflow.variants.alleles import VARIANT_TYPES, Alleles, _array, normalise
from precisionflow.variants.annotation import (
    AnnotationFormat,
    choose_entry,
    consequence_of,
    entries_for_allele,
    hgvsp_short,
    parse_format_description,
    population_af_from_entries,
    split_entries,
)
from precisionflow.variants.filters import FilterSettings, applied_notes, drop_common, not_applied, population_af_keys
from precisionflow.variants.lookup import References, is_extra_contig
from precisionflow.variants.maf_rows import NO_TRANSCRIPT, Given, assemble, header_lines, write_maf
from precisionflow.variants.summary import MafSummary, _log_summary, accounting_of
from precisionflow.variants.vcf import AlleleBlock, ReadSettings, ReadStats, read_vcf_alleles
from precisionflow.variants.vcf_evidence import read_evidence_available
from precisionflow.variants.vcf_header import check_vcf_build, choose_tumor_sample, normal_of, read_vcf_header

log = logging.getLogger("precisionflow.variants")

MAX_WORKERS = 2  # threads working on blocks at once (the 2 cores of the workstation the bench targets)


@dataclass
class Annotator:
    """Turns blocks of filtered VCF alleles into MAF rows (a pyarrow table per block)."""

    references: References
    filters: FilterSettings
    patient: str
    genome_build: str
    annotation: AnnotationFormat | None = None
    counts: Counter = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self.positions = self.annotation.positions() if self.annotation else {}
        fields = self.annotation.fields if self.annotation else ()
        wanted = population_af_keys(fields, self.filters.population_af_fields)
        self.af_columns = [fields.index(k) for k in wanted]

    def annotate(self, block: AlleleBlock, alleles: Alleles, population_af: np.ndarray) -> Given:
        """Parse CSQ/ANN of each row that has it (one row at a time: annotated files are small)."""
        given = Given()
        if self.annotation is None:
            return given
        values = block.info[self.annotation.key]
        rows = np.flatnonzero(
            _array(pc.and_(pc.is_valid(values), pc.not_equal(pc.fill_null(values, ""), ""))).astype(bool)
        )
        if not len(rows):
            return given
        take = pa.array(rows)
        texts = values.take(take).to_pylist()
        refs = block.ref.take(take).to_pylist()
        alts = block.alts.take(take).to_pylist()
        kinds = alleles.kind[rows]
        maf_refs, maf_alts = alleles.ref.take(take).to_pylist(), alleles.alt.take(take).to_pylist()
        n_fields = len(self.annotation.fields)
        for i, row in enumerate(rows.tolist()):
            entries = entries_for_allele(
                split_entries(texts[i], n_fields), self.positions, refs[i], alts[i].split(","), int(block.allele[row])
            )
            if self.af_columns:
                population_af[row] = np.fmax(population_af[row], population_af_from_entries(entries, self.af_columns))
            entry = choose_entry(entries, self.positions)
            if entry is None:
                continue
            change = abs(len(maf_refs[i].strip("-")) - len(maf_alts[i].strip("-")))
            result = consequence_of(entry, self.positions, VARIANT_TYPES[kinds[i]], change % 3 == 0)
            given.add(
                row,
                Hugo_Symbol=result.symbol or "Unknown",
                Gene=result.gene,
                HGVSc=result.hgvsc,
                HGVSp=result.hgvsp,
                HGVSp_Short=hgvsp_short(result.hgvsp),
                Transcript_ID=result.transcript,
                Consequence=result.consequence,
                IMPACT=result.impact,
                BIOTYPE=result.biotype,
                CANONICAL="YES" if result.canonical else "",
                Variant_Classification=result.classification,
                annotation_source=self.annotation.source,
            )
        return given

    def block(self, block: AlleleBlock) -> tuple[pa.Table, Counter]:
        """The MAF rows of a block, and what was dropped (safe to call from several threads at once)."""
        alleles = normalise(block.pos, block.ref, block.alt)
        population_af = np.asarray(block.population_af, dtype=float).copy()
        given = self.annotate(block, alleles, population_af)
        table = assemble(block, alleles, given, population_af, self.references, self.patient, self.genome_build)
        counts: Counter = Counter()
        return drop_common(table, population_af, self.filters.max_population_af, counts), counts


def annotation_format_of(header, choice: str) -> AnnotationFormat | None:
    """The annotation to read: ``CSQ`` if present, else ``ANN`` (``auto``), or the one named, or none."""
    if choice == "none":
        return None
    keys = ["CSQ", "ANN"] if choice == "auto" else [choice]
    for key in keys:
        if key in header.info:
            parsed = parse_format_description(key, header.info[key].description)
            if parsed is None:
                raise InputError(
                    header.path,
                    f"##INFO=<ID={key}> header line",
                    f"a description listing the {key} subfields ('Format: A|B|...')",
                    repr(header.info[key].description[:80]),
                )
            return parsed
    if choice != "auto":
        raise InputError(
            header.path,
            "header",
            f"an ##INFO line for {choice} (config variants/annotation: {choice})",
            f"INFO keys {shorten(sorted(header.info))}",
        )
    return None


def unclaimed_samples(samples: Iterable[str], claimed: Iterable[str]) -> list[str]:
    claimed_set = set(claimed)
    return [s for s in samples if s not in claimed_set]


def _check_contigs(vcf: str | os.PathLike[str], stats: ReadStats, references: References) -> None:
    """A file whose every record is on contigs the reference lacks (another naming, not extra contigs) is an error."""
    if (
        stats.counts["records"]
        and stats.counts["records"] == stats.counts["unknown_contig"]
        and not all(map(is_extra_contig, stats.unknown_contigs))
    ):
        raise InputError(
            vcf,
            f"line {stats.first_record_line}, column CHROM",
            f"contigs of the genes reference ({shorten(references.index.contigs, 4)}; with or without 'chr')",
            f"only contigs {shorten(sorted(stats.unknown_contigs))}",
        )


def vcf_to_maf(
    vcf: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    patient: str,
    references: References,
    filters: FilterSettings,
    tumor_sample: str | None = None,
    normal_sample: str | None = None,
    claimed_samples: Iterable[str] | None = None,
    unknown_samples: str | None = None,  # None: the config schema's default (so for the two below)
    annotation: str | None = None,
    genome_build: str | None = None,
    block_bytes: int | None = None,
    workers: int | None = None,
) -> MafSummary:
    """Stream a VCF into ``out`` (the patient's MAF); ``patient`` is the public id written as barcode.

    ``claimed_samples``: the sample columns the sheet's patients name in this file; others are an
    error unless ``unknown_samples`` is ``drop`` (None: not checked). ``workers``: threads working on
    blocks at once (None: pyarrow's CPU count, at most :data:`MAX_WORKERS`); the output does not depend on it.
    """
    genome_build = or_default(genome_build, "config", "genome_build")
    unknown_samples = or_default(unknown_samples, "config", "unknown_samples")
    annotation = or_default(annotation, "variants", "annotation")
    workers = workers or max(1, min(MAX_WORKERS, pa.cpu_count()))
    header = read_vcf_header(vcf)
    check_vcf_build(header, genome_build)
    tumor = choose_tumor_sample(header, tumor_sample, normal_sample)
    normal = normal_of(header, tumor, normal_sample)
    if claimed_samples is not None and unknown_samples == "error":
        extra = unclaimed_samples(header.samples, {*claimed_samples, tumor or "", normal or ""})
        if extra:
            raise InputError(
                vcf,
                f"line {header.n_lines} (#CHROM), sample columns",
                "only samples the sheet names in tumor_sample/normal_sample (or config unknown_samples: drop)",
                f"other samples {shorten(extra)}",
            )
    fmt = annotation_format_of(header, annotation)
    info_af = (
        population_af_keys(list(header.info), filters.population_af_fields) if filters.max_population_af < 1 else ()
    )
    settings = ReadSettings(
        filters.pass_filters, filters.min_depth, filters.min_vaf, (fmt.key,) if fmt else (), info_af, normal
    )
    stats = ReadStats()
    annotator = Annotator(references, filters, patient, genome_build, fmt)
    af_fields = list(info_af) + (
        [fmt.fields[i] for i in annotator.af_columns] if fmt and filters.max_population_af < 1 else []
    )
    has_depth, has_vaf = read_evidence_available(header, tumor)
    lines = header_lines(
        filters,
        applied_notes(filters, has_depth, has_vaf, af_fields),
        {
            "source": "VCF",
            "annotation": fmt.source if fmt else NO_TRANSCRIPT,
            "genome_build": genome_build,
            "tumor_sample_barcode": patient,
        },
    )
    kwargs = {"block_bytes": block_bytes} if block_bytes else {}

    def tables() -> Iterator[pa.Table]:
        blocks = read_vcf_alleles(
            header, tumor, settings, references.contig_match, stats, finish=annotator.block, workers=workers, **kwargs
        )
        for table, counts in blocks:
            annotator.counts.update(counts)
            yield table
        _check_contigs(vcf, stats, references)

    rows = write_maf(out, lines, tables())
    counts = dict(stats.counts) | dict(annotator.counts)
    dropped = {
        **counts,
        "unknown_contig": stats.alleles["unknown_contig"],
        "failed_filter": stats.alleles["failed_filter"],
    }
    accounting = accounting_of(stats.alleles["records"], rows, dropped, not_applied(counts, filters, af_fields, rows))
    summary = MafSummary(counts, rows, fmt.source if fmt else NO_TRANSCRIPT, sorted(stats.unknown_contigs), accounting)
    _log_summary("VCF", summary, has_depth, has_vaf, filters)
    if stats.looks_swapped:
        log.warning(
            "%s: tumour and normal columns look swapped: the normal (%s) shows the higher allele fraction in %d of %d "
            "passing alleles; check the sheet's tumor_sample/normal_sample",
            patient,
            "column named by the sheet" if normal_sample else "other column",
            stats.normal_higher,
            stats.normal_compared,
        )
    return summary
