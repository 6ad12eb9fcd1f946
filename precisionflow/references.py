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
* :func:`read_drug_gene` — DGIdb interactions (``Gene``, ``drug_name`` …), one row per claim.
* :func:`read_drug_categories` — DGIdb druggable-genome categories (``Gene``, ``category`` …).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

from precisionflow.errors import InputError, shorten
from precisionflow.io import read_table

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


def read_genes(path: str | os.PathLike[str]) -> pd.DataFrame:
    """The genes BED as a table with columns :data:`GENE_COLUMNS` (starts 0-based, ends exclusive).

    Lines starting with ``#`` are skipped. At least four columns are required (``chrom start end
    symbol``); missing ``ensembl_id``/``strand``/``biotype`` are blank.
    """
    text_columns = {i: str for i in (0, 3, 4, 5, 6)}
    frame = read_table(
        path, sep="\t", header=None, comment="#", dtype=text_columns, what="a genes BED (chrom start end symbol ...)"
    )
    if frame.shape[1] < 4:
        raise InputError(
            path, "columns", "at least 4 tab-separated columns: chrom start end symbol", f"{frame.shape[1]} column(s)"
        )
    frame = frame.iloc[:, : len(GENE_COLUMNS)]
    frame.columns = GENE_COLUMNS[: frame.shape[1]]
    for column in GENE_COLUMNS[frame.shape[1] :]:
        frame[column] = pd.NA
    for column in ("start", "end"):
        if frame[column].dtype.kind == "i" and (frame[column] >= 0).all():
            continue
        values = pd.to_numeric(frame[column], errors="coerce")
        bad = values.isna() | (values < 0) | (values != values.round())
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(
                path,
                f"line {row + 1}, column {GENE_COLUMNS.index(column) + 1} ({column})",
                "a whole number >= 0",
                repr(frame[column].iloc[row]),
            )
        frame[column] = values.astype(np.int64)
    bad = frame["end"] < frame["start"]
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            path,
            f"line {row + 1}",
            "end >= start (0-based, half-open BED)",
            f"start {frame['start'].iloc[row]}, end {frame['end'].iloc[row]}",
        )
    blank = frame["symbol"].isna()
    if blank.any():
        row = int(np.flatnonzero(blank.to_numpy())[0])
        raise InputError(path, f"line {row + 1}, column 4 (symbol)", "a gene symbol", "a blank cell")
    return frame[GENE_COLUMNS]


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


def _first_present(frame: pd.DataFrame, names: Iterable[str]) -> str | None:
    return next((n for n in names if n in frame.columns), None)


def _normalise_role(value: object) -> str | None:
    if value is None or pd.isna(value) or not str(value).strip():
        return None
    parts = {_ROLE_ALIASES.get(p.strip().lower()) for p in re.split(r"[,;/]", str(value))} - {None}
    if len(parts) == 1:
        return parts.pop()
    return "ambiguous" if parts else None


