"""One patient's variants to an annotated, filtered MAF (``results/variants/{patient}.maf.tsv``).

Input is a VCF (:func:`vcf_to_maf`, streamed block by block, see :mod:`.vcf`) or a MAF
(:func:`maf_to_maf`, e.g. a GDC cohort MAF, the patient's rows chosen by ``Tumor_Sample_Barcode``).

**Filters** (each threshold in the config, written in the output's ``#`` header lines):

* ``pass_filters``: FILTER must be one of these (``.`` counts as PASS; a record with several
  ``;``-joined filters passes when each is listed);
* ``min_depth`` / ``min_vaf``: tumour depth and allele fraction (see :mod:`.vcf` for where they come
  from). A record whose depth or VAF is unknown fails a threshold above 0; when the file defines no
  depth (or no allele-fraction) field at all, that filter cannot apply: the header line says
  ``not applied`` and the log warns;
* ``max_population_af``: the highest value among INFO or CSQ/ANN subfields whose names match
  ``population_af_fields`` (shell patterns, case-insensitive: gnomAD ``gnomADe_AF``, PCGR
  ``GLOBAL_AF_GNOMAD`` …) must not exceed it; a variant without any such value passes.

**Coordinates.** ``Chromosome`` uses the genes reference's naming (``chr17`` becomes ``17`` when the
reference has no prefix; ``vcf_chrom`` keeps the VCF's). Alleles follow MAF convention (shared bases
trimmed, ``-`` for an empty allele, an insertion starting at the base before it); ``vcf_pos``,
``vcf_ref``, ``vcf_alt`` give the minimal VCF representation (trailing, then leading shared bases
trimmed while both alleles keep one base). A contig naming that matches none of the reference's
contigs is an error when it leaves no record on a known contig.

**Genes and classes.** From the ``CSQ``/``ANN`` annotation when present (:mod:`.annotation`);
otherwise from the genes reference by position (:mod:`.genes`), with ``Variant_Classification``
``Unknown`` inside a gene and ``IGR`` outside any, no protein change, and ``annotation_source``
saying ``gene overlap (no transcript model)``.

**Flags.** ``is_hotspot``: the variant's position and alleles (MAF convention) are a row of the
hotspots table, or its gene and one-letter protein change are; ``hotspot`` names the change.
``is_driver_gene``: the gene is in the drivers table; ``driver_role`` is its role (see
:func:`precisionflow.references.driver_roles`).
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from precisionflow.errors import InputError, shorten
from precisionflow.io import atomic_path, check_file, is_gzipped
from precisionflow.references import (
    contig_key,
    contig_matcher,
    driver_roles,
    maf_alleles,
    read_drivers,
    read_genes,
    read_hotspots,
)
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
from precisionflow.variants.genes import GeneIndex
from precisionflow.variants.vcf import (
    AlleleBlock,
    ReadSettings,
    ReadStats,
    choose_tumor_sample,
    normal_of,
    population_af_keys,
    read_evidence_available,
    read_vcf_alleles,
    read_vcf_header,
)

log = logging.getLogger("precisionflow.variants")

DEFAULT_POPULATION_AF_FIELDS = ("gnomAD*AF", "*AF_GNOMAD", "MAX_AF")
NO_TRANSCRIPT = "gene overlap (no transcript model)"
MAF_VERSION = "#version 2.4"

# Output columns and their types (the same bytes for the same input, block after block).
MAF_SCHEMA = pa.schema(
    [
        ("Hugo_Symbol", pa.string()), ("Gene", pa.string()), ("NCBI_Build", pa.string()), ("Chromosome", pa.string()),
        ("Start_Position", pa.int64()), ("End_Position", pa.int64()), ("Strand", pa.string()),
        ("Variant_Classification", pa.string()), ("Variant_Type", pa.string()), ("Reference_Allele", pa.string()),
        ("Tumor_Seq_Allele1", pa.string()), ("Tumor_Seq_Allele2", pa.string()), ("Tumor_Sample_Barcode", pa.string()),
        ("HGVSc", pa.string()), ("HGVSp", pa.string()), ("HGVSp_Short", pa.string()), ("Transcript_ID", pa.string()),
        ("Consequence", pa.string()), ("IMPACT", pa.string()), ("BIOTYPE", pa.string()), ("CANONICAL", pa.string()),
        ("annotation_source", pa.string()), ("FILTER", pa.string()), ("t_depth", pa.int64()), ("t_ref_count", pa.int64()),
        ("t_alt_count", pa.int64()), ("t_vaf", pa.float64()), ("population_af", pa.float64()), ("is_hotspot", pa.string()),
        ("hotspot", pa.string()), ("is_driver_gene", pa.string()), ("driver_role", pa.string()), ("vcf_chrom", pa.string()),
        ("vcf_pos", pa.int64()), ("vcf_ref", pa.string()), ("vcf_alt", pa.string()),
    ]
)
MAF_COLUMNS = MAF_SCHEMA.names


@dataclass(frozen=True)
class FilterSettings:
    pass_filters: tuple[str, ...] = ("PASS",)
    min_depth: float = 10
    min_vaf: float = 0.05
    max_population_af: float = 0.01
    population_af_fields: tuple[str, ...] = DEFAULT_POPULATION_AF_FIELDS

    @classmethod
    def from_config(cls, section: Mapping[str, object] | None) -> FilterSettings:
        section = dict(section or {})
        defaults = cls()
        return cls(
            pass_filters=tuple(section.get("pass_filters", defaults.pass_filters)),  # type: ignore[arg-type]
            min_depth=float(section.get("min_depth", defaults.min_depth)),  # type: ignore[arg-type]
            min_vaf=float(section.get("min_vaf", defaults.min_vaf)),  # type: ignore[arg-type]
            max_population_af=float(section.get("max_population_af", defaults.max_population_af)),  # type: ignore[arg-type]
            population_af_fields=tuple(section.get("population_af_fields", defaults.population_af_fields)),  # type: ignore[arg-type]
        )


@dataclass
class References:
    """The reference tables a patient's variants are annotated with."""

    genes: pd.DataFrame
    roles: pd.Series = field(default_factory=lambda: pd.Series(dtype=object))
    hotspots: pd.DataFrame | None = None

    def __post_init__(self) -> None:
        self.index = GeneIndex(self.genes)
        self.contig_match = contig_matcher(self.genes["chrom"].unique())
        self.role = {str(k): str(v) for k, v in self.roles.items()}
        symbols = self.genes["symbol"].astype(str).tolist()
        # Per gene row, plus a last entry for "no gene": taken by row number in one vectorised step.
        self.gene_symbol = pa.array(symbols + ["Unknown"], pa.string())
        self.gene_id = pa.array(self.genes["ensembl_id"].fillna("").astype(str).tolist() + [""], pa.string())
        self.gene_biotype = pa.array(self.genes["biotype"].fillna("").astype(str).tolist() + [""], pa.string())
        self.gene_role = pa.array([self.role.get(s, "") for s in symbols] + [""], pa.string())
        self.gene_is_driver = np.array([s in self.role for s in symbols] + [False], dtype=bool)
        self._hot_by_position: dict[tuple[str, int, str, str], str] = {}
        self._hot_by_protein: dict[tuple[str, str], str] = {}
        if self.hotspots is not None:
            for row in self.hotspots.itertuples(index=False):
                change = str(row.protein_change).removeprefix("p.")
                label = f"{row.gene} {change}".strip()
                self._hot_by_position.setdefault((contig_key(row.chrom), int(row.maf_start), row.maf_ref, row.maf_alt), label)
                if change:
                    self._hot_by_protein.setdefault((str(row.gene), change), label)
        self._hot_positions = np.array(sorted({k[1] for k in self._hot_by_position}), dtype=np.int64)

    @classmethod
    def load(
        cls,
        genes: str | os.PathLike[str],
        drivers: str | os.PathLike[str] | None = None,
        hotspots: str | os.PathLike[str] | None = None,
        driver_cancer_types: Iterable[str] = (),
    ) -> References:
        roles = driver_roles(read_drivers(drivers), driver_cancer_types) if drivers else pd.Series(dtype=object)
        return cls(read_genes(genes), roles, read_hotspots(hotspots) if hotspots else None)

    def gene_rows(self, chrom: pa.Array, start: np.ndarray) -> np.ndarray:
        """Gene row (-1 where none) at each position; ``chrom`` in the reference's naming."""
        found = np.full(len(start), -1, dtype=np.int64)
        encoded = chrom if isinstance(chrom, pa.DictionaryArray) else pc.dictionary_encode(chrom)
        codes = encoded.indices.to_numpy(zero_copy_only=False)
        for code, contig in enumerate(encoded.dictionary.to_pylist()):
            rows = np.flatnonzero(codes == code)
            if len(rows) and contig:
                found[rows] = self.index.lookup(contig, start[rows])
        return found

    def hotspot_labels(self, chrom: pa.Array, start: np.ndarray, ref: pa.Array, alt: pa.Array) -> dict[int, str]:
        """Rows whose position and MAF alleles are a hotspot, with its label."""
        labels: dict[int, str] = {}
        candidates = np.flatnonzero(np.isin(start, self._hot_positions))
        if not len(candidates):
            return labels
        take = pa.array(candidates)
        chroms = chrom.take(take).cast(pa.string()).to_pylist()
        refs, alts = ref.take(take).to_pylist(), alt.take(take).to_pylist()
        for i, c, r, a in zip(candidates.tolist(), chroms, refs, alts):
            label = self._hot_by_position.get((contig_key(c), int(start[i]), r, a))
            if label:
                labels[i] = label
        return labels

    def hotspot_by_protein(self, symbol: str, protein: str) -> str:
        return self._hot_by_protein.get((symbol, protein.removeprefix("p.")), "") if protein else ""


