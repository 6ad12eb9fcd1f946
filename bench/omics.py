"""Omics rows: RNA median-of-ratios + VST (1,000 × 60,000) beside PyDESeq2, TMM beside conorm,
proteomics normalization + MinProb (200 × 10,000).

Inputs are simulated once (seeded) and cached as .npy under ``cache``; each run loads the same
file in a fresh interpreter, so peak memory is that run's own. The count matrix is int64 as pandas
reads a count table: 1,000 × 60,000 × 8 bytes = 480 MB ("the dense count matrix" of the goal).

Every row, PyDESeq2's included, is measured ``repeats`` times (the section takes about 4 minutes
on 2 cores, most of it PyDESeq2's dispersion fit per gene).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bench.harness import Row, measure_python

N_SAMPLES, N_GENES = 1000, 60_000
TMM_SAMPLES = 200
N_PROTEIN_SAMPLES, N_PROTEINS = 200, 10_000
THREADS = 2
SEED = 20241128


def rna_counts(cache: Path) -> Path:
    """NB counts: gene means log-normal (many genes barely expressed, as in a real 60k annotation),
    size factors log-normal, dispersion 0.05 + 0.5 / mean; 20 groups of marker genes."""
    path = cache / f"rna_{N_SAMPLES}x{N_GENES}.npy"
    if path.is_file():
        return path
    rng = np.random.default_rng(SEED)
    base = np.exp(rng.normal(2.0, 2.5, N_GENES))
    factors = rng.lognormal(0, 0.3, N_SAMPLES)
    groups = rng.integers(0, 20, N_SAMPLES)
    effects = np.where(rng.random((20, N_GENES)) < 0.02, rng.normal(0, 1.5, (20, N_GENES)), 0.0)
    counts = np.empty((N_SAMPLES, N_GENES), dtype=np.int64)
    for start in range(0, N_SAMPLES, 50):
        rows = slice(start, start + 50)
        mean = factors[rows, None] * base[None, :] * np.exp(effects[groups[rows]])
        dispersion = 0.05 + 0.5 / np.maximum(mean, 1e-3)
        size = 1 / dispersion
        counts[rows] = rng.negative_binomial(size, size / (size + mean))
    tmp = path.with_suffix(".tmp.npy")
    np.save(tmp, counts)
    tmp.rename(path)
    return path


def tmm_counts(cache: Path) -> Path:
    path = cache / f"rna_{TMM_SAMPLES}x{N_GENES}.npy"
    if not path.is_file():
        counts = np.load(rna_counts(cache), mmap_mode="r")[:TMM_SAMPLES]
        np.save(path.with_suffix(".tmp.npy"), np.ascontiguousarray(counts))
        path.with_suffix(".tmp.npy").rename(path)
    return path


def protein_intensities(cache: Path) -> Path:
    """log2 intensities ~ N(25, 2) per protein, sample shifts, missing not at random (low values)."""
    path = cache / f"protein_{N_PROTEIN_SAMPLES}x{N_PROTEINS}.npy"
    if path.is_file():
        return path
    rng = np.random.default_rng(SEED + 1)
    log2 = (
        rng.normal(25, 2, N_PROTEINS)[None, :]
        + rng.normal(0, 0.4, (N_PROTEIN_SAMPLES, 1))
        + rng.normal(0, 0.5, (N_PROTEIN_SAMPLES, N_PROTEINS))
    )
    missing = rng.random(log2.shape) < 1 / (1 + np.exp((log2 - 22) * 1.5)) + 0.01
    intensities = np.where(missing, 0.0, np.round(2**log2, -2))
    np.save(path.with_suffix(".tmp.npy"), intensities)
    path.with_suffix(".tmp.npy").rename(path)
    return path


OURS_RNA = """
import numpy as np
from precisionflow.omics.layer import Settings, normalize_counts
settings = Settings.from_config("rna", {{"type": "rna", "path": "-"}})
result = normalize_counts(np.load({path!r}), settings, threads={threads})
assert result.X.shape[0] == {n} and np.isfinite(result.X).all()
"""

# PyDESeq2's documented path on the same genes (same low-count filter, done before the timer's
# heavy part): DeseqDataSet, then vst() (which fits its own size factors first).
PEER_RNA = """
import numpy as np, pandas as pd
from pydeseq2.dds import DeseqDataSet
counts = np.load({path!r})
counts = counts[:, ((counts >= 10) & (counts > 0)).sum(axis=0) >= int(np.ceil(0.2 * counts.shape[0]))]
index = [f"s{{i}}" for i in range(counts.shape[0])]
frame = pd.DataFrame(counts, index=index, columns=[f"g{{j}}" for j in range(counts.shape[1])])
del counts
metadata = pd.DataFrame({{"all": ["all"] * len(index)}}, index=index)
dds = DeseqDataSet(counts=frame, metadata=metadata, design="~1", quiet=True, n_cpus={threads})
del frame
dds.vst(use_design=False)
assert np.isfinite(dds.layers["vst_counts"]).all()
"""

OURS_TMM = """
import numpy as np
from precisionflow.omics.counts import tmm_factors
factors, _ = tmm_factors(np.load({path!r}))
assert abs(np.log(factors).mean()) < 1e-9
"""

# conorm 1.2.0 passes numpy's removed `interpolation=` keyword: forwarded as `method=`.
PEER_TMM = """
import numpy as np
_nanquantile = np.nanquantile
def _forwarded(*a, interpolation=None, **k):
    return _nanquantile(*a, method=interpolation, **k) if interpolation else _nanquantile(*a, **k)
