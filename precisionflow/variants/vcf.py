"""Reading VCFs: the header with pysam, the body streamed in blocks and parsed column-wise.

The file is opened with ``pysam.BGZFile`` (bgzipped, plain gzip or uncompressed; an index is
neither needed nor used), the ``##`` meta lines are parsed by ``pysam.VariantHeader``, and the
records are streamed in blocks of a few MB through pyarrow's CSV reader, which splits the columns
in C++. Fields inside columns (FORMAT keys, AD lists, INFO keys) are then taken out with
vectorised pyarrow/numpy operations, one block at a time, so memory stays flat whatever the file
size and no Python code runs per record on the way to the filters. (pysam's per-record iteration
is about 10× slower than ``bcftools view``; this path is within its speed, see ``bench/variants.py``.)

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
A header-only VCF has no records (valid). With a normal column, the alleles whose normal allele
fraction exceeds the tumour's are counted (:attr:`ReadStats.looks_swapped`).

**Per allele** (multi-allelic records are split; ALT number *k*):

* present in the sample when its genotype ``GT`` lists *k*; when ``GT`` is absent or unknown
  (``./.``), when ``AD[k]`` > 0; when neither is known, present;
* depth ``t_depth``: FORMAT ``DP``, else ``DPT``, else the sum of ``AD`` (or ``ADT``), else INFO ``TDP``;
* ``t_ref_count``/``t_alt_count``: ``AD[0]``/``AD[k]`` (or ``ADT``); in a Strelka2 VCF (no ``AD``),
  the tier-1 read counts, as vcf2maf reads them: for an SNV the ``<REF>U``/``<ALT>U`` of ``AU``,
  ``CU``, ``GU``, ``TU``; for an indel ``TAR``/``TIR``;
* ``t_vaf``: ``AD[k]`` / sum of ``AD`` when every ``AD`` value is known, else ``AD[k]`` / depth
  (Strelka2: alt / the sum of the four base counts, or ``TIR`` / (``TAR`` + ``TIR``)),
  else FORMAT ``AF``/``FA``/``VAF`` (for ALT *k*), else INFO ``TVAF``;
* symbolic ALTs (``<DEL>``, breakends), ``*`` and ``.`` are not small variants: counted and dropped;
* an unknown depth or VAF cannot fail ``min_depth``/``min_vaf``: the allele is kept and counted as
  ``not_applied_min_depth``/``not_applied_min_vaf``.
"""

from __future__ import annotations

import contextlib
import fnmatch
import logging
import os
import queue
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pysam

from precisionflow.errors import InputError, shorten
from precisionflow.io import check_file

log = logging.getLogger("precisionflow.variants")

FIXED_COLUMNS = ("CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO")
BLOCK_BYTES = 4 << 20  # bytes of text per parsed block: memory stays flat, blocks stay large enough to be fast

DEPTH_FORMAT_KEYS = ("DP", "DPT")
AD_FORMAT_KEYS = ("AD", "ADT")
AF_FORMAT_KEYS = ("AF", "FA", "VAF")
VAF_INFO_KEYS = ("TVAF",)
DEPTH_INFO_KEYS = ("TDP",)
STRELKA_SNV_KEYS = ("AU", "CU", "GU", "TU")  # tier 1,2 counts of reads showing each base
STRELKA_INDEL_KEYS = ("TAR", "TIR")  # tier 1,2 counts of reads supporting the reference / the indel

_TUMOUR_NAME = re.compile(r"^(tumou?r|t)$|[._-](tumou?r|t)$", re.IGNORECASE)
_NORMAL_NAME = re.compile(r"^(normal|n|control|germline)$|[._-](normal|n|control|germline)$", re.IGNORECASE)
_BASES = r"^[ACGTNacgtn]+$"


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
    meta: list[str] = []
    with open_text(path) as handle:
        number = 0
        while True:
            try:
                raw = handle.readline()
            except OSError:
                raise _truncated(path, number + 1) from None
            number += 1
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
            break
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


# --- vectorised helpers on pyarrow arrays ---------------------------------------------------


def _numpy(array: pa.Array | pa.ChunkedArray) -> np.ndarray:
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return array.to_numpy(zero_copy_only=False)


