"""From genotypes to the per-gene table of the SPEC: diplotype, phenotype, activity score, missing
positions and call quality; outside calls (CYP2D6, HLA ...) join or replace the matcher's calls.

Missing positions that define a lower-function allele: the matcher calls on the positions present, as
PharmCAT documents ("the position will be dropped from consideration", NamedAlleleMatcher-101, "Missing
Positions"), so a TPMT sample without rs1142345 (c.719A>G, ``*3A``/``*3C``) is called ``*1/*1``. That call
is kept, but when a missing position defines an allele of decreased or no function (PharmCAT's phenotype
file: function "No function"/"Decreased function", or an activity value below 1) that could stand in for a
called allele of higher function, the phenotype and the lookup phenotype are ``Indeterminate`` and the call
quality says which alleles could not be tested (``UNTESTED``); the recommendations then give no dose.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from precisionflow.errors import InputError
from precisionflow.io import read_table
from precisionflow.pgx.definitions import UNTESTED, GeneDefinition, PhenotypeTable
from precisionflow.pgx.genotypes import SampleGenotypes
from precisionflow.pgx.matcher import NOT_CALLED, GeneCall, match_gene, position_label
from precisionflow.pgx.pypgx_phenotypes import has_phenotypes, pypgx_phenotype
from precisionflow.pgx.pypgx_phenotypes import source as pypgx_source

GENE_COLUMNS = [
    "gene",
    "diplotype",
    "phenotype",
    "activity_score",
    "missing_positions",
    "call_quality",
    "lookup_phenotype",
    "definitions_version",
    "positions_source",
]
INDETERMINATE = "Indeterminate"  # CPIC's term for a phenotype that cannot be assigned
# PharmCAT's allele functions as numbers on the activity-value scale (normal 1); an unlisted one is unknown
FUNCTION_VALUES = {"no function": 0.0, "decreased function": 0.5, "normal function": 1.0, "increased function": 1.5}
_LISTED = 8  # alleles named in the call quality before "and N more"


def function_value(table: PhenotypeTable, allele: str) -> float | None:
    """An allele's function on the activity-value scale (PharmCAT's function text or activity value)."""
    text = table.function.get(allele, "")
    if text.lower() in FUNCTION_VALUES:
        return FUNCTION_VALUES[text.lower()]
    for value in (text, table.activity.get(allele, "")):
        try:
            return float(value)
        except ValueError:
            continue
    return None


def _function_text(table: PhenotypeTable, allele: str) -> str:
    text = table.function.get(allele, "")
    return text.lower() if text.lower() in FUNCTION_VALUES else f"activity value {text or table.activity[allele]}"


def untested_alleles(call: GeneCall, definition: GeneDefinition, table: PhenotypeTable | None) -> str:
    """Why a call's phenotype cannot be told (``UNTESTED: ...``), or "": the missing positions that define
    alleles of decreased or no function with a lower function than one of the called alleles."""
    if not call.called or not call.missing or table is None:
        return ""
    missing = {i for i in range(len(definition.positions)) if position_label(definition, i) in call.missing}
    called = [function_value(table, a) for pair in call.diplotypes for a in pair]
    highest = None if None in called else max(called)  # an unknown called function: any lower allele counts
    found: dict[str, float] = {}
    used: set[int] = set()
    for allele in definition.alleles:
        value = function_value(table, allele.name)
        where = {i for i in missing if allele.defined[i]} if not allele.reference else set()
        if where and value is not None and value < 1.0 and (highest is None or value < highest):
            found[allele.name] = value
            used |= where
    if not found:
        return ""
    names = [f"{name} ({_function_text(table, name)})" for name in found]
    shown = ", ".join(names[:_LISTED]) + (f" and {len(names) - _LISTED} more" if len(names) > _LISTED else "")
    positions = ", ".join(position_label(definition, i) for i in sorted(used))
    return f"{UNTESTED}: {positions} not genotyped, so {shown} could not be tested"


def phenotype_of(call: GeneCall, table: PhenotypeTable | None) -> tuple[str, str]:
    """(phenotype, activity score) of a call; tied diplotypes with different phenotypes give "A or B"."""
    if not call.called:
        return INDETERMINATE, ""
    if table is None or not table.diplotypes:
        return "", ""  # no CPIC phenotype for this gene (CYP4F2, IFNL3), as in PharmCAT's report
    phenotypes, scores = [], []
    for first, second in call.diplotypes:
        found = table.lookup(first, second)
        phenotype, score = found if found else (INDETERMINATE, "")
        if phenotype not in phenotypes:
            phenotypes.append(phenotype)
        if score not in scores:
            scores.append(score)
    return " or ".join(phenotypes).strip(), " or ".join(s for s in scores if s) if any(scores) else ""


def call_quality(call: GeneCall, ref_mismatches: list[str], definition: GeneDefinition) -> str:
    parts = [call.note] if call.note else []
    build = definition.build.split(".")[0]  # GRCh38.p14 -> GRCh38
    unplaced = sum(p.vcf_pos() is None for p in definition.positions)
    if unplaced:
        parts.append(f"{unplaced} of them without a {build} coordinate ({definition.positions_source})")
    if ref_mismatches:
        parts.append(f"REF differs from {build} at {', '.join(ref_mismatches)} (treated as missing)")
    if not parts:
        return "ok"
    return "; ".join(parts)


def slco1b1_rs4149056_phenotype(definition: GeneDefinition, observed: tuple) -> str:
    """CPIC's SLCO1B1 phenotype from c.521T>C alone, which PharmCAT uses when no star-allele call decides
    (pharmcat.org/methods/Gene-Definition-Exceptions): TT normal, TC decreased, CC poor function."""
    index = next((i for i, p in enumerate(definition.positions) if p.rsid == "rs4149056"), None)
    if index is None or observed[index] is None:
        return ""
    carried = sum(allele == "C" for allele in observed[index])
    return ("Normal Function", "Decreased Function", "Poor Function")[carried]


def sample_table(
    definitions: dict[str, GeneDefinition],
    phenotypes: dict[str, PhenotypeTable],
    genotypes: SampleGenotypes,
    sample_index: int,
    max_missing_share: float,
    cache: dict | None = None,
) -> pd.DataFrame:
    """One sample's row per gene (genes in alphabetical order)."""
    rows = []
    for gene in sorted(definitions):
        definition = definitions[gene]
        observed = genotypes.of(sample_index, gene)
        key = (gene, observed)
        if cache is not None and key in cache:
            call = cache[key]
        else:
            call = match_gene(definition, observed, max_missing_share, phenotypes.get(gene))
            if cache is not None:
                cache[key] = call
        phenotype, score = phenotype_of(call, phenotypes.get(gene))
        quality = call_quality(call, genotypes.ref_mismatches.get(gene, []), definition)
        if untested := untested_alleles(call, definition, phenotypes.get(gene)):
            phenotype, score, quality = INDETERMINATE, "", f"{quality}; {untested}"
        lookup = phenotype
        if gene == "SLCO1B1" and (not call.called or " or " in phenotype):
            by_variant = slco1b1_rs4149056_phenotype(definition, observed)
            if by_variant:
                lookup = by_variant
                quality += (
                    f"; recommendations use the rs4149056 (c.521T>C) genotype: {by_variant} (PharmCAT's SLCO1B1 rule)"
                )
        rows.append(
            {
                "gene": gene,
                "diplotype": call.diplotype_text(),
                "phenotype": phenotype,
                "activity_score": score,
                "missing_positions": ",".join(call.missing),
                "call_quality": quality,
                "lookup_phenotype": lookup,
                "definitions_version": definition.version,
                "positions_source": definition.positions_source,
            }
        )
    return pd.DataFrame(rows, columns=GENE_COLUMNS)