def read_drivers(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Driver genes, one row per row of the file: ``symbol``, ``role`` (Act / LoF / ambiguous / missing),
    ``cohort`` and ``cancer_type`` (missing when the file has no such column).

    Roles of other lists are mapped onto IntOGen's: oncogene → ``Act``, TSG → ``LoF``, both → ``ambiguous``.
    """
    frame = read_table(path, sep="\t", dtype=str, what="a driver gene table (IntOGen compendium layout)")
    symbol = _first_present(frame, _DRIVER_SYMBOL)
    if symbol is None:
        raise InputError(
            path, "header", f"a gene column (one of {shorten(_DRIVER_SYMBOL, 7)})", f"columns {shorten(frame.columns)}"
        )
    role = _first_present(frame, _DRIVER_ROLE)
    out = pd.DataFrame({"symbol": frame[symbol].astype("string").str.strip()})
    blank = out["symbol"].isna() | (out["symbol"] == "")
    if blank.any():
        row = int(np.flatnonzero(blank.to_numpy())[0])
        raise InputError(path, f"row {row + 2}, column {symbol!r}", "a gene symbol", "a blank cell")
    out["role"] = frame[role].map(_normalise_role) if role else None
    out["cohort"] = frame["COHORT"] if "COHORT" in frame.columns else None
    out["cancer_type"] = frame["CANCER_TYPE"] if "CANCER_TYPE" in frame.columns else None
    return out.astype({"symbol": object})


def driver_roles(drivers: pd.DataFrame, cancer_types: Iterable[str] = ()) -> pd.Series:
    """One role per driver gene (index: symbol, sorted): the role most of its rows give; ``ambiguous``
    on a tie or when no row gives one. ``cancer_types`` (IntOGen ``CANCER_TYPE`` codes, e.g. ``BRCA``)
    restricts the rows used; empty means all.
    """
    wanted = {c.upper() for c in cancer_types}
    if wanted:
        drivers = drivers[drivers["cancer_type"].astype("string").str.upper().isin(wanted).fillna(False).to_numpy(bool)]
    symbols = sorted(set(drivers["symbol"].astype(str)))
    roles = pd.Series("ambiguous", index=pd.Index(symbols, name="symbol"), name="driver_role", dtype=object)
    with_role = drivers.dropna(subset=["role"])
    if not with_role.empty:
        counts = with_role.groupby(["symbol", "role"]).size().unstack(fill_value=0)
        top = counts.max(axis=1)
        unique_top = counts.eq(top, axis=0).sum(axis=1) == 1
        best = counts.idxmax(axis=1)
        roles.loc[best.index[unique_top.to_numpy()]] = best[unique_top].to_numpy()
    return roles


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


def read_hotspots(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Hotspots: columns :data:`HOTSPOT_COLUMNS` plus ``maf_start``, ``maf_ref``, ``maf_alt`` (MAF convention).

    The file has no header; a first line whose position is not a number and reads like a header
    (``chrom``/``chromosome``) is skipped. Extra columns (e.g. SIFT) are kept as ``extra_<n>``.
    """
    frame = read_table(
        path,
        sep="\t",
        header=None,
        comment="#",
        dtype=str,
        what="a hotspot table (chrom pos ref alt gene class protein_change)",
    )
    if frame.shape[1] < len(HOTSPOT_COLUMNS):
        raise InputError(
            path,
            "columns",
            f"at least {len(HOTSPOT_COLUMNS)} tab-separated columns: {' '.join(HOTSPOT_COLUMNS)}",
            f"{frame.shape[1]} column(s)",
        )
    first_line = 1
    if str(frame.iloc[0, 0]).strip().lower() in {"chrom", "chromosome", "chr"} and not str(frame.iloc[0, 1]).isdigit():
        frame = frame.iloc[1:].reset_index(drop=True)
        first_line = 2
    frame.columns = HOTSPOT_COLUMNS + [f"extra_{i}" for i in range(frame.shape[1] - len(HOTSPOT_COLUMNS))]
    pos = pd.to_numeric(frame["pos"], errors="coerce")
    bad = pos.isna() | (pos < 1) | (pos != pos.round())
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            path, f"line {row + first_line}, column 2 (pos)", "a 1-based position", repr(frame["pos"].iloc[row])
        )
    frame["pos"] = pos.astype(np.int64)
    for column in ("chrom", "ref", "alt", "gene"):
        blank = frame[column].isna()
        if blank.any():
            row = int(np.flatnonzero(blank.to_numpy())[0])
            raise InputError(
                path,
                f"line {row + first_line}, column {HOTSPOT_COLUMNS.index(column) + 1} ({column})",
                "a value",
                "a blank cell",
            )
        frame[column] = frame[column].str.strip()
    bad_allele = ~(frame["ref"].str.fullmatch(r"[ACGTNacgtn]+|-") & frame["alt"].str.fullmatch(r"[ACGTNacgtn]+|-"))
    if bad_allele.any():
        row = int(np.flatnonzero(bad_allele.to_numpy())[0])
        raise InputError(
            path,
            f"line {row + first_line}, columns 3-4 (ref, alt)",
            "alleles of A, C, G, T, N or '-'",
            f"{frame['ref'].iloc[row]!r} / {frame['alt'].iloc[row]!r}",
        )
    converted = [maf_alleles(p, r.upper(), a.upper()) for p, r, a in zip(frame["pos"], frame["ref"], frame["alt"])]
    frame["maf_start"] = np.array([c[0] for c in converted], dtype=np.int64)
    frame["maf_ref"] = [c[1] for c in converted]
    frame["maf_alt"] = [c[2] for c in converted]
    frame["protein_change"] = frame["protein_change"].fillna("")
    return frame


