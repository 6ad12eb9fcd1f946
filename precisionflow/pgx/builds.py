"""The definition positions on the germline VCF's build: GRCh38 as PharmCAT gives them, or GRCh37 through
pypgx's variant table (``pypgx/api/data/variant-table.csv``: each pharmacogene variant's GRCh37 and GRCh38
position and reference allele; pypgx pinned in requirements.txt, its version written into every output).

A PharmCAT position is placed on GRCh37 only where pypgx has a variant at the same GRCh38 chromosome and
position whose GRCh38 reference starts with the same base, and all such variants agree on one GRCh37
position. Nothing is guessed: the other positions get no GRCh37 coordinate, count as missing positions of
a GRCh37 file (so a gene with too many of them is "not called"), and the call quality says how many.
With pypgx 0.27.0, 374 of PharmCAT's 468 positions of the 16 genes are placed (NAT2: 12 of 47, so NAT2 is
not called from a GRCh37 file).

The table is read as a file from the installed package (locating the package does not import it: pypgx's
import takes seconds, it loads its whole genotyping pipeline).
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import importlib.util
from functools import cache
from pathlib import Path

import pandas as pd

from precisionflow.errors import InputError
from precisionflow.pgx.definitions import GeneDefinition, Position

BUILDS = ("GRCh38", "GRCh37")
VARIANT_TABLE = ("api", "data", "variant-table.csv")
TABLE_COLUMNS = ["Chromosome", "GRCh37Position", "GRCh38Position", "GRCh37Allele", "GRCh38Allele"]


@cache
def pypgx_version() -> str:
    try:
        return importlib.metadata.version("pypgx")
    except importlib.metadata.PackageNotFoundError:
        return ""


def pypgx_data_path(name: str, purpose: str) -> Path:
    """A table of pypgx's ``api/data`` folder (``purpose`` says what it is needed for, in the error)."""
    spec = importlib.util.find_spec("pypgx")
    if spec is None or not spec.submodule_search_locations:
        raise InputError("pypgx", "package", f"pypgx installed (requirements.txt, envs/pgx.yaml) for {purpose}", "none")
    return Path(next(iter(spec.submodule_search_locations)), *VARIANT_TABLE[:-1], name)


def read_pypgx_table(name: str, purpose: str) -> pd.DataFrame:
    """A pypgx data table as text, every cell kept as written (``None`` stays the string pypgx uses)."""
    return pd.read_csv(pypgx_data_path(name, purpose), dtype=str, keep_default_na=False)


def variant_table_path() -> Path:
    return pypgx_data_path(VARIANT_TABLE[-1], "GRCh37 positions")


@cache
def _grch38_to_grch37() -> dict[tuple[str, int], tuple[int, str, str]]:
    """(chrom, GRCh38 position) -> (GRCh37 position, GRCh37 reference, GRCh38 reference); positions whose
    variants disagree on the GRCh37 position are left out."""
    path = variant_table_path()
    table = pd.read_csv(path, dtype=str, usecols=TABLE_COLUMNS).dropna()
    found: dict[tuple[str, int], set[tuple[int, str, str]]] = {}
    for chrom, pos37, pos38, ref37, ref38 in table[TABLE_COLUMNS].itertuples(index=False):
        if pos37.isdigit() and pos38.isdigit():
            found.setdefault((chrom.removeprefix("chr"), int(pos38)), set()).add((int(pos37), ref37[0], ref38[0]))
    return {key: next(iter(values)) for key, values in found.items() if len({v[0] for v in values}) == 1}


def grch37_site(position: Position) -> tuple[int, str] | None:
    """The GRCh37 position and reference base of a PharmCAT (GRCh38) position, or None when pypgx's table
    does not place it."""
    found = _grch38_to_grch37().get((position.chrom, position.pos))
    if found is None or found[2] != position.ref[0]:
        return None
    pos37, ref37, _ = found
    # an indel's anchor base is the definition's first base; a SNV's GRCh37 reference may differ from GRCh38's
    build_ref = ref37 if len(position.ref) == 1 else ref37 + position.ref[1:]
    return pos37, build_ref


def position_source(build: str) -> str:
    if build == "GRCh37":
        return f"GRCh37 via pypgx {pypgx_version()} variant table"
    # pypgx's table serves GRCh38 files too: it places the GRCh37 sites that tell a GRCh37 file apart
    return f"GRCh38 (PharmCAT definitions; GRCh37 check: pypgx {pypgx_version()})"


def on_build(definitions: dict[str, GeneDefinition], build: str) -> dict[str, GeneDefinition]:
    """The definitions with each position's coordinate and reference allele on ``build``."""
    if build not in BUILDS:
        raise InputError("config", "pgx genome_build", " or ".join(BUILDS), repr(build))
    source = position_source(build)
    if build == "GRCh38":
        return {gene: dataclasses.replace(d, positions_source=source) for gene, d in definitions.items()}
    placed = {}
    for gene, definition in definitions.items():
        positions = []
        for position in definition.positions:
            site = grch37_site(position)
            build_pos, build_ref = site if site else (0, "")
            positions.append(dataclasses.replace(position, build_pos=build_pos, build_ref=build_ref))
        placed[gene] = dataclasses.replace(
            definition, build="GRCh37", positions=tuple(positions), positions_source=source
        )
    return placed


def other_build_sites(definitions: dict[str, GeneDefinition], build: str) -> dict[tuple[str, int], str]:
    """(chrom, position) -> reference base of the definition positions on the build *not* configured: a VCF
    whose records sit there (with those reference bases) is of the other build."""
    sites = {}
    for definition in definitions.values():
        for position in definition.positions:
            if build == "GRCh37":
                sites[(position.chrom, position.pos)] = position.ref[0]
            elif (site := grch37_site(position)) is not None:
                sites[(position.chrom, site[0])] = site[1][0]
    return sites
