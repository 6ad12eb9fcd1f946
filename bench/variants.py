"""The VCF step on a ≥ 1,000,000-record VCF, side by side with ``bcftools view``.

Input (built once, cached under ``bench/data/variants``): the NA12878 Platinum chr21 calls of
``../shared/data`` (65,370 records) replicated onto each autosome chr1–chr22 (1,438,140 records,
bgzipped and tabix-indexed), with a FORMAT ``DP`` added (a fixed pattern of 5–64 reads) so that a depth filter applies.

Rows:

* ``precisionflow``: ``python -m precisionflow.variants maf`` — the same library call as the
  workflow's ``variants_maf`` rule: read, filter (FILTER PASS, depth ≥ 10), split, normalise, genes
  by position, hotspot and driver flags, MAF written — with the shared GRCh38 genes, IntOGen and
  cancerhotspots tables (their loading and Python's start-up included in the time).
* ``bcftools``: ``bcftools view -f PASS -i 'FMT/DP>=10'`` on the same file (Debian's bcftools).
* the step again on twice the records (each autosome twice): the peak memory should not grow with file size;
  bcftools on it too. The difference between the two sizes is each tool's time per record without its fixed
  start-up (ours: Python, pandas and the reference tables): the marginal throughput, reported beside the goal's
  whole-run ratio.

Goal (issue 21): records/s ≥ 1.0 × bcftools', peak RSS < 500 MB. Runs of the two tools alternate, so that a
change of machine load affects both.
"""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
from pathlib import Path

import pysam

from bench.harness import PYTHON, ROOT, Measurement, Row, measure

SHARED = Path(os.environ.get("PRECISIONFLOW_SHARED_DATA", ROOT.parent / "shared" / "data"))
SOURCE = SHARED / "variants" / "NA12878.platinum.chr21.grch38.vcf.gz"
RESOURCES = SHARED / "resources"
COPIES = [f"chr{i}" for i in range(1, 23)]


def build(cache: Path, copies: list[str] = COPIES, index: bool = True) -> tuple[Path, int]:
    """The replicated VCF (bgzipped, with a .tbi when sorted) and its number of records; written once."""
    cache.mkdir(parents=True, exist_ok=True)
    target = cache / f"na12878_x{len(copies)}.vcf.gz"
    count_file = cache / f"{target.name}.records"
    if target.is_file() and count_file.is_file():
        return target, int(count_file.read_text())
    meta, body, chrom_line = [], [], ""
    with gzip.open(SOURCE, "rt") as handle:
        for line in handle:
            if line.startswith("##"):
                meta.append(line)
                if line.startswith("##FORMAT=<ID=GT"):
                    meta.append(
                        '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Read depth (benchmark: a fixed pattern)">\n'
                    )
            elif line.startswith("#"):
                chrom_line = line
            else:
                body.append(line.rstrip("\n").split("\t"))
    plain = cache / target.name.removesuffix(".gz")
    n = 0
    with open(plain, "w") as out:
        out.writelines(meta)
        out.write(chrom_line)
        for contig in copies:
            lines = []
            for fields in body:
                n += 1
                depth = 5 + (n * 7919) % 60
                lines.append("\t".join([contig, *fields[1:8], fields[8] + ":DP", f"{fields[9]}:{depth}"]) + "\n")
            out.writelines(lines)
    if index:
        pysam.tabix_index(str(plain), preset="vcf", force=True)  # bgzips (removing the plain file) and indexes
    else:
        pysam.tabix_compress(str(plain), str(target), force=True)
        plain.unlink()
    count_file.write_text(str(n))
    return target, n


def bcftools() -> str:
    """Debian's bcftools, installed when missing (the benchmark's peer)."""
    path = shutil.which("bcftools")
    if path is None:
        subprocess.run(["apt-get", "install", "-y", "bcftools"], check=True, capture_output=True)
        path = shutil.which("bcftools")
    if path is None:
        raise RuntimeError("bcftools is not installed and apt-get could not install it")
    return path


