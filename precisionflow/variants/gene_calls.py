"""Gene-level copy-number call tables, and one patient's ``cna`` file (segments or calls) to gene calls.

A ``cna`` file of the sheet may hold segments (:mod:`.copy_number`) or calls another tool made per
gene. Two dialects of gene calls are read (column names case-insensitive):

* **MOAlmanac** (``--called_cn_handle``): ``gene`` and ``call`` columns, words such as
  ``Amplification``, ``Deletion``, ``Gain``, ``Loss``, ``Wild type``/``Neutral``/``Baseline``;
* **cBioPortal** discrete CNA (``data_CNA.txt``): ``Hugo_Symbol`` (``Entrez_Gene_Id``, ``Cytoband``
  optional) and one column per sample of GISTIC-style values -2 (deep deletion), -1.5 (hemizygous
  deep deletion), -1 (shallow deletion), 0 (diploid), 1 (gain), 2 (amplification); the patient's
  column is the sheet's ``tumor_sample``, else the patient id, else the only one. A ``call`` column
  of these numbers is read the same way; with a ``sample`` column of several samples (a long
  table), the patient's rows (same choice).

Calls map to the project's: amplification/2 → ``amp``; gain/1 → ``gain``; wild type/neutral/0 →
``neutral``; loss/shallow deletion/-1 → ``loss``; deletion/deep deletion/-2/-1.5 → ``deep_loss``
(MOAlmanac's ``Deletion`` is a deletion of the gene, what its knowledge base's deletion assertions
mean, so the deep one). Blank cells (``NA``) are no call: dropped and counted; a gene listed twice
keeps its first row (counted). Any other value is an error naming the row. Copy numbers and
fractions are blank for such rows; position columns come from the genes reference where the symbol
is found.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable

import numpy as np
import pandas as pd

from precisionflow.errors import InputError, shorten
from precisionflow.io import read_table
from precisionflow.variants.copy_number import (
    GENE_MEASURES,
    OUTPUT_COLUMNS,
    CopyNumberSettings,
    TumourFacts,
    contig_order,
    gene_copy_number,
)
from precisionflow.variants.segments import (
    SEGMENT_COLUMNS_EXPECTED,
    InputCount,
    absolute_copies,
    is_segment_table,
    read_segments,
)

log = logging.getLogger("precisionflow.variants")

GENE_COLUMNS = ("gene", "hugo_symbol", "gene_symbol", "symbol", "gene symbol")
CALL_COLUMNS = ("call", "cna", "copy_number_call", "alteration")
SAMPLE_COLUMNS = ("sample", "sample_id", "tumor_sample_barcode", "id")
ANNOTATION_COLUMNS = ("entrez_gene_id", "locus id", "locus_id", "cytoband")
WORD_CALLS = {
    "amplification": "amp", "amp": "amp", "amplified": "amp", "high level amplification": "amp",
    "gain": "gain", "low level gain": "gain", "copy number gain": "gain",
    "neutral": "neutral", "wild type": "neutral", "wildtype": "neutral", "baseline": "neutral", "diploid": "neutral",
    "loss": "loss", "shallow deletion": "loss", "hetloss": "loss", "heterozygous deletion": "loss",
    "hemizygous deletion": "loss",
    "deletion": "deep_loss", "deep deletion": "deep_loss", "homdel": "deep_loss", "homozygous deletion": "deep_loss",
    "deep loss": "deep_loss", "deep_loss": "deep_loss",
}  # fmt: skip
DISCRETE_CALLS = {-2.0: "deep_loss", -1.5: "deep_loss", -1.0: "loss", 0.0: "neutral", 1.0: "gain", 2.0: "amp"}
EXPECTED_CALLS = (
    "a call: Amplification, Gain, Neutral/Wild type, Loss, Deletion "
    "(or amp, gain, neutral, loss, deep_loss; cBioPortal -2, -1.5, -1, 0, 1, 2)"
)


def _column(frame: pd.DataFrame, names: tuple[str, ...]) -> str | None:
    lowered = {str(c).strip().lower(): c for c in frame.columns}
    return next((lowered[n] for n in names if n in lowered), None)


def is_gene_call_table(frame: pd.DataFrame) -> bool:
    gene = _column(frame, GENE_COLUMNS)
    return gene is not None and len(frame.columns) >= 2


def _normalise(word: str) -> str:
    return re.sub(r"[\s_\-]+", " ", word.strip().lower())


def map_calls(values: pd.Series, path: str | os.PathLike[str], column: str) -> pd.Series:
    """Each cell as a project call (NaN for a blank cell); an unknown value names its row."""
    out = pd.Series(np.nan, index=values.index, dtype=object)
    for row, value in values.items():
        if pd.isna(value) or not str(value).strip() or str(value).strip().upper() in {"NA", "NAN", "."}:
            continue
        text = str(value).strip()
        try:
            mapped = DISCRETE_CALLS.get(float(text))
        except ValueError:
            mapped = WORD_CALLS.get(_normalise(text)) or WORD_CALLS.get(text.strip().lower())
        if mapped is None:
            raise InputError(path, f"row {int(row) + 2}, column {column!r}", EXPECTED_CALLS, repr(text))
        out[row] = mapped
    return out


def read_gene_calls(
    path: str | os.PathLike[str],
    genes: pd.DataFrame,
    patient: str,
    *,
    sample: str | None = None,
    sheet_id: str | None = None,
    frame: pd.DataFrame | None = None,
    count: InputCount | None = None,
    ploidy: float | None = None,
    keep_neutral: bool,
) -> pd.DataFrame:
    """A patient's gene-level calls as :data:`~.copy_number.OUTPUT_COLUMNS` (rules in the module docstring)."""
    if frame is None:
        frame = read_table(path, what="gene-level copy-number calls", dtype=str)
    frame.index = range(len(frame))
    count = count if count is not None else InputCount(patient, str(path), "gene calls")
    gene_column = _column(frame, GENE_COLUMNS)
    if gene_column is None:
        raise InputError(path, "header", SEGMENT_COLUMNS_EXPECTED, f"columns {shorten(frame.columns, 8)}")
    wanted = [s for s in (sample, sheet_id, patient) if s]
    frame = _patient_rows(path, frame, wanted)
    call_column = _call_column(path, frame, gene_column, wanted)
    count.records = len(frame)
    calls = map_calls(frame[call_column], path, str(call_column))
    symbols, keep = _genes_kept(path, frame, gene_column, calls, count)
    out = pd.DataFrame(
        {"patient": patient, "gene": symbols[keep].astype(str).to_numpy(), "call": calls[keep].to_numpy()}
    )
    # Position from the genes reference (first row of a symbol); genes it lacks keep their call, unplaced.
    place = genes.drop_duplicates("symbol").set_index("symbol")[["chrom", "start", "end"]]
    out = out.join(place, on="gene")
    unplaced = int(out["chrom"].isna().sum())
    if unplaced:
        log.warning("%s: %d gene(s) not in the genes reference kept without a position", count.label, unplaced)
    for column in ("total_cn", *GENE_MEASURES):
        out[column] = np.nan
    out["loh"] = pd.NA
    out["ploidy"] = np.nan if ploidy is None else ploidy
    if not keep_neutral:
        out = out[out["call"] != "neutral"]
    return _sorted_by_position(out)


