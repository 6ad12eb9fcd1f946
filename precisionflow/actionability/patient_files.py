"""The optional per-patient files of the sample sheet that only the actionability step reads.

* ``fusions``: a TSV of the patient's gene fusions, either two columns ``gene1`` (5' partner) and ``gene2``
  (3' partner) or one column ``fusion`` (``EML4::ALK``, ``EML4--ALK`` or ``EML4-ALK``). Column names are
  matched case-insensitively without a leading ``#``, so that the callers' own tables are read as they are:
  Arriba (``#gene1``, ``gene2``), STAR-Fusion (``#FusionName``: ``EML4--ALK``), FusionCatcher
  (``Gene_1_symbol(5end_fusion_partner)``, ``Gene_2_symbol(3end_fusion_partner)``). A partner that is not
  one gene symbol (Arriba's intergenic ``GENE1(1234),GENE2(5678)``, ``.``) is no gene fusion: left out and
  counted in the step's log.
* ``germline_maf``: a MAF of the patient's germline variants, already annotated (``Hugo_Symbol``,
  ``Variant_Classification``, ``HGVSp_Short`` or a legacy protein-change column; names in any letter
  case); every row of the file is the patient's.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping

import pandas as pd

from precisionflow.actionability.alterations import MAF_TO_CLASS
from precisionflow.errors import InputError, shorten
from precisionflow.io import read_table

log = logging.getLogger(__name__)


# MAF columns read, matched case-insensitively (TCGA legacy exports); the protein change from the first
# non-blank of these, as precisionflow.variants.maf reads MAF dialects (not imported: it needs pysam, which
# this step's environment has no use for).
GERMLINE_COLUMNS = ("Hugo_Symbol", "Variant_Classification")
PROTEIN_COLUMNS = ("HGVSp_Short", "Protein_Change", "i_Protein_Change", "amino_acid_change", "AAChange")

FUSION_PAIR_COLUMNS = {  # (5' column, 3' column), names lower-case without a leading '#'
    "gene1": ("gene1", "gene2"),
    "fusioncatcher": ("gene_1_symbol(5end_fusion_partner)", "gene_2_symbol(3end_fusion_partner)"),
}
FUSION_NAME_COLUMNS = ("fusion", "fusionname")  # ours; STAR-Fusion's #FusionName
FUSION_NAME_SEPARATORS = ("::", "--")  # then a single '-' when the name has exactly one
GENE_SYMBOL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
FUSIONS_EXPECTED = "columns gene1 and gene2 (5' and 3' partner), or a column fusion (EML4::ALK)"


def split_fusion_name(name: str) -> tuple[str, str] | None:
    """``EML4::ALK`` / ``EML4--ALK`` / ``EML4-ALK`` -> (``EML4``, ``ALK``); None when the partners cannot be
    told apart (``NKX2-1-ALK``: which hyphen?)."""
    text = name.strip()
    for separator in FUSION_NAME_SEPARATORS:
        if text.count(separator) == 1:
            first, second = text.split(separator)
            return first.strip(), second.strip()
    if text.count("-") == 1 and "::" not in text and "--" not in text:
        first, second = text.split("-")
        return first.strip(), second.strip()
    return None


def _fusion_pairs(frame: pd.DataFrame, path: str | os.PathLike[str]) -> pd.DataFrame:
    """``gene1, gene2`` of one file (blank partners an error naming the row)."""
    names = {str(c).lstrip("#").strip().lower(): c for c in frame.columns}
    for first, second in FUSION_PAIR_COLUMNS.values():
        if first in names and second in names:
            pairs = pd.DataFrame({"gene1": frame[names[first]], "gene2": frame[names[second]]}).fillna("")
            pairs = pairs.apply(lambda column: column.astype(str).str.strip())
            blank = (pairs["gene1"] == "") | (pairs["gene2"] == "")
            if blank.any():
                row = int(blank.to_numpy().nonzero()[0][0])
                column = names[first] if pairs["gene1"].iloc[row] == "" else names[second]
                raise InputError(path, f"row {row + 2}, column {column!r}", "a gene symbol", "a blank cell")
            return pairs
    column = next((names[c] for c in FUSION_NAME_COLUMNS if c in names), None)
    if column is None:
        raise InputError(path, "header", FUSIONS_EXPECTED, f"columns {shorten(frame.columns)}")
    rows = []
    for row, value in enumerate(frame[column].fillna("").astype(str), start=2):
        pair = split_fusion_name(value)
        if pair is None or "" in pair:
            raise InputError(
                path,
                f"row {row}, column {column!r}",
                "a fusion GENE1::GENE2 (or GENE1--GENE2, GENE1-GENE2)",
                repr(value),
            )
        rows.append(pair)
    return pd.DataFrame(rows, columns=["gene1", "gene2"], dtype=object)


def read_fusions(paths: Mapping[str, str | os.PathLike[str]]) -> pd.DataFrame:
    """patient -> fusions file: ``patient, gene1, gene2``, in patient then file order (duplicates kept:
    the alterations are made once each)."""
    frames = []
    for patient, path in sorted(paths.items()):
        frame = read_table(
            path, sep="\t", dtype=str, keep_default_na=False, what=f"a fusions table ({FUSIONS_EXPECTED})"
        )
        pairs = _fusion_pairs(frame, path)
        genes = pairs["gene1"].str.match(GENE_SYMBOL) & pairs["gene2"].str.match(GENE_SYMBOL)
        if (~genes).any():
            log.info(
                "%s: %d of %d row(s) left out: a partner is not one gene (intergenic)",
                path,
                int((~genes).sum()),
                len(pairs),
            )
        frames.append(pairs[genes].assign(patient=str(patient)))
    if not frames:
        return pd.DataFrame(columns=["patient", "gene1", "gene2"])
    return pd.concat(frames, ignore_index=True)[["patient", "gene1", "gene2"]]


def read_germline_mafs(paths: Mapping[str, str | os.PathLike[str]]) -> pd.DataFrame:
    """patient -> germline MAF: ``patient, gene, classification, is_hotspot, protein_change`` (the columns of
    :func:`precisionflow.targets.inputs.read_mafs`; ``is_hotspot`` False: somatic hotspots say nothing of a
    germline variant). Rows of a class that is not protein-altering are counted in the log."""
    frames = []
    for patient, path in sorted(paths.items()):
        frame = read_table(
            path, sep="\t", dtype=str, comment="#", what="a germline MAF (Hugo_Symbol, Variant_Classification)"
        )
        lower = {str(c).lower(): c for c in frame.columns}
        missing = [c for c in GERMLINE_COLUMNS if c.lower() not in lower]
        if missing:
            raise InputError(path, "header", f"MAF column(s) {shorten(missing)}", f"columns {shorten(frame.columns)}")
        protein = pd.Series("", index=frame.index)
        for column in PROTEIN_COLUMNS:
            if column.lower() in lower:
                protein = protein.where(protein != "", frame[lower[column.lower()]].fillna("").str.strip())
        out = pd.DataFrame(
            {
                "patient": str(patient),
                "gene": frame[lower["hugo_symbol"]].fillna("").str.strip(),
                "classification": frame[lower["variant_classification"]].fillna("").str.strip(),
                "is_hotspot": False,
                "protein_change": protein,
            }
        )
        other = out.loc[~out["classification"].isin(list(MAF_TO_CLASS)), "classification"]
        if len(other):
            log.info(
                "%s: %d of %d germline record(s) not protein-altering (no alteration): %s",
                path,
                len(other),
                len(out),
                other.value_counts().sort_index().to_dict(),
            )
        frames.append(out)
    if not frames:
        return pd.DataFrame(columns=["patient", "gene", "classification", "is_hotspot", "protein_change"])
    out = pd.concat(frames, ignore_index=True)
    return out[(out["gene"] != "") & (out["gene"] != "Unknown")].reset_index(drop=True)
