"""Reading input MAFs: dialects, rows checked, depth and allele fraction."""

from __future__ import annotations

import fnmatch
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from precisionflow.errors import InputError, shorten
from precisionflow.io import check_file, is_gzipped

log = logging.getLogger("precisionflow.variants")


MAF_REQUIRED = ("Chromosome", "Start_Position", "Reference_Allele", "Tumor_Seq_Allele2")

# Column names of other MAF dialects, matched case-insensitively (TCGA legacy ``Start_position`` /
# ``End_position``, lower-case exports): renamed to the GDC names when the GDC name is absent.
MAF_KNOWN_COLUMNS = (
    "Hugo_Symbol", "Chromosome", "Start_Position", "End_Position", "Reference_Allele", "Tumor_Seq_Allele1",
    "Tumor_Seq_Allele2", "Tumor_Sample_Barcode", "Variant_Classification", "Variant_Type", "NCBI_Build", "HGVSp",
    "HGVSp_Short", "HGVSc", "FILTER", "t_depth", "t_ref_count", "t_alt_count", "t_vaf", "Protein_Change",
)  # fmt: skip
# Protein change columns of Broad/Oncotator MAFs (``p.V600E``), read when HGVSp_Short and HGVSp are blank.
PROTEIN_CHANGE_COLUMNS = ("Protein_Change", "i_Protein_Change", "amino_acid_change", "AAChange")
# Allele-fraction columns read when t_alt_count with t_depth (or t_ref_count) give none: MuTect's ``tumor_f``,
# Oncotator's ``i_tumor_f``, WashU's ``i_TumorVAF_WU`` (TCGA LAML; in percent) and other ``i_TumorVAF*``.
VAF_COLUMNS = ("t_vaf", "tumor_f", "i_tumor_f")
VAF_COLUMN_PATTERN = "i_tumorvaf*"

# Variant_Classification values of the MAF specification (GDC) and of older TCGA/Broad MAFs (Oncotator, maftools'
# examples), plus this module's own (Unknown, gene overlap). Anything else is an error naming its row.
MAF_CLASSES = frozenset(
    {
        "Frame_Shift_Del", "Frame_Shift_Ins", "In_Frame_Del", "In_Frame_Ins", "Missense_Mutation", "Nonsense_Mutation",
        "Silent", "Splice_Site", "Translation_Start_Site", "Nonstop_Mutation", "3'UTR", "3'Flank", "5'UTR", "5'Flank",
        "IGR", "Intron", "RNA", "Targeted_Region", "De_novo_Start_InFrame", "De_novo_Start_OutOfFrame",
        "Splice_Region", "Unknown", "lincRNA", "Start_Codon_SNP", "Start_Codon_Del", "Start_Codon_Ins",
        "Stop_Codon_Del", "Stop_Codon_Ins", "Start_Codon_DNP", "Stop_Codon_DNP", "Splice_Site_SNP", "Splice_Site_Del",
        "Splice_Site_Ins", "Splice_Site_DNP", "Splice_Site_ONP", "Read-through", "Nonstop", "miRNA", "Fusion", "Indel",
        "Missense", "Nonsense",
    }
)  # fmt: skip

# NCBI_Build values naming each build (upper-cased).
BUILD_VALUES = {
    "GRCh37": {"GRCH37", "GRCH37-LITE", "HG19", "37", "B37", "HS37D5", "NCBI37"},
    "GRCh38": {"GRCH38", "HG38", "38", "B38", "NCBI38"},
}


def harmonise_maf_columns(columns: Iterable[str]) -> dict[str, str]:
    """Renames of dialect column names to the GDC names (case-insensitive; a GDC name already present wins)."""
    present = set(columns)
    wanted = {name.lower(): name for name in MAF_KNOWN_COLUMNS}
    renames: dict[str, str] = {}
    for column in columns:
        target = wanted.get(column.lower())
        if target and target != column and target not in present and target not in renames.values():
            renames[column] = target
    return renames


