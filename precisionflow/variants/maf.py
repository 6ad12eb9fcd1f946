"""One patient's variants to an annotated, filtered MAF (``results/variants/{patient}.maf.tsv``).

Input is a VCF (:func:`vcf_to_maf`, streamed block by block, see :mod:`.vcf`) or a MAF
(:func:`maf_to_maf`, e.g. a GDC cohort MAF, the patient's rows chosen by ``Tumor_Sample_Barcode``).

**Filters** (each threshold in the config, written in the output's ``#`` header lines):

* ``pass_filters``: FILTER must be one of these (``.`` counts as PASS; a record with several
  ``;``-joined filters passes when each is listed);
* ``min_depth`` / ``min_vaf``: tumour depth and allele fraction (see :mod:`.vcf` for where they come
  from). A record whose depth or VAF is unknown is kept: the filter could not be evaluated, which
  :class:`MafSummary` ``accounting`` counts as ``not_applied_<filter>``; when the file defines no
  depth (or no allele-fraction) field at all, the header line also says ``not applied`` and the log warns;
* ``max_population_af``: the highest value among INFO or CSQ/ANN subfields whose names match
  ``population_af_fields`` (shell patterns, case-insensitive: gnomAD ``gnomADe_AF``, PCGR
  ``GLOBAL_AF_GNOMAD`` …) must not exceed it; a variant without any such value passes.

**Coordinates.** ``Chromosome`` uses the genes reference's naming (``chr17`` becomes ``17`` when the
reference has no prefix, TCGA's ``23``/``24`` become X/Y; ``vcf_chrom`` keeps the input's). Alleles
follow MAF convention (shared bases trimmed, ``-`` for an empty allele, an insertion starting at the
base before it); ``vcf_pos``,
``vcf_ref``, ``vcf_alt`` give the minimal VCF representation (trailing, then leading shared bases
trimmed while both alleles keep one base). A contig naming that matches none of the reference's
contigs is an error when it leaves no record on a known contig (unless every such contig is an extra
one: unplaced, ``_random``, ``_alt``, decoy); records on unknown contigs are counted and warned about.

**Accounting.** Every record read (a VCF's ALT alleles, a MAF's rows of the patient) is kept or
dropped for one reason (:data:`DROP_REASONS`); :func:`accounting_of` checks the sum.

**Genes and classes.** From the ``CSQ``/``ANN`` annotation when present (:mod:`.annotation`);
otherwise from the genes reference by position (:mod:`.genes`), with ``Variant_Classification``
``Unknown`` inside a gene and ``IGR`` outside any, no protein change, and ``annotation_source``
saying ``gene overlap (no transcript model)``; an allele of the hotspots table gets the table's
protein change as ``HGVSp_Short`` (the class stays ``Unknown``: nothing else is guessed).

**Flags.** ``is_hotspot``: the variant's position and alleles (MAF convention) are a row of the
hotspots table, or its gene and one-letter protein change are; ``hotspot`` names the change.
``is_driver_gene``: the gene is in the drivers table; ``driver_role`` is its role (see
:func:`precisionflow.references.driver_roles`).
"""

from __future__ import annotations

import fnmatch
import logging
import os
import queue
import re
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
    check_vcf_build,
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


# TCGA MAFs (and PLINK-style files) number the sex chromosomes: 23 is X, 24 is Y.
NUMBERED_SEX_CHROMOSOMES = {"23": "X", "24": "Y"}


def with_numbered_sex_chromosomes(match):
    """A contig matcher that also maps ``23``/``chr23`` to X and ``24`` to Y when the reference has no such contig."""

    def matched(name: str) -> str | None:
        found = match(name)
        if found is None and contig_key(name) in NUMBERED_SEX_CHROMOSOMES:
            found = match(NUMBERED_SEX_CHROMOSOMES[contig_key(name)])
        return found

    return matched


