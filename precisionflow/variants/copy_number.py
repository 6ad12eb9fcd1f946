"""Gene-level copy number from segments, called relative to the sample's ploidy.

**Segments.** A tab- or comma-separated table with a chromosome, start and end column (1-based,
inclusive; names as in PCGR/ASCAT ``Chromosome Start End``, GDC ``chrom loc.start loc.end``, CNVkit
``chromosome start end`` …) and one of: allele-specific ``nMajor`` + ``nMinor`` (or ``major_cn`` +
``minor_cn``), a total copy number (``total_cn``, ``tcn``, ``CN`` …), or a log2 ratio (``log2``,
``Segment_Mean``, ``seg.mean``), read as ``2 × 2^log2`` (a log2 ratio is relative to the sample's
average, so the ploidy is 2 by construction). A file holding several samples (an ``ID``/``sample``
column) gives the rows of the patient's sample. Contigs with or without ``chr`` are matched to the
genes reference; segments on other contigs are dropped, and a file with none on a known contig is
an error.

**Gene level.** A gene (genes BED, 0-based half-open → 1-based) takes the total copy number of the
segment covering the largest part of it (``total_cn``; the lowest copy number on a tie);
``min_cn``/``max_cn`` give the range over all overlapping segments (a partial deletion shows in
``min_cn``), ``coverage`` the share of the gene covered by segments. Genes no segment overlaps are
not listed.

**Calls**, with ``p`` the ploidy (the segments' length-weighted mean total copy number over the
autosomes, unless the config gives one) and the expected copy number ``e = p`` (``p/2`` on X and
Y of a male patient, ``0`` on Y of a female):

* ``deep_loss``: ``total_cn <= deep_loss_cn`` (absolute, default 0.5, i.e. no copy left) when e > 0;
* ``amp``: ``total_cn >= amp_ratio × e`` (default 2.0);
* ``gain``: ``total_cn >= gain_ratio × e`` (default 1.25);
* ``loss``: ``total_cn <= loss_ratio × e`` (default 0.75);
* ``neutral`` otherwise.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from precisionflow.errors import InputError, shorten
from precisionflow.io import read_table
from precisionflow.references import contig_key
from precisionflow.variants.maf import numbers_of

CALLS = ("amp", "gain", "neutral", "loss", "deep_loss")
OUTPUT_COLUMNS = ["patient", "gene", "total_cn", "call", "major_cn", "minor_cn", "min_cn", "max_cn", "coverage", "ploidy", "chrom", "start", "end"]

_ALIASES = {
    "chrom": ("Chromosome", "chromosome", "chrom", "chr", "Chr", "CHROM", "seqnames", "contig", "chromosome_name"),
    "start": ("Start", "start", "loc.start", "startpos", "Start_Position", "start.pos", "segment_start", "start_position"),
    "end": ("End", "end", "loc.end", "endpos", "End_Position", "end.pos", "segment_end", "end_position"),
    "major": ("nMajor", "major_cn", "Major_CN", "majorAlleleCopyNumber", "nMaj1_A", "cn1"),
    "minor": ("nMinor", "minor_cn", "Minor_CN", "minorAlleleCopyNumber", "nMin1_A", "cn2"),
    "total": ("total_cn", "tcn", "TCN", "tcn.em", "CN", "cn", "copy_number", "Copy_Number", "copyNumber"),
    "log2": ("log2", "Segment_Mean", "seg.mean", "log2_ratio", "log2ratio", "cnlr.median", "segmean"),
    "sample": ("ID", "Sample", "sample", "Tumor_Sample_Barcode", "sample_id", "GDC_Aliquot"),
}


@dataclass(frozen=True)
class CopyNumberSettings:
    amp_ratio: float = 2.0
    gain_ratio: float = 1.25
    loss_ratio: float = 0.75
    deep_loss_cn: float = 0.5
    ploidy: float | None = None  # None: estimated from the segments
    biotypes: tuple[str, ...] = ("protein_coding",)  # genes reported (empty: all)
    keep_neutral: bool = True

    @classmethod
    def from_config(cls, section: Mapping[str, object] | None) -> CopyNumberSettings:
        section = dict(section or {})
        defaults = cls()
        ploidy = section.get("ploidy", defaults.ploidy)
        settings = cls(
            amp_ratio=float(section.get("amp_ratio", defaults.amp_ratio)),  # type: ignore[arg-type]
            gain_ratio=float(section.get("gain_ratio", defaults.gain_ratio)),  # type: ignore[arg-type]
            loss_ratio=float(section.get("loss_ratio", defaults.loss_ratio)),  # type: ignore[arg-type]
            deep_loss_cn=float(section.get("deep_loss_cn", defaults.deep_loss_cn)),  # type: ignore[arg-type]
            ploidy=None if ploidy is None else float(ploidy),  # type: ignore[arg-type]
            biotypes=tuple(section.get("biotypes", defaults.biotypes)),  # type: ignore[arg-type]
            keep_neutral=bool(section.get("keep_neutral", defaults.keep_neutral)),
        )
        if not settings.loss_ratio < 1 < settings.gain_ratio <= settings.amp_ratio:
            raise InputError(
                "config", "variants/copy_number", "loss_ratio < 1 < gain_ratio <= amp_ratio",
                f"loss_ratio {settings.loss_ratio:g}, gain_ratio {settings.gain_ratio:g}, amp_ratio {settings.amp_ratio:g}",
            )
        return settings


def _find(frame: pd.DataFrame, role: str) -> str | None:
    return next((c for c in _ALIASES[role] if c in frame.columns), None)


def _copy_numbers(frame: pd.DataFrame, column: str, path: str | os.PathLike[str], log_ratio: bool = False) -> np.ndarray:
    """A copy-number column as numbers: finite, and >= 0 unless it is a log2 ratio (blank/NA: unknown)."""
    values = numbers_of(frame, column, path)
    bad = np.isinf(values) | (~np.isnan(values) & (values < 0) & (not log_ratio))
    if bad.any():
        row = int(frame.index[np.flatnonzero(bad)[0]])
        raise InputError(path, f"row {row + 2}, column {column!r}", "a finite log2 ratio" if log_ratio else "a copy number >= 0", repr(frame.at[row, column]))
    return values


def read_segments(
    path: str | os.PathLike[str],
    contig_match: Callable[[str], str | None],
    sample: str | None = None,
) -> pd.DataFrame:
    """Segments as ``chrom`` (reference naming), ``start``, ``end`` (1-based), ``total_cn``, ``major_cn``, ``minor_cn``."""
    frame = read_table(path, what="copy-number segments", dtype=str)
    frame.index = range(len(frame))
    chrom, start, end = _find(frame, "chrom"), _find(frame, "start"), _find(frame, "end")
    major, minor, total, log2 = _find(frame, "major"), _find(frame, "minor"), _find(frame, "total"), _find(frame, "log2")
    if chrom is None or start is None or end is None or not ((major and minor) or total or log2):
        raise InputError(
            path,
            "header",
            "columns for chromosome, start, end (e.g. 'Chromosome Start End') and copy number "
            "('nMajor'+'nMinor', 'total_cn' or 'log2'/'Segment_Mean')",
            f"columns {shorten(frame.columns, 8)}",
        )
    sample_column = _find(frame, "sample")
    if sample_column is not None and frame[sample_column].nunique() > 1:
        samples = sorted(frame[sample_column].dropna().unique())
        if sample is None or sample not in samples:
            raise InputError(path, f"column {sample_column!r}", f"the patient's sample ({sample!r}; sheet column tumor_sample)", f"samples {shorten(samples)}")
        frame = frame[frame[sample_column] == sample]
    starts, ends = numbers_of(frame, start, path), numbers_of(frame, end, path)
    for values, column in ((starts, start), (ends, end)):
        if np.isnan(values).any():
            row = int(frame.index[np.flatnonzero(np.isnan(values))[0]])
            raise InputError(path, f"row {row + 2}, column {column!r}", "a position", "a blank cell")
    bad = ends < starts
    if bad.any():
        row = int(frame.index[np.flatnonzero(bad)[0]])
        raise InputError(path, f"row {row + 2}", f"{end!r} >= {start!r}", f"{int(starts[bad][0])} > {int(ends[bad][0])}")
    major_cn = _copy_numbers(frame, major, path) if major and minor else np.full(len(frame), np.nan)
    minor_cn = _copy_numbers(frame, minor, path) if major and minor else np.full(len(frame), np.nan)
    if major and minor:
        total_cn = major_cn + minor_cn
    elif total:
        total_cn = _copy_numbers(frame, total, path)
    else:
        total_cn = 2.0 * np.power(2.0, _copy_numbers(frame, log2, path, log_ratio=True))
    mapped = [contig_match(str(c).strip()) for c in frame[chrom]]
    out = pd.DataFrame(
        {"chrom": mapped, "start": starts.astype(np.int64), "end": ends.astype(np.int64), "total_cn": total_cn, "major_cn": major_cn, "minor_cn": minor_cn},
        index=frame.index,
    )
    if len(out) and out["chrom"].isna().all():
        raise InputError(path, f"row 2, column {chrom!r}", "contigs of the genes reference (with or without 'chr')", f"only {shorten(sorted(set(frame[chrom])))}")
    out = out.dropna(subset=["chrom", "total_cn"]).sort_values(["chrom", "start"], kind="stable")
    overlapping = (out["start"].to_numpy()[1:] < out["end"].to_numpy()[:-1]) & (out["chrom"].to_numpy()[1:] == out["chrom"].to_numpy()[:-1])
    if overlapping.any():
        row = int(out.index[np.flatnonzero(overlapping)[0] + 1])
        raise InputError(path, f"row {row + 2}", "segments that do not overlap (one sample per file, or a sample column)", "a segment starting before the previous one ends")
    return out.reset_index(drop=True)


def _autosome(chrom: str) -> bool:
    return contig_key(chrom).isdigit()


def estimate_ploidy(segments: pd.DataFrame) -> float:
    """Length-weighted mean total copy number over autosomal segments (all segments if none are autosomal)."""
    if segments.empty:
        return 2.0
    auto = segments[[_autosome(c) for c in segments["chrom"]]]
    use = auto if not auto.empty else segments
    length = (use["end"] - use["start"] + 1).to_numpy(dtype=float)
    return float(np.round(np.average(use["total_cn"].to_numpy(), weights=length), 3))


def expected_copies(chrom: str, ploidy: float, sex: str | None) -> float:
    key = contig_key(chrom).upper()
    male = (sex or "").strip().lower() in {"m", "male"}
    female = (sex or "").strip().lower() in {"f", "female"}
    if key == "Y":
        return ploidy / 2 if male else (0.0 if female else ploidy / 2)
    if key == "X" and male:
        return ploidy / 2
    return ploidy


def call(total_cn: np.ndarray, expected: np.ndarray, settings: CopyNumberSettings) -> np.ndarray:
    """The call of each total copy number against its expected number (rules in the module docstring)."""
    total_cn = np.asarray(total_cn, dtype=float)
    expected = np.asarray(expected, dtype=float)
    out = np.full(len(total_cn), "neutral", dtype=object)
    with np.errstate(invalid="ignore"):
        out[total_cn <= settings.loss_ratio * expected] = "loss"
        out[total_cn >= settings.gain_ratio * expected] = "gain"
        out[total_cn >= settings.amp_ratio * expected] = "amp"
        out[(total_cn <= settings.deep_loss_cn) & (expected > 0)] = "deep_loss"
    if (expected == 0).any():
        out[(expected == 0) & (total_cn <= settings.deep_loss_cn)] = "neutral"
    return out


def gene_copy_number(
    segments: pd.DataFrame,
    genes: pd.DataFrame,
    patient: str,
    settings: CopyNumberSettings = CopyNumberSettings(),
    sex: str | None = None,
) -> pd.DataFrame:
    """One row per gene overlapped by a segment: :data:`OUTPUT_COLUMNS`, sorted by position."""
    ploidy = settings.ploidy if settings.ploidy is not None else estimate_ploidy(segments)
    if settings.biotypes:
        genes = genes[genes["biotype"].isin(settings.biotypes)]
    parts = []
    genes_by_contig = {chrom: frame for chrom, frame in genes.groupby("chrom", sort=False)}
    for chrom, segs in segments.groupby("chrom", sort=False):
        on_contig = genes_by_contig.get(chrom)
        if on_contig is None:
            continue
        seg_start, seg_end = segs["start"].to_numpy(), segs["end"].to_numpy()
        total, major, minor = segs["total_cn"].to_numpy(), segs["major_cn"].to_numpy(), segs["minor_cn"].to_numpy()
        gene_start = on_contig["start"].to_numpy() + 1  # BED to 1-based inclusive
        gene_end = on_contig["end"].to_numpy()
        first = np.searchsorted(seg_end, gene_start, side="left")  # first segment ending at or after the gene's start
        last = np.searchsorted(seg_start, gene_end, side="right")  # segments starting at or before its end
        # Every (gene, segment) pair that may overlap, then the overlap of each.
        count = np.clip(last - first, 0, None)
        gene = np.repeat(np.arange(len(on_contig)), count)
        seg = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count) + np.repeat(first, count)
        overlap = np.minimum(seg_end[seg], gene_end[gene]) - np.maximum(seg_start[seg], gene_start[gene]) + 1
        keep = overlap > 0
        gene, seg, overlap = gene[keep], seg[keep], overlap[keep]
        if not len(gene):
            continue
        # Per gene: the segment covering most of it (the lowest copy number on a tie) comes first.
        order = np.lexsort((total[seg], -overlap, gene))
        gene, seg, overlap = gene[order], seg[order], overlap[order]
        starts = np.flatnonzero(np.r_[True, gene[1:] != gene[:-1]])
        best = seg[starts]
        genes_here = gene[starts]
        parts.append(
            pd.DataFrame(
                {
                    "chrom": chrom,
                    "start": on_contig["start"].to_numpy()[genes_here],
                    "end": gene_end[genes_here],
                    "gene": on_contig["symbol"].to_numpy()[genes_here],
                    "total_cn": total[best],
                    "major_cn": major[best],
                    "minor_cn": minor[best],
                    "min_cn": np.minimum.reduceat(total[seg], starts),
                    "max_cn": np.maximum.reduceat(total[seg], starts),
                    "coverage": np.add.reduceat(overlap, starts) / (gene_end[genes_here] - gene_start[genes_here] + 1),
                }
            )
        )
    columns = ["chrom", "start", "end", "gene", "total_cn", "major_cn", "minor_cn", "min_cn", "max_cn", "coverage"]
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    contigs = frame["chrom"].unique()  # per contig, not per gene: 60,000 genes lie on ~25 contigs
    expected = frame["chrom"].map({c: expected_copies(c, ploidy, sex) for c in contigs}).to_numpy(dtype=float)
    frame["call"] = call(frame["total_cn"].to_numpy(), expected, settings) if len(frame) else []
    frame["patient"] = patient
    frame["ploidy"] = ploidy
    frame["coverage"] = frame["coverage"].round(4)
    if not settings.keep_neutral:
        frame = frame[frame["call"] != "neutral"]
    contig_rank = {c: rank for rank, c in enumerate(sorted(contigs, key=_contig_order))}
    frame = frame.assign(_contig=frame["chrom"].map(contig_rank)).sort_values(["_contig", "start", "gene"], kind="stable")
    return frame[OUTPUT_COLUMNS].reset_index(drop=True)


def _contig_order(chrom: str) -> tuple[int, str]:
    key = contig_key(chrom)
    return (int(key), "") if key.isdigit() else (1000, key)


def combine(tables: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """Per-patient tables stacked (patients in the given order)."""
    tables = [t for t in tables if not t.empty]
    if not tables:
        return pd.DataFrame(columns=OUTPUT_COLUMNS)
    return pd.concat(tables, ignore_index=True)[OUTPUT_COLUMNS]
