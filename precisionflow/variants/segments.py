"""Copy-number segments read from the formats users have, made absolute, and counted.

**Segments.** A tab- or comma-separated table with a chromosome, start and end column (1-based,
inclusive; names as in PCGR/ASCAT ``Chromosome Start End``, GDC ``chrom loc.start loc.end``, CNVkit
``chromosome start end`` …) and one of: allele-specific ``nMajor`` + ``nMinor`` (or ``major_cn`` +
``minor_cn``), a total copy number (``total_cn``, ``tcn``, ``CN`` …), or a log2 ratio (``log2``,
``Segment_Mean``, ``seg.mean``). A file holding several samples (an ``ID``/``sample`` column) gives
the rows of the patient's sample. Contigs with or without ``chr`` are matched to the genes
reference, TCGA's ``23``/``24`` read as X/Y. Rows without a copy number (blank, ``NA``, ``NaN``) and
rows on contigs the reference lacks (``chrUn…``, decoys) are dropped, counted and warned about; a
file with none on a known contig is an error, as are negative or infinite copy numbers.

**log2 ratios** are made absolute with the purity ``p`` and ploidy ``P`` of the sheet (``purity``,
``ploidy`` columns; without them p = 1, P = 2). A centred log2 ratio ``v`` is relative to the bulk
sample's average copy number ``pP + 2(1 - p)`` (tumour cells plus diploid normal cells), so the
tumour cells carry ``n = ((pP + 2(1 - p)) 2^v - x(1 - p)) / p`` copies, ``x`` the normal cells'
copies (2; on X 1 for a male; on Y 1 for a male, 0 for a female; the reference level on Y is half,
as CNVkit's). This is PureCN's ``adjustLogRatio`` relation; for P = 2 it is CNVkit's ``call
--purity`` formula ``n = (2 · 2^v - x(1 - p)) / p``. Noise below zero copies is set to 0.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from precisionflow.errors import InputError, shorten
from precisionflow.io import read_table
from precisionflow.references import contig_key
from precisionflow.variants.maf_reading import numbers_of

log = logging.getLogger("precisionflow.variants")

SEX_CONTIGS = {"X", "Y"}
TCGA_CONTIGS = {"23": "X", "24": "Y"}  # TCGA/GDC numeric names of the sex chromosomes

_ALIASES = {
    "chrom": ("Chromosome", "chromosome", "chrom", "chr", "Chr", "CHROM", "seqnames", "contig", "chromosome_name"),
    "start": (
        "Start",
        "start",
        "loc.start",
        "startpos",
        "Start_Position",
        "start.pos",
        "segment_start",
        "start_position",
    ),
    "end": ("End", "end", "loc.end", "endpos", "End_Position", "end.pos", "segment_end", "end_position"),
    "major": ("nMajor", "major_cn", "Major_CN", "majorAlleleCopyNumber", "nMaj1_A", "cn1"),
    "minor": ("nMinor", "minor_cn", "Minor_CN", "minorAlleleCopyNumber", "nMin1_A", "cn2"),
    "total": ("total_cn", "tcn", "TCN", "tcn.em", "CN", "cn", "copy_number", "Copy_Number", "copyNumber"),
    "log2": ("log2", "Segment_Mean", "seg.mean", "log2_ratio", "log2ratio", "cnlr.median", "segmean"),
    "sample": ("ID", "Sample", "sample", "Tumor_Sample_Barcode", "sample_id", "GDC_Aliquot"),
}
SEGMENT_COLUMNS_EXPECTED = (
    "columns for chromosome, start, end (e.g. 'Chromosome Start End') and copy number "
    "('nMajor'+'nMinor', 'total_cn' or 'log2'/'Segment_Mean'), or gene-level calls "
    "('gene'/'Hugo_Symbol' with 'call', or cBioPortal's -2..2 in a sample column)"
)


@dataclass
class InputCount:
    """Records of one copy-number input: read, kept, and dropped by reason (for the log and the summary)."""

    patient: str
    path: str
    kind: str  # "segments" or "gene calls"
    records: int = 0
    dropped: dict[str, int] = field(default_factory=dict)

    @property
    def kept(self) -> int:
        return self.records - sum(self.dropped.values())

    @property
    def label(self) -> str:
        """How the log names the input: the patient's public id, not the path (paths often carry raw ids)."""
        return f"{self.patient} (cna)" if self.patient else self.path

    def drop(self, reason: str, count: int) -> None:
        if count:
            self.dropped[reason] = self.dropped.get(reason, 0) + int(count)


def find_column(frame: pd.DataFrame, role: str) -> str | None:
    return next((c for c in _ALIASES[role] if c in frame.columns), None)


def is_segment_table(frame: pd.DataFrame) -> bool:
    has = {role: find_column(frame, role) is not None for role in _ALIASES}
    return (
        has["chrom"]
        and has["start"]
        and has["end"]
        and ((has["major"] and has["minor"]) or has["total"] or has["log2"])
    )


