"""Gene-level copy number from segments, called by PURPLE's rules relative to the sample's ploidy.

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

**Gene level** (PURPLE's gene copy number). A gene (genes BED, 0-based half-open → 1-based) takes
``min_cn``, the lowest copy number of the segments overlapping it, as its ``total_cn`` (a gene is
intact only as often as its least present part), and ``max_cn`` the highest; ``minor_cn`` is the
lowest minor-allele copy number. ``covered_fraction`` is the share of the gene covered by segments,
``deleted_fraction`` the share below ``deep_loss_cn`` copies and ``amplified_fraction`` the share
above the amplification level, so a partial deletion or amplification shows. ``loh`` (loss of
heterozygosity): ``minor_cn < 0.5`` with ``min_cn >= deep_loss_cn`` (PURPLE), where the normal is
heterozygous (autosomes; X of a female); blank where unknown. Genes no segment overlaps are not listed.

**Calls**, with ``P`` the sample's ploidy (the sheet's ``ploidy``, else the config's, else the
segments' length-weighted mean total copy number over the autosomes) and ``e`` the expected copies
(``P``; ``P/2`` on X and Y of a male; 0 on Y of a female):

* ``deep_loss``: ``min_cn < deep_loss_cn`` (default 0.5: PURPLE's deletion, no copy of the whole gene);
* ``amp``: ``min_cn > amp_ratio × P`` (default 3: PURPLE's amplification, relative to the sample ploidy);
* ``gain``: ``min_cn >= gain_ratio × e`` (default 1.25: three copies in a diploid, five in a tetraploid);
* ``loss``: ``min_cn <= loss_ratio × e`` (default 0.75: one copy in a diploid, three in a tetraploid);
* ``neutral`` otherwise; where no copy is expected (Y of a female) below ``deep_loss_cn`` is ``neutral``.

Without a known sex (sheet ``sex`` M/F) genes on X and Y are not called: they are left out of the
table, counted and warned about, never ``deep_loss``. A gene-level call table given instead of
segments is read by :mod:`.gene_calls`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from precisionflow.errors import InputError, shorten
from precisionflow.io import read_table
from precisionflow.references import contig_key
from precisionflow.variants.maf import numbers_of

log = logging.getLogger("precisionflow.variants")

CALLS = ("amp", "gain", "neutral", "loss", "deep_loss")
OUTPUT_COLUMNS = [
    "patient", "gene", "total_cn", "call", "min_cn", "max_cn", "minor_cn", "loh",
    "covered_fraction", "deleted_fraction", "amplified_fraction", "ploidy", "chrom", "start", "end",
]  # fmt: skip
LOH_MINOR_CN = 0.5  # PURPLE: a minor-allele copy number below 0.5 is no copy of the minor allele
SEX_CONTIGS = {"X", "Y"}
TCGA_CONTIGS = {"23": "X", "24": "Y"}  # TCGA/GDC numeric names of the sex chromosomes

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
SEGMENT_COLUMNS_EXPECTED = (
    "columns for chromosome, start, end (e.g. 'Chromosome Start End') and copy number "
    "('nMajor'+'nMinor', 'total_cn' or 'log2'/'Segment_Mean'), or gene-level calls "
    "('gene'/'Hugo_Symbol' with 'call', or cBioPortal's -2..2 in a sample column)"
)


@dataclass(frozen=True)
class CopyNumberSettings:
    amp_ratio: float = 3.0
    gain_ratio: float = 1.25
    loss_ratio: float = 0.75
    deep_loss_cn: float = 0.5
    ploidy: float | None = None  # None: the sheet's, else estimated from the segments
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


@dataclass(frozen=True)
class TumourFacts:
    """What the sheet says of a patient's tumour (columns ``sex``, ``purity``, ``ploidy``)."""

    sex: str | None = None  # "M", "F" or None (unknown)
    purity: float | None = None
    ploidy: float | None = None


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

    def drop(self, reason: str, count: int) -> None:
        if count:
            self.dropped[reason] = self.dropped.get(reason, 0) + int(count)


_SEX = {"m": "M", "male": "M", "f": "F", "female": "F"}
_UNKNOWN_SEX = {"u", "unknown"}


