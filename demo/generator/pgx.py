"""Demo germline data for the pharmacogenomics step: a small subset of PharmCAT's allele definitions and
phenotype tables (written here as facts), and one multi-sample germline VCF with planted diplotypes.

The facts below are a subset of PharmCAT v3.1 data (allele definitions and CPIC phenotypes from
PharmVar/CPIC via ClinPGx, definitions version 2025-11-05-00-25, MPL-2.0): per gene, the GRCh38 positions
of a few clinically important alleles, the named alleles defined only at those positions, their function
and activity value, and the CPIC phenotype of every diplotype of those alleles. Nothing else is copied.
Everything here draws from its own random generator, so the rest of the demo is unchanged.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from demo.generator.pgx_facts import FACTS, PGX_STREAM, SOURCE
from precisionflow.pgx.definitions import IUPAC

# Planted diplotypes per demo germline sample (genes not listed: reference), with what the call must say.
PLANTED = [
    {"DPYD": ("c.1679T>G (*13)", "c.1905+1G>A (*2A)")},  # DPYD poor metabolizer (activity score 0)
    {"UGT1A1": ("*28", "*28"), "CYP2C19": ("*2", "*17")},  # UGT1A1 *28/*28 poor metabolizer
    {"SLCO1B1": ("*4", "*15")},  # the tie: *4/*15 and *5/*14 fit the same unphased genotypes
    {"TPMT": ("*1", "*3A"), "NUDT15": ("*1", "*3"), "CYP2C9": ("*1", "*3")},
    {
        "DPYD": ("Reference", "c.2846A>T"),
        "CYP2C19": ("*17", "*17"),
        "VKORC1": ("rs9923231 reference (C)", "rs9923231 variant (T)"),
    },
    {},  # reference at every gene, but the TPMT *3C position is not called (./.): reported missing
]
EXPECTED_TIES = {2: {"SLCO1B1": "*4/*15 or *5/*14"}}
MISSING = {5: ("TPMT", "rs1142345")}
OUTSIDE_CALLS = {0: [("CYP2D6", "*1/*4")]}


def reference_name(gene: str) -> str:
    return FACTS[gene]["alleles"][0][0]


def definition_json(gene: str) -> dict:
    facts = FACTS[gene]
    reference = facts["alleles"][0][1]
    return {
        "formatVersion": "2",
        "source": SOURCE,
        "version": facts["version"] + " (demo subset)",
        "gene": gene,
        "chromosome": facts["positions"][0][0],
        "genomeBuild": "GRCh38.p14",
        "variants": [
            {"chromosome": chrom, "position": pos, "rsid": rsid, "ref": ref, "alts": list(alts)}
            for chrom, pos, rsid, ref, alts in facts["positions"]
        ],
        "namedAlleles": [
            {
                "name": name,
                "alleles": list(alleles),
                "reference": alleles == reference and name == facts["alleles"][0][0],
            }
            for name, alleles in facts["alleles"]
        ],
    }


def phenotype_json(gene: str) -> dict:
    facts = FACTS[gene]
    diplotypes = []
    for text, (phenotype, score) in facts["diplotypes"].items():
        first, second = text.split("/", 1) if text.count("/") == 1 else _split(gene, text)
        key = {first: 2} if first == second else {first: 1, second: 1}
        diplotypes.append({"diplotype": text, "diplotypekey": key, "generesult": phenotype, "activityScore": score})
    return {
        "gene": gene,
        "version": facts["version"] + " (demo subset)",
        "source": SOURCE,
        "haplotypes": {name: function for name, (function, _) in facts["function"].items()},
        "activityValues": {name: value for name, (_, value) in facts["function"].items() if value is not None},
        "diplotypes": diplotypes,
    }


def _split(gene: str, text: str) -> tuple[str, str]:
    """A diplotype text whose allele names contain '/' (none in this subset; kept for safety)."""
    names = [name for name, _ in FACTS[gene]["alleles"]]
    for name in names:
        if text.startswith(name + "/") and text[len(name) + 1 :] in names:
            return name, text[len(name) + 1 :]
    raise ValueError(text)


def _allele(gene: str, name: str, index: int) -> str:
    facts = FACTS[gene]
    alleles = dict(facts["alleles"])
    value = alleles[name][index]
    reference = facts["alleles"][0][1][index]
    if value is None:
        return reference
    if (
        value in IUPAC and len(IUPAC[value]) > 1
    ):  # an ambiguity code (CYP2C19 *2: R): plant the reference base if allowed
        return reference if reference in IUPAC[value] else IUPAC[value][0]
    return value


def germline_vcf_text(samples: list[str]) -> str:
    """One multi-sample VCF at every subset position; genotypes from PLANTED (unphased, 0/1 order)."""
    lines = [
        "##fileformat=VCFv4.2",
        "##source=precisionflow.demo (planted pharmacogene diplotypes)",
        "##reference=GRCh38",
        *[
            f"##contig=<ID=chr{c},length={n}>"
            for c, n in (
                ("1", 248956422),
                ("2", 242193529),
                ("6", 170805979),
                ("10", 133797422),
                ("12", 133275309),
                ("13", 114364328),
                ("16", 90338345),
            )
        ],
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        "\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT", *samples]),
    ]
    records = []
    for gene in FACTS:
        reference = reference_name(gene)
        for index, (chrom, pos, rsid, ref, alts) in enumerate(FACTS[gene]["positions"]):
            vcf_alleles = [ref, *alts]
            calls = []
            for k in range(len(samples)):
                first, second = PLANTED[k].get(gene, (reference, reference))
                if MISSING.get(k) == (gene, rsid):
                    calls.append("./.")
                    continue
                a, b = sorted(vcf_alleles.index(_allele(gene, n, index)) for n in (first, second))
                calls.append(f"{a}/{b}")
            records.append(
                (
                    int(chrom.removeprefix("chr")),
                    pos,
                    "\t".join([chrom, str(pos), rsid, ref, ",".join(alts), ".", "PASS", ".", "GT", *calls]),
                )
            )
    lines += [text for _, _, text in sorted(records)]
    return "\n".join(lines) + "\n"


def expected_calls(k: int) -> dict[str, str]:
    """What the pgx step must call for demo germline sample ``k`` (genes of the subset)."""
    calls = {}
    for gene in FACTS:
        reference = reference_name(gene)
        first, second = PLANTED[k].get(gene, (reference, reference))
        calls[gene] = f"{first}/{second}"
    calls.update(EXPECTED_TIES.get(k, {}))
    return calls


def write_pgx_demo(out: Path, patient_ids: list[str], seed: int) -> dict[str, dict]:
    """Write demo/resources/pgx/ and demo/germline/germline.vcf (+ outside calls); return patient -> truth.

    The patients who get a germline sample are drawn with this step's own generator.
    """
    rng = np.random.default_rng([seed, PGX_STREAM])
    chosen = sorted(str(p) for p in rng.choice(sorted(patient_ids), size=len(PLANTED), replace=False))
    for sub in ("definitions", "phenotypes"):
        (out / "resources" / "pgx" / sub).mkdir(parents=True, exist_ok=True)
    for gene in FACTS:
        (out / "resources" / "pgx" / "definitions" / f"{gene}_translation.json").write_text(
            json.dumps(definition_json(gene), indent=1) + "\n"
        )
        (out / "resources" / "pgx" / "phenotypes" / f"{gene}.json").write_text(
            json.dumps(phenotype_json(gene), indent=1) + "\n"
        )
    germline = out / "germline"
    germline.mkdir(parents=True, exist_ok=True)
    (germline / "germline.vcf").write_text(germline_vcf_text([f"{p}_G" for p in chosen]))
    truth = {}
    for k, patient in enumerate(chosen):
        outside = OUTSIDE_CALLS.get(k)
        if outside:
            (germline / f"{patient}.outside_calls.tsv").write_text(
                "gene\tdiplotype\n" + "".join(f"{g}\t{d}\n" for g, d in outside)
            )
        truth[patient] = {
            "sample": f"{patient}_G",
            "diplotypes": expected_calls(k),
            "outside_calls": dict(outside or []),
            "missing_positions": {MISSING[k][0]: MISSING[k][1]} if k in MISSING else {},
        }
    return truth
