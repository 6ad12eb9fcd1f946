"""Readers of the reference tables named under ``resources:`` in the config.

Every step that needs a reference table reads it here, so that the layouts accepted and the errors
raised are the same everywhere. Each reader validates what it returns (required columns, numbers
where numbers belong, no blank keys) and raises :class:`~precisionflow.errors.InputError` naming
the file, the row or column, and what was expected.

* :func:`read_genes` — genes BED: ``chrom start end symbol ensembl_id strand biotype`` (0-based,
  half-open, no header; the last three columns optional). Contigs are kept as written (the shared
  references have no ``chr`` prefix); :func:`contig_matcher` maps other namings onto them. The one reader
  of the genes BED: the variants (MAF genes, copy number) and the omics layers (:func:`ensembl_symbols`) use it.
* :func:`read_drivers` — the IntOGen compendium (``SYMBOL``, ``ROLE``, ``COHORT``, ``CANCER_TYPE``
  …) or a simpler gene list (``gene``/``symbol`` with an optional ``role``); :func:`driver_roles`
  summarises one role per gene.
* :func:`read_hotspots` — cancerhotspots.org via maftools, no header: ``chrom pos ref alt gene class
  protein_change …``. Alleles are also given in MAF convention (``maf_start``, ``maf_ref``,
  ``maf_alt``: ``-`` for the empty allele) whatever the file used, so they match MAF rows.
* DGIdb's drug-gene interactions and gene categories: :mod:`precisionflow.dgidb`.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from precisionflow.errors import InputError, shorten
from precisionflow.io import read_text_table

if TYPE_CHECKING:
    import pandas as pd

GENE_COLUMNS = ["chrom", "start", "end", "symbol", "ensembl_id", "strand", "biotype"]
HOTSPOT_COLUMNS = ["chrom", "pos", "ref", "alt", "gene", "class", "protein_change"]
DRIVER_ROLES = ("Act", "LoF", "ambiguous")


# --- contig names ---------------------------------------------------------------------------


def contig_key(name: str) -> str:
    """A naming-independent key of a contig: ``chr17``, ``Chr17`` and ``17`` give ``17``; ``chrM`` gives ``MT``."""
    key = re.sub(r"^chr", "", str(name).strip(), flags=re.IGNORECASE)
    return "MT" if key.upper() in {"M", "MT"} else key


def contig_matcher(reference_contigs: Iterable[str]) -> Callable[[str], str | None]:
    """A function mapping a contig name of any naming (with or without ``chr``) to the reference's name.

    An exact match wins; otherwise names are compared without a ``chr`` prefix (and ``M``/``MT``
    are the same). Names that match no reference contig map to None.
    """
    exact = {str(c) for c in reference_contigs}
    by_key: dict[str, str] = {}
    for name in sorted(exact):
        by_key.setdefault(contig_key(name), name)
    cache: dict[str, str | None] = {}

    def match(name: str) -> str | None:
        if name not in cache:
            cache[name] = name if name in exact else by_key.get(contig_key(name))
        return cache[name]

    return match


# --- genes ----------------------------------------------------------------------------------


def read_genes_table(path: str | os.PathLike[str]) -> pa.Table:
    """The genes BED as a table with columns :data:`GENE_COLUMNS` (starts 0-based, ends exclusive; text elsewhere).

    Lines starting with ``#`` are skipped. At least four columns are required (``chrom start end
    symbol``); missing ``ensembl_id``/``strand``/``biotype`` are null. Read without pandas (the variant
    step's start-up, see :mod:`precisionflow.io`).
    """
    table = read_text_table(path, sep="\t", header=False, comment="#", what="a genes BED (chrom start end symbol ...)")
    if table.num_columns < 4:
        raise InputError(
            path,
            "columns",
            "at least 4 tab-separated columns: chrom start end symbol",
            f"{table.num_columns} column(s)",
        )
    n = min(table.num_columns, len(GENE_COLUMNS))
    columns = {name: table.column(i).combine_chunks() for i, name in enumerate(GENE_COLUMNS[:n])}
    columns |= {name: pa.nulls(table.num_rows, pa.string()) for name in GENE_COLUMNS[n:]}
    for name in ("start", "end"):
        columns[name] = _whole_numbers(columns[name], 0, path, f"column {GENE_COLUMNS.index(name) + 1} ({name})")
    start, end = columns["start"].to_numpy(), columns["end"].to_numpy()
    if (end < start).any():
        row = int(np.flatnonzero(end < start)[0])
        raise InputError(
            path, f"line {row + 1}", "end >= start (0-based, half-open BED)", f"start {start[row]}, end {end[row]}"
        )
    for name, expected in (("chrom", "a contig name"), ("symbol", "a gene symbol")):
        blank = _blank_rows(columns[name])
        if len(blank):
            where = f"line {blank[0] + 1}, column {GENE_COLUMNS.index(name) + 1} ({name})"
            raise InputError(path, where, expected, "a blank cell")
    return pa.table(columns)


def read_genes(path: str | os.PathLike[str]) -> pd.DataFrame:
    """:func:`read_genes_table` as a pandas table (missing values None)."""
    return read_genes_table(path).to_pandas()


def _blank_rows(values: pa.Array) -> np.ndarray:
    """Rows (0-based) whose cell is null or only spaces."""
    blank = pc.or_kleene(pc.is_null(values), pc.equal(pc.utf8_trim_whitespace(values), ""))
    return np.flatnonzero(pc.fill_null(blank, True).to_numpy(zero_copy_only=False))


def _whole_numbers(
    values: pa.Array, minimum: int, path: str | os.PathLike[str], where: str, first_line: int = 1
) -> pa.Array:
    """Text cells as int64; the first that is not a whole number >= ``minimum`` is named (row 0 is ``first_line``)."""
    expected = f"a whole number >= {minimum}" if minimum == 0 else "a 1-based position"
    try:
        numbers = pc.cast(values, pa.int64())
        bad = pc.fill_null(pc.less(numbers, minimum), True).to_numpy(zero_copy_only=False)
        if not bad.any():
            return numbers
    except pa.ArrowInvalid:  # e.g. "1e3" or "abc": each cell read as Python reads a number
        pass
    parsed = []
    for row, text in enumerate(values.to_pylist()):
        try:
            number = float(text) if text is not None else float("nan")
        except ValueError:
            number = float("nan")
        if not (number >= minimum and number == round(number)):
            found = "a blank cell" if text is None else repr(text)
            raise InputError(path, f"line {row + first_line}, {where}", expected, found)
        parsed.append(int(number))
    return pa.array(parsed, pa.int64())


def ensembl_symbols(genes: pd.DataFrame) -> tuple[dict[str, str], set[str]]:
    """Ensembl gene id (version suffix dropped) -> symbol, and the set of symbols, of a :func:`read_genes`
    table: how the omics layers' Ensembl ids and symbols reach genes. Rows without an id name a symbol only."""
    symbol = genes["symbol"].fillna("").astype(str).str.strip()
    ensembl = genes["ensembl_id"].fillna("").astype(str).str.strip().str.replace(r"\.\d+$", "", regex=True)
    known = (symbol != "") & (ensembl != "")
    return dict(zip(ensembl[known], symbol[known])), set(symbol[symbol != ""])


# --- drivers --------------------------------------------------------------------------------

_DRIVER_SYMBOL = ("SYMBOL", "symbol", "gene", "Gene", "Hugo_Symbol", "Gene Symbol", "gene_symbol")
_DRIVER_ROLE = ("ROLE", "role", "Role", "Role in Cancer")
# Roles of other driver lists, mapped onto IntOGen's.
_ROLE_ALIASES = {
    "act": "Act",
    "activating": "Act",
    "oncogene": "Act",
    "gof": "Act",
    "lof": "LoF",
    "tsg": "LoF",
    "tumor suppressor": "LoF",
    "tumour suppressor": "LoF",
    "ambiguous": "ambiguous",
}


def first_present(columns: Iterable[str], names: Iterable[str]) -> str | None:
    present = set(columns)
    return next((n for n in names if n in present), None)


def _normalise_role(value: str | None) -> str | None:
    if value is None or not str(value).strip():
        return None
    parts = {_ROLE_ALIASES.get(p.strip().lower()) for p in re.split(r"[,;/]", str(value))} - {None}
    if len(parts) == 1:
        return parts.pop()
    return "ambiguous" if parts else None


def _normalised_roles(values: pa.ChunkedArray) -> pa.Array:
    """:func:`_normalise_role` of each cell, computed once per distinct text."""
    encoded = pc.dictionary_encode(values).combine_chunks()
    roles = pa.array([_normalise_role(v) for v in encoded.dictionary.to_pylist()], pa.string())
    return roles.take(encoded.indices)


def read_drivers_table(path: str | os.PathLike[str]) -> pa.Table:
    """Driver genes, one row per row of the file: ``symbol``, ``role`` (Act / LoF / ambiguous / null),
    ``cohort`` and ``cancer_type`` (null when the file has no such column). Read without pandas.

    Roles of other lists are mapped onto IntOGen's: oncogene → ``Act``, TSG → ``LoF``, both → ``ambiguous``.
    """
    table = read_text_table(path, sep="\t", what="a driver gene table (IntOGen compendium layout)")
    symbol = first_present(table.column_names, _DRIVER_SYMBOL)
    if symbol is None:
        raise InputError(
            path,
            "header",
            f"a gene column (one of {shorten(_DRIVER_SYMBOL, 7)})",
            f"columns {shorten(table.column_names)}",
        )
    symbols = pc.utf8_trim_whitespace(table.column(symbol).combine_chunks())
    blank = _blank_rows(symbols)
    if len(blank):
        raise InputError(path, f"row {blank[0] + 2}, column {symbol!r}", "a gene symbol", "a blank cell")
    role = first_present(table.column_names, _DRIVER_ROLE)
    nulls = pa.nulls(table.num_rows, pa.string())
    return pa.table(
        {
            "symbol": symbols,
            "role": _normalised_roles(table.column(role)) if role else nulls,
            "cohort": table.column("COHORT") if "COHORT" in table.column_names else nulls,
            "cancer_type": table.column("CANCER_TYPE") if "CANCER_TYPE" in table.column_names else nulls,
        }
    )


def read_drivers(path: str | os.PathLike[str]) -> pd.DataFrame:
    """:func:`read_drivers_table` as a pandas table (missing values None)."""
    return read_drivers_table(path).to_pandas()


def driver_role_map(
    symbols: Iterable[str],
    roles: Iterable[str | None],
    row_cancer_types: Iterable[str | None],
    cancer_types: Iterable[str] = (),
) -> dict[str, str]:
    """One role per driver gene (sorted by symbol): the role most of its rows give; ``ambiguous`` on a tie or when
    no row gives one. ``cancer_types`` (IntOGen ``CANCER_TYPE`` codes, e.g. ``BRCA``) restricts the rows used;
    empty means all. The rows are given column by column (``symbol``, ``role``, ``cancer_type`` of the drivers)."""
    wanted = {c.upper() for c in cancer_types}
    votes: dict[str, Counter] = {}
    for symbol, role, cancer_type in zip(symbols, roles, row_cancer_types, strict=True):
        if wanted and (cancer_type is None or str(cancer_type).upper() not in wanted):
            continue
        counts = votes.setdefault(str(symbol), Counter())
        if role is not None and role == role:  # NaN from a pandas table is no role
            counts[role] += 1
    chosen = {}
    for symbol in sorted(votes):
        ranked = votes[symbol].most_common(2)
        unique_top = ranked and (len(ranked) == 1 or ranked[0][1] > ranked[1][1])
        chosen[symbol] = ranked[0][0] if unique_top else "ambiguous"
    return chosen


def driver_roles(drivers: pd.DataFrame, cancer_types: Iterable[str] = ()) -> pd.Series:
    """:func:`driver_role_map` of a :func:`read_drivers` table, as a pandas Series (index: symbol)."""
    import pandas as pd

    roles = driver_role_map(drivers["symbol"], drivers["role"], drivers["cancer_type"], cancer_types)
    return pd.Series(roles, index=pd.Index(list(roles), name="symbol", dtype=object), name="driver_role", dtype=object)


def check_driver_cancer_types(
    path: str | os.PathLike[str], cancer_types: Iterable[str], source: str = "the config"
) -> None:
    """Every code of ``variants: driver_cancer_types`` must be a ``CANCER_TYPE`` of the drivers file: an
    unknown code would silently leave the genes without their roles. The hint comes from the file's own
    cohorts (IntOGen's ``TCGA_WXS_SKCM`` cohort is ``CM``)."""
    drivers = read_drivers(path)
    present = sorted(set(drivers["cancer_type"].dropna().astype(str).str.upper()))
    if not present:
        expected = f"a drivers file with CANCER_TYPE codes ({path} has none)"
        raise InputError(source, "key variants/driver_cancer_types", expected, shorten(cancer_types))
    unknown = [c for c in cancer_types if c.upper() not in present]
    if not unknown:
        return
    cohorts = drivers.dropna(subset=["cohort", "cancer_type"]).drop_duplicates(["cohort", "cancer_type"])
    hints = []
    for code in unknown:
        named = cohorts[cohorts["cohort"].astype(str).str.upper().str.contains(code.upper(), regex=False)]
        hints += [f"cohort {c!r} is {t!r}" for c, t in zip(named["cohort"], named["cancer_type"], strict=True)][:3]
    found = shorten(unknown) + (f" ({'; '.join(hints)})" if hints else "")
    expected = f"CANCER_TYPE codes of {path} ({shorten(present, 8)})"
    raise InputError(source, "key variants/driver_cancer_types", expected, found)


# --- hotspots -------------------------------------------------------------------------------


def maf_alleles(pos: int, ref: str, alt: str) -> tuple[int, str, str]:
    """VCF-style (anchored) or MAF-style alleles to MAF convention.

    Shared trailing, then shared leading bases are removed (the start moves past removed leading
    bases); an empty allele is ``-``; an insertion starts at the base before the inserted sequence,
    as in MAF files. Alleles already in MAF convention (one of them ``-``) are returned as given.
    ``CAGT``/``CGT`` at 100 gives ``(101, "A", "-")``; ``C``/``CTT`` gives ``(100, "-", "TT")``.
    """
    if ref == "-" or alt == "-":  # already MAF convention
        return pos, ref, alt
    while ref and alt and ref[-1] == alt[-1]:
        ref, alt = ref[:-1], alt[:-1]
    while ref and alt and ref[0] == alt[0]:
        ref, alt, pos = ref[1:], alt[1:], pos + 1
    if not ref:
        pos -= 1
    return pos, ref or "-", alt or "-"


def read_hotspots_table(path: str | os.PathLike[str]) -> pa.Table:
    """Hotspots: columns :data:`HOTSPOT_COLUMNS` plus ``maf_start``, ``maf_ref``, ``maf_alt`` (MAF convention).

    The file has no header; a first line whose position is not a number and reads like a header
    (``chrom``/``chromosome``) is skipped. Extra columns (e.g. SIFT) are kept as ``extra_<n>``. Read without pandas.
    """
    table = read_text_table(
        path, sep="\t", header=False, comment="#", what="a hotspot table (chrom pos ref alt gene class protein_change)"
    )
    if table.num_columns < len(HOTSPOT_COLUMNS):
        raise InputError(
            path,
            "columns",
            f"at least {len(HOTSPOT_COLUMNS)} tab-separated columns: {' '.join(HOTSPOT_COLUMNS)}",
            f"{table.num_columns} column(s)",
        )
    first_line = 1
    first = [str(table.column(i)[0].as_py()) for i in (0, 1)]
    if first[0].strip().lower() in {"chrom", "chromosome", "chr"} and not first[1].isdigit():
        table = table.slice(1)
        first_line = 2
    names = HOTSPOT_COLUMNS + [f"extra_{i}" for i in range(table.num_columns - len(HOTSPOT_COLUMNS))]
    columns = {name: table.column(i).combine_chunks() for i, name in enumerate(names)}
    columns["pos"] = _whole_numbers(columns["pos"], 1, path, "column 2 (pos)", first_line)
    for name in ("chrom", "ref", "alt", "gene"):
        missing = np.flatnonzero(pc.is_null(columns[name]).to_numpy(zero_copy_only=False))
        if len(missing):
            where = f"line {missing[0] + first_line}, column {HOTSPOT_COLUMNS.index(name) + 1} ({name})"
            raise InputError(path, where, "a value", "a blank cell")
        columns[name] = pc.utf8_trim_whitespace(columns[name])
    allele = r"^([ACGTNacgtn]+|-)$"
    good = pc.and_(pc.match_substring_regex(columns["ref"], allele), pc.match_substring_regex(columns["alt"], allele))
    if not pc.all(good).as_py():
        row = int(np.flatnonzero(~good.to_numpy(zero_copy_only=False))[0])
        ref, alt = columns["ref"][row].as_py(), columns["alt"][row].as_py()
        raise InputError(
            path,
            f"line {row + first_line}, columns 3-4 (ref, alt)",
            "alleles of A, C, G, T, N or '-'",
            f"{ref!r} / {alt!r}",
        )
    converted = [
        maf_alleles(p, r.upper(), a.upper())
        for p, r, a in zip(
            columns["pos"].to_pylist(), columns["ref"].to_pylist(), columns["alt"].to_pylist(), strict=True
        )
    ]
    columns["protein_change"] = pc.fill_null(columns["protein_change"], "")
    columns["maf_start"] = pa.array([c[0] for c in converted], pa.int64())
    columns["maf_ref"] = pa.array([c[1] for c in converted], pa.string())
    columns["maf_alt"] = pa.array([c[2] for c in converted], pa.string())
    return pa.table(columns)


def read_hotspots(path: str | os.PathLike[str]) -> pd.DataFrame:
    """:func:`read_hotspots_table` as a pandas table."""
    return read_hotspots_table(path).to_pandas()


__all__ = [
    "DRIVER_ROLES",
    "GENE_COLUMNS",
    "HOTSPOT_COLUMNS",
    "contig_key",
    "contig_matcher",
    "driver_roles",
    "ensembl_symbols",
    "maf_alleles",
    "read_drivers",
    "check_driver_cancer_types",
    "read_genes",
    "read_hotspots",
]