np.nanquantile = _forwarded
import conorm
factors = conorm.tmm_norm_factors(np.load({path!r}).T)
assert np.isfinite(factors).all()
"""

OURS_PROTEIN = """
import numpy as np
from precisionflow.omics.layer import Settings, normalize_intensities
settings = Settings.from_config("protein", {{"type": "protein", "path": "-"}})
result = normalize_intensities(np.load({path!r}), settings)
assert not np.isnan(result.X).any() and result.missing.any()
"""


def rows(cache: Path, repeats: int) -> list[Row]:
    cache.mkdir(parents=True, exist_ok=True)
    rna = rna_counts(cache)
    dense_mb = N_SAMPLES * N_GENES * 8 / 2**20
    workload = f"RNA median-of-ratios + VST, {N_SAMPLES:,} × {N_GENES:,} NB counts"
    ours = measure_python(OURS_RNA.format(path=str(rna), threads=THREADS, n=N_SAMPLES), repeats)
    peer = measure_python(PEER_RNA.format(path=str(rna), threads=THREADS), repeats)
    out = [
        Row(
            "omics",
            workload,
            "precisionflow",
            ours,
            peer="pydeseq2",
            note=f"peak {ours.median_mb / dense_mb:.2f} × the dense count matrix ({dense_mb:,.0f} MB); "
            "VST trend on 1,000 genes (DESeq2's vst())",
            extra={"peak / dense matrix": ours.median_mb / dense_mb},
        ),
        Row(
            "omics",
            workload,
            "pydeseq2",
            peer,
            note=f"DeseqDataSet + vst(), n_cpus={THREADS}",
            extra={"peak / dense matrix": peer.median_mb / dense_mb},
        ),
    ]
    tmm = tmm_counts(cache)
    workload = f"TMM factors, {TMM_SAMPLES} × {N_GENES:,} NB counts"
    ours = measure_python(OURS_TMM.format(path=str(tmm)), repeats)
    peer = measure_python(PEER_TMM.format(path=str(tmm)), repeats)
    out += [
        Row(
            "omics",
            workload,
            "precisionflow",
            ours,
            peer="conorm",
            note="edgeR's algorithm (matches edgeR; conorm differs, see tests)",
        ),
        Row("omics", workload, "conorm", peer, note="conorm 1.2.0 tmm_norm_factors"),
    ]
    protein = protein_intensities(cache)
    ours = measure_python(OURS_PROTEIN.format(path=str(protein)), repeats)
    out.append(
        Row(
            "omics",
            f"proteomics log2 + valid values + median + MinProb, {N_PROTEIN_SAMPLES} × {N_PROTEINS:,}",
            "precisionflow",
            ours,
        )
    )
    return out
