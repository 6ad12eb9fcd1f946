"""A patient's rows of an input MAF to MAF rows, filtered and flagged like a VCF's."""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Iterable

import numpy as np
import pandas as pd
import pyarrow as pa

from precisionflow.errors import InputError, shorten
from precisionflow.references import (
    maf_alleles,
)
from precisionflow.settings import or_default
from precisionflow.variants.alleles import _TYPE_CODE, Alleles, variant_type
from precisionflow.variants.annotation import (
    hgvsp_short,
)
from precisionflow.variants.filters import (
    FilterSettings,
    applied_notes,
    drop_common,
    filter_evidence,
    not_applied,
    passes_filter,
    population_af_keys,
)
from precisionflow.variants.lookup import References, is_extra_contig
from precisionflow.variants.maf_reading import (
    PROTEIN_CHANGE_COLUMNS,
    MafEvidence,
    _maf_chunks,
    alternate_alleles,
    check_maf_rows,
    maf_depth_and_vaf,
    numbers_of,
)
from precisionflow.variants.maf_rows import ANNOTATION_TEXT, MAF_COLUMNS, Given, assemble, header_lines, write_maf
from precisionflow.variants.summary import MafSummary, _log_summary, accounting_of
from precisionflow.variants.vcf import AlleleBlock

log = logging.getLogger("precisionflow.variants")


def choose_barcode(
    maf: str | os.PathLike[str], barcodes: set[str], tumor_sample: str | None, raw_patient: str | None
) -> str | None:
    """The patient's ``Tumor_Sample_Barcode`` (see :func:`maf_to_maf`); None when a cohort MAF has no row of the
    patient."""
    if tumor_sample:
        if tumor_sample in barcodes or len(barcodes) > 1:
            return tumor_sample if tumor_sample in barcodes else None
        raise InputError(
            maf,
            "column 'Tumor_Sample_Barcode'",
            f"barcode {tumor_sample!r} (sheet column tumor_sample)",
            f"barcodes {shorten(sorted(barcodes))}",
        )
    if len(barcodes) == 1:
        return next(iter(barcodes))
    if raw_patient in barcodes:
        return raw_patient
    # TCGA: the patient id (TCGA-AB-2802) begins the sample barcode (TCGA-AB-2802-03B-01W-0728-08)
    prefixed = sorted(b for b in barcodes if raw_patient and b.startswith(f"{raw_patient}-"))
    if len(prefixed) > 1:
        raise InputError(
            maf,
            "column 'Tumor_Sample_Barcode'",
            "one barcode per patient (set tumor_sample in the sheet)",
            f"barcodes {shorten(prefixed)}",
        )
    return prefixed[0] if prefixed else None