@dataclass
class References:
    """The reference tables a patient's variants are annotated with."""

    genes: pd.DataFrame
    roles: pd.Series = field(default_factory=lambda: pd.Series(dtype=object))
    hotspots: pd.DataFrame | None = None

    def __post_init__(self) -> None:
        self.index = GeneIndex(self.genes)
        self.contig_match = with_numbered_sex_chromosomes(contig_matcher(self.genes["chrom"].unique()))
        self.role = {str(k): str(v) for k, v in self.roles.items()}
        symbols = self.genes["symbol"].astype(str).tolist()
        # Per gene row, plus a last entry for "no gene": taken by row number in one vectorised step.
        self.gene_symbol = pa.array(symbols + ["Unknown"], pa.string())
        self.gene_id = pa.array(self.genes["ensembl_id"].fillna("").astype(str).tolist() + [""], pa.string())
        self.gene_biotype = pa.array(self.genes["biotype"].fillna("").astype(str).tolist() + [""], pa.string())
        self.gene_role = pa.array([self.role.get(s, "") for s in symbols] + [""], pa.string())
        self.gene_is_driver = np.array([s in self.role for s in symbols] + [False], dtype=bool)
        self._hot_by_position: dict[tuple[str, int, str, str], str] = {}
        self.hot_change: dict[
            str, str
        ] = {}  # label -> protein change (p. prefixed), for rows without a transcript model
        self._hot_by_protein: dict[tuple[str, str], str] = {}
        if self.hotspots is not None:
            for row in self.hotspots.itertuples(index=False):
                change = str(row.protein_change).removeprefix("p.")
                label = f"{row.gene} {change}".strip()
                self._hot_by_position.setdefault(
                    (contig_key(row.chrom), int(row.maf_start), row.maf_ref, row.maf_alt), label
                )
                if change:
                    self.hot_change.setdefault(label, f"p.{change}")
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
    same_first = _array(
        pc.equal(pc.utf8_slice_codeunits(sub_ref, 0, 1), pc.utf8_slice_codeunits(sub_alt, 0, 1))
    ).astype(bool)
    deletion = (la == 1) & (lr > 1) & same_first
    insertion = (lr == 1) & (la > 1) & same_first
    dash = pa.scalar("-", pa.string())
    maf_ref = pc.if_else(
        pa.array(insertion), dash, pc.if_else(pa.array(deletion), pc.utf8_slice_codeunits(sub_ref, 1), sub_ref)
    )
    maf_alt = pc.if_else(
        pa.array(deletion), dash, pc.if_else(pa.array(insertion), pc.utf8_slice_codeunits(sub_alt, 1), sub_alt)
    )
    vcf_ref, vcf_alt = sub_ref, sub_alt
    start = pos[rows] + deletion
    end = np.where(insertion, start + 1, start + np.where(deletion, lr - 1, lr) - 1)
    kind = np.where(deletion, _TYPE_CODE["DEL"], np.where(insertion, _TYPE_CODE["INS"], _TYPE_CODE["SNP"]))
    vcf_pos = pos[rows].copy()
    other = np.flatnonzero(~(deletion | insertion))
    if len(other):
        others = pa.array(other)
        values = [
            vcf_minimal(int(p), r, a)
            for p, r, a in zip(vcf_pos[other], sub_ref.take(others).to_pylist(), sub_alt.take(others).to_pylist())
        ]
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
    accounting: dict[str, int] = field(default_factory=dict)  # records, kept, dropped_<reason>, not_applied_<filter>


DROP_REASONS = (
    "unknown_contig", "failed_filter", "symbolic_alt", "absent_in_sample", "low_depth", "low_vaf", "common_in_population",
    "duplicate",
)  # fmt: skip
NOT_APPLIED = ("min_depth", "min_vaf", "max_population_af")


