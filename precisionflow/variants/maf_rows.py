"""MAF rows: the output columns, assembled block by block from alleles and annotation, written atomically."""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from precisionflow.io import atomic_path, is_gzipped
from precisionflow.variants.alleles import Alleles
from precisionflow.variants.filters import FilterSettings
from precisionflow.variants.lookup import References
from precisionflow.variants.vcf import AlleleBlock

if TYPE_CHECKING:
    import pandas as pd

NO_TRANSCRIPT = "gene overlap (no transcript model)"
MAF_VERSION = "#version 2.4"

# Output columns and their types (the same bytes for the same input, block after block).
MAF_SCHEMA = pa.schema(
    [
        ("Hugo_Symbol", pa.string()),
        ("Gene", pa.string()),
        ("NCBI_Build", pa.string()),
        ("Chromosome", pa.string()),
        ("Start_Position", pa.int64()),
        ("End_Position", pa.int64()),
        ("Strand", pa.string()),
        ("Variant_Classification", pa.string()),
        ("Variant_Type", pa.string()),
        ("Reference_Allele", pa.string()),
        ("Tumor_Seq_Allele1", pa.string()),
        ("Tumor_Seq_Allele2", pa.string()),
        ("Tumor_Sample_Barcode", pa.string()),
        ("HGVSc", pa.string()),
        ("HGVSp", pa.string()),
        ("HGVSp_Short", pa.string()),
        ("Transcript_ID", pa.string()),
        ("Consequence", pa.string()),
        ("IMPACT", pa.string()),
        ("BIOTYPE", pa.string()),
        ("CANONICAL", pa.string()),
        ("annotation_source", pa.string()),
        ("FILTER", pa.string()),
        ("t_depth", pa.int64()),
        ("t_ref_count", pa.int64()),
        ("t_alt_count", pa.int64()),
        ("t_vaf", pa.float64()),
        ("population_af", pa.float64()),
        ("is_hotspot", pa.string()),
        ("hotspot", pa.string()),
        ("is_driver_gene", pa.string()),
        ("driver_role", pa.string()),
        ("vcf_chrom", pa.string()),
        ("vcf_pos", pa.int64()),
        ("vcf_ref", pa.string()),
        ("vcf_alt", pa.string()),
    ]
)
MAF_COLUMNS = MAF_SCHEMA.names


ANNOTATION_TEXT = (
    "Hugo_Symbol",
    "Gene",
    "HGVSc",
    "HGVSp",
    "HGVSp_Short",
    "Transcript_ID",
    "Consequence",
    "IMPACT",
    "BIOTYPE",
    "CANONICAL",
    "Variant_Classification",
    "annotation_source",
)


@dataclass
class Given:
    """Annotation of some rows of a block (from CSQ/ANN or from a MAF's columns): row -> column -> text."""

    rows: list[int] = field(default_factory=list)
    values: dict[str, list[str]] = field(default_factory=lambda: {c: [] for c in ANNOTATION_TEXT})

    def add(self, row: int, **columns: str) -> None:
        self.rows.append(row)
        for column in ANNOTATION_TEXT:
            self.values[column].append(columns.get(column, ""))


def _counts(values: np.ndarray) -> pa.Array:
    values = np.asarray(values, dtype=float)
    missing = np.isnan(values)
    return pa.array(np.where(missing, 0, np.round(values)).astype(np.int64), mask=missing)


def _floats(values: np.ndarray, digits: int | None = None) -> pa.Array:
    values = np.asarray(values, dtype=float)
    if digits is not None:
        values = np.round(values, digits)
    return pa.array(values, mask=np.isnan(values))