def read_outside_calls(path: str | Path) -> pd.DataFrame:
    """A per-patient TSV of calls made elsewhere (PharmCAT's outside-call format): ``gene``, ``diplotype``."""
    table = read_table(
        path, required=["gene", "diplotype"], sep="\t", what="an outside-calls TSV (gene, diplotype)", dtype=str
    )
    table = table.apply(lambda column: column.str.strip())
    for row, (gene, diplotype) in enumerate(zip(table["gene"], table["diplotype"], strict=True), start=2):
        if pd.isna(gene) or not gene:
            raise InputError(path, f"row {row}, column 'gene'", "a gene symbol", "a blank cell")
        if pd.isna(diplotype) or "/" not in diplotype:
            raise InputError(path, f"row {row}, column 'diplotype'", "a diplotype such as *1/*4", repr(diplotype))
    duplicated = table["gene"][table["gene"].duplicated()]
    if len(duplicated):
        raise InputError(path, "column 'gene'", "each gene once", f"{duplicated.iloc[0]!r} twice")
    return table[["gene", "diplotype"]]


def outside_phenotype(gene: str, diplotype: str, table: PhenotypeTable | None) -> tuple[str, str, str, str]:
    """(phenotype, activity score, call quality, table version) of an outside call: PharmCAT's phenotype
    file of the gene, else pypgx's tables (CYP2D6: PharmCAT has no phenotype file for it)."""
    first, second = diplotype.split("/", 1)
    if table is not None:
        found = table.lookup(first, second)
        if found is None:
            return "", "", "outside call; diplotype not in the phenotype table", table.version
        return found[0], found[1], "outside call", table.version
    found = pypgx_phenotype(gene, first, second)
    if found is None:
        # pypgx lists the gene but not an allele: say so; a gene it does not know (HLA-B ...) has no phenotype
        known = has_phenotypes(gene)
        note = "; diplotype not in pypgx's allele table" if known else ""
        return "", "", "outside call" + note, pypgx_source() if known else ""
    return found[0], found[1], "outside call", pypgx_source()


def add_outside_calls(
    table: pd.DataFrame, outside: pd.DataFrame, phenotypes: dict[str, PhenotypeTable]
) -> pd.DataFrame:
    """Outside calls replace the matcher's row of the same gene (as in PharmCAT) or add one."""
    sources = table.get("positions_source", pd.Series(dtype=str)).dropna()
    source = sources.iloc[0] if len(sources) else ""  # the build of the patient's VCF, on every row
    rows = []
    for gene, diplotype in zip(outside["gene"], outside["diplotype"], strict=True):
        phenotype, score, quality, version = outside_phenotype(gene, diplotype, phenotypes.get(gene))
        rows.append(
            {
                "gene": gene,
                "diplotype": diplotype,
                "phenotype": phenotype.strip(),
                "activity_score": score,
                "missing_positions": "",
                "call_quality": quality,
                "lookup_phenotype": phenotype.strip(),
                "definitions_version": version,
                "positions_source": source,
            }
        )
    kept = table[~table["gene"].isin(outside["gene"])]
    merged = pd.concat([kept, pd.DataFrame(rows, columns=GENE_COLUMNS)], ignore_index=True)
    return merged.sort_values("gene", kind="stable").reset_index(drop=True)


__all__ = [
    "GENE_COLUMNS",
    "INDETERMINATE",
    "NOT_CALLED",
    "UNTESTED",
    "add_outside_calls",
    "phenotype_of",
    "read_outside_calls",
    "sample_table",
]
