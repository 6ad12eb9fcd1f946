"""Gene symbols for a layer's features: Ensembl ids through the genes reference, feature maps.

``var["gene"]`` is what lets evidence of a layer reach genes. Its source, in order of precedence:

1. the layer's ``feature_map`` (TSV ``feature``, ``gene``; several genes separated by ``;``, the
   first being the feature's gene, e.g. a pan-AKT antibody ``AKT1;AKT2;AKT3``);
2. for Ensembl gene ids (``ENSG…``, version suffix ignored): the ``resources: genes`` BED;
3. a symbol the file itself gives (nf-core's ``gene_name``; MaxQuant's first ``Gene names`` entry);
4. a feature id that is itself a symbol of the genes reference.

Features with no known gene keep their id and get a missing ``gene``: nothing is dropped.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from precisionflow.errors import InputError, shorten
from precisionflow.io import read_table
from precisionflow.omics.read import lines
from precisionflow.references import ensembl_symbols, read_genes

log = logging.getLogger(__name__)

ENSEMBL_GENE = re.compile(r"^ENS[A-Z]*G\d+(\.\d+)?$")


class GeneReference:
    """Ensembl id → symbol and the set of known symbols, from the genes BED."""

    def __init__(self, by_ensembl: Mapping[str, str], symbols: set[str]) -> None:
        self.by_ensembl = dict(by_ensembl)
        self.symbols = symbols

    @classmethod
    def read(cls, path: str | Path) -> GeneReference:
        return cls(*ensembl_symbols(read_genes(path)))


def read_feature_map(path: str | Path) -> dict[str, list[str]]:
    """A feature map: TSV with columns ``feature`` and ``gene`` (``;`` between several genes)."""
    table = read_table(path, required=["feature", "gene"], sep="\t", what="a feature map (feature, gene)", dtype=str)
    features = table["feature"].fillna("").str.strip()
    blank = np.flatnonzero((features == "").to_numpy())
    if blank.size:
        raise InputError(
            path, f"row(s) {lines((blank + 2).tolist())}, column 'feature'", "a feature id", "a blank cell"
        )
    repeated = features.duplicated(keep=False).to_numpy()
    if repeated.any():
        rows = (np.flatnonzero(repeated) + 2).tolist()
        raise InputError(
            path,
            f"rows {lines(rows)}, column 'feature'",
            "each feature once",
            f"duplicates {shorten(sorted(set(features[repeated])))}",
        )
    genes = table["gene"].fillna("").str.split(";").apply(lambda parts: [p.strip() for p in parts if p.strip()])
    return dict(zip(features, genes))


def _symbols(
    feature: str,
    name_in_file: object,
    reference: GeneReference | None,
    feature_map: Mapping[str, list[str]] | None,
) -> tuple[list[str], str]:
    """A feature's gene symbols and where they come from, first source that knows them: the feature
    map, the genes reference (Ensembl ids), the file's gene name column, the reference's symbols."""
    if feature_map is not None and feature_map.get(feature):
        return feature_map[feature], "feature_map"
    if reference is not None and ENSEMBL_GENE.match(feature):
        symbol = reference.by_ensembl.get(feature.split(".", 1)[0])
        if symbol:
            return [symbol], "genes_reference"
    name = "" if name_in_file is None or pd.isna(name_in_file) else str(name_in_file).strip()
    # nf-core writes the gene id as gene_name when it knows no name: that is not a symbol
    if name and not (name == feature and ENSEMBL_GENE.match(feature)):
        return [name], "file"
    if reference is not None and feature in reference.symbols:
        return [feature], "feature_id"
    return [], "none"


def _log_feature_map_use(features: list[str], source: np.ndarray, feature_map: Mapping[str, list[str]]) -> None:
    unmapped = [f for f, s in zip(features, source) if s != "feature_map"]
    if unmapped:
        log.info(
            "feature map: %d of %d features not in it (gene from other sources or missing): %s",
            len(unmapped),
            len(features),
            shorten(unmapped),
        )
    unused = sorted(set(feature_map) - set(features))
    if unused:
        log.info("feature map: %d entries name features that this layer lacks", len(unused))


def gene_columns(
    features: list[str],
    annotations: pd.DataFrame,
    reference: GeneReference | None,
    feature_map: Mapping[str, list[str]] | None,
) -> tuple[pd.DataFrame, dict[str, int]]:
    """``gene`` (one symbol or missing), ``genes`` (all mapped symbols, ``;``-joined) and
    ``gene_source`` per feature, and how many features each source named."""
    n = len(features)
    gene = np.full(n, None, dtype=object)
    genes = np.full(n, None, dtype=object)
    source = np.full(n, "none", dtype=object)
    from_file = annotations["gene"] if "gene" in annotations else annotations.get("gene_name")
    for i, feature in enumerate(features):
        symbols, how = _symbols(feature, None if from_file is None else from_file.iloc[i], reference, feature_map)
        if symbols:
            gene[i], genes[i], source[i] = symbols[0], ";".join(symbols), how
    if feature_map is not None:
        _log_feature_map_use(features, source, feature_map)
    # categoricals: HDF5 stores missing symbols in them (anndata turns any text column with a gap into one)
    columns = pd.DataFrame(
        {"gene": pd.Categorical(gene), "genes": pd.Categorical(genes), "gene_source": pd.Categorical(source)},
        index=pd.Index(features),
    )
    counts = {str(k): int(v) for k, v in pd.Series(source).value_counts().sort_index().items()}
    log.info("gene symbols: %s", ", ".join(f"{k} {v}" for k, v in counts.items()))
    return columns, counts