def assemble(
    block: AlleleBlock,
    alleles: Alleles,
    given: Given,
    population_af: np.ndarray,
    references: References,
    patient: str,
    genome_build: str,
) -> pa.Table:
    """The MAF columns of a block: genes by position where ``given`` has no annotation, flags for all."""
    n = len(block)
    gene_row = references.gene_rows(block.chrom, alleles.start)
    # Gene columns as dictionary arrays over the reference's columns: no string is copied per row.
    code = pa.array(np.where(gene_row >= 0, gene_row, len(references.gene_symbol) - 1).astype(np.int32))

    def by_gene(values: pa.Array) -> pa.Array:
        return pa.DictionaryArray.from_arrays(code, values)

    columns: dict[str, pa.Array] = {
        "Hugo_Symbol": by_gene(references.gene_symbol),
        "Gene": by_gene(references.gene_id),
        "BIOTYPE": by_gene(references.gene_biotype),
        "Variant_Classification": pa.DictionaryArray.from_arrays(
            pa.array((gene_row < 0).astype(np.int32)), pa.array(["Unknown", "IGR"], pa.string())
        ),
        "annotation_source": pa.repeat(pa.scalar(NO_TRANSCRIPT, pa.string()), n),
    }
    empty = pa.repeat(pa.scalar("", pa.string()), n)
    for column in ("HGVSc", "HGVSp", "HGVSp_Short", "Transcript_ID", "Consequence", "IMPACT", "CANONICAL"):
        columns[column] = empty
    role = by_gene(references.gene_role)
    driver = references.gene_is_driver[np.where(gene_row >= 0, gene_row, -1)]
    hot = references.hotspot_labels(block.chrom, alleles.start, alleles.ref, alleles.alt)
    if given.rows:
        mask = np.zeros(n, dtype=bool)
        mask[given.rows] = True
        order = np.argsort(given.rows, kind="stable")
        mask_pa = pa.array(mask)
        for column in ANNOTATION_TEXT:
            values = [given.values[column][i] for i in order]
            columns[column] = pc.replace_with_mask(
                columns[column].cast(pa.string()), mask_pa, pa.array(values, pa.string())
            )
        symbols = [given.values["Hugo_Symbol"][i] for i in order]
        roles = [references.role.get(s, "") for s in symbols]
        role = pc.replace_with_mask(role.cast(pa.string()), mask_pa, pa.array(roles, pa.string()))
        driver[np.asarray(given.rows)[order]] = [bool(r) for r in roles]
        for row, symbol, protein in zip(
            np.asarray(given.rows)[order].tolist(), symbols, [given.values["HGVSp_Short"][i] for i in order]
        ):
            if row not in hot:
                label = references.hotspot_by_protein(symbol, protein)
                if label:
                    hot[row] = label
    hot_mask = np.zeros(n, dtype=bool)
    hot_mask[list(hot)] = True
    # Rows without a transcript model: a known hotspot allele still gets its protein change (from the hotspot table).
    annotated = set(given.rows)
    from_table = {
        r: references.hot_change[label]
        for r, label in hot.items()
        if r not in annotated and label in references.hot_change
    }
    if from_table:
        rows = sorted(from_table)
        mask = np.zeros(n, dtype=bool)
        mask[rows] = True
        columns["HGVSp_Short"] = pc.replace_with_mask(
            columns["HGVSp_Short"].cast(pa.string()),
            pa.array(mask),
            pa.array([from_table[r] for r in rows], pa.string()),
        )
    hotspot = empty
    if hot:
        rows = sorted(hot)
        hotspot = pc.replace_with_mask(empty, pa.array(hot_mask), pa.array([hot[r] for r in rows], pa.string()))
    flags = pa.array(["False", "True"], pa.string())

    arrays = {
        **columns,
        "NCBI_Build": pa.repeat(pa.scalar(genome_build, pa.string()), n),
        "Chromosome": block.chrom,
        "Start_Position": pa.array(alleles.start.astype(np.int64)),
        "End_Position": pa.array(alleles.end.astype(np.int64)),
        "Strand": pa.repeat(pa.scalar("+", pa.string()), n),
        "Variant_Type": alleles.variant_type,
        "Reference_Allele": alleles.ref,
        "Tumor_Seq_Allele1": alleles.ref,
        "Tumor_Seq_Allele2": alleles.alt,
        "Tumor_Sample_Barcode": pa.repeat(pa.scalar(patient, pa.string()), n),
        "FILTER": block.filter,
        "t_depth": _counts(block.t_depth),
        "t_ref_count": _counts(block.t_ref_count),
        "t_alt_count": _counts(block.t_alt_count),
        "t_vaf": _floats(block.t_vaf, 4),
        "population_af": _floats(population_af),
        "is_hotspot": flags.take(pa.array(hot_mask.astype(np.int64))),
        "hotspot": hotspot,
        "is_driver_gene": flags.take(pa.array(driver.astype(np.int64))),
        "driver_role": role,
        "vcf_chrom": block.vcf_chrom,
        "vcf_pos": _counts(alleles.vcf_pos),
        "vcf_ref": alleles.vcf_ref,
        "vcf_alt": alleles.vcf_alt,
    }
    return pa.Table.from_arrays([arrays[name] for name in MAF_COLUMNS], names=MAF_COLUMNS)