def list_take(lists: pa.ListArray, index: np.ndarray, rows: np.ndarray | None = None) -> pa.Array:
    """Item ``index[i]`` of list ``rows[i]`` (of list ``i`` without ``rows``); null where out of range."""
    offsets = _numpy(lists.offsets).astype(np.int64)
    if rows is None:
        rows = np.arange(len(lists))
    start = offsets[rows]
    length = offsets[rows + 1] - start
    index = np.asarray(index, dtype=np.int64)
    inside = (index >= 0) & (index < length)
    taken = lists.values.take(pa.array(np.where(inside, start + index, 0)))
    if inside.all():
        return taken
    return pc.if_else(pa.array(inside), taken, pa.nulls(len(taken), taken.type))


_SINGLE_BASES = pa.array(["A", "C", "G", "T", "N"])


def bases(values: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Alleles upper-cased, and where they are not made of A, C, G, T, N (single bases checked by hashing, the rest by regex)."""
    single = _numpy(pc.is_in(values, value_set=_SINGLE_BASES)).astype(bool)
    if single.all():
        return values, np.zeros(len(values), dtype=bool)
    rest = np.flatnonzero(~single)
    taken = values.take(pa.array(rest))
    others = pc.utf8_upper(taken)
    bad = np.zeros(len(values), dtype=bool)
    bad[rest] = ~_numpy(pc.match_substring_regex(others, _BASES)).astype(bool)
    if pc.all(pc.equal(others, taken)).as_py() is not False:  # already upper case: nothing to replace
        return values, bad
    return pc.replace_with_mask(values, pa.array(~single), others), bad


def missing_to_null(values: pa.Array) -> pa.Array:
    """'.' and empty strings (VCF's missing values) as nulls."""
    return pc.if_else(pc.is_in(values, value_set=pa.array([".", ""])), pa.nulls(len(values), pa.string()), values)


def to_float(values: pa.Array, path: str, what: str, lines: np.ndarray) -> np.ndarray:
    """Numbers of a string array (NaN where missing); a value that is not a number names its line."""
    values = missing_to_null(values)
    try:
        return _numpy(pc.cast(values, pa.float64())).astype(np.float64)
    except pa.ArrowInvalid:
        texts = values.to_pylist()
        for i, text in enumerate(texts):
            if text is None:
                continue
            try:
                float(text)
            except ValueError:
                raise InputError(path, f"line {int(lines[i])}, {what}", "a number", repr(text)) from None
        raise


def list_sums(lists: pa.ListArray, path: str, what: str, lines: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per list: the sum of its numbers and whether every item was known."""
    flat = pc.list_flatten(lists)
    parent = _numpy(pc.list_parent_indices(lists)).astype(np.int64)
    numbers = to_float(flat, path, what, lines[parent] if len(parent) else lines[:0])
    known = ~np.isnan(numbers)
    total = np.bincount(parent, weights=np.where(known, numbers, 0.0), minlength=len(lists))
    unknown = np.bincount(parent, weights=(~known).astype(float), minlength=len(lists))
    empty = _numpy(pc.list_value_length(lists)) == 0
    return total, (unknown == 0) & ~empty


def info_values(info: pa.Array, key: str) -> pa.Array:
    """The value of INFO key ``key`` in each row (null where absent)."""
    pattern = rf"(?:^|;){re.escape(key)}=(?P<v>[^;]*)"
    return pc.struct_field(pc.extract_regex(info, pattern=pattern), [0])


def per_allele(values: pa.Array, allele: np.ndarray, rows: np.ndarray) -> pa.Array:
    """The ALT-specific item of comma-separated values (Number=A): item ``allele - 1``, or the only item."""
    lists = pc.split_pattern(values, ",")
    lengths = _numpy(pc.fill_null(pc.list_value_length(lists), 0)).astype(np.int64)
    index = np.where(lengths[rows] == 1, 0, allele - 1)
    return list_take(lists, index, rows)


class SampleFields:
    """FORMAT fields of one sample column, per record of a block (None for a key no record has)."""

    def __init__(self, formats: pa.Array | None, values: pa.Array | None) -> None:
        self.parts = None
        if formats is None or values is None:
            return
        encoded = pc.dictionary_encode(formats)
        self.keys = [f.split(":") for f in encoded.dictionary.to_pylist()]
        self.codes = _numpy(encoded.indices).astype(np.int64)
        self.parts = pc.split_pattern(values, ":")

    def get(self, keys: Sequence[str]) -> pa.Array | None:
        """The first of ``keys`` that some record's FORMAT has ('.' and absent as null)."""
        if self.parts is None:
            return None
        for key in keys:
            index = np.array([k.index(key) if key in k else -1 for k in self.keys], dtype=np.int64)
            if (index >= 0).any():
                return missing_to_null(list_take(self.parts, index[self.codes]))
        return None


# --- streaming --------------------------------------------------------------------------------


def _diagnose(header: VcfHeader, error: Exception) -> InputError:
    """Find the line that broke the block parser (wrong field count, bad POS, bad bytes, truncation)."""
    path = header.path
    width = len(header.columns)
    number = 0
    with open_text(path) as handle:
        while True:
            try:
                raw = handle.readline()
            except OSError:
                return _truncated(path, number + 1)
            if not raw:
                break
            number += 1
            if number <= header.n_lines:
                continue
            try:
                text = raw.decode("utf-8").rstrip("\r\n")
            except UnicodeDecodeError:
                return InputError(path, f"line {number}", "UTF-8 text", "bytes that are not UTF-8")
            if not text:
                continue
            fields = text.split("\t")
            if len(fields) != width:
                return InputError(
                    path, f"line {number}", f"{width} tab-separated fields (as the #CHROM line)", f"{len(fields)}"
                )
            if not fields[1].isdigit():
                return InputError(path, f"line {number}, column POS", "a 1-based position", repr(fields[1][:30]))
    return InputError(path, "records", "records readable as VCF", str(error).splitlines()[0][:200])


def iter_blocks(
    header: VcfHeader, columns: Sequence[str], block_bytes: int = BLOCK_BYTES
) -> Iterator[tuple[int, pa.RecordBatch]]:
    """Blocks of records as pyarrow batches of the named columns (POS as int64, the rest as text).

    Yields the line number of each block's first record with the block. Any parsing problem becomes
    an InputError naming the line.
    """
    names = [f"c{i}" for i in range(len(header.columns))]
    position = {name: i for i, name in enumerate(header.columns)}
    wanted = [names[position[c]] for c in columns]
    types = {n: pa.string() for n in wanted}
    types[names[1]] = pa.int64()
    rename = {names[position[c]]: c for c in columns}
    line = header.n_lines + 1
    with open_text(header.path) as handle:
        try:
            for _ in range(header.n_lines):
                handle.readline()
            reader = pacsv.open_csv(
                handle,
                read_options=pacsv.ReadOptions(column_names=names, block_size=block_bytes, use_threads=True),
                parse_options=pacsv.ParseOptions(
                    delimiter="\t", quote_char=False, double_quote=False, escape_char=False
                ),
                convert_options=pacsv.ConvertOptions(
                    column_types=types, include_columns=wanted, strings_can_be_null=False, check_utf8=True
                ),
            )
            for batch in _prefetched(reader):
                batch = batch.rename_columns([rename[n] for n in batch.schema.names])
                yield line, batch
                line += batch.num_rows
        except (pa.ArrowException, OSError) as error:
            if line == header.n_lines + 1 and "Empty CSV file" in str(error):
                return  # a header-only VCF: a valid file without records
            raise _diagnose(header, error) from None


def _prefetched(reader: Iterable[pa.RecordBatch], depth: int = 2) -> Iterator[pa.RecordBatch]:
    """Parse the next blocks in a background thread (pyarrow releases the GIL) while this one is processed."""
    slots: queue.Queue = queue.Queue(maxsize=depth)
    done = object()
    stop = threading.Event()

    def produce() -> None:
        try:
            for batch in reader:
                if stop.is_set():
                    return
                slots.put(batch)
            slots.put(done)
        except BaseException as error:  # handed to the consumer
            slots.put(error)

    thread = threading.Thread(target=produce, name="vcf-reader", daemon=True)
    thread.start()
    try:
        while True:
            item = slots.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while thread.is_alive():  # unblock a producer waiting on a full queue
            with contextlib.suppress(queue.Empty):
                slots.get(timeout=0.05)
        thread.join()


@dataclass
class AlleleBlock:
    """One block of alleles (a row per ALT allele): text as pyarrow arrays, numbers as numpy arrays.

    ``chrom`` uses the genes reference's naming, ``vcf_chrom`` the file's; ``alts`` is the record's
    whole ALT text and ``allele`` the ALT's number in it (1-based); counts and fractions are NaN
    where unknown; ``population_af`` is the highest INFO population frequency (NaN when none);
    ``info`` holds the INFO values (e.g. ``CSQ``) the reader was asked to carry.
    """

    line: np.ndarray
    chrom: pa.Array
    vcf_chrom: pa.Array
    pos: np.ndarray
    ref: pa.Array
    alt: pa.Array
    alts: pa.Array
    allele: np.ndarray
    filter: pa.Array
    t_depth: np.ndarray
    t_ref_count: np.ndarray
    t_alt_count: np.ndarray
    t_vaf: np.ndarray
    population_af: np.ndarray
    info: dict[str, pa.Array] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.pos)


@dataclass
class ReadSettings:
    """What the block reader needs to know besides the file."""

    pass_filters: tuple[str, ...]
    min_depth: float
    min_vaf: float
    info_keys: tuple[str, ...] = ()  # INFO keys to carry as text columns (annotation)
    population_af_fields: tuple[str, ...] = ()  # INFO keys with population allele frequencies
    normal: str | None = None  # the matched normal's column: its allele fractions are compared with the tumour's


# DP is the depth after the caller's read filters (GATK: "approximate read depth; reads with MQ=255 or with bad
# mates are filtered") while AD counts informative reads before them, so AD may exceed DP: by up to 1.3 x in the
# Mutect VCF of ../shared/data (13 reads of 10). An alternate count above twice DP (+5 reads at low depth) would
# need most reads of the allele filtered out: the two fields contradict each other (e.g. AD alt 500 with DP 20).
AD_OVER_DP_FACTOR = 2.0
AD_OVER_DP_READS = 5

# A tumour and a normal column look swapped when, among at least this many alleles that pass FILTER and have
# both fractions known, the normal shows the higher allele fraction for most: somatic calls are absent from the normal.
SWAP_MIN_ALLELES = 3
SWAP_SHARE = 0.5


@dataclass
class ReadStats:
    counts: Counter = field(default_factory=Counter)
    unknown_contigs: set[str] = field(default_factory=set)
    first_record_line: int | None = None
    depth_available: bool = False
    vaf_available: bool = False
    # Per ALT allele (a multi-allelic record counts once per ALT): what the accounting adds up.
    alleles: Counter = field(default_factory=Counter)
    normal_compared: int = 0  # alleles with tumour and normal fractions known
    normal_higher: int = 0  # ... of which the normal's is the higher

    @property
    def looks_swapped(self) -> bool:
        return self.normal_compared >= SWAP_MIN_ALLELES and self.normal_higher > SWAP_SHARE * self.normal_compared


def population_af_keys(keys: Sequence[str], patterns: Sequence[str]) -> tuple[str, ...]:
    """The keys matching any of the (case-insensitive, shell-style) patterns, in the given order."""
    lowered = [p.lower() for p in patterns]
    return tuple(k for k in keys if any(fnmatch.fnmatchcase(k.lower(), p) for p in lowered))


def _passes_filter(values: pa.Array, allowed: Sequence[str]) -> np.ndarray:
    allowed_set = set(allowed) | {"."}
    mask = _numpy(pc.is_in(values, value_set=pa.array(sorted(allowed_set)))).astype(bool)
    combined = np.flatnonzero(~mask & _numpy(pc.match_substring(values, ";")).astype(bool))
    if len(combined):
        texts = values.take(pa.array(combined)).to_pylist()
        mask[combined] = [all(part in allowed_set for part in t.split(";")) for t in texts]
    return mask


def read_evidence_available(header: VcfHeader, tumor: str | None) -> tuple[bool, bool]:
    """Whether the tumour's depth and its allele fraction can be read from this VCF (else the filters on them cannot apply)."""
    formats = set(header.formats) if tumor else set()
    strelka = set(STRELKA_SNV_KEYS) <= formats or set(STRELKA_INDEL_KEYS) <= formats
    depth = (
        bool(formats & {*DEPTH_FORMAT_KEYS, *AD_FORMAT_KEYS})
        or strelka
        or bool(set(header.info) & set(DEPTH_INFO_KEYS))
    )
    vaf = bool(formats & {*AD_FORMAT_KEYS, *AF_FORMAT_KEYS}) or strelka or bool(set(header.info) & set(VAF_INFO_KEYS))
    return depth, vaf


def strelka_tier1_counts(
    sample: SampleFields, ref: pa.Array, alt: pa.Array, rows: np.ndarray, path: str, lines: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Reference, alternate and total tier-1 read counts per allele from Strelka2's fields (None when absent).

    Strelka2 writes no ``AD``; vcf2maf reads its tier-1 counts the same way.
    """
    snv_fields = [sample.get([key]) for key in STRELKA_SNV_KEYS]
    indel_fields = [sample.get([key]) for key in STRELKA_INDEL_KEYS]
    if any(f is None for f in snv_fields) and any(f is None for f in indel_fields):
        return None
    n_rows = len(rows)
    ref_count, alt_count, total = (np.full(n_rows, np.nan) for _ in range(3))

    def tier1(values: pa.Array, key: str) -> np.ndarray:
        lists = pc.split_pattern(values, ",")
        return to_float(list_take(lists, np.zeros(len(values), np.int64)), path, f"FORMAT/{key}", lines)[rows]

    ref_rows = ref.take(pa.array(rows))
    single = _numpy(pc.equal(pc.utf8_length(ref_rows), 1)).astype(bool) & _numpy(
        pc.equal(pc.utf8_length(alt), 1)
    ).astype(bool)
    if all(f is not None for f in snv_fields):
        counts = {key[0]: tier1(f, key) for key, f in zip(STRELKA_SNV_KEYS, snv_fields)}
        snv_total = sum(counts.values())
        for base, count in counts.items():
            ref_count = np.where(single & _numpy(pc.equal(ref_rows, base)).astype(bool), count, ref_count)
            alt_count = np.where(single & _numpy(pc.equal(alt, base)).astype(bool), count, alt_count)
        total = np.where(single, snv_total, total)
    if all(f is not None for f in indel_fields):
        tar, tir = (tier1(f, key) for key, f in zip(STRELKA_INDEL_KEYS, indel_fields))
        ref_count = np.where(single, ref_count, tar)
        alt_count = np.where(single, alt_count, tir)
        total = np.where(single, total, tar + tir)
    return ref_count, alt_count, total


def read_vcf_alleles(
    header: VcfHeader,
    tumor: str | None,
    settings: ReadSettings,
    contig_match: Callable[[str], str | None],
    stats: ReadStats,
    block_bytes: int = BLOCK_BYTES,
) -> Iterator[AlleleBlock]:
    """Alleles that pass the record-level filters (contig, FILTER, presence, depth, VAF), block by block."""
    formats = header.formats if tumor else {}
    info_defined = header.info
    depth_keys = [k for k in DEPTH_FORMAT_KEYS if k in formats]
    ad_keys = [k for k in AD_FORMAT_KEYS if k in formats]
    af_keys = [k for k in AF_FORMAT_KEYS if k in formats]
    tvaf_keys = [k for k in VAF_INFO_KEYS if k in info_defined]
    tdp_keys = [k for k in DEPTH_INFO_KEYS if k in info_defined]
    stats.depth_available, stats.vaf_available = read_evidence_available(header, tumor)
    info_needed = tuple(dict.fromkeys([*settings.info_keys, *settings.population_af_fields, *tvaf_keys, *tdp_keys]))
    columns = ["CHROM", "POS", "REF", "ALT", "FILTER"]
    if info_needed:
        columns.append("INFO")
    if tumor:
        columns += ["FORMAT", tumor]
    normal = settings.normal if tumor and settings.normal in header.samples and settings.normal != tumor else None
    if normal:
        columns.append(normal)
    path = header.path

    for first_line, batch in iter_blocks(header, columns, block_bytes):
        n = batch.num_rows
        stats.counts["records"] += n
        if stats.first_record_line is None and n:
            stats.first_record_line = first_line
        lines = first_line + np.arange(n, dtype=np.int64)
        chrom = pc.dictionary_encode(batch.column("CHROM"))
        names = chrom.dictionary.to_pylist()
        mapped = [contig_match(c) for c in names]
        codes = _numpy(chrom.indices).astype(np.int64)
        known_code = np.array([m is not None for m in mapped], dtype=bool)
        known = known_code[codes] if n else np.zeros(0, bool)
        stats.unknown_contigs.update(c for c, m in zip(names, mapped) if m is None)
        stats.counts["unknown_contig"] += int((~known).sum())
        passing = _passes_filter(batch.column("FILTER"), settings.pass_filters)
        stats.counts["failed_filter"] += int((known & ~passing).sum())
        record_ok = known & passing
        alt_count_of = _numpy(pc.count_substring(batch.column("ALT"), ",")).astype(np.int64) + 1
        stats.alleles["records"] += int(alt_count_of.sum())
        stats.alleles["unknown_contig"] += int(alt_count_of[~known].sum())
        stats.alleles["failed_filter"] += int(alt_count_of[known & ~passing].sum())
        position = _numpy(batch.column("POS")).astype(np.int64)
        if (position < 1).any():
            i = int(np.flatnonzero(position < 1)[0])
            raise InputError(
                path, f"line {int(lines[i])}, column POS", "a 1-based position (1 or more)", str(int(position[i]))
            )
        if not record_ok.any():
            continue
        # Columns are worked on whole (no copy of the block); rows that failed are masked out below.
        sub = batch
        ref, bad_ref = bases(sub.column("REF"))
        if bad_ref.any():
            i = int(np.flatnonzero(bad_ref)[0])
            raise InputError(
                path, f"line {int(lines[i])}, column REF", "bases A, C, G, T or N", repr(ref[i].as_py()[:30])
            )

        # One row per ALT allele.
        alt_text = sub.column("ALT")
        if pc.any(pc.match_substring(alt_text, ",")).as_py():
            alt_lists = pc.split_pattern(alt_text, ",")
            n_alts = _numpy(pc.list_value_length(alt_lists)).astype(np.int64)
            alt_flat = pc.list_flatten(alt_lists)
        else:
            n_alts = np.ones(n, dtype=np.int64)
            alt_flat = alt_text
        rows = np.repeat(np.arange(n), n_alts)
        starts = np.concatenate([[0], np.cumsum(n_alts)[:-1]])
        allele = np.arange(len(rows)) - starts[rows] + 1
        alt, not_bases = bases(alt_flat)
        simple = ~not_bases
        if not simple.all():
            texts = np.asarray(alt.to_pylist(), dtype=object)
            symbolic = np.array([t.startswith("<") or "[" in t or "]" in t or t in {"*", "."} for t in texts])
            bad = ~simple & ~symbolic
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise InputError(
                    path,
                    f"line {int(lines[rows[i]])}, column ALT",
                    "bases, '*', '.', or a symbolic allele",
                    repr(texts[i][:30]),
                )
            stats.counts["symbolic_alt"] += int((symbolic & record_ok[rows]).sum())
        same = _numpy(pc.equal(alt, ref.take(pa.array(rows)))).astype(bool) & simple
        if same.any():
            i = int(np.flatnonzero(same)[0])
            raise InputError(
                path,
                f"line {int(lines[rows[i]])}, column ALT",
                "an allele that differs from REF",
                f"ALT {texts_of(alt, i)!r} = REF",
            )

        # FORMAT fields of the tumour column, per record.
        sample = SampleFields(sub.column("FORMAT"), sub.column(tumor)) if tumor else SampleFields(None, None)
        info = sub.column("INFO") if info_needed else None
        n_rows = len(rows)
        alt_lines = lines[rows]

        # Presence of the allele in the sample: GT, else AD.
        present = np.ones(n_rows, dtype=bool)
        gt_known = np.zeros(n_rows, dtype=bool)
        gt = sample.get(["GT"])
        if gt is not None:
            # Genotypes take few distinct values: decode each once, then look alleles up per row.
            encoded = pc.dictionary_encode(pc.fill_null(gt, "."))
            gt_codes = _numpy(encoded.indices).astype(np.int64)
            calls = []
            for text in encoded.dictionary.to_pylist():
                numbers = [p for p in text.replace("|", "/").split("/") if p != "."]
                if not all(p.isdigit() for p in numbers):
                    bad = int(np.flatnonzero(gt_codes == len(calls))[0])
                    raise InputError(
                        path,
                        f"line {int(lines[bad])}, FORMAT/GT",
                        "allele numbers or '.' separated by '/' or '|'",
                        repr(text),
                    )
                calls.append({int(p) for p in numbers})
            width = int(max([n_alts.max(initial=0), *[max(c, default=0) for c in calls]])) + 1
            table = np.zeros((len(calls), width), dtype=bool)
            for i, called in enumerate(calls):
                table[i, sorted(called)] = True
            known_call = np.array([bool(c) for c in calls], dtype=bool)
            gt_known = known_call[gt_codes][rows]
            present = np.where(gt_known, table[gt_codes[rows], np.minimum(allele, width - 1)], True)

        ad = sample.get(ad_keys)
        ad_alt = ad_ref = ad_sum = None
        ad_complete = np.zeros(n_rows, dtype=bool)
        if ad is not None:
            ad_lists = pc.split_pattern(pc.fill_null(ad, "."), ",")
            ad_alt = to_float(list_take(ad_lists, allele, rows), path, f"FORMAT/{ad_keys[0]}", alt_lines)
            ad_ref = to_float(
                list_take(ad_lists, np.zeros(n_rows, np.int64), rows), path, f"FORMAT/{ad_keys[0]}", alt_lines
            )
            sums, complete = list_sums(ad_lists, path, f"FORMAT/{ad_keys[0]}", lines)
            ad_sum, ad_complete = sums[rows], complete[rows]
            present = np.where(gt_known | np.isnan(ad_alt), present, ad_alt > 0)
        elif tumor:
            tier1 = strelka_tier1_counts(sample, ref, alt, rows, path, lines)
            if tier1 is not None:
                ad_ref, ad_alt, ad_sum = tier1
                ad_complete = ~np.isnan(ad_sum)

        depth = np.full(n_rows, np.nan)
        dp = sample.get(depth_keys)
        if dp is not None:
            depth = to_float(dp, path, f"FORMAT/{depth_keys[0]}", lines)[rows]
            if ad is not None:
                over = ad_alt > AD_OVER_DP_FACTOR * depth + AD_OVER_DP_READS  # NaN compares False
                if over.any():
                    i = int(np.flatnonzero(over)[0])
                    raise InputError(
                        path,
                        f"line {int(alt_lines[i])}, sample {tumor!r}",
                        f"an alternate read count (FORMAT/{ad_keys[0]}) within {AD_OVER_DP_FACTOR:g} x the depth "
                        f"(FORMAT/{depth_keys[0]}) + {AD_OVER_DP_READS}",
                        f"{int(ad_alt[i])} alternate reads of {int(depth[i])}",
                    )
        if ad_sum is not None:
            depth = np.where(np.isnan(depth) & ad_complete, ad_sum, depth)
        for key in tdp_keys:
            values = to_float(per_allele(info_values(info, key), allele, rows), path, f"INFO/{key}", alt_lines)
            depth = np.where(np.isnan(depth), values, depth)

        vaf = np.full(n_rows, np.nan)
        if ad_alt is not None:
            with np.errstate(divide="ignore", invalid="ignore"):
                vaf = np.where(ad_complete & (ad_sum > 0), ad_alt / ad_sum, np.nan)
                vaf = np.where(np.isnan(vaf) & (depth > 0), ad_alt / depth, vaf)
        af = sample.get(af_keys)
        if af is not None:
            values = to_float(per_allele(af, allele, rows), path, f"FORMAT/{af_keys[0]}", alt_lines)
            vaf = np.where(np.isnan(vaf), values, vaf)
        for key in tvaf_keys:
            values = to_float(per_allele(info_values(info, key), allele, rows), path, f"INFO/{key}", alt_lines)
            vaf = np.where(np.isnan(vaf), values, vaf)

        # Record-level filters on each allele.
        keep_allele = simple & record_ok[rows]
        stats.counts["absent_in_sample"] += int((keep_allele & ~present).sum())
        keep_allele &= present
        # An unknown depth or fraction cannot fail its threshold: the allele is kept, the filter counted as not applied.
        if settings.min_depth > 0:
            low = depth < settings.min_depth
            stats.counts["low_depth"] += int((keep_allele & low).sum())
            keep_allele &= ~low
            stats.counts["not_applied_min_depth"] += int((keep_allele & np.isnan(depth)).sum())
        if settings.min_vaf > 0:
            low = vaf < settings.min_vaf
            stats.counts["low_vaf"] += int((keep_allele & low).sum())
            keep_allele &= ~low
            stats.counts["not_applied_min_vaf"] += int((keep_allele & np.isnan(vaf)).sum())
        if normal:
            normal_sample = SampleFields(sub.column("FORMAT"), sub.column(normal))
            normal_vaf = normal_fractions(normal_sample, ad_keys, ref, alt, allele, rows, path, lines)
            both = simple & record_ok[rows] & ~np.isnan(vaf) & ~np.isnan(normal_vaf)
            stats.normal_compared += int(both.sum())
            stats.normal_higher += int((both & (normal_vaf > vaf)).sum())
        chosen = np.flatnonzero(keep_allele)
        if not len(chosen):
            continue
        chosen_rows = rows[chosen]
        chosen_pa = pa.array(chosen_rows)
        population_af = np.full(len(chosen), np.nan)
        for key in settings.population_af_fields:
            texts = per_allele(info_values(info.take(chosen_pa), key), allele[chosen], np.arange(len(chosen)))
            values = _max_of_ampersand(texts, path, f"INFO/{key}", alt_lines[chosen])
            population_af = np.fmax(population_af, values)
        mapped_names = pa.array([m or "" for m in mapped], pa.string())
        chrom_codes = pa.array(codes[chosen_rows].astype(np.int32))
        block = AlleleBlock(
            line=alt_lines[chosen],
            chrom=pa.DictionaryArray.from_arrays(chrom_codes, mapped_names),
            vcf_chrom=pa.DictionaryArray.from_arrays(chrom_codes, pa.array(names, pa.string())),
            pos=_numpy(sub.column("POS")).astype(np.int64)[chosen_rows],
            ref=ref.take(chosen_pa),
            alt=alt.take(pa.array(chosen)),
            alts=pc.utf8_upper(alt_text.take(chosen_pa)) if settings.info_keys else pa.nulls(len(chosen), pa.string()),
            allele=allele[chosen],
            filter=sub.column("FILTER").take(chosen_pa),
            t_depth=depth[chosen],
            t_ref_count=ad_ref[chosen] if ad_ref is not None else np.full(len(chosen), np.nan),
            t_alt_count=ad_alt[chosen] if ad_alt is not None else np.full(len(chosen), np.nan),
            t_vaf=vaf[chosen],
            population_af=population_af,
            info={key: info_values(info.take(chosen_pa), key) for key in settings.info_keys},
        )
        stats.counts["kept_before_annotation"] += len(chosen)
        yield block


def texts_of(values: pa.Array, i: int) -> str:
    return str(values[i].as_py())[:30]


def normal_fractions(
    sample: SampleFields,
    ad_keys: Sequence[str],
    ref: pa.Array,
    alt_alleles: pa.Array,
    allele: np.ndarray,
    rows: np.ndarray,
    path: str,
    record_lines: np.ndarray,
) -> np.ndarray:
    """The normal column's allele fraction per allele (AD[k] / sum of AD, else Strelka2's tier-1 counts; NaN where unknown)."""
    ad = sample.get(ad_keys) if ad_keys else None
    if ad is None:
        tier1 = strelka_tier1_counts(sample, ref, alt_alleles, rows, path, record_lines)
        if tier1 is None:
            return np.full(len(rows), np.nan)
        _, alt_count, total = tier1
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(total > 0, alt_count / total, np.nan)
    lists = pc.split_pattern(pc.fill_null(ad, "."), ",")
    alt = to_float(list_take(lists, allele, rows), path, f"FORMAT/{ad_keys[0]} (normal)", record_lines[rows])
    sums, complete = list_sums(lists, path, f"FORMAT/{ad_keys[0]} (normal)", record_lines)
    sums, complete = sums[rows], complete[rows]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(complete & (sums > 0), alt / sums, np.nan)


def _max_of_ampersand(texts: pa.Array, path: str, what: str, lines: np.ndarray) -> np.ndarray:
    """Numbers of values that may list several, ``&``-joined (VEP): the highest of each."""
    lists = pc.split_pattern(missing_to_null(texts), "&")
    flat = pc.list_flatten(lists)
    parent = _numpy(pc.list_parent_indices(lists)).astype(np.int64)
    numbers = to_float(flat, path, what, lines[parent] if len(parent) else lines[:0])
    out = np.full(len(texts), np.nan)
    if len(numbers):
        np.fmax.at(out, parent, numbers)
    return out