def accounting_of(
    records: int, kept: int, dropped: Mapping[str, int], not_applied: Mapping[str, int]
) -> dict[str, int]:
    """One input's accounting row: every record read is kept or dropped for one reason (checked here)."""
    row = {"records": int(records), "kept": int(kept)}
    row |= {f"dropped_{reason}": int(dropped.get(reason, 0)) for reason in DROP_REASONS}
    row |= {f"not_applied_{name}": int(not_applied.get(name, 0)) for name in NOT_APPLIED}
    lost = row["records"] - row["kept"] - sum(row[f"dropped_{r}"] for r in DROP_REASONS)
    if lost:  # a programming error, never a user's: say so loudly rather than write a wrong count
        raise AssertionError(f"variant accounting: {lost} record(s) neither kept nor counted as dropped ({row})")
    return row


def _applied(filters: FilterSettings, depth: bool, vaf: bool, af_fields: list[str]) -> dict[str, str]:
    notes = {}
    if not depth and filters.min_depth > 0:
        notes["min_depth"] = " (not applied: no depth field in the input)"
    if not vaf and filters.min_vaf > 0:
        notes["min_vaf"] = " (not applied: no allele-fraction field in the input)"
    if filters.max_population_af < 1:
        notes["max_population_af"] = (
            f" (fields: {','.join(af_fields)})"
            if af_fields
            else " (not applied: no population frequency field in the input)"
        )
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
        _applied(filters, has_depth, has_vaf, af_fields),
        {
            "source": "VCF",
            "annotation": fmt.source if fmt else NO_TRANSCRIPT,
            "genome_build": genome_build,
            "tumor_sample_barcode": patient,
        },
    )
    writer = MafWriter(out, lines)
    try:
        kwargs = {"block_bytes": block_bytes} if block_bytes else {}
        for block in read_vcf_alleles(header, tumor, settings, references.contig_match, stats, **kwargs):
            writer.write(annotator.block(block))
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
    except BaseException as error:
        writer.close(error)
        raise
    writer.close()
    counts = dict(stats.counts) | dict(annotator.counts)
    dropped = {
        **counts,
        "unknown_contig": stats.alleles["unknown_contig"],
        "failed_filter": stats.alleles["failed_filter"],
    }
    not_applied = {"min_depth": counts.get("not_applied_min_depth", 0), "min_vaf": counts.get("not_applied_min_vaf", 0)}
    if filters.max_population_af < 1 and not af_fields:
        not_applied["max_population_af"] = writer.rows
    accounting = accounting_of(stats.alleles["records"], writer.rows, dropped, not_applied)
    summary = MafSummary(
        counts, writer.rows, fmt.source if fmt else NO_TRANSCRIPT, sorted(stats.unknown_contigs), accounting
    )
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


# Contigs a genes reference leaves out on purpose (unplaced, alternate, decoy, viral): records on them are counted
# and warned about; only a file whose every record is on other unknown contigs (another naming) is an error.
_EXTRA_CONTIG = re.compile(r"(?i)^(chr)?(un|hs37d5|ebv|gl\d|ki\d|kn\d|jh\d|hla-)|_(random|alt|decoy|fix)$|^chrUn|decoy")


def is_extra_contig(name: str) -> bool:
    return bool(_EXTRA_CONTIG.search(str(name)))


def _log_summary(kind: str, summary: MafSummary, has_depth: bool, has_vaf: bool, filters: FilterSettings) -> None:
    """Counts for the rule's log (no file names: they often carry the patient's sheet id)."""
    log.info("%s: %d MAF rows; counts %s; annotation: %s", kind, summary.rows, summary.counts, summary.annotation)
    if summary.unknown_contigs:
        log.warning(
            "%s: %d record(s) on contigs absent from the genes reference dropped (counted as dropped_unknown_contig): %s",
            kind,
            summary.accounting.get("dropped_unknown_contig", 0),
            shorten(summary.unknown_contigs),
        )
    if not has_depth and filters.min_depth > 0:
        log.warning("%s: no depth field: min_depth not applied", kind)
    if not has_vaf and filters.min_vaf > 0:
        log.warning("%s: no allele-fraction field: min_vaf not applied", kind)
    if summary.accounting.get("not_applied_max_population_af"):
        log.warning("%s: no population frequency field: max_population_af not applied", kind)
    for name, has_field in (("min_depth", has_depth), ("min_vaf", has_vaf)):
        if summary.accounting.get(f"not_applied_{name}") and has_field:
            count = summary.accounting[f"not_applied_{name}"]
            log.warning("%s: %s not applied to %d record(s) without a value (kept)", kind, name, count)