# --- alleles ------------------------------------------------------------------------------


def vcf_minimal(pos: int, ref: str, alt: str) -> tuple[int, str, str]:
    """Shared trailing, then leading bases trimmed while both alleles keep at least one (bcftools norm without a reference)."""
    while len(ref) > 1 and len(alt) > 1 and ref[-1] == alt[-1]:
        ref, alt = ref[:-1], alt[:-1]
    while len(ref) > 1 and len(alt) > 1 and ref[0] == alt[0]:
        ref, alt, pos = ref[1:], alt[1:], pos + 1
    return pos, ref, alt


VARIANT_TYPES = ("SNP", "DNP", "TNP", "ONP", "INS", "DEL")
_TYPE_CODE = {t: i for i, t in enumerate(VARIANT_TYPES)}


def variant_type(ref: str, alt: str) -> str:
    """MAF ``Variant_Type`` of MAF-convention alleles (a length-changing substitution counts by its net change, as vcf2maf)."""
    if ref == "-":
        return "INS"
    if alt == "-":
        return "DEL"
    if len(ref) == len(alt):
        return {1: "SNP", 2: "DNP", 3: "TNP"}.get(len(ref), "ONP")
    return "INS" if len(alt) > len(ref) else "DEL"


@dataclass
class Alleles:
    """Both representations of a block's alleles: minimal VCF (``vcf_*``) and MAF convention."""

    vcf_pos: np.ndarray
    vcf_ref: pa.Array
    vcf_alt: pa.Array
    start: np.ndarray
    end: np.ndarray
    ref: pa.Array
    alt: pa.Array
    kind: np.ndarray  # index into VARIANT_TYPES

    @property
    def variant_type(self) -> pa.Array:
        return pa.array(VARIANT_TYPES, pa.string()).take(pa.array(self.kind))


