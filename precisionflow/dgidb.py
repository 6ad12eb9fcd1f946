"""Readers of DGIdb's tables (the targets step's inferential drugs), with the checks of
:mod:`precisionflow.references`: :func:`read_drug_gene` — interactions (``Gene``, ``drug_name`` …), one row per
claim; :func:`read_drug_categories` — druggable-genome categories (``Gene``, ``category`` …)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from precisionflow.errors import InputError, shorten
from precisionflow.io import read_table
from precisionflow.references import first_present

if TYPE_CHECKING:
    import pandas as pd

_DRUG_COLUMNS = ("drug_name", "drug_claim_primary_name", "drug_claim_name", "drug")
_GENE_COLUMN = ("Gene", "gene", "gene_name", "gene_claim_name", "SYMBOL", "symbol")


def _blank(values: pd.Series) -> pd.Series:
    return values.isna() | (values.astype("string").str.strip() == "")


def read_drug_gene(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Drug-gene interactions (DGIdb layout), one row per claim with a gene and a drug:
    ``gene``, ``drug`` (``drug_name``, else the claim's primary name, else the claim name),
    ``interaction_types``, ``source``, ``drug_chembl_id``, ``pmids`` (blank when absent).
    """
    import pandas as pd

    frame = read_table(path, sep="\t", dtype=str, what="a drug-gene interaction table (DGIdb layout)")
    gene = first_present(frame.columns, _GENE_COLUMN)
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
    import pandas as pd

    frame = read_table(path, sep="\t", dtype=str, what="a gene category table (DGIdb layout)")
    gene = first_present(frame.columns, _GENE_COLUMN)
    category = first_present(frame.columns, ("category", "Category"))
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