# --- drug-gene interactions -----------------------------------------------------------------

_DRUG_COLUMNS = ("drug_name", "drug_claim_primary_name", "drug_claim_name", "drug")
_GENE_COLUMN = ("Gene", "gene", "gene_name", "gene_claim_name", "SYMBOL", "symbol")


def _blank(values: pd.Series) -> pd.Series:
    return values.isna() | (values.astype("string").str.strip() == "")


def read_drug_gene(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Drug-gene interactions (DGIdb layout), one row per claim with a gene and a drug:
    ``gene``, ``drug`` (``drug_name``, else the claim's primary name, else the claim name),
    ``interaction_types``, ``source``, ``drug_chembl_id``, ``pmids`` (blank when absent).
    """
    frame = read_table(path, sep="\t", dtype=str, what="a drug-gene interaction table (DGIdb layout)")
    gene = _first_present(frame, _GENE_COLUMN)
    drugs = [c for c in _DRUG_COLUMNS if c in frame.columns]
    if gene is None or not drugs:
        expected = f"a gene column ({shorten(_GENE_COLUMN, 6)}) and a drug column ({shorten(_DRUG_COLUMNS, 4)})"
        raise InputError(path, "header", expected, f"columns {shorten(frame.columns)}")
    drug = frame[drugs[0]].where(~_blank(frame[drugs[0]]))
    for column in drugs[1:]:
        drug = drug.fillna(frame[column].where(~_blank(frame[column])))
    out = pd.DataFrame(
        {
            "gene": frame[gene].astype("string").str.strip(),
            "drug": drug.astype("string").str.strip(),
            "interaction_types": frame.get("interaction_types", pd.Series(pd.NA, index=frame.index)),
            "source": frame.get("interaction_claim_source", pd.Series(pd.NA, index=frame.index)),
            "drug_chembl_id": frame.get("drug_chembl_id", pd.Series(pd.NA, index=frame.index)),
            "pmids": frame.get("PMIDs", pd.Series(pd.NA, index=frame.index)),
        }
    )
    out = out[~(_blank(out["gene"]) | _blank(out["drug"]))].reset_index(drop=True)
    if out.empty:
        raise InputError(path, "rows", "at least one interaction with both a gene and a drug", "none")
    return out.astype(object).where(out.notna(), None)


def read_drug_categories(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Druggable-genome categories (DGIdb layout): ``gene``, ``category``, ``sources`` (rows with a gene and
    a category)."""
    frame = read_table(path, sep="\t", dtype=str, what="a gene category table (DGIdb layout)")
    gene = _first_present(frame, _GENE_COLUMN)
    category = _first_present(frame, ("category", "Category"))
    if gene is None or category is None:
        raise InputError(path, "header", "columns 'Gene' and 'category'", f"columns {shorten(frame.columns)}")
    out = pd.DataFrame(
        {
            "gene": frame[gene].astype("string").str.strip(),
            "category": frame[category].astype("string").str.strip(),
            "sources": frame.get("category_sources", pd.Series(pd.NA, index=frame.index)),
        }
    )
    out = out[~(_blank(out["gene"]) | _blank(out["category"]))].reset_index(drop=True)
    return out.astype(object).where(out.notna(), None)


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
    "read_drug_categories",
    "read_drug_gene",
    "read_genes",
    "read_hotspots",
]
