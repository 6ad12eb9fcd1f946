"""A VCF's header: opened with ``pysam.BGZFile`` (bgzipped, plain gzip or uncompressed), the ``##`` meta lines parsed by
``pysam.VariantHeader``, the genome build checked, the tumour and normal columns chosen.

**Tumour column** (:func:`choose_tumor_sample`), when the sheet's ``tumor_sample`` is blank:

1. a VCF with one sample column: that column;
2. else the column Mutect2's ``##tumor_sample=`` header line names (``##normal_sample=`` names the normal);
3. else the one column named like a tumour (``TUMOR``, ``TUMOUR``, ``T``, or ending in ``_T``,
   ``-T``, ``.T``, ``_tumor`` …, case-insensitive) that is not the sheet's ``normal_sample``;
4. else the one column left after removing the sheet's ``normal_sample`` and columns named like a
   normal (``NORMAL``, ``N``, ``…_N``, ``…_normal``, ``…_control``, ``…_germline``);
5. else an error listing the columns: set ``tumor_sample`` in the sheet.

**Impossible records** are errors naming the line: ``POS`` below 1, an ALT equal to REF, a tumour
``AD`` alternate count above :data:`AD_OVER_DP_FACTOR` × ``DP`` + :data:`AD_OVER_DP_READS`. The header's
``##reference`` and ``##contig`` lengths are checked against the run's build (:func:`check_vcf_build`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import pysam

from precisionflow.errors import InputError, shorten
from precisionflow.io import check_file

log = logging.getLogger("precisionflow.variants")


FIXED_COLUMNS = ("CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO")


_TUMOUR_NAME = re.compile(r"^(tumou?r|t)$|[._-](tumou?r|t)$", re.IGNORECASE)
_NORMAL_NAME = re.compile(r"^(normal|n|control|germline)$|[._-](normal|n|control|germline)$", re.IGNORECASE)


@dataclass(frozen=True)
class HeaderField:
    number: str
    type: str
    description: str


@dataclass
class VcfHeader:
    """What the header says: columns of the ``#CHROM`` line, INFO/FORMAT definitions, contigs."""

    path: str
    n_lines: int  # lines up to and including the #CHROM line
    columns: list[str]
    info: dict[str, HeaderField]
    formats: dict[str, HeaderField]
    contigs: list[str]
    meta: dict[str, str] = field(default_factory=dict)  # simple '##key=value' lines (first value of each key)
    contig_lengths: dict[str, int] = field(default_factory=dict)

    @property
    def has_format(self) -> bool:
        return len(self.columns) > 8

    @property
    def samples(self) -> list[str]:
        return self.columns[9:]


@contextlib.contextmanager
def quiet_htslib() -> Iterator[None]:
    """htslib writes its own messages to stderr; ours are the InputErrors."""
    previous = pysam.set_verbosity(0)
    try:
        yield
    finally:
        pysam.set_verbosity(previous)


@contextlib.contextmanager
def open_text(path: str | os.PathLike[str]) -> Iterator[pysam.BGZFile]:
    """A binary stream of the file's text (bgzipped, gzipped or plain)."""
    with quiet_htslib():
        handle = pysam.BGZFile(str(path), "rb")
        try:
            yield handle
        finally:
            with contextlib.suppress(OSError):
                handle.close()


def _truncated(path: str | os.PathLike[str], line: int) -> InputError:
    return InputError(
        path,
        f"line {line}",
        "a complete gzip/bgzip stream",
        "a damaged or truncated compressed file (it ends inside a block)",
    )


def read_vcf_header(path: str | os.PathLike[str]) -> VcfHeader:
    """The header of a VCF; a missing ``#CHROM`` line, BCF or binary content is an InputError."""
    check_file(path, "a VCF file")
    meta, line, number = _header_lines(path)
    columns = _header_columns(path, line, number)
    header = pysam.VariantHeader()
    with quiet_htslib():
        for i, text in enumerate(meta, start=1):
            try:
                header.add_line(text)
            except ValueError:
                log.warning("VCF header line %d: a meta line pysam cannot parse, ignored: %s", i, text[:80])
    info = {k: HeaderField(str(v.number), str(v.type), str(v.description or "")) for k, v in header.info.items()}
    formats = {k: HeaderField(str(v.number), str(v.type), str(v.description or "")) for k, v in header.formats.items()}
    simple: dict[str, str] = {}
    for text in meta:
        key, sep, value = text[2:].partition("=")
        if sep and not value.startswith("<"):
            simple.setdefault(key, value.strip())
    lengths = {str(k): int(v.length) for k, v in header.contigs.items() if v.length}
    return VcfHeader(str(path), number, columns, info, formats, list(header.contigs), simple, lengths)


def _header_lines(path: str | os.PathLike[str]) -> tuple[list[str], str, int]:
    """The ``##`` meta lines, the ``#CHROM`` line and its line number."""
    meta: list[str] = []
    with open_text(path) as handle:
        number = 0
        while True:
            number += 1
            line = _header_line(path, handle, number)
            if line.startswith("##"):
                meta.append(line)
                continue
            if not line.startswith("#CHROM"):
                raise InputError(
                    path,
                    f"line {number}",
                    "the '#CHROM POS ID REF ALT QUAL FILTER INFO ...' header line",
                    repr(line[:60]),
                )
            return meta, line, number


