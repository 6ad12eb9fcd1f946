"""Pharmacogenomics at scale: 1,000 germline samples in one multi-sample VCF at every PharmCAT position
(goal: called in under 60 s on 2 cores), beside a direct pypgx call on the same samples.

The VCF is simulated once and cached (``simulate``): per sample and gene, two named alleles drawn from
PharmCAT's definitions (the reference allele with probability 0.7 each); 1 % of genotypes are ``./.``.
It is written twice: unphased (``0/1``, what precisionflow reads) and phased (``0|1``, the same alleles
in the order drawn; bgzipped and indexed), because pypgx's own genotyping needs phased input, and phases
unphased input with Beagle (Java) against its separately downloaded reference panels (pypgx-bundle),
neither of which is available here.

- precisionflow: the step's library call from files to files (``precisionflow.pgx.cohort``): reading the
  unphased VCF, matching 16 genes per sample (every diplotype consistent with the unphased genotypes,
  PharmCAT's scoring), phenotypes, recommendations, writing the 1,000 patient tables, the cohort table
  and the recommendations.
- pypgx (peer): pypgx 0.27.0's per-gene Python API on the phased VCF, for the same 16 genes and 1,000
  samples: ``import_variants`` (slices the gene's region, finds the data phased), ``predict_alleles``
  (star alleles per haplotype from pypgx's own allele table), ``call_genotypes`` (diplotypes),
  ``call_phenotypes`` (phenotypes), one TSV of phenotypes per gene. It matches phased haplotypes, an
  easier problem than the unphased matching on our side, and writes no recommendations.

PharmCAT itself cannot run here: Java 17 is installed, but PharmCAT's jar is not obtainable (it ships on
GitHub releases and Docker, not on PyPI, Debian or npm, the only registries reached; the PyPI package
pharmcat-runner 0.0.16 downloads the jar at run time). pypgx's bundled Beagle could run on Java, but
needs the reference panels of pypgx-bundle, which is not on a registry either.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from bench.harness import ROOT, Row, measure_python

N_SAMPLES = 1000
PEER_SAMPLES = 50
SHARED = Path(os.environ.get("PRECISIONFLOW_SHARED_DATA", ROOT.parent / "shared" / "data")) / "pgx"
GENES = (
    "ABCG2",
    "CACNA1S",
    "CYP2B6",
    "CYP2C19",
    "CYP2C9",
    "CYP3A4",
    "CYP3A5",
    "CYP4F2",
    "DPYD",
    "IFNL3",
    "NAT2",
    "NUDT15",
    "SLCO1B1",
    "TPMT",
    "UGT1A1",
    "VKORC1",
)


def _tables() -> tuple[Path, Path]:
    """PharmCAT's full definitions when the shared data is here, else the demo's subset."""
    if (SHARED / "definitions").is_dir():
        return SHARED / "definitions", SHARED / "phenotypes"
    return ROOT / "demo/resources/pgx/definitions", ROOT / "demo/resources/pgx/phenotypes"


def _records(n_samples: int, seed: int) -> tuple[list[str], list[tuple[str, int, list[str], list[str]]]]:
    """Samples, and per definition position (chrom, pos, fixed columns, per-sample (first, second) codes)."""
    import sys

    sys.path.insert(0, str(ROOT))
    from precisionflow.pgx.definitions import load_definitions

    definitions = load_definitions(_tables()[0])
    rng = np.random.default_rng(seed)
    samples = [f"S{i:04d}" for i in range(n_samples)]
    records = []
    for _, definition in sorted(definitions.items()):
        alleles = definition.alleles
        reference = next(i for i, a in enumerate(alleles) if a.reference)
        picks = np.where(rng.random((n_samples, 2)) < 0.7, reference, rng.integers(0, len(alleles), (n_samples, 2)))
        for index, position in enumerate(definition.positions):
            vcf_alleles = [position.ref, *position.alts]
            calls = []
            for first, second in picks:
                codes = []
                for pick in (first, second):
                    accepted = alleles[pick].accepts[index]
                    base = position.ref if position.ref in accepted else sorted(accepted)[0]
                    codes.append(vcf_alleles.index(base) if base in vcf_alleles else 0)
                calls.append(None if rng.random() < 0.01 else (codes[0], codes[1]))
            fixed = [
                f"chr{position.chrom}",
                str(position.pos),
                position.rsid or ".",
                position.ref,
                ",".join(position.alts),
                ".",
                "PASS",
                ".",
                "GT",
            ]
            records.append((position.chrom.zfill(2), position.pos, fixed, calls))
    records.sort(key=lambda r: (r[0], r[1]))
    return samples, records


def simulate(folder: Path, n_samples: int = N_SAMPLES, seed: int = 16) -> tuple[Path, Path]:
    """The unphased VCF and the phased, bgzipped and indexed one (same genotypes)."""
    vcf, phased = folder / "germline.vcf", folder / "germline.phased.vcf.gz"
    if vcf.is_file() and phased.is_file():
        return vcf, phased
    import pysam

    folder.mkdir(parents=True, exist_ok=True)
    samples, records = _records(n_samples, seed)
    header = [
        "##fileformat=VCFv4.2",
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        *[f"##contig=<ID=chr{c}>" for c in sorted({r[0].lstrip("0") for r in records}, key=int)],
        "\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT", *samples]),
    ]
    for path, render in (
        (vcf, lambda c: "./." if c is None else f"{min(c)}/{max(c)}"),
        (folder / "germline.phased.vcf", lambda c: ".|." if c is None else f"{c[0]}|{c[1]}"),
    ):
        lines = header + ["\t".join([*fixed, *map(render, calls)]) for _, _, fixed, calls in records]
        tmp = path.with_suffix(".tmp")
        tmp.write_text("\n".join(lines) + "\n")
        tmp.rename(path)
    pysam.tabix_index(str(folder / "germline.phased.vcf"), preset="vcf", force=True)
    return vcf, phased


def command(vcf: Path, out: Path, n_samples: int = N_SAMPLES) -> str:
    definitions, phenotypes = _tables()
    return f"""