# --- MAF input ----------------------------------------------------------------------------------

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
        "IGR", "Intron", "RNA", "Targeted_Region", "De_novo_Start_InFrame", "De_novo_Start_OutOfFrame", "Splice_Region",
        "Unknown", "lincRNA", "Start_Codon_SNP", "Start_Codon_Del", "Start_Codon_Ins", "Stop_Codon_Del", "Stop_Codon_Ins",
        "Start_Codon_DNP", "Stop_Codon_DNP", "Splice_Site_SNP", "Splice_Site_Del", "Splice_Site_Ins", "Splice_Site_DNP",
        "Splice_Site_ONP", "Read-through", "Nonstop", "miRNA", "Fusion", "Indel", "Missense", "Nonsense",
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


def _row_error(path, table: pd.DataFrame, mask: np.ndarray, column: str, expected: str, found) -> InputError:
    i = int(np.flatnonzero(mask)[0])
    return InputError(path, f"row {int(table.index[i]) + 2}, column {column!r}", expected, found(i))


def choose_barcode(
    maf: str | os.PathLike[str], barcodes: set[str], tumor_sample: str | None, raw_patient: str | None
) -> str | None:
    """The patient's ``Tumor_Sample_Barcode`` (see :func:`maf_to_maf`); None when a cohort MAF has no row of the patient."""
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
    filters: FilterSettings = FilterSettings(),
    tumor_sample: str | None = None,
    raw_patient: str | None = None,
    genome_build: str = "GRCh38",
    claimed_barcodes: Iterable[str] | None = None,
    unknown_samples: str = "error",
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
        wanted = choose_barcode(maf, barcodes, tumor_sample, raw_patient)
        if claimed_barcodes is not None:
            claims = set(claimed_barcodes) | ({wanted} if wanted else set())  # a single-barcode file is the patient's
            extra = sorted(b for b in barcodes if b not in claims and not any(b.startswith(f"{c}-") for c in claims))
            if extra and unknown_samples == "error":
                raise InputError(
                    maf,
                    "column 'Tumor_Sample_Barcode'",
                    "only barcodes of the sheet's patients (tumor_sample, else the patient id; or config unknown_samples: drop)",
                    f"{len(extra)} other barcode(s) {shorten(extra)}",
                )
            if extra:
                log.warning(
                    "MAF: rows of %d barcode(s) no sheet patient names are not read (unknown_samples: drop)", len(extra)
                )
        table = table[table["Tumor_Sample_Barcode"] == wanted]
        if wanted is None:
            log.warning(
                "MAF: no row of patient %s in a MAF of %d barcodes: no mutations (an empty MAF)", patient, len(barcodes)
            )
    elif tumor_sample and len(table):
        raise InputError(
            maf,
            "header",
            f"a Tumor_Sample_Barcode column with {tumor_sample!r} (sheet column tumor_sample)",
            "no barcodes",
        )
    counts["records"] = len(table)
    check_maf_rows(maf, table, genome_build)
    pos = numbers_of(table, "Start_Position", maf)
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
    keep = known.copy()
    if "FILTER" in table.columns:
        allowed = set(filters.pass_filters) | {"."}
        passing = table["FILTER"].fillna(".").map(lambda v: all(p in allowed for p in str(v).split(";"))).to_numpy(bool)
        counts["failed_filter"] = int((keep & ~passing).sum())
        keep &= passing
    depth, ref_count, alt_count, vaf, has_depth, has_vaf = maf_depth_and_vaf(maf, table)
    if filters.min_depth > 0:
        low = depth < filters.min_depth  # NaN (unknown) compares False: kept, counted as not applied
        counts["low_depth"] = int((keep & low).sum())
        keep &= ~low
        counts["not_applied_min_depth"] = int((keep & np.isnan(depth)).sum())
    if filters.min_vaf > 0:
        low = vaf < filters.min_vaf
        counts["low_vaf"] = int((keep & low).sum())
        keep &= ~low
        counts["not_applied_min_vaf"] = int((keep & np.isnan(vaf)).sum())
    af_fields = list(
        population_af_keys([c for c in table.columns if c not in MAF_COLUMNS], filters.population_af_fields)
    )
    population_af = np.full(len(table), np.nan)
    for column in af_fields:
        population_af = np.fmax(population_af, numbers_of(table, column, maf))
    selected = np.flatnonzero(keep)
    table, mapped = table.iloc[selected], mapped[selected]
    n = len(table)

    def text(name: str, default: str = "") -> list[str]:
        return table[name].fillna(default).astype(str).tolist() if name in table.columns else [default] * n

    ref, alt = [r.upper() for r in text("Reference_Allele", "-")], alternate_alleles(table)
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
        t_depth=depth[selected],
        t_ref_count=ref_count[selected],
        t_alt_count=alt_count[selected],
        t_vaf=vaf[selected],
        population_af=population_af[selected],
    )
    kinds = [_TYPE_CODE[variant_type(c[1], c[2])] for c in converted]
    nothing = pa.repeat(pa.scalar("", pa.string()), n)
    alleles = Alleles(
        vcf_pos=np.full(n, np.nan),
        vcf_ref=nothing,
        vcf_alt=nothing,
        start=block.pos.copy(),
        end=np.array([s + 1 if r == "-" else s + len(r) - 1 for s, r, _ in converted], dtype=np.int64),
        ref=block.ref,
        alt=block.alt,
        kind=np.array(kinds, dtype=np.int64),
    )
    given = Given()
    columns = {c: text(c) for c in ANNOTATION_TEXT if c != "annotation_source"}
    if not any(columns["HGVSp_Short"]) and any(columns["HGVSp"]):
        columns["HGVSp_Short"] = [hgvsp_short(v) for v in columns["HGVSp"]]
    for name in PROTEIN_CHANGE_COLUMNS:
        if name in table.columns and not any(columns["HGVSp_Short"]):
            columns["HGVSp_Short"] = [v if not v or v.startswith("p.") else f"p.{v}" for v in text(name)]
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
        {
            "source": "MAF",
            "annotation": "MAF columns (gene overlap where absent)",
            "genome_build": genome_build,
            "tumor_sample_barcode": patient,
        },
    )
    writer = MafWriter(out_path, lines)
    try:
        writer.write(out)
    except BaseException as error:
        writer.close(error)
        raise
    writer.close()
    not_applied = {"min_depth": counts.get("not_applied_min_depth", 0), "min_vaf": counts.get("not_applied_min_vaf", 0)}
    if filters.max_population_af < 1 and not af_fields:
        not_applied["max_population_af"] = writer.rows
    accounting = accounting_of(counts["records"], writer.rows, counts, not_applied)
    summary = MafSummary(dict(counts), writer.rows, "MAF", unknown_contigs, accounting)
    _log_summary("MAF", summary, has_depth, has_vaf, filters)
    return summary


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