def tumour_facts(
    sheet: pd.DataFrame, path: str | os.PathLike[str], sex_column: str = "sex", patients: Iterable[str] | None = None
) -> dict[str, TumourFacts]:
    """Each patient's sex, purity and ploidy from the sheet (blank, ``U`` or ``unknown`` sex: unknown);
    other values name their row. ``patients``: only these rows (default all)."""
    facts = {}
    wanted = None if patients is None else set(patients)
    for row, patient in enumerate(sheet.index, start=2):
        if wanted is not None and patient not in wanted:
            continue
        def cell(column: str) -> str | None:
            value = sheet.at[patient, column] if column in sheet.columns else None
            return None if value is None or pd.isna(value) or not str(value).strip() else str(value).strip()

        sex_text, purity_text, ploidy_text = cell(sex_column), cell("purity"), cell("ploidy")
        sex = None if sex_text is None else _SEX.get(sex_text.lower())
        if sex_text is not None and sex is None and sex_text.lower() not in _UNKNOWN_SEX:
            raise InputError(path, f"row {row} (patient {patient!r}), column {sex_column!r}", "M, F, male, female, U, unknown or a blank cell", repr(sex_text))
        purity = _number(purity_text, path, row, patient, "purity", lambda v: 0 < v <= 1, "a purity in (0, 1]")
        ploidy = _number(ploidy_text, path, row, patient, "ploidy", lambda v: 0 < v < 20, "a ploidy between 0 and 20")
        facts[str(patient)] = TumourFacts(sex, purity, ploidy)
    return facts


def _number(text: str | None, path, row: int, patient: str, column: str, ok: Callable[[float], bool], expected: str) -> float | None:
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not (np.isfinite(value) and ok(value)):
        raise InputError(path, f"row {row} (patient {patient!r}), column {column!r}", f"{expected} or a blank cell", repr(text))
    return value


def find_column(frame: pd.DataFrame, role: str) -> str | None:
    return next((c for c in _ALIASES[role] if c in frame.columns), None)


def is_segment_table(frame: pd.DataFrame) -> bool:
    has = {role: find_column(frame, role) is not None for role in _ALIASES}
    return has["chrom"] and has["start"] and has["end"] and ((has["major"] and has["minor"]) or has["total"] or has["log2"])


def _copy_numbers(frame: pd.DataFrame, column: str, path: str | os.PathLike[str], log_ratio: bool = False) -> np.ndarray:
    """A copy-number column as numbers: finite, and >= 0 unless it is a log2 ratio (blank/NA/NaN: unknown)."""
    values = numbers_of(frame, column, path)
    bad = np.isinf(values) | (~np.isnan(values) & (values < 0) & (not log_ratio))
    if bad.any():
        row = int(frame.index[np.flatnonzero(bad)[0]])
        raise InputError(path, f"row {row + 2}, column {column!r}", "a finite log2 ratio" if log_ratio else "a copy number >= 0", repr(frame.at[row, column]))
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
    major, minor, total, log2 = (find_column(frame, role) for role in ("major", "minor", "total", "log2"))
    assert chrom and start and end  # is_segment_table
    sample_column = find_column(frame, "sample")
    if sample_column is not None and frame[sample_column].nunique() > 1:
        samples = sorted(frame[sample_column].dropna().unique())
        if sample is None or sample not in samples:
            raise InputError(path, f"column {sample_column!r}", f"the patient's sample ({sample!r}; sheet column tumor_sample)", f"samples {shorten(samples)}")
        frame = frame[frame[sample_column] == sample]
    count.records = len(frame)
    starts, ends = numbers_of(frame, start, path), numbers_of(frame, end, path)
    for values, column in ((starts, start), (ends, end)):
        if np.isnan(values).any():
            row = int(frame.index[np.flatnonzero(np.isnan(values))[0]])
            raise InputError(path, f"row {row + 2}, column {column!r}", "a position", "a blank cell")
    bad = ends < starts
    if bad.any():
        row = int(frame.index[np.flatnonzero(bad)[0]])
        raise InputError(path, f"row {row + 2}", f"{end!r} >= {start!r}", f"{int(starts[bad][0])} > {int(ends[bad][0])}")
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
    names = [str(c).strip() for c in frame[chrom]]
    mapped = [match_contig(name, contig_match) for name in names]
    out = pd.DataFrame(
        {"chrom": mapped, "start": starts.astype(np.int64), "end": ends.astype(np.int64), "total_cn": total_cn, "minor_cn": minor_cn, "log2": log2_ratio},
        index=frame.index,
    )
    if len(out) and out["chrom"].isna().all():
        raise InputError(path, f"row 2, column {chrom!r}", "contigs of the genes reference (with or without 'chr')", f"only {shorten(sorted(set(frame[chrom])))}")
    renamed = sorted({n for n, m in zip(names, mapped) if m is not None and contig_key(n) in TCGA_CONTIGS and contig_key(m) != contig_key(n)})
    if renamed:
        log.info("%s: contigs %s read as %s (TCGA numbering)", path, shorten(renamed), shorten(TCGA_CONTIGS[contig_key(n)] for n in renamed))
    unknown = out["chrom"].isna().to_numpy()
    if unknown.any():
        contigs = pd.Series(names)[unknown].value_counts().sort_index()
        count.drop("unknown_contig", int(unknown.sum()))
        log.warning("%s: %d segment(s) on contigs absent from the genes reference dropped: %s", path, int(unknown.sum()), shorten(f"{c} ({n})" for c, n in contigs.items()))
    no_copies = ~unknown & np.isnan(total_cn)
    if no_copies.any():
        rows = [int(i) + 2 for i in frame.index[no_copies]]
        count.drop("no_copy_number", int(no_copies.sum()))
        shown = ", ".join(map(str, rows[:5])) + (f" and {len(rows) - 5} more" if len(rows) > 5 else "")
        log.warning("%s: %d segment(s) without a copy number dropped (rows %s)", path, len(rows), shown)
    out = out[~unknown & ~no_copies].sort_values(["chrom", "start"], kind="stable")
    overlapping = (out["start"].to_numpy()[1:] < out["end"].to_numpy()[:-1]) & (out["chrom"].to_numpy()[1:] == out["chrom"].to_numpy()[:-1])
    if overlapping.any():
        row = int(out.index[np.flatnonzero(overlapping)[0] + 1])
        raise InputError(path, f"row {row + 2}", "segments that do not overlap (one sample per file, or a sample column)", "a segment starting before the previous one ends")
    return out.reset_index(drop=True)