def _array(values) -> np.ndarray:
    return np.asarray(values.to_numpy(zero_copy_only=False) if hasattr(values, "to_numpy") else values)


def normalise(pos: np.ndarray, ref: pa.Array, alt: pa.Array) -> Alleles:
    """Minimal VCF and MAF alleles. Single-base substitutions need no change; anchored indels (one
    allele a single base equal to the other's first) are converted column-wise; other rows one by
    one (same rules)."""
    n = len(pos)
    length_ref = _array(pc.utf8_length(ref)).astype(np.int64)
    length_alt = _array(pc.utf8_length(alt)).astype(np.int64)
    out = Alleles(pos.copy(), ref, alt, pos.copy(), pos.copy(), ref, alt, np.full(n, _TYPE_CODE["SNP"], dtype=np.int64))
    rows = np.flatnonzero((length_ref != 1) | (length_alt != 1))
    if not len(rows):
        return out
    take = pa.array(rows)
    sub_ref, sub_alt = ref.take(take), alt.take(take)
    lr, la = length_ref[rows], length_alt[rows]
    same_first = _array(pc.equal(pc.utf8_slice_codeunits(sub_ref, 0, 1), pc.utf8_slice_codeunits(sub_alt, 0, 1))).astype(bool)
    deletion = (la == 1) & (lr > 1) & same_first
    insertion = (lr == 1) & (la > 1) & same_first
    dash = pa.scalar("-", pa.string())
    maf_ref = pc.if_else(pa.array(insertion), dash, pc.if_else(pa.array(deletion), pc.utf8_slice_codeunits(sub_ref, 1), sub_ref))
    maf_alt = pc.if_else(pa.array(deletion), dash, pc.if_else(pa.array(insertion), pc.utf8_slice_codeunits(sub_alt, 1), sub_alt))
    vcf_ref, vcf_alt = sub_ref, sub_alt
    start = pos[rows] + deletion
    end = np.where(insertion, start + 1, start + np.where(deletion, lr - 1, lr) - 1)
    kind = np.where(deletion, _TYPE_CODE["DEL"], np.where(insertion, _TYPE_CODE["INS"], _TYPE_CODE["SNP"]))
    vcf_pos = pos[rows].copy()
    other = np.flatnonzero(~(deletion | insertion))
    if len(other):
        others = pa.array(other)
        values = [vcf_minimal(int(p), r, a) for p, r, a in zip(vcf_pos[other], sub_ref.take(others).to_pylist(), sub_alt.take(others).to_pylist())]
        mafs = [maf_alleles(*v) for v in values]
        mask = np.zeros(len(rows), dtype=bool)
        mask[other] = True
        mask_pa = pa.array(mask)
        vcf_pos[other] = [v[0] for v in values]
        vcf_ref = pc.replace_with_mask(vcf_ref, mask_pa, pa.array([v[1] for v in values], pa.string()))
        vcf_alt = pc.replace_with_mask(vcf_alt, mask_pa, pa.array([v[2] for v in values], pa.string()))
        start[other] = [m[0] for m in mafs]
        end[other] = [m[0] + 1 if m[1] == "-" else m[0] + len(m[1]) - 1 for m in mafs]
        maf_ref = pc.replace_with_mask(maf_ref, mask_pa, pa.array([m[1] for m in mafs], pa.string()))
        maf_alt = pc.replace_with_mask(maf_alt, mask_pa, pa.array([m[2] for m in mafs], pa.string()))
        kind[other] = [_TYPE_CODE[variant_type(m[1], m[2])] for m in mafs]
    changed = np.zeros(n, dtype=bool)
    changed[rows] = True
    changed_pa = pa.array(changed)
    out.vcf_pos[rows], out.start[rows], out.end[rows], out.kind[rows] = vcf_pos, start, end, kind
    if len(other):  # anchored indels are minimal already: only the other rows change their VCF form
        out.vcf_ref = pc.replace_with_mask(ref, changed_pa, vcf_ref)
        out.vcf_alt = pc.replace_with_mask(alt, changed_pa, vcf_alt)
    out.ref = pc.replace_with_mask(ref, changed_pa, maf_ref)
    out.alt = pc.replace_with_mask(alt, changed_pa, maf_alt)
    return out