def maf_depth_and_vaf(path: str | os.PathLike[str], table: pd.DataFrame):
    """Depth, reference and alternate counts, VAF (NaN where unknown), and whether the file has a depth / a VAF source."""
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
    return depth, ref_count, alt_count, vaf, has_depth, has_vaf


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


# --- several inputs per patient -------------------------------------------------------------------


def variants_to_maf(
    inputs: list[tuple[str, str | os.PathLike[str]]],
    out: str | os.PathLike[str],
    **options,
) -> list[tuple[str, MafSummary]]:
    """One patient's MAF from one or more inputs (``(kind, path)``, kind ``vcf`` or ``maf``).

    One input is converted as is. Several (e.g. Mutect2 SNVs and Strelka indels) are converted one by
    one and concatenated in the sheet's order; a variant (chromosome, position, alleles) already taken
    from an earlier file is dropped and counted as ``duplicate``. The ``#`` header lines are the first
    file's, with each value that differs between files joined by `` | ``. Returns each input's label
    (``vcf``, or ``vcf:1``, ``vcf:2`` … for several) and summary.
    """
    vcf_only = {"tumor_sample", "normal_sample", "claimed_samples", "unknown_samples", "annotation"}
    maf_only = {"tumor_sample", "raw_patient", "claimed_barcodes", "unknown_samples"}
    common = {k: v for k, v in options.items() if k not in vcf_only | maf_only}

    def convert(kind: str, path, target) -> MafSummary:
        if kind == "vcf":
            return vcf_to_maf(path, target, **common, **{k: v for k, v in options.items() if k in vcf_only})
        return maf_to_maf(path, target, **common, **{k: v for k, v in options.items() if k in maf_only})

    if len(inputs) == 1:
        kind, path = inputs[0]
        return [(kind, convert(kind, path, out))]
    results: list[tuple[str, MafSummary]] = []
    headers: list[list[str]] = []
    seen: set[tuple[str, ...]] = set()
    body: list[bytes] = []
    columns = None
    with atomic_path(out) as tmp:
        for number, (kind, path) in enumerate(inputs, start=1):
            part = f"{tmp}.part{number}"
            try:
                summary = convert(kind, path, part)
                with open(part, encoding="utf-8") as handle:
                    lines = handle.read().splitlines()
            finally:
                if os.path.exists(part):
                    os.unlink(part)
            header = [line for line in lines if line.startswith("#")]
            rows = lines[len(header) :]
            columns = rows[0].split("\t")
            key_columns = [
                columns.index(c) for c in ("Chromosome", "Start_Position", "Reference_Allele", "Tumor_Seq_Allele2")
            ]
            duplicates = 0
            for row in rows[1:]:
                fields = row.split("\t")
                key = tuple(fields[i] for i in key_columns)
                if key in seen:
                    duplicates += 1
                    continue
                seen.add(key)
                body.append(row.encode())
            if duplicates:
                summary.counts["duplicate"] = duplicates
                dropped = {
                    k.removeprefix("dropped_"): v for k, v in summary.accounting.items() if k.startswith("dropped_")
                }
                dropped["duplicate"] = dropped.get("duplicate", 0) + duplicates
                not_applied = {
                    k.removeprefix("not_applied_"): v
                    for k, v in summary.accounting.items()
                    if k.startswith("not_applied_")
                }
                records, kept = summary.accounting["records"], summary.accounting["kept"] - duplicates
                summary.accounting = accounting_of(records, kept, dropped, not_applied)
                log.info("input %d: %d variant(s) already in an earlier input dropped (duplicate)", number, duplicates)
            headers.append(header)
            results.append((f"{kind}:{number}", summary))
        with open(tmp, "wb") as handle:
            handle.write(("\n".join(merge_header_lines(headers) + ["\t".join(columns or MAF_COLUMNS)]) + "\n").encode())
            for row in body:
                handle.write(row + b"\n")
    return results


def merge_header_lines(headers: list[list[str]]) -> list[str]:
    """``#key value`` lines of several MAFs: the first file's keys, differing values joined by `` | ``."""
    merged: dict[str, list[str]] = {}
    for header in headers:
        for line in header:
            key, _, value = line.partition(" ")
            values = merged.setdefault(key, [])
            if value not in values:
                values.append(value)
    return [f"{key} {' | '.join(values)}".rstrip() for key, values in merged.items()]