def _sex_chromosome(chrom: str) -> str | None:
    key = contig_key(chrom).upper()
    return key if key in SEX_CONTIGS else None


def normal_copies(chrom: str, sex: str | None) -> float:
    """Copies in the patient's normal cells: 2; X 1 in a male; Y 1 in a male, 0 in a female (unknown: as a male)."""
    which = _sex_chromosome(chrom)
    if which == "X":
        return 1.0 if sex == "M" else 2.0
    if which == "Y":
        return 0.0 if sex == "F" else 1.0
    return 2.0


def absolute_copies(segments: pd.DataFrame, purity: float | None, ploidy: float | None, sex: str | None) -> pd.DataFrame:
    """log2 segments made absolute for purity and ploidy (module docstring); other segments unchanged."""
    log2_ratio = segments["log2"].to_numpy(dtype=float)
    if not (~np.isnan(log2_ratio)).any():
        return segments
    p = 1.0 if purity is None else float(purity)
    tumour_ploidy = 2.0 if ploidy is None else float(ploidy)
    contigs = segments["chrom"].unique()
    normal = segments["chrom"].map({c: normal_copies(c, sex) for c in contigs}).to_numpy(dtype=float)
    reference_share = segments["chrom"].map({c: 0.5 if _sex_chromosome(c) == "Y" else 1.0 for c in contigs}).to_numpy(dtype=float)
    bulk_level = (p * tumour_ploidy + 2.0 * (1.0 - p)) * reference_share
    copies = (bulk_level * np.power(2.0, log2_ratio) - normal * (1.0 - p)) / p
    return segments.assign(total_cn=np.clip(copies, 0.0, None))


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
    """Copies expected in the tumour without an event: the ploidy; half on X and Y of a male; 0 on Y of a female.

    NaN on X and Y when the sex is unknown (no call)."""
    which = _sex_chromosome(chrom)
    if which is None:
        return ploidy
    if sex not in ("M", "F"):
        return float("nan")
    if which == "Y" and sex == "F":
        return 0.0
    return ploidy / 2 if sex == "M" else ploidy


def call(min_cn: np.ndarray, expected: np.ndarray, ploidy: float, settings: CopyNumberSettings) -> np.ndarray:
    """The call of each gene's minimum copy number against its expected number (rules in the module docstring)."""
    min_cn = np.asarray(min_cn, dtype=float)
    expected = np.asarray(expected, dtype=float)
    out = np.full(len(min_cn), "neutral", dtype=object)
    with np.errstate(invalid="ignore"):
        out[min_cn <= settings.loss_ratio * expected] = "loss"
        out[min_cn >= settings.gain_ratio * expected] = "gain"
        out[min_cn > settings.amp_ratio * ploidy] = "amp"
        deleted = min_cn < settings.deep_loss_cn
        out[deleted & (expected > 0)] = "deep_loss"
        out[deleted & (expected == 0)] = "neutral"  # nothing expected, nothing there
    return out