# --- assembling MAF rows ----------------------------------------------------------------------

ANNOTATION_TEXT = ("Hugo_Symbol", "Gene", "HGVSc", "HGVSp", "HGVSp_Short", "Transcript_ID", "Consequence", "IMPACT", "BIOTYPE", "CANONICAL", "Variant_Classification", "annotation_source")


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
        "Variant_Classification": pa.DictionaryArray.from_arrays(pa.array((gene_row < 0).astype(np.int32)), pa.array(["Unknown", "IGR"], pa.string())),
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
            columns[column] = pc.replace_with_mask(columns[column].cast(pa.string()), mask_pa, pa.array(values, pa.string()))
        symbols = [given.values["Hugo_Symbol"][i] for i in order]
        roles = [references.role.get(s, "") for s in symbols]
        role = pc.replace_with_mask(role.cast(pa.string()), mask_pa, pa.array(roles, pa.string()))
        driver[np.asarray(given.rows)[order]] = [bool(r) for r in roles]
        for row, symbol, protein in zip(np.asarray(given.rows)[order].tolist(), symbols, [given.values["HGVSp_Short"][i] for i in order]):
            if row not in hot:
                label = references.hotspot_by_protein(symbol, protein)
                if label:
                    hot[row] = label
    hot_mask = np.zeros(n, dtype=bool)
    hot_mask[list(hot)] = True
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
        rows = np.flatnonzero(_array(pc.and_(pc.is_valid(values), pc.not_equal(pc.fill_null(values, ""), ""))).astype(bool))
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
            entries = entries_for_allele(split_entries(texts[i], n_fields), self.positions, refs[i], alts[i].split(","), int(block.allele[row]))
            if self.af_columns:
                population_af[row] = np.fmax(population_af[row], population_af_from_entries(entries, self.af_columns))
            entry = choose_entry(entries, self.positions)
            if entry is None:
                continue
            change = abs(len(maf_refs[i].strip("-")) - len(maf_alts[i].strip("-")))
            result = consequence_of(entry, self.positions, VARIANT_TYPES[kinds[i]], change % 3 == 0)
            given.add(
                row,
                Hugo_Symbol=result.symbol or "Unknown", Gene=result.gene, HGVSc=result.hgvsc, HGVSp=result.hgvsp,
                HGVSp_Short=hgvsp_short(result.hgvsp), Transcript_ID=result.transcript, Consequence=result.consequence,
                IMPACT=result.impact, BIOTYPE=result.biotype, CANONICAL="YES" if result.canonical else "",
                Variant_Classification=result.classification, annotation_source=self.annotation.source,
            )
        return given

    def block(self, block: AlleleBlock) -> pa.Table:
        alleles = normalise(block.pos, block.ref, block.alt)
        population_af = np.asarray(block.population_af, dtype=float).copy()
        given = self.annotate(block, alleles, population_af)
        table = assemble(block, alleles, given, population_af, self.references, self.patient, self.genome_build)
        if self.filters.max_population_af < 1:
            common = population_af > self.filters.max_population_af
            self.counts["common_in_population"] += int(common.sum())
            if common.any():
                table = table.filter(pa.array(~common))
        return table