def maf_to_maf(
    maf: str | os.PathLike[str],
    out_path: str | os.PathLike[str],
    *,
    patient: str,
    references: References,
    filters: FilterSettings,
    tumor_sample: str | None = None,
    raw_patient: str | None = None,
    genome_build: str | None = None,
    claimed_barcodes: Iterable[str] | None = None,
    unknown_samples: str | None = None,  # None: the config schema's default (so for the two below)
) -> MafSummary:
    """A patient's rows of an input MAF, filtered, harmonised and flagged like a VCF's.

    **Rows.** Those whose ``Tumor_Sample_Barcode`` is ``tumor_sample``; without it, all rows of a
    single-barcode MAF, else those whose barcode is the patient's sheet id (``raw_patient``) or begins
    with it and a ``-`` (TCGA sample barcodes). A cohort MAF (several barcodes) without a row of the
    patient is a patient without mutations: an empty MAF, counted and warned; a single-barcode MAF
    whose barcode is not the sheet's ``tumor_sample`` is an error. ``claimed_barcodes``: the
    ``tumor_sample`` (else the patient id) of every sheet patient reading this file; rows of other
    barcodes (none equal to a claim nor starting with it and ``-``) are an error unless
    ``unknown_samples`` is ``drop`` (then warned about; None: not checked).

    **Dialects.** Column names are matched case-insensitively (TCGA ``Start_position``); a
    ``Protein_Change`` column (Broad/Oncotator) gives ``HGVSp_Short`` where HGVSp is blank; when
    ``Tumor_Seq_Allele2`` equals the reference, ``Tumor_Seq_Allele1`` is the alternate (as vcf2maf and
    maftools read it); chromosomes ``23``/``24`` are X/Y.

    **Depth and VAF.** ``t_depth``, else ``t_ref_count + t_alt_count``; VAF ``t_alt_count`` / depth, else
    ``t_vaf``/``tumor_f``/``i_tumor_f``, else ``i_TumorVAF*`` (percent when a value exceeds 1). A row
    whose depth or VAF is unknown is kept: its filter is counted as not applied.

    ``Hugo_Symbol``/``Variant_Classification``/``HGVSp_Short`` are kept from the file when present.
    """
    genome_build = or_default(genome_build, "config", "genome_build")
    unknown_samples = or_default(unknown_samples, "config", "unknown_samples")
    counts: Counter = Counter()
    table = _patient_rows(maf, patient, tumor_sample, raw_patient, claimed_barcodes, unknown_samples)
    counts["records"] = len(table)
    check_maf_rows(maf, table, genome_build)
    mapped, unknown_contigs = _map_contigs(maf, table, references, counts)
    keep = np.array([m is not None for m in mapped], dtype=bool)
    if "FILTER" in table.columns:
        passing = passes_filter(
            pa.array(table["FILTER"].fillna(".").astype(str).tolist(), pa.string()), filters.pass_filters
        )
        counts["failed_filter"] += int((keep & ~passing).sum())
        keep &= passing
    evidence = maf_depth_and_vaf(maf, table)
    keep = filter_evidence(keep, evidence.depth, evidence.vaf, filters.min_depth, filters.min_vaf, counts)
    af_fields = list(
        population_af_keys([c for c in table.columns if c not in MAF_COLUMNS], filters.population_af_fields)
    )
    population_af = np.full(len(table), np.nan)
    for column in af_fields:
        population_af = np.fmax(population_af, numbers_of(table, column, maf))
    selected = np.flatnonzero(keep)
    block, alleles = _maf_block(
        maf, table.iloc[selected], mapped[selected], evidence.rows(selected), population_af[selected]
    )
    given = _given_annotation(table.iloc[selected])
    out = assemble(block, alleles, given, block.population_af.copy(), references, patient, genome_build)
    out = drop_common(out, block.population_af, filters.max_population_af, counts)
    lines = header_lines(
        filters,
        applied_notes(filters, evidence.has_depth, evidence.has_vaf, af_fields),
        {
            "source": "MAF",
            "annotation": "MAF columns (gene overlap where absent)",
            "genome_build": genome_build,
            "tumor_sample_barcode": patient,
        },
    )
    rows = write_maf(out_path, lines, [out])
    accounting = accounting_of(counts["records"], rows, counts, not_applied(counts, filters, af_fields, rows))
    summary = MafSummary(dict(counts), rows, "MAF", unknown_contigs, accounting)
    _log_summary("MAF", summary, evidence.has_depth, evidence.has_vaf, filters)
    return summary


def _patient_rows(
    maf: str | os.PathLike[str],
    patient: str,
    tumor_sample: str | None,
    raw_patient: str | None,
    claimed_barcodes: Iterable[str] | None,
    unknown_samples: str,
) -> pd.DataFrame:
    """The file's rows of the patient (index: the file's data row, from 0); see :func:`maf_to_maf`."""
    barcodes: set[str] = set()
    frames = []
    offset = 0
    for chunk in _maf_chunks(maf):
        chunk.index = range(offset, offset + len(chunk))
        if "Tumor_Sample_Barcode" in chunk.columns:
            barcodes.update(chunk["Tumor_Sample_Barcode"].dropna().unique())
        frames.append(chunk)
        offset += len(chunk)
    table = pd.concat(frames)
    if not barcodes:
        if tumor_sample and len(table):
            raise InputError(
                maf,
                "header",
                f"a Tumor_Sample_Barcode column with {tumor_sample!r} (sheet column tumor_sample)",
                "no barcodes",
            )
        return table
    wanted = choose_barcode(maf, barcodes, tumor_sample, raw_patient)
    if claimed_barcodes is not None:
        _check_claimed(maf, barcodes, set(claimed_barcodes) | ({wanted} if wanted else set()), unknown_samples)
    if wanted is None:
        log.warning(
            "MAF: no row of patient %s in a MAF of %d barcodes: no mutations (an empty MAF)", patient, len(barcodes)
        )
    return table[table["Tumor_Sample_Barcode"] == wanted]


def _check_claimed(maf: str | os.PathLike[str], barcodes: set[str], claims: set[str], unknown_samples: str) -> None:
    """Barcodes no sheet patient claims (a single-barcode file is the patient's): an error, or warned about (drop)."""
    extra = sorted(b for b in barcodes if b not in claims and not any(b.startswith(f"{c}-") for c in claims))
    if extra and unknown_samples == "error":
        raise InputError(
            maf,
            "column 'Tumor_Sample_Barcode'",
            "only barcodes of the sheet's patients (tumor_sample, else the patient id; "
            "or config unknown_samples: drop)",
            f"{len(extra)} other barcode(s) {shorten(extra)}",
        )
    if extra:
        log.warning(
            "MAF: rows of %d barcode(s) no sheet patient names are not read (unknown_samples: drop)", len(extra)
        )