def gene_copy_number(
    segments: pd.DataFrame,
    genes: pd.DataFrame,
    patient: str,
    settings: CopyNumberSettings = CopyNumberSettings(),
    sex: str | None = None,
    ploidy: float | None = None,
) -> pd.DataFrame:
    """One row per gene overlapped by a segment: :data:`OUTPUT_COLUMNS`, sorted by position.

    ``ploidy``: the sheet's; else the config's (``settings.ploidy``); else estimated from the segments."""
    sex = _SEX.get((sex or "").strip().lower())
    if ploidy is None:
        ploidy = settings.ploidy if settings.ploidy is not None else estimate_ploidy(segments)
    amp_level = settings.amp_ratio * ploidy
    if settings.biotypes:
        genes = genes[genes["biotype"].isin(settings.biotypes)]
    parts = []
    genes_by_contig = {chrom: frame for chrom, frame in genes.groupby("chrom", sort=False)}
    for chrom, segs in segments.groupby("chrom", sort=False):
        on_contig = genes_by_contig.get(chrom)
        if on_contig is None:
            continue
        seg_start, seg_end = segs["start"].to_numpy(), segs["end"].to_numpy()
        total, minor = segs["total_cn"].to_numpy(), segs["minor_cn"].to_numpy()
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
        starts = np.flatnonzero(np.r_[True, gene[1:] != gene[:-1]])  # pairs are grouped by gene already
        genes_here = gene[starts]
        length = (gene_end[genes_here] - gene_start[genes_here] + 1).astype(float)
        copies = total[seg]
        parts.append(
            pd.DataFrame(
                {
                    "chrom": chrom,
                    "start": on_contig["start"].to_numpy()[genes_here],
                    "end": gene_end[genes_here],
                    "gene": on_contig["symbol"].to_numpy()[genes_here],
                    "min_cn": np.minimum.reduceat(copies, starts),
                    "max_cn": np.maximum.reduceat(copies, starts),
                    "minor_cn": np.fmin.reduceat(minor[seg], starts),  # NaN only when no segment has one
                    "covered_fraction": np.add.reduceat(overlap, starts) / length,
                    "deleted_fraction": np.add.reduceat(np.where(copies < settings.deep_loss_cn, overlap, 0), starts) / length,
                    "amplified_fraction": np.add.reduceat(np.where(copies > amp_level, overlap, 0), starts) / length,
                }
            )
        )
    columns = ["chrom", "start", "end", "gene", "min_cn", "max_cn", "minor_cn", "covered_fraction", "deleted_fraction", "amplified_fraction"]
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    contigs = frame["chrom"].unique()  # per contig, not per gene: 60,000 genes lie on ~25 contigs
    expected = frame["chrom"].map({c: expected_copies(c, ploidy, sex) for c in contigs}).to_numpy(dtype=float)
    uncalled = np.isnan(expected)
    if uncalled.any():
        log.warning("%s: sex unknown (sheet column sex): %d gene(s) on X/Y not called", patient, int(uncalled.sum()))
        frame, expected = frame[~uncalled], expected[~uncalled]
    frame = frame.assign(total_cn=frame["min_cn"], patient=patient, ploidy=ploidy)
    frame["call"] = call(frame["min_cn"].to_numpy(), expected, ploidy, settings) if len(frame) else []
    heterozygous = frame["chrom"].map({c: _sex_chromosome(c) is None or (_sex_chromosome(c) == "X" and sex == "F") for c in contigs})
    known = heterozygous.astype(bool) & frame["minor_cn"].notna()
    loh = (frame["minor_cn"] < LOH_MINOR_CN) & (frame["min_cn"] >= settings.deep_loss_cn)
    frame["loh"] = pd.Series(loh, dtype="boolean").where(known, pd.NA)
    for column in ("covered_fraction", "deleted_fraction", "amplified_fraction"):
        frame[column] = frame[column].astype(float).round(4)
    if not settings.keep_neutral:
        frame = frame[frame["call"] != "neutral"]
    contig_rank = {c: rank for rank, c in enumerate(sorted(contigs, key=contig_order))}
    frame = frame.assign(_contig=frame["chrom"].map(contig_rank)).sort_values(["_contig", "start", "gene"], kind="stable")
    return frame[OUTPUT_COLUMNS].reset_index(drop=True)


def contig_order(chrom: str) -> tuple[int, str]:
    key = contig_key(chrom)
    return (int(key), "") if key.isdigit() else (1000, key)


def combine(tables: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """Per-patient tables stacked (patients in the given order)."""
    tables = [t for t in tables if not t.empty]
    if not tables:
        return pd.DataFrame(columns=OUTPUT_COLUMNS)
    return pd.concat(tables, ignore_index=True)[OUTPUT_COLUMNS]


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
    return pd.DataFrame(rows, columns=["patient", "input", "format", "records", "kept"] + [f"dropped_{r}" for r in reasons])