# --- writing ----------------------------------------------------------------------------------


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


# --- the two inputs -------------------------------------------------------------------------


@dataclass
class MafSummary:
    """What happened to a patient's records (also logged)."""

    counts: dict[str, int]
    rows: int
    annotation: str
    unknown_contigs: list[str]


def _applied(filters: FilterSettings, depth: bool, vaf: bool, af_fields: list[str]) -> dict[str, str]:
    notes = {}
    if not depth and filters.min_depth > 0:
        notes["min_depth"] = " (not applied: no depth field in the input)"
    if not vaf and filters.min_vaf > 0:
        notes["min_vaf"] = " (not applied: no allele-fraction field in the input)"
    if filters.max_population_af < 1:
        notes["max_population_af"] = f" (fields: {','.join(af_fields)})" if af_fields else " (not applied: no population frequency field in the input)"
    return notes


def annotation_format_of(header, choice: str = "auto") -> AnnotationFormat | None:
    """The annotation to read: ``CSQ`` if present, else ``ANN`` (``auto``), or the one named, or none."""
    if choice == "none":
        return None
    keys = ["CSQ", "ANN"] if choice == "auto" else [choice]
    for key in keys:
        if key in header.info:
            parsed = parse_format_description(key, header.info[key].description)
            if parsed is None:
                raise InputError(header.path, f"##INFO=<ID={key}> header line", f"a description listing the {key} subfields ('Format: A|B|...')", repr(header.info[key].description[:80]))
            return parsed
    if choice != "auto":
        raise InputError(header.path, "header", f"an ##INFO line for {choice} (config variants/annotation: {choice})", f"INFO keys {shorten(sorted(header.info))}")
    return None


def unclaimed_samples(samples: Iterable[str], claimed: Iterable[str]) -> list[str]:
    claimed_set = set(claimed)
    return [s for s in samples if s not in claimed_set]


