"""Reading what the target step needs from the earlier steps (reference tables: ``precisionflow.references``).

Results are read by their stable contract (SPEC: ``results/variants/{patient}.maf.tsv``,
``results/variants/copy_number.tsv``, ``results/omics/{layer}.h5ad``, the integration step's
``factor_gene_weights.tsv``, ``clusters.tsv`` and ``predictions.tsv``). Every reader names the file and
the column in its error.
"""

from __future__ import annotations

import gzip
import logging
import os
from collections.abc import Mapping

import anndata as ad
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import scipy.sparse as sp

from precisionflow.errors import InputError, shorten
from precisionflow.io import check_file, is_gzipped, numeric_column, read_table
from precisionflow.targets.evidence import Layer
from precisionflow.targets.layer_evidence import layer_kinds  # noqa: F401 (read with the other inputs)

log = logging.getLogger(__name__)


TRUE_WORDS = {"true", "1", "yes", "t", "y"}
FALSE_WORDS = {"false", "0", "no", "f", "n", "", "nan", "na", "none"}

MAF_COLUMNS = ("Hugo_Symbol", "Variant_Classification", "HGVSp_Short", "is_hotspot")


def read_mafs(paths: Mapping[str, str | os.PathLike[str]]) -> pd.DataFrame:
    """Patients' filtered MAFs (variant step) -> ``patient, gene, classification, is_hotspot, protein_change``
    (the MAF's ``hotspot`` label where ``HGVSp_Short`` is blank, e.g. for a VCF without annotation)."""
    frames, files = [], []
    for patient, path in sorted(paths.items()):
        frame = read_table(
            path, required=MAF_COLUMNS, sep="\t", what="a MAF table (variant step)", comment="#", dtype=str
        )
        frames.append(
            frame[[*MAF_COLUMNS, *(["hotspot"] if "hotspot" in frame.columns else [])]].assign(patient=patient)
        )
        files.append(path)
    if not frames:
        return pd.DataFrame(columns=["patient", "gene", "classification", "is_hotspot", "protein_change"])
    frame = pd.concat(frames, ignore_index=True)
    hotspot = frame["is_hotspot"].fillna("").astype(str).str.strip().str.lower()
    bad = ~hotspot.isin(TRUE_WORDS | FALSE_WORDS)
    if bad.any():  # name the file and its row
        row = int(np.flatnonzero(bad.to_numpy())[0])
        starts = np.cumsum([0] + [len(f) for f in frames])
        i = int(np.searchsorted(starts, row, side="right") - 1)
        raise InputError(
            files[i],
            f"row {row - starts[i] + 2}, column 'is_hotspot'",
            "True or False",
            repr(frame["is_hotspot"].iloc[row]),
        )
    out = pd.DataFrame(
        {
            "patient": frame["patient"],
            "gene": frame["Hugo_Symbol"].fillna("").str.strip(),
            "classification": frame["Variant_Classification"].fillna("").str.strip(),
            "is_hotspot": hotspot.isin(TRUE_WORDS),
            "protein_change": frame["HGVSp_Short"].fillna("").str.strip(),
        }
    )
    if "hotspot" in frame.columns:  # the hotspot's label ("PIK3CA H1047R") where the MAF has no protein change
        label = frame["hotspot"].fillna("").str.strip().str.split(" ", n=1).str[-1].fillna("")
        out["protein_change"] = out["protein_change"].where(out["protein_change"] != "", label)
    return out[(out["gene"] != "") & (out["gene"] != "Unknown")].reset_index(drop=True)


CN_CALLS = ("amp", "gain", "neutral", "loss", "deep_loss")


