"""The reference tables a patient's variants are looked up in: genes by position, driver roles, hotspots."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from precisionflow.references import (
    contig_key,
    contig_matcher,
    driver_role_map,
    read_drivers_table,
    read_genes_table,
    read_hotspots_table,
)
from precisionflow.variants.genes import GeneIndex

# TCGA MAFs (and PLINK-style files) number the sex chromosomes: 23 is X, 24 is Y.
NUMBERED_SEX_CHROMOSOMES = {"23": "X", "24": "Y"}


def with_numbered_sex_chromosomes(match):
    """A contig matcher that also maps ``23``/``chr23`` to X and ``24`` to Y when the reference has no such contig."""

    def matched(name: str) -> str | None:
        found = match(name)
        if found is None and contig_key(name) in NUMBERED_SEX_CHROMOSOMES:
            found = match(NUMBERED_SEX_CHROMOSOMES[contig_key(name)])
        return found

    return matched


@dataclass
class References:
    """The reference tables a patient's variants are annotated with (pyarrow tables: the variant step runs without
    pandas): genes (:func:`~precisionflow.references.read_genes_table`), driver roles by symbol, hotspots
    (:func:`~precisionflow.references.read_hotspots_table`)."""

    genes: pa.Table
    roles: Mapping[str, str] = field(default_factory=dict)
    hotspots: pa.Table | None = None

    def __post_init__(self) -> None:
        self.index = GeneIndex(self.genes)
        self.contig_match = with_numbered_sex_chromosomes(contig_matcher(pc.unique(self.genes["chrom"]).to_pylist()))
        self.role = {str(k): str(v) for k, v in self.roles.items()}
        symbols = self.genes["symbol"].combine_chunks()
        driver_symbols = pa.array(list(self.role), pa.string())
        role_of_gene = pc.take(pa.array(list(self.role.values()), pa.string()), pc.index_in(symbols, driver_symbols))

        def per_gene(values: pa.Array, none: str) -> pa.Array:
            # Per gene row, plus a last entry for "no gene": taken by row number in one vectorised step.
            return pa.concat_arrays([pc.fill_null(values, "").cast(pa.string()), pa.array([none], pa.string())])

        self.gene_symbol = per_gene(symbols, "Unknown")
        self.gene_id = per_gene(self.genes["ensembl_id"].combine_chunks(), "")
        self.gene_biotype = per_gene(self.genes["biotype"].combine_chunks(), "")
        self.gene_role = per_gene(role_of_gene, "")
        self.gene_is_driver = np.append(pc.is_valid(role_of_gene).to_numpy(zero_copy_only=False), False)
        self._hot_by_position: dict[tuple[str, int, str, str], str] = {}
        self.hot_change: dict[str, str] = {}  # label -> protein change (p. prefixed), for rows without a transcript
        self._hot_by_protein: dict[tuple[str, str], str] = {}
        if self.hotspots is not None:
            wanted = ("chrom", "maf_start", "maf_ref", "maf_alt", "gene", "protein_change")
            keys = {c: contig_key(c) for c in pc.unique(self.hotspots["chrom"]).to_pylist()}
            for chrom, start, ref, alt, gene, protein in zip(*(self.hotspots[c].to_pylist() for c in wanted)):
                change = str(protein).removeprefix("p.")
                label = f"{gene} {change}".strip()
                self._hot_by_position.setdefault((keys[chrom], int(start), ref, alt), label)
                if change:
                    self.hot_change.setdefault(label, f"p.{change}")
                    self._hot_by_protein.setdefault((str(gene), change), label)
        self._hot_positions = np.array(sorted({k[1] for k in self._hot_by_position}), dtype=np.int64)

    @classmethod
    def load(
        cls,
        genes: str | os.PathLike[str],
        drivers: str | os.PathLike[str] | None = None,
        hotspots: str | os.PathLike[str] | None = None,
        driver_cancer_types: Iterable[str] = (),
    ) -> References:
        roles = {}
        if drivers:
            table = read_drivers_table(drivers)
            columns = (table[c].to_pylist() for c in ("symbol", "role", "cancer_type"))
            roles = driver_role_map(*columns, driver_cancer_types)
        return cls(read_genes_table(genes), roles, read_hotspots_table(hotspots) if hotspots else None)

    def gene_rows(self, chrom: pa.Array, start: np.ndarray) -> np.ndarray:
        """Gene row (-1 where none) at each position; ``chrom`` in the reference's naming."""
        found = np.full(len(start), -1, dtype=np.int64)
        encoded = chrom if isinstance(chrom, pa.DictionaryArray) else pc.dictionary_encode(chrom)
        codes = encoded.indices.to_numpy(zero_copy_only=False)
        for code, contig in enumerate(encoded.dictionary.to_pylist()):
            rows = np.flatnonzero(codes == code)
            if len(rows) and contig:
                found[rows] = self.index.lookup(contig, start[rows])
        return found

    def hotspot_labels(self, chrom: pa.Array, start: np.ndarray, ref: pa.Array, alt: pa.Array) -> dict[int, str]:
        """Rows whose position and MAF alleles are a hotspot, with its label."""
        labels: dict[int, str] = {}
        candidates = np.flatnonzero(np.isin(start, self._hot_positions))
        if not len(candidates):
            return labels
        take = pa.array(candidates)
        chroms = chrom.take(take).cast(pa.string()).to_pylist()
        refs, alts = ref.take(take).to_pylist(), alt.take(take).to_pylist()
        for i, c, r, a in zip(candidates.tolist(), chroms, refs, alts):
            label = self._hot_by_position.get((contig_key(c), int(start[i]), r, a))
            if label:
                labels[i] = label
        return labels

    def hotspot_by_protein(self, symbol: str, protein: str) -> str:
        return self._hot_by_protein.get((symbol, protein.removeprefix("p.")), "") if protein else ""


# Contigs a genes reference leaves out on purpose (unplaced, alternate, decoy, viral): records on them are counted
# and warned about; only a file whose every record is on other unknown contigs (another naming) is an error.
_EXTRA_CONTIG = re.compile(r"(?i)^(chr)?(un|hs37d5|ebv|gl\d|ki\d|kn\d|jh\d|hla-)|_(random|alt|decoy|fix)$|^chrUn|decoy")


def is_extra_contig(name: str) -> bool:
    return bool(_EXTRA_CONTIG.search(str(name)))