def _header_line(path: str | os.PathLike[str], handle: pysam.BGZFile, number: int) -> str:
    """Line ``number`` of the header as text: BCF, binary data, bytes that are not UTF-8 and the end of the file are
    errors."""
    try:
        raw = handle.readline()
    except OSError:
        raise _truncated(path, number) from None
    if number == 1 and raw.startswith(b"BCF"):
        raise InputError(
            path, "content", "a VCF text file (plain or bgzipped)", "BCF (convert it with `bcftools view -Oz`)"
        )
    if b"\x00" in raw:
        raise InputError(path, f"line {number}", "VCF text", "binary data")
    try:
        line = raw.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError:
        raise InputError(path, f"line {number}", "UTF-8 text", "bytes that are not UTF-8") from None
    if not raw:
        raise InputError(
            path, f"line {number}", "a '#CHROM' header line after the '##' meta lines", "the end of the file"
        )
    return line


def _header_columns(path: str | os.PathLike[str], line: str, number: int) -> list[str]:
    """The columns of the ``#CHROM`` line: the eight fixed ones, then FORMAT and at least one sample, or none."""
    columns = line[1:].split("\t")
    if [c.upper() for c in columns[:8]] != list(FIXED_COLUMNS):
        raise InputError(
            path, f"line {number} (#CHROM)", f"columns {' '.join(FIXED_COLUMNS)} first", f"{' '.join(columns[:8])!r}"
        )
    if len(columns) > 8 and columns[8] != "FORMAT":
        raise InputError(
            path, f"line {number} (#CHROM), column 9", "'FORMAT' before the sample columns", repr(columns[8])
        )
    if len(columns) == 9:
        raise InputError(path, f"line {number} (#CHROM)", "at least one sample column after FORMAT", "none")
    return columns


# chr1, chr2 and chrX lengths of each build: a ##contig line with the other build's length names the file's build.
BUILD_CONTIG_LENGTHS = {
    "GRCh37": {"1": 249250621, "2": 243199373, "X": 155270560},
    "GRCh38": {"1": 248956422, "2": 242193529, "X": 156040895},
}
BUILD_NAMES = {
    "GRCh37": re.compile(r"grch37|hg19|\bb37\b|hs37|g1k_v37|human_g1k|ncbi37|GRCh37", re.IGNORECASE),
    "GRCh38": re.compile(r"grch38|hg38|hs38|\bb38\b|ncbi38|GCA_000001405\.15", re.IGNORECASE),
}


def build_named(text: str) -> str | None:
    """The build a ``##reference`` value (a path or a name) names, when exactly one build's names appear in it."""
    found = [build for build, pattern in BUILD_NAMES.items() if pattern.search(text)]
    return found[0] if len(found) == 1 else None


def check_vcf_build(header: VcfHeader, genome_build: str) -> None:
    """The header's ``##reference`` and ``##contig`` lengths must not name the other build (absent: not checked)."""
    if genome_build not in BUILD_CONTIG_LENGTHS:
        return
    reference = header.meta.get("reference", "")
    named = build_named(reference)
    if named and named != genome_build:
        raise InputError(
            header.path,
            "header, ##reference",
            f"a {genome_build} reference (config genome_build)",
            f"{reference[:100]!r} ({named})",
        )
    for contig, length in header.contig_lengths.items():
        key = contig_name_key(contig)
        for build, lengths in BUILD_CONTIG_LENGTHS.items():
            if build != genome_build and lengths.get(key) == length:
                raise InputError(
                    header.path,
                    f"header, ##contig=<ID={contig}>",
                    f"{genome_build} contig lengths (config genome_build)",
                    f"length {length}, as in {build}",
                )


def contig_name_key(name: str) -> str:
    return re.sub(r"^chr", "", str(name), flags=re.IGNORECASE)


def choose_tumor_sample(header: VcfHeader, tumor_sample: str | None, normal_sample: str | None) -> str | None:
    """The tumour column by the rule of the module docstring; None for a VCF without sample columns."""
    samples = header.samples
    where = f"line {header.n_lines} (#CHROM), sample columns"
    if not samples:
        if tumor_sample:
            raise InputError(
                header.path,
                where,
                f"a sample column {tumor_sample!r} (sheet column tumor_sample)",
                "a VCF without sample columns",
            )
        return None
    if normal_sample and normal_sample not in samples:
        raise InputError(
            header.path,
            where,
            f"a sample column {normal_sample!r} (sheet column normal_sample)",
            f"samples {shorten(samples)}",
        )
    if tumor_sample:
        if tumor_sample not in samples:
            raise InputError(
                header.path,
                where,
                f"a sample column {tumor_sample!r} (sheet column tumor_sample)",
                f"samples {shorten(samples)}",
            )
        return tumor_sample
    if len(samples) == 1:
        return samples[0]
    named_by_caller = header.meta.get("tumor_sample")  # Mutect2 writes ##tumor_sample=<column>
    if named_by_caller in samples and named_by_caller != normal_sample:
        return named_by_caller
    named = [s for s in samples if _TUMOUR_NAME.search(s) and s != normal_sample]
    if len(named) == 1:
        return named[0]
    rest = [s for s in samples if s != normal_sample and not _NORMAL_NAME.search(s)]
    if len(rest) == 1:
        return rest[0]
    raise InputError(
        header.path,
        where,
        "a tumor_sample in the sheet (the tumour column cannot be told from the names)",
        f"samples {shorten(samples)}",
    )


def normal_of(header: VcfHeader, tumor: str | None, normal_sample: str | None) -> str | None:
    """The normal column: the sheet's ``normal_sample``, else the other column of a two-column VCF."""
    if normal_sample:
        return normal_sample
    named_by_caller = header.meta.get("normal_sample")  # Mutect2's ##normal_sample=<column>
    if named_by_caller in header.samples and named_by_caller != tumor:
        return named_by_caller
    others = [s for s in header.samples if s != tumor]
    return others[0] if len(others) == 1 else None
