"""The small reference tables the demo config points at (genes BED, drivers, hotspots, DGIdb,
MOAlmanac subset, OncoTree)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np

from demo.generator.actionability import ONCOTREE_CODES
from demo.generator.catalogue import DRIVERS, DRUG_CATEGORIES, DRUG_GENE, HOTSPOTS, KEY_BY_SYMBOL, Gene

# A real subset of the Molecular Oncology Almanac knowledge base (issue 14): assertions copied field by field
# from moalmanac-db (release 2026-05-15, GPL-2.0; vanallenlab/moalmanac-db), with their citations: the ones the
# demo's planted alterations (ERBB2 amplification, PIK3CA H1047R / E545K, KRAS G12D) match, plus KRAS G12C
# (sotorasib, adagrasib: allele-specific, never a G12D patient's drug) and BRAF V600E for contrast.
MOALMANAC_SUBSET = Path(__file__).with_name("moalmanac_subset.json")


def genes_bed(genes: list[Gene]) -> str:
    return "".join(f"{g.chrom}\t{g.start}\t{g.end}\t{g.symbol}\t{g.ensembl}\t{g.strand}\t{g.biotype}\n" for g in genes)


def drivers_table(rng: np.random.Generator) -> str:
    columns = [
        "SYMBOL",
        "TRANSCRIPT",
        "COHORT",
        "CANCER_TYPE",
        "METHODS",
        "MUTATIONS",
        "SAMPLES",
        "%_SAMPLES_COHORT",
        "QVALUE_COMBINATION",
        "ROLE",
        "CGC_GENE",
        "CGC_CANCER_GENE",
        "DOMAIN",
        "2D_CLUSTERS",
        "3D_CLUSTERS",
        "EXCESS_MIS",
        "EXCESS_NON",
        "EXCESS_SPL",
    ]
    lines = ["\t".join(columns)]
    for symbol, (role, cohorts) in DRIVERS.items():
        gene = KEY_BY_SYMBOL[symbol]
        for cohort in cohorts:
            samples = int(rng.integers(5, 200))
            lines.append(
                "\t".join(
                    [
                        symbol,
                        "ENST9" + gene.ensembl[5:],
                        cohort,
                        cohort.rsplit("_", 1)[1],
                        "dndscv,oncodriveclustl,cbase",
                        f"{samples + int(rng.integers(0, 20))}.0",
                        str(samples),
                        f"{samples / 500:.4f}",
                        f"{rng.uniform(1e-12, 1e-3):.3g}",
                        role,
                        "True",
                        "True",
                        "",
                        "",
                        "",
                        f"{rng.uniform(0.5, 1):.4f}",
                        f"{rng.uniform(0, 1):.4f}",
                        "0.0",
                    ]
                )
            )
    return "\n".join(lines) + "\n"


def hotspots_table() -> str:
    return "".join(f"{c}\t{p}\t{r}\t{a}\t{g}\t{k}\t{ch}\tdeleterious(0)\n" for c, p, r, a, g, k, ch in HOTSPOTS)


def drug_gene_table() -> str:
    lines = [
        "Gene\tinteraction_claim_source\tinteraction_types\tdrug_claim_name\tdrug_claim_primary_name\tdrug_name\tdrug_chembl_id\tPMIDs"
    ]
    for i, (gene, source, kind, drug) in enumerate(DRUG_GENE):
        lines.append(f"{gene}\t{source}\t{kind}\t{drug}\t{drug}\t{drug}\tCHEMBL9{i:05d}\t")
    return "\n".join(lines) + "\n"


def drug_categories_table() -> str:
    lines = ["Gene\tgene_long_name\tcategory_sources\tcategory"]
    lines += [f"{gene}\t{name}\tDemo\t{category}" for gene, name, category in DRUG_CATEGORIES]
    return "\n".join(lines) + "\n"


def moalmanac_json() -> str:

    entries = json.loads(MOALMANAC_SUBSET.read_text(encoding="utf-8"))
    return json.dumps(entries, indent=1, ensure_ascii=False) + "\n"


def oncotree_table() -> str:
    return "code\tmain_type\tname\ttissue\n" + "".join("\t".join(row) + "\n" for row in ONCOTREE_CODES)


def write_gzip(path: Path, text: str) -> None:
    """Gzip with no name and a zero timestamp in the header, so the bytes depend only on the text."""
    with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as handle:
        handle.write(text.encode())