def _copy_numbers(
    frame: pd.DataFrame, column: str, path: str | os.PathLike[str], log_ratio: bool = False
) -> np.ndarray:
    """A copy-number column as numbers: finite, and >= 0 unless it is a log2 ratio (blank/NA/NaN: unknown)."""
    values = numbers_of(frame, column, path)
    bad = np.isinf(values) | (~np.isnan(values) & (values < 0) & (not log_ratio))
    if bad.any():
        row = int(frame.index[np.flatnonzero(bad)[0]])
        raise InputError(
            path,
            f"row {row + 2}, column {column!r}",
            "a finite log2 ratio" if log_ratio else "a copy number >= 0",
            repr(frame.at[row, column]),
        )
    return values


def match_contig(name: str, contig_match: Callable[[str], str | None]) -> str | None:
    """The reference's name of a contig; TCGA's ``23``/``24`` are X and Y when the reference has no such contig."""
    found = contig_match(name)
    if found is None and contig_key(name) in TCGA_CONTIGS:
        found = contig_match(TCGA_CONTIGS[contig_key(name)])
    return found


def read_segments(
    path: str | os.PathLike[str],
    contig_match: Callable[[str], str | None],
    sample: str | None = None,
    frame: pd.DataFrame | None = None,
    count: InputCount | None = None,
) -> pd.DataFrame:
    """Segments as ``chrom`` (reference naming), ``start``, ``end`` (1-based), ``total_cn``, ``minor_cn``, ``log2``.

    ``total_cn`` of log2 segments is ``2 × 2^log2`` (purity 1, ploidy 2) until :func:`absolute_copies`.
    Dropped rows are added to ``count`` and warned about.
    """
    if frame is None:
        frame = read_table(path, what="copy-number segments", dtype=str)
    frame.index = range(len(frame))
    count = count if count is not None else InputCount("", str(path), "segments")
    if not is_segment_table(frame):
        raise InputError(path, "header", SEGMENT_COLUMNS_EXPECTED, f"columns {shorten(frame.columns, 8)}")
    chrom, start, end = find_column(frame, "chrom"), find_column(frame, "start"), find_column(frame, "end")
    assert chrom and start and end  # is_segment_table
    frame = _sample_rows(path, frame, sample)
    count.records = len(frame)
    starts, ends = _positions(path, frame, start, end)
    total_cn, minor_cn, log2_ratio = _copies(path, frame)
    names = [str(c).strip() for c in frame[chrom]]
    mapped = [match_contig(name, contig_match) for name in names]
    out = pd.DataFrame(
        {
            "chrom": mapped,
            "start": starts.astype(np.int64),
            "end": ends.astype(np.int64),
            "total_cn": total_cn,
            "minor_cn": minor_cn,
            "log2": log2_ratio,
        },
        index=frame.index,
    )
    if len(out) and out["chrom"].isna().all():
        raise InputError(
            path,
            f"row 2, column {chrom!r}",
            "contigs of the genes reference (with or without 'chr')",
            f"only {shorten(sorted(set(frame[chrom])))}",
        )
    _log_renamed(names, mapped, count)
    unknown = out["chrom"].isna().to_numpy()
    if unknown.any():
        contigs = pd.Series(names)[unknown].value_counts().sort_index()
        count.drop("unknown_contig", int(unknown.sum()))
        log.warning(
            "%s: %d segment(s) on contigs absent from the genes reference dropped: %s",
            count.label,
            int(unknown.sum()),
            shorten(f"{c} ({n})" for c, n in contigs.items()),
        )
    no_copies = ~unknown & np.isnan(total_cn)
    if no_copies.any():
        rows = [int(i) + 2 for i in frame.index[no_copies]]
        count.drop("no_copy_number", int(no_copies.sum()))
        shown = ", ".join(map(str, rows[:5])) + (f" and {len(rows) - 5} more" if len(rows) > 5 else "")
        log.warning("%s: %d segment(s) without a copy number dropped (rows %s)", count.label, len(rows), shown)
    out = out[~unknown & ~no_copies].sort_values(["chrom", "start"], kind="stable")
    _check_overlaps(path, out)
    return out.reset_index(drop=True)


def _sample_rows(path: str | os.PathLike[str], frame: pd.DataFrame, sample: str | None) -> pd.DataFrame:
    """A file of several samples (a sample column): the patient's rows; else the file as is."""
    sample_column = find_column(frame, "sample")
    if sample_column is None or frame[sample_column].nunique() <= 1:
        return frame
    samples = sorted(frame[sample_column].dropna().unique())
    if sample is None or sample not in samples:
        raise InputError(
            path,
            f"column {sample_column!r}",
            f"the patient's sample ({sample!r}; sheet column tumor_sample)",
            f"samples {shorten(samples)}",
        )
    return frame[frame[sample_column] == sample]