def vcf_to_maf(
    vcf: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    patient: str,
    references: References,
    filters: FilterSettings = FilterSettings(),
    tumor_sample: str | None = None,
    normal_sample: str | None = None,
    claimed_samples: Iterable[str] | None = None,
    unknown_samples: str = "error",
    annotation: str = "auto",
    genome_build: str = "GRCh38",
    block_bytes: int | None = None,
) -> MafSummary:
    """Stream a VCF into ``out`` (the patient's MAF); ``patient`` is the public id written as barcode.

    ``claimed_samples``: the sample columns the sheet's patients name in this file; others are an
    error unless ``unknown_samples`` is ``drop`` (None: not checked).
    """
    header = read_vcf_header(vcf)
    tumor = choose_tumor_sample(header, tumor_sample, normal_sample)
    if claimed_samples is not None and unknown_samples == "error":
        normal = normal_of(header, tumor, normal_sample)
        extra = unclaimed_samples(header.samples, {*claimed_samples, tumor or "", normal or ""})
        if extra:
            raise InputError(vcf, f"line {header.n_lines} (#CHROM), sample columns", "only samples the sheet names in tumor_sample/normal_sample (or config unknown_samples: drop)", f"other samples {shorten(extra)}")
    fmt = annotation_format_of(header, annotation)
    info_af = population_af_keys(list(header.info), filters.population_af_fields) if filters.max_population_af < 1 else ()
    settings = ReadSettings(filters.pass_filters, filters.min_depth, filters.min_vaf, (fmt.key,) if fmt else (), info_af)
    stats = ReadStats()
    annotator = Annotator(references, filters, patient, genome_build, fmt)
    af_fields = list(info_af) + ([fmt.fields[i] for i in annotator.af_columns] if fmt and filters.max_population_af < 1 else [])
    has_depth, has_vaf = read_evidence_available(header, tumor)
    lines = header_lines(
        filters,
        _applied(filters, has_depth, has_vaf, af_fields),
        {"source": "VCF", "annotation": fmt.source if fmt else NO_TRANSCRIPT, "genome_build": genome_build, "tumor_sample_barcode": patient},
    )
    writer = MafWriter(out, lines)
    try:
        kwargs = {"block_bytes": block_bytes} if block_bytes else {}
        for block in read_vcf_alleles(header, tumor, settings, references.contig_match, stats, **kwargs):
            writer.write(annotator.block(block))
        if stats.counts["records"] and stats.counts["records"] == stats.counts["unknown_contig"]:
            raise InputError(
                vcf,
                f"line {stats.first_record_line}, column CHROM",
                f"contigs of the genes reference ({shorten(references.index.contigs, 4)}; with or without 'chr')",
                f"only contigs {shorten(sorted(stats.unknown_contigs))}",
            )
    except BaseException as error:
        writer.close(error)
        raise
    writer.close()
    counts = dict(stats.counts) | dict(annotator.counts)
    summary = MafSummary(counts, writer.rows, fmt.source if fmt else NO_TRANSCRIPT, sorted(stats.unknown_contigs))
    _log_summary("VCF", summary, has_depth, has_vaf, filters)
    return summary


def _log_summary(kind: str, summary: MafSummary, has_depth: bool, has_vaf: bool, filters: FilterSettings) -> None:
    """Counts for the rule's log (no file names: they often carry the patient's sheet id)."""
    log.info("%s: %d MAF rows; counts %s; annotation: %s", kind, summary.rows, summary.counts, summary.annotation)
    if summary.unknown_contigs:
        log.warning("%s: records on contigs absent from the genes reference dropped: %s", kind, shorten(summary.unknown_contigs))
    if not has_depth and filters.min_depth > 0:
        log.warning("%s: no depth field: min_depth not applied", kind)
    if not has_vaf and filters.min_vaf > 0:
        log.warning("%s: no allele-fraction field: min_vaf not applied", kind)


# --- MAF input ----------------------------------------------------------------------------------

MAF_REQUIRED = ("Chromosome", "Start_Position", "Reference_Allele", "Tumor_Seq_Allele2")


def _maf_chunks(path: str | os.PathLike[str], chunk_rows: int = 200_000):
    check_file(path, "a MAF file")
    try:
        reader = pd.read_csv(
            path, sep="\t", skiprows=_comment_lines(path), dtype=str, chunksize=chunk_rows,
            keep_default_na=False, na_values=[""], compression="infer",
        )
        first = True
        for chunk in reader:
            if first:
                missing = [c for c in MAF_REQUIRED if c not in chunk.columns]
                if missing:
                    raise InputError(path, "header", f"MAF column(s) {shorten(missing)}", f"columns {shorten(chunk.columns)}")
                first = False
            yield chunk
    except (pd.errors.ParserError, UnicodeDecodeError, EOFError, OSError) as error:
        raise InputError(path, "content", "a tab-separated MAF (plain or gzipped)", str(error).splitlines()[0][:200]) from None
    except pd.errors.EmptyDataError:
        raise InputError(path, "content", "a MAF with a header and rows", "no rows") from None


