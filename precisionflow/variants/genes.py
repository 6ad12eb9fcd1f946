"""Genes of the genes reference at genomic positions, for variants without a transcript annotation.

Where genes overlap, one gene is reported: protein-coding genes first, then the shorter gene
(the more specific one, e.g. a gene nested in another's intron), then the one listed first. Positions are
looked up vectorised: each contig is cut once into elementary intervals, each knowing its gene.
Each interval takes the best-ranked gene covering it; pandas' IntervalIndex cannot look up
overlapping intervals, hence this hand-written index.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


class GeneIndex:
    """Look up the gene (row of the genes table) covering 1-based positions on a contig."""

    def __init__(self, genes: pa.Table) -> None:
        chrom = pc.dictionary_encode(genes["chrom"]).combine_chunks()
        codes = chrom.indices.to_numpy(zero_copy_only=False)
        order = np.argsort(codes, kind="stable")
        bounds = np.searchsorted(codes[order], np.arange(len(chrom.dictionary) + 1))
        self._by_contig = {
            str(name): order[bounds[i] : bounds[i + 1]] for i, name in enumerate(chrom.dictionary.to_pylist())
        }
        self._start = genes["start"].to_numpy().astype(np.int64)
        self._end = genes["end"].to_numpy().astype(np.int64)
        self._other = pc.fill_null(pc.not_equal(genes["biotype"], "protein_coding"), True).to_numpy()
        self._cache: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.contigs = sorted(self._by_contig)

    def _segments(self, contig: str) -> tuple[np.ndarray, np.ndarray]:
        """Elementary interval starts (0-based) and the gene row of each (-1 where none)."""
        if contig in self._cache:
            return self._cache[contig]
        rows = self._by_contig.get(contig)
        if rows is None or len(rows) == 0:
            result = (np.zeros(1, dtype=np.int64), np.full(1, -1, dtype=np.int64))
            self._cache[contig] = result
            return result
        starts, ends = self._start[rows], self._end[rows]
        bounds = np.unique(np.concatenate([starts, ends]))
        first = np.searchsorted(bounds, starts)
        last = np.searchsorted(bounds, ends)
        # Each elementary interval takes the preferred gene covering it (protein-coding, then
        # shorter, then earlier in the genes file): rank the genes, spread each rank over the
        # intervals its gene covers, keep the best rank per interval.
        other = self._other[rows]
        best_first = np.lexsort((np.arange(len(rows)), ends - starts, other.astype(np.int8)))
        rank = np.empty(len(rows), dtype=np.int64)
        rank[best_first] = np.arange(len(rows))
        count = last - first
        covered = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count) + np.repeat(first, count)
        best = np.full(len(bounds), len(rows), dtype=np.int64)
        np.minimum.at(best, covered, np.repeat(rank, count))
        owner = np.where(best < len(rows), rows[best_first[np.minimum(best, len(rows) - 1)]], -1)
        result = (bounds, owner)
        self._cache[contig] = result
        return result

    def lookup(self, contig: str, positions: np.ndarray) -> np.ndarray:
        """Gene row (or -1) for each 1-based position on ``contig`` (a name of the genes table)."""
        bounds, owner = self._segments(contig)
        zero_based = np.asarray(positions, dtype=np.int64) - 1
        slot = np.searchsorted(bounds, zero_based, side="right") - 1
        found = np.where(slot >= 0, owner[np.clip(slot, 0, None)], -1)
        return found