def header_lines(settings: FilterSettings, applied: Mapping[str, str], extra: Mapping[str, str]) -> list[str]:
    """``#`` lines recording the filters (and whether each could apply) and how the file was made."""
    lines = [MAF_VERSION, "#precisionflow variants: filtered, annotated variants of one patient"]
    lines.append(f"#filter.pass_filters {','.join(settings.pass_filters)}")
    lines.append(f"#filter.min_depth {settings.min_depth:g}{applied.get('min_depth', '')}")
    lines.append(f"#filter.min_vaf {settings.min_vaf:g}{applied.get('min_vaf', '')}")
    lines.append(f"#filter.max_population_af {settings.max_population_af:g}{applied.get('max_population_af', '')}")
    lines.append(f"#filter.population_af_fields {','.join(settings.population_af_fields)}")
    lines += [f"#{key} {value}" for key, value in extra.items()]
    return lines


class MafWriter:
    """Writes MAF rows block by block into a temporary file moved into place at the end (atomic).

    Blocks are formatted and written by a background thread (pyarrow releases the GIL), so writing
    one block overlaps with reading the next.
    """

    def __init__(self, path: str | os.PathLike[str], lines: list[str]) -> None:
        self._context = atomic_path(path)
        self._tmp = self._context.__enter__()
        self._handle = open(self._tmp, "wb")
        self._handle.write(("\n".join(lines + ["\t".join(MAF_COLUMNS)]) + "\n").encode())
        self._options = pacsv.WriteOptions(include_header=False, delimiter="\t", quoting_style="none")
        self._queue: queue.Queue[pa.Table | None] = queue.Queue(maxsize=2)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="maf-writer", daemon=True)
        self._thread.start()
        self.rows = 0

    def _run(self) -> None:
        while True:
            table = self._queue.get()
            if table is None:
                return
            if self._error is None:
                try:
                    pacsv.write_csv(table, self._handle, write_options=self._options)
                except BaseException as error:  # handed to the main thread at close()
                    self._error = error

    def write(self, table: pa.Table) -> None:
        if self._error is not None:
            raise self._error
        if table.num_rows:
            self._queue.put(table)
            self.rows += table.num_rows

    def close(self, error: BaseException | None = None) -> None:
        self._queue.put(None)
        self._thread.join()
        self._handle.close()
        error = error or self._error
        if error is None:
            self._context.__exit__(None, None, None)
            return
        self._context.__exit__(type(error), error, error.__traceback__)
        if error is self._error:
            raise error


def _comment_lines(path: str | os.PathLike[str]) -> int:
    import gzip

    opener = gzip.open if is_gzipped(path) else open
    count = 0
    with opener(path, "rt", encoding="utf-8", errors="replace") as handle:
        for line in handle:
            if not line.startswith("#"):
                break
            count += 1
    return count


def write_maf(path: str | os.PathLike[str], lines: list[str], tables: Iterable[pa.Table]) -> int:
    """Write the ``#`` lines, the column names and the tables' rows to ``path`` (atomic); returns the number of rows."""
    writer = MafWriter(path, lines)
    try:
        for table in tables:
            writer.write(table)
    except BaseException as error:
        writer.close(error)
        raise
    writer.close()
    return writer.rows


def read_maf(path: str | os.PathLike[str], columns: Iterable[str] | None = None) -> pd.DataFrame:
    """A MAF written by this module (leading ``#`` lines skipped), with its types."""
    import pandas as pd

    usecols = list(columns) if columns is not None else None
    frame = pd.read_csv(
        path,
        sep="\t",
        skiprows=_comment_lines(path),
        usecols=usecols,
        dtype={"Chromosome": str, "Hugo_Symbol": str, "vcf_chrom": str},
        keep_default_na=False,
        na_values=[""],
    )
    for column in ("is_hotspot", "is_driver_gene"):
        if column in frame.columns:
            frame[column] = frame[column].astype(str) == "True"
    return frame