def _maf_chunks(path: str | os.PathLike[str], chunk_rows: int = 200_000):
    """The file's rows in chunks (column names harmonised); a header-only file gives one empty chunk."""
    check_file(path, "a MAF file")
    try:
        skip, header = _maf_header(path)
        if header is None:
            raise pd.errors.EmptyDataError
        renames = harmonise_maf_columns(header)
        missing = [c for c in MAF_REQUIRED if c not in {renames.get(h, h) for h in header}]
        if missing:
            raise InputError(path, "header", f"MAF column(s) {shorten(missing)}", f"columns {shorten(header)}")
        reader = pd.read_csv(
            path,
            sep="\t",
            skiprows=skip,
            dtype=str,
            chunksize=chunk_rows,
            keep_default_na=False,
            na_values=[""],
            compression="infer",
        )
        rows = 0
        for chunk in reader:
            rows += len(chunk)
            yield chunk.rename(columns=renames)
        if not rows:
            yield pd.DataFrame(columns=[renames.get(h, h) for h in header], dtype=str)
    except (pd.errors.ParserError, UnicodeDecodeError, EOFError, OSError) as error:
        raise InputError(
            path, "content", "a tab-separated MAF (plain or gzipped)", str(error).splitlines()[0][:200]
        ) from None
    except pd.errors.EmptyDataError:
        raise InputError(path, "content", "a MAF with a header line", "no header") from None


def numbers_of(frame: pd.DataFrame, column: str, path: str | os.PathLike[str]) -> np.ndarray:
    """A text column as numbers (NaN for '', '.', 'NA' or an absent column); anything else names its row.

    Rows are named by the frame's index (the file's data row, counted from 0), so filtered frames still point at the
    right line.
    """
    if column not in frame.columns:
        return np.full(len(frame), np.nan)
    text = frame[column]
    values = pd.to_numeric(text.where(~text.astype(str).isin([".", "NA", "nan", ""])), errors="coerce")
    bad = values.isna() & text.notna() & ~text.astype(str).isin([".", "NA", "nan", ""])
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(path, f"row {int(frame.index[row]) + 2}, column {column!r}", "a number", repr(text.iloc[row]))
    return values.to_numpy(dtype=float)


def _row_error(path, table: pd.DataFrame, mask: np.ndarray, column: str, expected: str, found) -> InputError:
    i = int(np.flatnonzero(mask)[0])
    return InputError(path, f"row {int(table.index[i]) + 2}, column {column!r}", expected, found(i))


def check_maf_rows(path: str | os.PathLike[str], table: pd.DataFrame, genome_build: str) -> None:
    """Impossible or inconsistent rows are errors naming the row: blank position, position below 1, an allele equal
    to the reference, more alternate reads than the depth, an unknown Variant_Classification, another build."""
    if not len(table):
        return
    pos = numbers_of(table, "Start_Position", path)
    if np.isnan(pos).any():
        raise _row_error(path, table, np.isnan(pos), "Start_Position", "a position", lambda i: "a blank cell")
    if (pos < 1).any():
        raise _row_error(
            path, table, pos < 1, "Start_Position", "a 1-based position (1 or more)", lambda i: f"{pos[i]:g}"
        )
    ref = table["Reference_Allele"].fillna("-").astype(str).str.upper().to_numpy()
    alt = np.asarray(alternate_alleles(table), dtype=object)
    same = ref == alt
    if same.any():
        raise _row_error(
            path,
            table,
            same,
            "Tumor_Seq_Allele2",
            "an allele that differs from Reference_Allele",
            lambda i: f"{ref[i]!r} = Reference_Allele",
        )
    alt_count, depth = numbers_of(table, "t_alt_count", path), numbers_of(table, "t_depth", path)
    over = alt_count > depth
    if over.any():
        raise _row_error(
            path,
            table,
            over,
            "t_alt_count",
            "at most t_depth reads",
            lambda i: f"{alt_count[i]:g} of t_depth {depth[i]:g}",
        )
    if "Variant_Classification" in table.columns:
        classes = table["Variant_Classification"]
        unknown = (classes.notna() & ~classes.isin(MAF_CLASSES)).to_numpy()
        if unknown.any():
            raise _row_error(
                path,
                table,
                unknown,
                "Variant_Classification",
                "a MAF class (Missense_Mutation, Frame_Shift_Del, IGR ...)",
                lambda i: repr(classes.iloc[i]),
            )
    if "NCBI_Build" in table.columns and genome_build in BUILD_VALUES:
        builds = table["NCBI_Build"].fillna("").astype(str).str.strip().str.upper()
        other = set().union(*(v for b, v in BUILD_VALUES.items() if b != genome_build))
        wrong = builds.isin(other).to_numpy()
        if wrong.any():
            raise _row_error(
                path,
                table,
                wrong,
                "NCBI_Build",
                f"{genome_build} (config genome_build)",
                lambda i: repr(table["NCBI_Build"].iloc[i]),
            )