from pathlib import Path
from precisionflow.io import write_tsv
from precisionflow.pgx.cohort import GermlineInput, call_patients, cohort_recommendations, cohort_table
out = Path({str(out)!r}); out.mkdir(parents=True, exist_ok=True)
inputs = [GermlineInput(f"S{{i:04d}}", {str(vcf)!r}, f"S{{i:04d}}") for i in range({n_samples})]
tables = call_patients(inputs, {{"definitions": {str(definitions)!r}, "phenotypes": {str(phenotypes)!r}}})
for patient, table in tables.items():
    write_tsv(table, out / f"{{patient}}.tsv")
write_tsv(cohort_table(tables), out / "cohort.tsv")
write_tsv(cohort_recommendations(tables), out / "recommendations.tsv")
"""


def pypgx_command(phased: Path, out: Path, genes: tuple[str, ...] = GENES) -> str:
    """pypgx's documented per-gene steps for phased SNV/indel data (no CNV: none of these 16 genes needs
    one in pypgx's phenotype tables; ``call_genotypes`` takes ``cnv_calls=None``)."""
    return f"""
import warnings
from pathlib import Path
import pypgx
warnings.simplefilter("ignore")
out = Path({str(out)!r}); out.mkdir(parents=True, exist_ok=True)
for gene in {list(genes)!r}:
    variants = pypgx.import_variants(gene, {str(phased)!r}, assembly="GRCh38", platform="Chip")
    assert variants.metadata["SemanticType"] == "VcfFrame[Consolidated]", gene  # phased: no Beagle step
    alleles = pypgx.predict_alleles(variants)
    genotypes = pypgx.call_genotypes(alleles=alleles)
    phenotypes = pypgx.call_phenotypes(genotypes)
    phenotypes.data.to_csv(out / f"{{gene}}.tsv", sep="\\t")
"""


def rows(cache: Path, repeats: int) -> list[Row]:
    vcf, _ = simulate(cache)
    ours = measure_python(command(vcf, cache / "out"), repeats)
    workload = f"{N_SAMPLES:,} germline samples × 16 genes (one multi-sample VCF, {vcf.stat().st_size / 1e6:.1f} MB)"
    # pypgx takes about 10 s per sample for the 16 genes here (predict_alleles works sample by sample):
    # 1,000 samples would take hours, so the side-by-side rows use a cohort of PEER_SAMPLES.
    small, small_phased = simulate(cache / f"n{PEER_SAMPLES}", PEER_SAMPLES)
    ours_small = measure_python(command(small, cache / f"n{PEER_SAMPLES}" / "out", PEER_SAMPLES), repeats)
    peer = measure_python(pypgx_command(small_phased, cache / f"n{PEER_SAMPLES}" / "out_pypgx"), repeats)
    peer_workload = f"{PEER_SAMPLES} germline samples × 16 genes (one multi-sample VCF, same simulation)"
    what_ours = (
        "unphased VCF: all consistent diplotypes, PharmCAT scoring, phenotypes, recommendations, one TSV per patient"
    )
    return [
        Row(
            "pgx",
            workload,
            "precisionflow",
            ours,
            note=f"{what_ours}; pypgx beside it on {PEER_SAMPLES} samples (below)",
        ),
        Row("pgx", peer_workload, "precisionflow", ours_small, peer="pypgx", note=what_ours),
        Row(
            "pgx",
            peer_workload,
            "pypgx",
            peer,
            note=(
                "pypgx 0.27.0 API per gene on the phased copy: import_variants, predict_alleles, call_genotypes, "
                "call_phenotypes, one TSV per gene (no phasing step, no recommendations); "
                "PharmCAT not runnable here: its jar is not on PyPI, Debian or npm"
            ),
            extra={"s per sample": peer.median_s / PEER_SAMPLES},
        ),
    ]
