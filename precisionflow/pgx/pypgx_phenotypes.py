"""Phenotypes of outside calls for genes PharmCAT's phenotype files do not cover (CYP2D6), from pypgx's tables.

pypgx 0.27.0 (pinned) ships, in ``api/data``: ``gene-table.csv`` (each gene's ``PhenotypeMethod``: ``Score`` or
``Diplotype``, and whether it has structural alleles), ``allele-table.csv`` (star allele -> activity score),
``equation-table.csv`` (activity-score range -> phenotype) and ``diplotype-table.csv`` (diplotype ->
phenotype). This module does what ``pypgx.predict_phenotype`` does with them, reading the files without
importing pypgx (its import takes seconds): the score of an allele with structural variation is the sum over
``+``-joined parts of the part's score times its ``xN`` copy number (``*1x2+*4`` = 2 x 1 + 0); a score-less
allele (uncertain function) makes the phenotype ``Indeterminate``, as in pypgx. An allele absent from
pypgx's table gives no phenotype (pypgx raises an error there) and the call quality says so.
"""

from __future__ import annotations

import math
import re
from functools import cache

import pandas as pd

from precisionflow.pgx.builds import pypgx_version, read_pypgx_table

INDETERMINATE = "Indeterminate"
_BOUND = re.compile(r"^\s*(?P<left>[\d.]+)\s*(?P<lop><=|==|<)\s*score\s*(?:(?P<rop><=|<)\s*(?P<right>[\d.]+))?\s*$")


def _read(name: str) -> pd.DataFrame:
    return read_pypgx_table(name, "outside-call phenotypes")


@cache
def _tables() -> tuple[dict[str, tuple[str, bool]], dict[tuple[str, str], float], pd.DataFrame, pd.DataFrame]:
    genes = _read("gene-table.csv")
    methods = {
        g: (m, sv == "TRUE") for g, m, sv in zip(genes["Gene"], genes["PhenotypeMethod"], genes["SV"], strict=True)
    }
    alleles = _read("allele-table.csv")
    scores = {
        (g, a): (float(s) if s not in ("", "N/A") else math.nan)
        for g, a, s in zip(alleles["Gene"], alleles["StarAllele"], alleles["ActivityScore"], strict=True)
    }
    return methods, scores, _read("equation-table.csv"), _read("diplotype-table.csv")


def _in_range(equation: str, score: float) -> bool:
    found = _BOUND.match(equation)
    if found is None:
        raise ValueError(f"pypgx equation-table.csv: unreadable equation {equation!r}")
    left, op = float(found["left"]), found["lop"]
    if not (left == score if op == "==" else left <= score if op == "<=" else left < score):
        return False
    if found["rop"] is None:
        return True
    right = float(found["right"])
    return score < right if found["rop"] == "<" else score <= right


def _allele_score(gene: str, allele: str, structural: bool, scores: dict) -> float | None:
    """pypgx's predict_score; None for an allele its table does not list."""
    total = 0.0
    for part in allele.split("+") if structural else [allele]:
        base, _, times = part.partition("x") if structural else (part, "", "")
        if (gene, base) not in scores or (times and not times.isdigit()):
            return None
        total += scores[(gene, base)] * (int(times) if times else 1)
    return total


def pypgx_phenotype(gene: str, first: str, second: str) -> tuple[str, str] | None:
    """(phenotype, activity score or "") of a diplotype from pypgx's tables; None when pypgx cannot say
    (the gene has no phenotype method there, or an allele is not in its table)."""
    methods, scores, equations, diplotypes = _tables()
    method, structural = methods.get(gene, ("", False))
    if method == "Diplotype":
        rows = diplotypes[
            (diplotypes["Gene"] == gene) & diplotypes["Diplotype"].isin([f"{first}/{second}", f"{second}/{first}"])
        ]
        return (rows["Phenotype"].iloc[0], "") if len(rows) else (INDETERMINATE, "")
    if method != "Score":
        return None
    pair = [_allele_score(gene, allele, structural, scores) for allele in (first, second)]
    if None in pair:
        return None
    score = pair[0] + pair[1]
    if math.isnan(score):
        return INDETERMINATE, ""
    rows = equations[equations["Gene"] == gene]
    phenotype = next((p for p, e in zip(rows["Phenotype"], rows["Equation"], strict=True) if _in_range(e, score)), "")
    return (phenotype or INDETERMINATE), f"{score:g}" if score != int(score) else f"{score:.1f}"


def has_phenotypes(gene: str) -> bool:
    """Whether pypgx's tables give the gene phenotypes (``PhenotypeMethod`` Score or Diplotype)."""
    return _tables()[0].get(gene, ("", False))[0] in ("Score", "Diplotype")


def source() -> str:
    return f"pypgx {pypgx_version()} allele-table.csv, equation-table.csv, diplotype-table.csv"