def _map_contigs(
    maf: str | os.PathLike[str], table: pd.DataFrame, references: References, counts: Counter
) -> tuple[np.ndarray, list[str]]:
    """Each row's contig in the reference's naming (None: unknown, counted); only unknown contigs is an error."""
    mapped = np.array([references.contig_match(str(c)) for c in table["Chromosome"]], dtype=object)
    known = np.array([m is not None for m in mapped], dtype=bool)
    unknown_contigs = sorted({str(c) for c, k in zip(table["Chromosome"], known) if not k})
    counts["unknown_contig"] = int((~known).sum())
    if len(table) and not known.any() and not all(map(is_extra_contig, unknown_contigs)):
        raise InputError(
            maf,
            f"row {int(table.index[0]) + 2}, column 'Chromosome'",
            f"contigs of the genes reference ({shorten(references.index.contigs, 4)}; with or without 'chr')",
            f"only {shorten(unknown_contigs)}",
        )
    return mapped, unknown_contigs


def _text(table: pd.DataFrame, name: str, default: str = "") -> list[str]:
    return table[name].fillna(default).astype(str).tolist() if name in table.columns else [default] * len(table)


def _maf_block(
    maf: str | os.PathLike[str],
    table: pd.DataFrame,
    mapped: np.ndarray,
    evidence: MafEvidence,
    population_af: np.ndarray,
) -> tuple[AlleleBlock, Alleles]:
    """The kept rows as a block of alleles (MAF convention; no VCF form), as the VCF reader gives them."""
    n = len(table)
    pos = numbers_of(table, "Start_Position", maf)
    ref, alt = [r.upper() for r in _text(table, "Reference_Allele", "-")], alternate_alleles(table)
    converted = [maf_alleles(int(p), r, a) for p, r, a in zip(pos, ref, alt)]
    chrom_names = sorted({str(m) for m in mapped})
    chrom_codes = pa.array(np.array([chrom_names.index(m) for m in mapped], dtype=np.int32))
    block = AlleleBlock(
        line=table.index.to_numpy() + 2,
        chrom=pa.DictionaryArray.from_arrays(chrom_codes, pa.array(chrom_names, pa.string())),
        vcf_chrom=pa.array(_text(table, "Chromosome"), pa.string()),
        pos=np.array([c[0] for c in converted], dtype=np.int64),
        ref=pa.array([c[1] for c in converted], pa.string()),
        alt=pa.array([c[2] for c in converted], pa.string()),
        alts=pa.array([c[2] for c in converted], pa.string()),
        allele=np.ones(n, dtype=np.int64),
        filter=pa.array(_text(table, "FILTER"), pa.string()),
        t_depth=evidence.depth,
        t_ref_count=evidence.ref_count,
        t_alt_count=evidence.alt_count,
        t_vaf=evidence.vaf,
        population_af=population_af,
    )
    nothing = pa.repeat(pa.scalar("", pa.string()), n)
    alleles = Alleles(
        vcf_pos=np.full(n, np.nan),
        vcf_ref=nothing,
        vcf_alt=nothing,
        start=block.pos.copy(),
        end=np.array([s + 1 if r == "-" else s + len(r) - 1 for s, r, _ in converted], dtype=np.int64),
        ref=block.ref,
        alt=block.alt,
        kind=np.array([_TYPE_CODE[variant_type(c[1], c[2])] for c in converted], dtype=np.int64),
    )
    return block, alleles


def _given_annotation(table: pd.DataFrame) -> Given:
    """The file's own annotation of the rows that have a gene and a class (HGVSp_Short from HGVSp or a
    Protein_Change column when blank)."""
    given = Given()
    columns = {c: _text(table, c) for c in ANNOTATION_TEXT if c != "annotation_source"}
    if not any(columns["HGVSp_Short"]) and any(columns["HGVSp"]):
        columns["HGVSp_Short"] = [hgvsp_short(v) for v in columns["HGVSp"]]
    for name in PROTEIN_CHANGE_COLUMNS:
        if name in table.columns and not any(columns["HGVSp_Short"]):
            columns["HGVSp_Short"] = [v if not v or v.startswith("p.") else f"p.{v}" for v in _text(table, name)]
    for i in range(len(table)):
        if columns["Hugo_Symbol"][i] and columns["Variant_Classification"][i]:
            given.add(i, annotation_source="MAF", **{c: v[i] for c, v in columns.items()})
    return given