def ours(vcf: Path, out: Path) -> list[str]:
    return [
        PYTHON,
        "-m",
        "precisionflow.variants",
        "maf",
        str(vcf),
        str(out),
        "--genes",
        str(RESOURCES / "genes.grch38.bed.gz"),
        "--drivers",
        str(RESOURCES / "intogen_drivers_2020.tsv"),
        "--hotspots",
        str(RESOURCES / "cancerhotspots_v2.grch38.noheader.tsv"),
        "--patient",
        "NA12878",
        "--min-vaf",
        "0",
        "--max-population-af",
        "1",
    ]


def alternate(
    commands: dict[str, list[str]], repeats: int, outputs: dict[str, Path] | None = None
) -> dict[str, Measurement]:
    """Measure the commands one run each, in turns, ``repeats`` times. A command's output named in ``outputs`` is
    removed before each of its runs, as Snakemake removes a job's outputs before running it (an output replaced in
    place would add the file system's work of dropping the old one to the step's time)."""
    runs = {name: Measurement([], []) for name in commands}
    env = {"PYTHONPATH": str(ROOT)}
    for _ in range(repeats):
        for name, argv in commands.items():
            if outputs and name in outputs:
                outputs[name].unlink(missing_ok=True)
            m = measure(argv, 1, env=env, cwd=ROOT)
            runs[name].seconds += m.seconds
            runs[name].peak_mb += m.peak_mb
    return runs


def rows(cache: Path, repeats: int) -> list[Row]:
    vcf, records = build(cache)
    double, double_records = build(cache, COPIES * 2, index=False)  # each autosome twice: unsorted, not indexed
    out = cache / "out"
    out.mkdir(exist_ok=True)
    peer = [bcftools(), "view", "-f", "PASS", "-i", "FMT/DP>=10", str(vcf)]
    peer_double = [*peer[:-1], str(double)]
    outputs = {"ours": out / "big.maf.tsv", "double": out / "double.maf.tsv"}
    runs = alternate(
        {
            "ours": ours(vcf, outputs["ours"]),
            "bcftools": peer,
            "double": ours(double, outputs["double"]),
            "bcftools_double": peer_double,
        },
        repeats,
        outputs,
    )
    workload = f"VCF step, {records:,} records"
    ours_rate = records / runs["ours"].median_s
    peer_rate = records / runs["bcftools"].median_s
    ratio = ours_rate / peer_rate
    peak = runs["ours"].median_mb
    note = (
        f"throughput {ratio:.2f}× bcftools (goal ≥ 1.0: {'met' if ratio >= 1.0 else 'not met'}); "
        f"peak RSS {peak:,.0f} MB (goal < 500: {'met' if peak < 500 else 'not met'}); "
        f"filters PASS + depth ≥ 10, MAF written with genes, hotspots, drivers"
    )
    added = double_records - records  # the records the second file adds: time per record without start-up
    ours_marginal = added / (runs["double"].median_s - runs["ours"].median_s)
    peer_marginal = added / (runs["bcftools_double"].median_s - runs["bcftools"].median_s)
    note += (
        f"; marginal throughput (the {double_records:,}-record run minus this one) "
        f"{ours_marginal / peer_marginal:.2f}× bcftools'"
    )
    return [
        Row(
            "variants",
            workload,
            "precisionflow",
            runs["ours"],
            peer="bcftools",
            note=note,
            extra={"records/s": ours_rate},
        ),
        Row(
            "variants",
            workload,
            "bcftools",
            runs["bcftools"],
            note="view -f PASS -i 'FMT/DP>=10' (VCF text to /dev/null)",
            extra={"records/s": peer_rate},
        ),
        Row(
            "variants",
            f"VCF step, {double_records:,} records (memory flatness)",
            "precisionflow",
            runs["double"],
            note=f"peak RSS {runs['double'].median_mb:,.0f} MB here vs {peak:,.0f} MB on half the records",
            extra={"records/s": double_records / runs["double"].median_s},
        ),
        Row(
            "variants",
            f"VCF step, {double_records:,} records (memory flatness)",
            "bcftools",
            runs["bcftools_double"],
            note="view -f PASS -i 'FMT/DP>=10' (VCF text to /dev/null)",
            extra={"records/s": double_records / runs["bcftools_double"].median_s},
        ),
    ]
