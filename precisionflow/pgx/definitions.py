"""PharmCAT's allele definitions (``{GENE}_translation.json``, ``exemptions.json``) and phenotype
tables (``phenotypes/{GENE}.json``), read into small typed structures."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from precisionflow.errors import InputError
from precisionflow.settings import defaults

# IUPAC nucleotide codes used in a few definitions (e.g. SLCO1B1): the bases each one stands for.
IUPAC = {
    "A": "A",
    "C": "C",
    "G": "G",
    "T": "T",
    "R": "AG",
    "Y": "CT",
    "S": "CG",
    "W": "AT",
    "K": "GT",
    "M": "AC",
    "B": "CGT",
    "D": "AGT",
    "H": "ACT",
    "V": "ACG",
    "N": "ACGT",
}
# Genes called from the VCF (CPIC level A/B with SNV/indel-defined alleles, plus CACNA1S and CYP3A4).
GENES = tuple(defaults("pgx")["genes"])  # the schema's default of pgx: genes
# Call quality of a call whose missing positions define lower-function alleles (pgx/calls.py writes it,
# pgx/recommendations.py reads it; here because both import this light module and not each other).
UNTESTED = "phenotype not determinable"


@dataclass(frozen=True)
class Position:
    chrom: str  # without "chr"
    pos: int  # 1-based VCF POS (the anchor base of an indel)
    rsid: str
    ref: str
    alts: tuple[str, ...]
    # on the germline VCF's build when it is not the definitions' GRCh38 (precisionflow.pgx.builds):
    # the position there (0: none known, the position cannot be read) and the reference allele there
    build_pos: int | None = None
    build_ref: str = ""

    def vcf_pos(self) -> int | None:
        """The position to read in the VCF, or None when it has no coordinate on the VCF's build."""
        if self.build_pos is None:
            return self.pos
        return self.build_pos or None

    def vcf_ref(self) -> str:
        """The reference allele on the VCF's build (differs from the definition's at a few GRCh37 SNVs)."""
        return self.build_ref or self.ref


@dataclass(frozen=True)
class NamedAllele:
    name: str
    # per position: the VCF alleles this named allele accepts there (a blank cell = the reference allele's)
    accepts: tuple[frozenset[str], ...]
    defined: tuple[bool, ...]  # True where the definition gives an allele (the PharmCAT score counts these)
    reference: bool


@dataclass(frozen=True)
class GeneDefinition:
    gene: str
    version: str
    build: str
    positions: tuple[Position, ...]
    alleles: tuple[NamedAllele, ...]
    # PharmCAT's exemptions: a tie between exactly these diplotypes is resolved to ``pick`` (NAT2)
    tie_priorities: tuple[tuple[frozenset[str], str], ...] = ()
    positions_source: str = ""  # which table gave the positions on the VCF's build (written into outputs)


@dataclass(frozen=True)
class PhenotypeTable:
    gene: str
    version: str
    function: dict[str, str] = field(default_factory=dict)  # allele -> function
    activity: dict[str, str] = field(default_factory=dict)  # allele -> activity value
    # unordered diplotype -> (phenotype, activity score or "")
    diplotypes: dict[frozenset[tuple[str, int]], tuple[str, str]] = field(default_factory=dict)

    def lookup(self, first: str, second: str) -> tuple[str, str] | None:
        return self.diplotypes.get(diplotype_key(first, second))


def diplotype_key(first: str, second: str) -> frozenset[tuple[str, int]]:
    return frozenset(Counter([first, second]).items())


def _load_json(path: Path, what: str) -> dict:
    if not path.is_file():
        raise InputError(path, "path", what, "no file")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise InputError(path, f"line {error.lineno}", f"{what} (JSON)", error.msg) from None


def _accepts(allele: str | None, reference: str) -> frozenset[str]:
    allele = reference if allele is None else allele
    if len(allele) == 1 and allele in IUPAC:
        return frozenset(IUPAC[allele])
    return frozenset([allele])


def load_definition(folder: str | Path, gene: str, exemptions: dict | None = None) -> GeneDefinition:
    """One gene's named alleles; alleles PharmCAT's exemptions ignore are left out."""
    path = Path(folder) / f"{gene}_translation.json"
    data = _load_json(path, f"PharmCAT allele definitions of {gene}")
    try:
        positions = tuple(
            Position(
                v["chromosome"].removeprefix("chr"), int(v["position"]), v.get("rsid") or "", v["ref"], tuple(v["alts"])
            )
            for v in data["variants"]
        )
        named = data["namedAlleles"]
        reference = next(a for a in named if a["reference"])
    except (KeyError, StopIteration, TypeError) as error:
        raise InputError(
            path, "variants/namedAlleles", "PharmCAT translation JSON (formatVersion 2)", f"no {error}"
        ) from None
    exempt = (exemptions or {}).get(gene, {})
    ignored = set(exempt.get("ignoredAlleles", []))
    alleles = []
    for allele in named:
        if allele["name"] in ignored:
            continue
        calls = allele["alleles"]
        alleles.append(
            NamedAllele(
                allele["name"],
                tuple(_accepts(c, r) for c, r in zip(calls, reference["alleles"], strict=True)),
                tuple(c is not None for c in calls),
                bool(allele["reference"]),
            )
        )
    priorities = tuple((frozenset(p["list"]), p["pick"]) for p in exempt.get("unphasedDiplotypePriorities", []))
    return GeneDefinition(
        gene, str(data.get("version", "")), str(data.get("genomeBuild", "")), positions, tuple(alleles), priorities
    )


def load_exemptions(folder: str | Path) -> dict:
    path = Path(folder) / "exemptions.json"
    return _load_json(path, "PharmCAT exemptions") if path.is_file() else {}


def load_definitions(folder: str | Path, genes: tuple[str, ...] | list[str] = GENES) -> dict[str, GeneDefinition]:
    """The definitions of the given genes found in ``folder`` (genes without a file are skipped)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(folder, "path", "a folder of PharmCAT *_translation.json files", "no folder")
    exemptions = load_exemptions(folder)
    found = {g: load_definition(folder, g, exemptions) for g in genes if (folder / f"{g}_translation.json").is_file()}
    if not found:
        raise InputError(folder, "content", f"PharmCAT *_translation.json files for {', '.join(genes)}", "none")
    return found


def load_phenotypes(folder: str | Path) -> dict[str, PhenotypeTable]:
    """Every ``{GENE}.json`` in the folder: allele function, activity value and diplotype -> phenotype."""
    tables = {}
    for path in sorted(Path(folder).glob("*.json")):
        data = _load_json(path, "a PharmCAT phenotype file")
        if "diplotypes" not in data or "gene" not in data:
            continue
        diplotypes = {}
        for entry in data["diplotypes"]:
            key = frozenset((name, int(count)) for name, count in entry["diplotypekey"].items())
            diplotypes[key] = (entry.get("generesult") or "", entry.get("activityScore") or "")
        tables[data["gene"]] = PhenotypeTable(
            data["gene"],
            str(data.get("version", "")),
            {k: v for k, v in data.get("haplotypes", {}).items()},
            {k: v for k, v in data.get("activityValues", {}).items()},
            diplotypes,
        )
    return tables