def _patient_rows(path: str | os.PathLike[str], frame: pd.DataFrame, wanted: list[str]) -> pd.DataFrame:
    """A long table of several samples (sample, gene, call): the patient's rows; any other table as is."""
    call_column = _column(frame, CALL_COLUMNS)
    sample_column = _column(frame, SAMPLE_COLUMNS)
    if call_column is None or sample_column is None or frame[sample_column].nunique() <= 1:
        return frame
    present = set(frame[sample_column].dropna())
    chosen = next((s for s in wanted if s in present), None)
    if chosen is None:
        raise InputError(
            path,
            f"column {sample_column!r}",
            f"the patient's sample ({shorten(wanted)}; sheet column tumor_sample)",
            f"samples {shorten(sorted(present))}",
        )
    return frame[frame[sample_column] == chosen]


def _call_column(path: str | os.PathLike[str], frame: pd.DataFrame, gene_column: str, wanted: list[str]) -> str:
    """The column of calls: ``call`` (or a synonym), else the patient's sample column of a wide table."""
    call_column = _column(frame, CALL_COLUMNS)
    if call_column is not None:
        return call_column
    samples = [c for c in frame.columns if c != gene_column and str(c).strip().lower() not in ANNOTATION_COLUMNS]
    call_column = next((s for s in wanted if s in samples), samples[0] if len(samples) == 1 else None)
    if call_column is None:
        raise InputError(
            path,
            "header",
            f"a 'call' column or the patient's sample column ({shorten(wanted)}; sheet column tumor_sample)",
            f"sample columns {shorten(samples)}" if samples else "no sample column",
        )
    return call_column


