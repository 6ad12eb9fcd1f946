"""Pharmacogenomics at scale: 1,000 germline samples in one multi-sample VCF at every PharmCAT position
(goal: called in under 60 s on 2 cores).

The VCF is simulated once and cached (``simulate``): per sample and gene, two named alleles drawn from
PharmCAT's definitions (the reference allele with probability 0.7 each), written as unphased genotypes;
1 % of genotypes are ``./.``. The measured command is the step's library call from files to files
(``precisionflow.pgx.cohort``): reading the VCF, matching 16 genes per sample, phenotypes, recommendations,
writing the 1,000 patient tables, the cohort table and the recommendations.

No peer row: PharmCAT (Java) is not installed here. pypgx was not installed or run: its genotyping pipeline
phases the VCF with Beagle (Java) against the reference panels of its separately downloaded pypgx-bundle
before matching, one gene per run, neither of which is available offline here.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from bench.harness import ROOT, Row, measure_python

N_SAMPLES = 1000
NO_PEER = "no peer: PharmCAT (Java) not installed; pypgx not tried (phases with Beagle, Java, and its separate bundle)"
SHARED = Path(os.environ.get("PRECISIONFLOW_SHARED_DATA", ROOT.parent / "shared" / "data")) / "pgx"


def _tables() -> tuple[Path, Path]:
    """PharmCAT's full definitions when the shared data is here, else the demo's subset."""
    if (SHARED / "definitions").is_dir():
        return SHARED / "definitions", SHARED / "phenotypes"
    return ROOT / "demo/resources/pgx/definitions", ROOT / "demo/resources/pgx/phenotypes"


def simulate(folder: Path, n_samples: int = N_SAMPLES, seed: int = 16) -> Path:
    vcf = folder / "germline.vcf"
    if vcf.is_file():
        return vcf
    import sys

    sys.path.insert(0, str(ROOT))
    from precisionflow.pgx.definitions import load_definitions

    folder.mkdir(parents=True, exist_ok=True)
    definitions = load_definitions(_tables()[0])
    rng = np.random.default_rng(seed)
    samples = [f"S{i:04d}" for i in range(n_samples)]
    lines = [
        "##fileformat=VCFv4.2",
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        "\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT", *samples]),
    ]
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
                calls.append("./." if rng.random() < 0.01 else f"{min(codes)}/{max(codes)}")
            chrom = f"chr{position.chrom}"
            records.append(
                (
                    position.chrom.zfill(2),
                    position.pos,
                    "\t".join(
                        [
                            chrom,
                            str(position.pos),
                            position.rsid or ".",
                            position.ref,
                            ",".join(position.alts),
                            ".",
                            "PASS",
                            ".",
                            "GT",
                            *calls,
                        ]
                    ),
                )
            )
    lines += [text for _, _, text in sorted(records)]
    tmp = vcf.with_suffix(".tmp")
    tmp.write_text("\n".join(lines) + "\n")
    tmp.rename(vcf)
    return vcf


def command(vcf: Path, out: Path) -> str:
    definitions, phenotypes = _tables()
    return f"""
from pathlib import Path
from precisionflow.io import write_tsv
from precisionflow.pgx.cohort import GermlineInput, call_patients, cohort_recommendations, cohort_table
out = Path({str(out)!r}); out.mkdir(parents=True, exist_ok=True)
inputs = [GermlineInput(f"S{{i:04d}}", {str(vcf)!r}, f"S{{i:04d}}") for i in range({N_SAMPLES})]
tables = call_patients(inputs, {{"definitions": {str(definitions)!r}, "phenotypes": {str(phenotypes)!r}}})
for patient, table in tables.items():
    write_tsv(table, out / f"{{patient}}.tsv")
write_tsv(cohort_table(tables), out / "cohort.tsv")
write_tsv(cohort_recommendations(tables), out / "recommendations.tsv")
"""


def rows(cache: Path, repeats: int) -> list[Row]:
    vcf = simulate(cache)
    measurement = measure_python(command(vcf, cache / "out"), repeats)
    workload = f"{N_SAMPLES:,} germline samples × 16 genes (one multi-sample VCF, {vcf.stat().st_size / 1e6:.1f} MB)"
    return [
        Row(
            "pgx",
            workload,
            "precisionflow",
            measurement,
            note=NO_PEER,
        )
    ]