def alternate_alleles(table: pd.DataFrame) -> list[str]:
    """``Tumor_Seq_Allele2``, or ``Tumor_Seq_Allele1`` where Allele2 repeats the reference and Allele1 does not."""
    ref = table["Reference_Allele"].fillna("-").astype(str).str.upper()
    alt = table["Tumor_Seq_Allele2"].fillna("-").astype(str).str.upper()
    if "Tumor_Seq_Allele1" in table.columns:
        first = table["Tumor_Seq_Allele1"].fillna("-").astype(str).str.upper()
        alt = alt.where(~((alt == ref) & (first != ref)), first)
    return alt.tolist()


@dataclass
class MafEvidence:
    """Per row: depth, reference and alternate counts, VAF (NaN where unknown); whether the file has a depth / a VAF."""

    depth: np.ndarray
    ref_count: np.ndarray
    alt_count: np.ndarray
    vaf: np.ndarray
    has_depth: bool
    has_vaf: bool

    def rows(self, selected: np.ndarray) -> MafEvidence:
        return MafEvidence(
            self.depth[selected],
            self.ref_count[selected],
            self.alt_count[selected],
            self.vaf[selected],
            self.has_depth,
            self.has_vaf,
        )


def maf_depth_and_vaf(path: str | os.PathLike[str], table: pd.DataFrame) -> MafEvidence:
    """The tumour's depth and allele fraction of each row (see :func:`.maf_input.maf_to_maf`)."""
    depth = numbers_of(table, "t_depth", path)
    alt_count = numbers_of(table, "t_alt_count", path)
    ref_count = numbers_of(table, "t_ref_count", path)
    depth = np.where(np.isnan(depth), ref_count + alt_count, depth)  # Broad MAFs: no t_depth (NaN stays NaN)
    with np.errstate(divide="ignore", invalid="ignore"):
        vaf = np.where(depth > 0, alt_count / depth, np.nan)
    sources = [c for c in VAF_COLUMNS if c in table.columns]
    sources += sorted(c for c in table.columns if fnmatch.fnmatchcase(c.lower(), VAF_COLUMN_PATTERN))
    for column in sources:
        values = numbers_of(table, column, path)
        if np.nanmax(values, initial=0) > 1:  # WashU's i_TumorVAF_WU is a percentage
            log.info("MAF: column %s read as percent (values above 1)", column)
            values = values / 100
        vaf = np.where(np.isnan(vaf), values, vaf)
    has_depth = "t_depth" in table.columns or {"t_ref_count", "t_alt_count"} <= set(table.columns)
    has_vaf = "t_alt_count" in table.columns and has_depth or bool(sources)
    return MafEvidence(depth, ref_count, alt_count, vaf, has_depth, has_vaf)


def _maf_header(path: str | os.PathLike[str]) -> tuple[int, list[str] | None]:
    """The number of leading ``#`` lines and the column names of the header line after them (None: no header)."""
    import gzip

    opener = gzip.open if is_gzipped(path) else open
    count = 0
    with opener(path, "rt", encoding="utf-8-sig") as handle:
        for line in handle:
            if not line.startswith("#"):
                return count, line.rstrip("\r\n").split("\t")
            count += 1
    return count, None