def numbers_of(frame: pd.DataFrame, column: str, path: str | os.PathLike[str]) -> np.ndarray:
    """A text column as numbers (NaN for '', '.', 'NA' or an absent column); anything else names its row.

    Rows are named by the frame's index (the file's data row, counted from 0), so filtered frames still point at the right line.
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


def maf_to_maf(
    maf: str | os.PathLike[str],
    out_path: str | os.PathLike[str],
    *,
    patient: str,
    references: References,
    filters: FilterSettings = FilterSettings(),
    tumor_sample: str | None = None,
    raw_patient: str | None = None,
    genome_build: str = "GRCh38",
) -> MafSummary:
    """A patient's rows of an input MAF, filtered, harmonised and flagged like a VCF's.

    The rows are those whose ``Tumor_Sample_Barcode`` is ``tumor_sample``; without it, all rows of a
    single-barcode MAF, else those whose barcode is the patient's sheet id (``raw_patient``).
    ``Hugo_Symbol``/``Variant_Classification``/``HGVSp_Short`` are kept from the file when present.
    """
    counts: Counter = Counter()
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
    if barcodes:
        if tumor_sample:
            wanted = tumor_sample
        elif len(barcodes) == 1:
            wanted = next(iter(barcodes))
        elif raw_patient in barcodes:
            wanted = raw_patient
        else:
            raise InputError(maf, "column 'Tumor_Sample_Barcode'", "a tumor_sample in the sheet naming this patient's barcode", f"barcodes {shorten(sorted(barcodes))}")
        if wanted not in barcodes:
            raise InputError(maf, "column 'Tumor_Sample_Barcode'", f"barcode {wanted!r} (sheet column tumor_sample)", f"barcodes {shorten(sorted(barcodes))}")
        table = table[table["Tumor_Sample_Barcode"] == wanted]
    elif tumor_sample:
        raise InputError(maf, "header", f"a Tumor_Sample_Barcode column with {tumor_sample!r} (sheet column tumor_sample)", "no barcodes")
    counts["records"] = len(table)
    pos = numbers_of(table, "Start_Position", maf)
    if np.isnan(pos).any():
        row = int(table.index[np.flatnonzero(np.isnan(pos))[0]])
        raise InputError(maf, f"row {row + 2}, column 'Start_Position'", "a position", "a blank cell")
    mapped = np.array([references.contig_match(str(c)) for c in table["Chromosome"]], dtype=object)
    known = np.array([m is not None for m in mapped], dtype=bool)
    counts["unknown_contig"] = int((~known).sum())
    if len(table) and not known.any():
        raise InputError(maf, f"row {int(table.index[0]) + 2}, column 'Chromosome'", f"contigs of the genes reference ({shorten(references.index.contigs, 4)}; with or without 'chr')", f"only {shorten(sorted(set(table['Chromosome'])))}")
    keep = known.copy()
    if "FILTER" in table.columns:
        allowed = set(filters.pass_filters) | {"."}
        passing = table["FILTER"].fillna(".").map(lambda v: all(p in allowed for p in str(v).split(";"))).to_numpy(bool)
        counts["failed_filter"] = int((keep & ~passing).sum())
        keep &= passing
    depth = numbers_of(table, "t_depth", maf)
    alt_count = numbers_of(table, "t_alt_count", maf)
    ref_count = numbers_of(table, "t_ref_count", maf)
    with np.errstate(divide="ignore", invalid="ignore"):
        vaf = np.where(depth > 0, alt_count / depth, np.nan)
    if "t_vaf" in table.columns:
        vaf = np.where(np.isnan(vaf), numbers_of(table, "t_vaf", maf), vaf)
    has_depth, has_vaf = "t_depth" in table.columns, ("t_alt_count" in table.columns or "t_vaf" in table.columns)
    if has_depth and filters.min_depth > 0:
        low = ~(depth >= filters.min_depth)
        counts["low_depth"] = int((keep & low).sum())
        keep &= ~low
    if has_vaf and filters.min_vaf > 0:
        low = ~(vaf >= filters.min_vaf)
        counts["low_vaf"] = int((keep & low).sum())
        keep &= ~low
    af_fields = list(population_af_keys([c for c in table.columns if c not in MAF_COLUMNS], filters.population_af_fields))
    population_af = np.full(len(table), np.nan)
    for column in af_fields:
        population_af = np.fmax(population_af, numbers_of(table, column, maf))
    selected = np.flatnonzero(keep)
    table, mapped = table.iloc[selected], mapped[selected]
    n = len(table)

    def text(name: str, default: str = "") -> list[str]:
        return table[name].fillna(default).astype(str).tolist() if name in table.columns else [default] * n

    ref, alt = [r.upper() for r in text("Reference_Allele", "-")], [a.upper() for a in text("Tumor_Seq_Allele2", "-")]
    converted = [maf_alleles(int(p), r, a) for p, r, a in zip(pos[selected], ref, alt)]
    chrom_names = sorted({str(m) for m in mapped})
    chrom_codes = pa.array(np.array([chrom_names.index(m) for m in mapped], dtype=np.int32))
    block = AlleleBlock(
        line=table.index.to_numpy() + 2,
        chrom=pa.DictionaryArray.from_arrays(chrom_codes, pa.array(chrom_names, pa.string())),
        vcf_chrom=pa.array(text("Chromosome"), pa.string()),
        pos=np.array([c[0] for c in converted], dtype=np.int64),
        ref=pa.array([c[1] for c in converted], pa.string()),
        alt=pa.array([c[2] for c in converted], pa.string()),
        alts=pa.array([c[2] for c in converted], pa.string()),
        allele=np.ones(n, dtype=np.int64),
        filter=pa.array(text("FILTER"), pa.string()),
        t_depth=depth[selected], t_ref_count=ref_count[selected], t_alt_count=alt_count[selected],
        t_vaf=vaf[selected], population_af=population_af[selected],
    )
    kinds = [_TYPE_CODE[variant_type(c[1], c[2])] for c in converted]
    nothing = pa.repeat(pa.scalar("", pa.string()), n)
    alleles = Alleles(
        vcf_pos=np.full(n, np.nan), vcf_ref=nothing, vcf_alt=nothing, start=block.pos.copy(),
        end=np.array([s + 1 if r == "-" else s + len(r) - 1 for s, r, _ in converted], dtype=np.int64),
        ref=block.ref, alt=block.alt, kind=np.array(kinds, dtype=np.int64),
    )
    given = Given()
    columns = {c: text(c) for c in ANNOTATION_TEXT if c != "annotation_source"}
    if not any(columns["HGVSp_Short"]) and any(columns["HGVSp"]):
        columns["HGVSp_Short"] = [hgvsp_short(v) for v in columns["HGVSp"]]
    for i in range(n):
        if columns["Hugo_Symbol"][i] and columns["Variant_Classification"][i]:
            given.add(i, annotation_source="MAF", **{c: v[i] for c, v in columns.items()})
    population = block.population_af.copy()
    out = assemble(block, alleles, given, population, references, patient, genome_build)
    if filters.max_population_af < 1:
        common = population > filters.max_population_af
        counts["common_in_population"] = int(common.sum())
        out = out.filter(pa.array(~common))
    lines = header_lines(
        filters,
        _applied(filters, has_depth, has_vaf, af_fields),
        {"source": "MAF", "annotation": "MAF columns (gene overlap where absent)", "genome_build": genome_build, "tumor_sample_barcode": patient},
    )
    writer = MafWriter(out_path, lines)
    try:
        writer.write(out)
    except BaseException as error:
        writer.close(error)
        raise
    writer.close()
    summary = MafSummary(dict(counts), writer.rows, "MAF", [])
    _log_summary("MAF", summary, has_depth, has_vaf, filters)
    return summary


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


def read_maf(path: str | os.PathLike[str], columns: Iterable[str] | None = None) -> pd.DataFrame:
    """A MAF written by this module (leading ``#`` lines skipped), with its types."""
    usecols = list(columns) if columns is not None else None
    frame = pd.read_csv(
        path, sep="\t", skiprows=_comment_lines(path), usecols=usecols,
        dtype={"Chromosome": str, "Hugo_Symbol": str, "vcf_chrom": str}, keep_default_na=False, na_values=[""],
    )
    for column in ("is_hotspot", "is_driver_gene"):
        if column in frame.columns:
            frame[column] = frame[column].astype(str) == "True"
    return frame
