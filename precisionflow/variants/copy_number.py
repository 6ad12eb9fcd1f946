"""Gene-level copy number from segments, called by PURPLE's rules relative to the sample's ploidy.

Segments are read and made absolute (log2 ratios corrected for purity) by :mod:`.segments`.

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
from dataclasses import dataclass

import numpy as np
import pandas as pd

from precisionflow.errors import InputError
from precisionflow.references import contig_key
from precisionflow.variants.segments import (  # noqa: F401 (read_segments & co. re-exported for callers)
    SEGMENT_COLUMNS_EXPECTED,
    InputCount,
    absolute_copies,
    input_summary,
    is_segment_table,
    read_segments,
    sex_chromosome,
)

log = logging.getLogger("precisionflow.variants")
# What a gene gets from the segments over it (blank for gene-level call tables, which give only the call).
GENE_MEASURES = ("min_cn", "max_cn", "minor_cn", "covered_fraction", "deleted_fraction", "amplified_fraction")

CALLS = ("amp", "gain", "neutral", "loss", "deep_loss")
OUTPUT_COLUMNS = [
    "patient", "gene", "total_cn", "call", "min_cn", "max_cn", "minor_cn", "loh",
    "covered_fraction", "deleted_fraction", "amplified_fraction", "ploidy", "chrom", "start", "end",
]  # fmt: skip
LOH_MINOR_CN = 0.5  # PURPLE: a minor-allele copy number below 0.5 is no copy of the minor allele


@dataclass(frozen=True)
class CopyNumberSettings:
    """The config's ``variants: copy_number:`` section (no defaults here: the schema fills them)."""

    amp_ratio: float
    gain_ratio: float
    loss_ratio: float
    deep_loss_cn: float
    ploidy: float | None  # None: the sheet's, else estimated from the segments
    biotypes: tuple[str, ...]  # genes reported (empty: all)
    keep_neutral: bool

    @classmethod
    def from_config(cls, section: Mapping[str, object]) -> CopyNumberSettings:
        """From a complete section (``precisionflow.settings.with_defaults("variants", ...)["copy_number"]``)."""
        ploidy = section["ploidy"]
        settings = cls(
            amp_ratio=float(section["amp_ratio"]),  # type: ignore[arg-type]
            gain_ratio=float(section["gain_ratio"]),  # type: ignore[arg-type]
            loss_ratio=float(section["loss_ratio"]),  # type: ignore[arg-type]
            deep_loss_cn=float(section["deep_loss_cn"]),  # type: ignore[arg-type]
            ploidy=None if ploidy is None else float(ploidy),  # type: ignore[arg-type]
            biotypes=tuple(section["biotypes"]),  # type: ignore[arg-type]
            keep_neutral=bool(section["keep_neutral"]),
        )
        if not settings.loss_ratio < 1 < settings.gain_ratio <= settings.amp_ratio:
            raise InputError(
                "config",
                "variants/copy_number",
                "loss_ratio < 1 < gain_ratio <= amp_ratio",
                f"loss_ratio {settings.loss_ratio:g}, gain_ratio {settings.gain_ratio:g}, "
                f"amp_ratio {settings.amp_ratio:g}",
            )
        return settings


@dataclass(frozen=True)
class TumourFacts:
    """What the sheet says of a patient's tumour (columns ``sex``, ``purity``, ``ploidy``)."""

    sex: str | None = None  # "M", "F" or None (unknown)
    purity: float | None = None
    ploidy: float | None = None


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

        sex_text, purity_text, ploidy_text = (_cell(sheet, patient, c) for c in (sex_column, "purity", "ploidy"))
        sex = None if sex_text is None else _SEX.get(sex_text.lower())
        if sex_text is not None and sex is None and sex_text.lower() not in _UNKNOWN_SEX:
            raise InputError(
                path,
                f"row {row} (patient {patient!r}), column {sex_column!r}",
                "M, F, male, female, U, unknown or a blank cell",
                repr(sex_text),
            )
        purity = _number(purity_text, path, row, patient, "purity", lambda v: 0 < v <= 1, "a purity in (0, 1]")
        ploidy = _number(ploidy_text, path, row, patient, "ploidy", lambda v: 0 < v < 20, "a ploidy between 0 and 20")
        facts[str(patient)] = TumourFacts(sex, purity, ploidy)
    return facts


def _cell(sheet: pd.DataFrame, patient: str, column: str) -> str | None:
    value = sheet.at[patient, column] if column in sheet.columns else None
    return None if value is None or pd.isna(value) or not str(value).strip() else str(value).strip()


def _number(
    text: str | None, path, row: int, patient: str, column: str, ok: Callable[[float], bool], expected: str
) -> float | None:
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not (np.isfinite(value) and ok(value)):
        raise InputError(
            path, f"row {row} (patient {patient!r}), column {column!r}", f"{expected} or a blank cell", repr(text)
        )
    return value


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
    which = sex_chromosome(chrom)
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
    settings: CopyNumberSettings,
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
                    "deleted_fraction": np.add.reduceat(np.where(copies < settings.deep_loss_cn, overlap, 0), starts)
                    / length,
                    "amplified_fraction": np.add.reduceat(np.where(copies > amp_level, overlap, 0), starts) / length,
                }
            )
        )
    columns = ["chrom", "start", "end", "gene", *GENE_MEASURES]
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    contigs = frame["chrom"].unique()  # per contig, not per gene: 60,000 genes lie on ~25 contigs
    expected = frame["chrom"].map({c: expected_copies(c, ploidy, sex) for c in contigs}).to_numpy(dtype=float)
    uncalled = np.isnan(expected)
    if uncalled.any():
        log.warning("%s: sex unknown (sheet column sex): %d gene(s) on X/Y not called", patient, int(uncalled.sum()))
        frame, expected = frame[~uncalled], expected[~uncalled]
    frame = frame.assign(total_cn=frame["min_cn"], patient=patient, ploidy=ploidy)
    frame["call"] = call(frame["min_cn"].to_numpy(), expected, ploidy, settings) if len(frame) else []
    heterozygous = frame["chrom"].map(
        {c: sex_chromosome(c) is None or (sex_chromosome(c) == "X" and sex == "F") for c in contigs}
    )
    known = heterozygous.astype(bool) & frame["minor_cn"].notna()
    loh = (frame["minor_cn"] < LOH_MINOR_CN) & (frame["min_cn"] >= settings.deep_loss_cn)
    frame["loh"] = pd.Series(loh, dtype="boolean").where(known, pd.NA)
    for column in ("covered_fraction", "deleted_fraction", "amplified_fraction"):
        frame[column] = frame[column].astype(float).round(4)
    if not settings.keep_neutral:
        frame = frame[frame["call"] != "neutral"]
    contig_rank = {c: rank for rank, c in enumerate(sorted(contigs, key=contig_order))}
    frame = frame.assign(_contig=frame["chrom"].map(contig_rank)).sort_values(
        ["_contig", "start", "gene"], kind="stable"
    )
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