def read_copy_number(path: str | os.PathLike[str] | None) -> pd.DataFrame:
    """``results/variants/copy_number.tsv`` -> ``patient, gene, call, total_cn, ploidy`` for the calls
    other than ``neutral`` (an absent file: none; without a ``ploidy`` column, 2).

    The variant step lists every gene of every patient (tens of millions of rows in a large cohort), so
    the table is read by Arrow's multi-threaded CSV reader, only the columns needed.
    """
    columns = ["patient", "gene", "call", "total_cn", "ploidy"]
    if path is None:
        return pd.DataFrame(columns=columns)
    check_file(path, "gene copy-number calls (variant step)")
    with (
        gzip.open(path, "rt", encoding="utf-8-sig") if is_gzipped(path) else open(path, encoding="utf-8-sig")
    ) as handle:
        header = [c.strip() for c in handle.readline().rstrip("\r\n").split("\t")]
    missing = [c for c in ("patient", "gene", "total_cn", "call") if c not in header]
    if missing:
        raise InputError(
            path, "header (read as tab-separated)", f"column(s) {shorten(missing)}", f"columns {shorten(header)}"
        )
    wanted = [c for c in columns if c in header]
    try:
        table = pacsv.read_csv(
            path,
            parse_options=pacsv.ParseOptions(delimiter="\t"),
            convert_options=pacsv.ConvertOptions(
                include_columns=wanted,
                column_types={c: pa.string() for c in ("patient", "gene", "call")}
                | {c: pa.float64() for c in ("total_cn", "ploidy")},
                strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, OSError) as error:  # a cell that is not a number, a ragged line ...
        raise InputError(
            path,
            "content",
            "a tab-separated table of calls with numbers in total_cn and ploidy",
            str(error).splitlines()[0],
        ) from None
    call = table["call"]
    bad = pc.invert(pc.is_in(call, value_set=pa.array(CN_CALLS)))
    if pc.any(bad).as_py():
        row = int(pc.index(bad, True).as_py())
        raise InputError(
            path, f"row {row + 2}, column 'call'", f"one of {', '.join(CN_CALLS)}", repr(call[row].as_py())
        )
    table = table.filter(pc.not_equal(call, "neutral"))
    frame = table.to_pandas()
    if "ploidy" not in frame.columns:
        frame["ploidy"] = 2.0
    frame["ploidy"] = frame["ploidy"].fillna(2.0)
    return frame[columns][frame["gene"] != ""].reset_index(drop=True)


def read_layer(path: str | os.PathLike[str], name: str, kind: str) -> Layer:
    """A normalized layer (``results/omics/{layer}.h5ad``): ``X``, ``var["genes"]`` (or ``var["gene"]``),
    ``layers["missing"]``.

    Without a gene column in ``var``, the feature names are taken as the genes.
    """
    try:
        adata = ad.read_h5ad(path)
    except (OSError, KeyError, ValueError) as error:
        raise InputError(
            path, "content", "an AnnData file (.h5ad) of the normalization step", str(error).splitlines()[0]
        ) from None
    values = adata.X.toarray() if sp.issparse(adata.X) else np.asarray(adata.X)
    column = next((c for c in ("genes", "gene") if c in adata.var.columns and adata.var[c].notna().any()), None)
    if column is not None:  # "genes": every symbol a feature maps to (';'-joined), "gene": the first
        genes = [None if pd.isna(g) else str(g) for g in adata.var[column]]
    else:
        log.info("%s: no var['gene']; the feature names are taken as gene symbols", path)
        genes = [str(f) for f in adata.var_names]
    missing = None
    if "missing" in adata.layers:
        raw = adata.layers["missing"]
        missing = (raw.toarray() if sp.issparse(raw) else np.asarray(raw)).astype(bool)
    return Layer(
        name,
        kind,
        values.astype(np.float64, copy=False),
        [str(p) for p in adata.obs_names],
        [str(f) for f in adata.var_names],
        genes,
        missing,
    )


WEIGHT_COLUMNS = ("layer", "feature", "gene", "factor", "weight", "factor_cluster_r2")


def read_gene_weights(path: str | os.PathLike[str] | None) -> pd.DataFrame | None:
    """The integration step's long table of feature weights on the joint factors."""
    if path is None:
        return None
    frame = read_table(path, required=WEIGHT_COLUMNS, sep="\t", what="factor gene weights (integration step)")
    frame["weight"] = numeric_column(frame, "weight", path)
    for column in ("factor_cluster_r2", "factor_label_r2"):
        if column in frame.columns:
            frame[column] = numeric_column(frame, column, path)
    return frame


def read_groups(
    *,
    groups: str,
    label: str | None,
    sheet_labels: pd.Series | None,
    predictions: str | os.PathLike[str] | None,
    clusters: str | os.PathLike[str] | None,
) -> tuple[pd.Series | None, str]:
    """patient -> group, and which factor association (``label`` or ``cluster``) integration uses.

    ``label``: the sheet's label, blank cells filled by the classifier's prediction; ``cluster``: the
    integration clusters; ``auto``: the label when the config sets one.
    """
    use_label = groups == "label" or (groups == "auto" and label)
    if use_label:
        if not label or sheet_labels is None:
            raise InputError(
                "config", "key targets/groups", "a label column in the config when groups is 'label'", "no label"
            )
        series = sheet_labels.copy()
        if predictions is not None:
            table = read_table(
                predictions,
                required=("patient", "predicted"),
                sep="\t",
                what="predictions (integration step)",
                dtype=str,
            )
            predicted = table.set_index("patient")["predicted"]
            blank = series.isna() | (series.astype(str).str.strip() == "")
            series[blank] = predicted.reindex(series.index[blank])
        return series.dropna().astype(str).sort_index(), "label"
    if clusters is None:
        return None, "cluster"
    table = read_table(
        clusters, required=("patient", "cluster"), sep="\t", what="clusters (integration step)", dtype=str
    )
    return table.set_index("patient")["cluster"].sort_index(), "cluster"


def read_targets(path: str | os.PathLike[str]) -> pd.DataFrame:
    """A target table this step wrote (cohort or patient): text cells stay text ('' when blank)."""
    return pd.read_csv(
        path,
        sep="\t",
        keep_default_na=False,
        na_values=["NA"],
        dtype={
            "gene": str,
            "drugs": str,
            "group": str,
            "mutations": str,
            "copy_number_call": str,
            "drug_evidence": str,
        },
    )


def read_actionable(path: str | os.PathLike[str]) -> pd.DataFrame:
    """An actionability table this step wrote (``results/targets/patients/{patient}.actionable.tsv``), as text."""
    return pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
