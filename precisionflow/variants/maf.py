"""One patient's variants to an annotated, filtered MAF (``results/variants/{patient}.maf.tsv``).

Input is a VCF (:func:`.vcf_input.vcf_to_maf`, streamed block by block, see :mod:`.vcf`) or a MAF
(:func:`.maf_input.maf_to_maf`, e.g. a GDC cohort MAF, the patient's rows chosen by ``Tumor_Sample_Barcode``);
:func:`variants_to_maf` merges several.

**Filters** (each threshold in the config, written in the output's ``#`` header lines; each applied by one
function of :mod:`.filters` to both inputs):

* ``pass_filters``: FILTER must be one of these (``.`` counts as PASS; a record with several
  ``;``-joined filters passes when each is listed);
* ``min_depth`` / ``min_vaf``: tumour depth and allele fraction (see :mod:`.vcf` for where they come
  from). A record whose depth or VAF is unknown is kept: the filter could not be evaluated, which
  :class:`.summary.MafSummary` ``accounting`` counts as ``not_applied_<filter>``; when the file defines no
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
dropped for one reason (:data:`.summary.DROP_REASONS`); :func:`.summary.accounting_of` checks the sum.

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

import logging
import os

from precisionflow.io import atomic_path
from precisionflow.variants.maf_rows import MAF_COLUMNS
from precisionflow.variants.summary import MafSummary, accounting_of
from precisionflow.variants.vcf_input import vcf_to_maf

log = logging.getLogger("precisionflow.variants")


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
        from precisionflow.variants.maf_input import maf_to_maf  # pandas: the VCF path runs without it

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