def _positions(
    path: str | os.PathLike[str], frame: pd.DataFrame, start: str, end: str
) -> tuple[np.ndarray, np.ndarray]:
    """Start and end of each segment; a blank position or an end before the start is an error."""
    starts, ends = numbers_of(frame, start, path), numbers_of(frame, end, path)
    for values, column in ((starts, start), (ends, end)):
        if np.isnan(values).any():
            row = int(frame.index[np.flatnonzero(np.isnan(values))[0]])
            raise InputError(path, f"row {row + 2}, column {column!r}", "a position", "a blank cell")
    bad = ends < starts
    if bad.any():
        row = int(frame.index[np.flatnonzero(bad)[0]])
        raise InputError(
            path, f"row {row + 2}", f"{end!r} >= {start!r}", f"{int(starts[bad][0])} > {int(ends[bad][0])}"
        )
    return starts, ends


def _copies(path: str | os.PathLike[str], frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Total and minor copy number and log2 ratio (NaN where not given): allele-specific, total, else log2."""
    major, minor, total, log2 = (find_column(frame, role) for role in ("major", "minor", "total", "log2"))
    allele_specific = bool(major and minor)
    minor_cn = _copy_numbers(frame, minor, path) if allele_specific else np.full(len(frame), np.nan)
    log2_ratio = np.full(len(frame), np.nan)
    if allele_specific:
        total_cn = _copy_numbers(frame, major, path) + minor_cn
    elif total:
        total_cn = _copy_numbers(frame, total, path)
    else:
        log2_ratio = _copy_numbers(frame, log2, path, log_ratio=True)
        total_cn = 2.0 * np.power(2.0, log2_ratio)
    return total_cn, minor_cn, log2_ratio


def _log_renamed(names: list[str], mapped: list[str | None], count: InputCount) -> None:
    """Say which TCGA-numbered contigs (23, 24) were read as X and Y."""
    renamed = sorted(
        {
            n
            for n, m in zip(names, mapped)
            if m is not None and contig_key(n) in TCGA_CONTIGS and contig_key(m) != contig_key(n)
        }
    )
    if renamed:
        log.info(
            "%s: contigs %s read as %s (TCGA numbering)",
            count.label,
            shorten(renamed),
            shorten(TCGA_CONTIGS[contig_key(n)] for n in renamed),
        )


def _check_overlaps(path: str | os.PathLike[str], segments: pd.DataFrame) -> None:
    """Segments sorted by contig and start must not overlap (several samples mixed in one file do)."""
    overlapping = (segments["start"].to_numpy()[1:] < segments["end"].to_numpy()[:-1]) & (
        segments["chrom"].to_numpy()[1:] == segments["chrom"].to_numpy()[:-1]
    )
    if overlapping.any():
        row = int(segments.index[np.flatnonzero(overlapping)[0] + 1])
        raise InputError(
            path,
            f"row {row + 2}",
            "segments that do not overlap (one sample per file, or a sample column)",
            "a segment starting before the previous one ends",
        )


def sex_chromosome(chrom: str) -> str | None:
    key = contig_key(chrom).upper()
    return key if key in SEX_CONTIGS else None


def normal_copies(chrom: str, sex: str | None) -> float:
    """Copies in the patient's normal cells: 2; X 1 in a male; Y 1 in a male, 0 in a female (unknown: as a male)."""
    which = sex_chromosome(chrom)
    if which == "X":
        return 1.0 if sex == "M" else 2.0
    if which == "Y":
        return 0.0 if sex == "F" else 1.0
    return 2.0


def absolute_copies(
    segments: pd.DataFrame, purity: float | None, ploidy: float | None, sex: str | None
) -> pd.DataFrame:
    """log2 segments made absolute for purity and ploidy (module docstring); other segments unchanged."""
    log2_ratio = segments["log2"].to_numpy(dtype=float)
    if not (~np.isnan(log2_ratio)).any():
        return segments
    p = 1.0 if purity is None else float(purity)
    tumour_ploidy = 2.0 if ploidy is None else float(ploidy)
    contigs = segments["chrom"].unique()
    normal = segments["chrom"].map({c: normal_copies(c, sex) for c in contigs}).to_numpy(dtype=float)
    reference_share = (
        segments["chrom"].map({c: 0.5 if sex_chromosome(c) == "Y" else 1.0 for c in contigs}).to_numpy(dtype=float)
    )
    bulk_level = (p * tumour_ploidy + 2.0 * (1.0 - p)) * reference_share
    copies = (bulk_level * np.power(2.0, log2_ratio) - normal * (1.0 - p)) / p
    return segments.assign(total_cn=np.clip(copies, 0.0, None))


def input_summary(counts: Iterable[InputCount]) -> pd.DataFrame:
    """``patient, input, format, records, kept, dropped_<reason>…``: one row per patient's ``cna`` file
    (``input`` is the sheet column, not the path: paths often carry raw patient ids)."""
    counts = list(counts)
    reasons = sorted({reason for c in counts for reason in c.dropped})
    rows = [
        {"patient": c.patient, "input": "cna", "format": c.kind, "records": c.records, "kept": c.kept}
        | {f"dropped_{r}": c.dropped.get(r, 0) for r in reasons}
        for c in counts
    ]
    return pd.DataFrame(
        rows, columns=["patient", "input", "format", "records", "kept"] + [f"dropped_{r}" for r in reasons]
    )