def _genes_kept(
    path: str | os.PathLike[str], frame: pd.DataFrame, gene_column: str, calls: pd.Series, count: InputCount
) -> tuple[pd.Series, pd.Series]:
    """The gene symbols and the rows kept: a blank symbol is an error; no call and repeated genes are dropped."""
    symbols = frame[gene_column].astype("string").str.strip()
    blank_gene = symbols.isna() | (symbols == "")
    if blank_gene.any():
        row = int(frame.index[np.flatnonzero(blank_gene.to_numpy())[0]]) + 2
        raise InputError(path, f"row {row}, column {gene_column!r}", "a gene symbol", "a blank cell")
    no_call = calls.isna()
    if no_call.any():
        count.drop("no_call", int(no_call.sum()))
        log.warning("%s: %d gene(s) without a call (blank/NA) dropped", count.label, int(no_call.sum()))
    duplicate = symbols.duplicated() & ~no_call
    if duplicate.any():
        count.drop("duplicate_gene", int(duplicate.sum()))
        log.warning(
            "%s: %d gene(s) listed again, first row kept: %s",
            count.label,
            int(duplicate.sum()),
            shorten(sorted(set(symbols[duplicate]))),
        )
    return symbols, ~no_call & ~duplicate


def _sorted_by_position(out: pd.DataFrame) -> pd.DataFrame:
    """Rows in the reference's contig order, then by start and gene (unplaced genes last)."""
    rank = {c: r for r, c in enumerate(sorted(out["chrom"].dropna().unique(), key=contig_order))}
    out = out.assign(_contig=out["chrom"].map(rank).fillna(len(rank)), _start=out["start"].fillna(-1))
    out = out.sort_values(["_contig", "_start", "gene"], kind="stable")
    out["start"] = out["start"].astype("Int64")
    out["end"] = out["end"].astype("Int64")
    return out[OUTPUT_COLUMNS].reset_index(drop=True)


def patient_copy_number(
    path: str | os.PathLike[str],
    genes: pd.DataFrame,
    contig_match: Callable[[str], str | None],
    patient: str,
    settings: CopyNumberSettings,
    facts: TumourFacts | None = None,
    *,
    sample: str | None = None,
    sheet_id: str | None = None,
) -> tuple[pd.DataFrame, InputCount]:
    """A patient's ``cna`` file, segments or gene calls, as gene calls, with the count of its records (``facts``:
    what the sheet says of the tumour; None: nothing)."""
    facts = facts or TumourFacts()
    frame = read_table(path, what="copy-number segments or gene-level calls", dtype=str)
    if is_segment_table(frame):
        count = InputCount(patient, str(path), "segments")
        segments = read_segments(path, contig_match, sample, frame=frame, count=count)
        segments = absolute_copies(segments, facts.purity, facts.ploidy, facts.sex)
        table = gene_copy_number(segments, genes, patient, settings, facts.sex, facts.ploidy)
    elif is_gene_call_table(frame):
        count = InputCount(patient, str(path), "gene calls")
        ploidy = facts.ploidy if facts.ploidy is not None else settings.ploidy
        table = read_gene_calls(
            path,
            genes,
            patient,
            sample=sample,
            sheet_id=sheet_id,
            frame=frame,
            count=count,
            ploidy=ploidy,
            keep_neutral=settings.keep_neutral,
        )
    else:
        raise InputError(path, "header", SEGMENT_COLUMNS_EXPECTED, f"columns {shorten(frame.columns, 8)}")
    dropped = ", ".join(f"{n} {reason.replace('_', ' ')}" for reason, n in sorted(count.dropped.items()))
    log.info(
        "%s: %s, %d records, %d kept%s; %d genes called",
        count.label,
        count.kind,
        count.records,
        count.kept,
        f" (dropped: {dropped})" if dropped else "",
        len(table),
    )
    return table, count
