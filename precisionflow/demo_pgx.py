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

from precisionflow.pgx.definitions import IUPAC

PGX_STREAM = 16  # this generator's stream: np.random.default_rng([seed, PGX_STREAM])
SOURCE = "PharmCAT v3.1 allele definitions and phenotypes (PharmVar/CPIC via ClinPGx; MPL-2.0), demo subset"

# gene -> version, positions (chrom, pos, rsid, ref, alts), alleles (name, VCF allele per position or None =
# the reference allele's), function (name -> (function, activity value)), diplotypes ("A/B" -> (phenotype,
# activity score)). Alleles of a diplotype are in the order of ``alleles``.
FACTS = {
    "DPYD": {
        "version": "2025-11-05-00-25",
        "positions": [
            ("chr1", 97082391, "rs67376798", "T", ("A",)),
            ("chr1", 97450058, "rs3918290", "C", ("T",)),
            ("chr1", 97515787, "rs55886062", "A", ("C",)),
        ],
        "alleles": [
            ("Reference", ("T", "C", "A")),
            ("c.1679T>G (*13)", (None, None, "C")),
            ("c.1905+1G>A (*2A)", (None, "T", None)),
            ("c.2846A>T", ("A", None, None)),
        ],
        "function": {
            "Reference": ("1.0", "1.0"),
            "c.1679T>G (*13)": ("0.0", "0.0"),
            "c.1905+1G>A (*2A)": ("0.0", "0.0"),
            "c.2846A>T": ("0.5", "0.5"),
        },
        "diplotypes": {
            "Reference/Reference": ("Normal Metabolizer", "2.0"),
            "Reference/c.1679T>G (*13)": ("Intermediate Metabolizer", "1.0"),
            "Reference/c.1905+1G>A (*2A)": ("Intermediate Metabolizer", "1.0"),
            "Reference/c.2846A>T": ("Intermediate Metabolizer", "1.5"),
            "c.1679T>G (*13)/c.1679T>G (*13)": ("Poor Metabolizer", "0.0"),
            "c.1679T>G (*13)/c.1905+1G>A (*2A)": ("Poor Metabolizer", "0.0"),
            "c.1679T>G (*13)/c.2846A>T": ("Poor Metabolizer", "0.5"),
            "c.1905+1G>A (*2A)/c.1905+1G>A (*2A)": ("Poor Metabolizer", "0.0"),
            "c.1905+1G>A (*2A)/c.2846A>T": ("Poor Metabolizer", "0.5"),
            "c.2846A>T/c.2846A>T": ("Intermediate Metabolizer", "1.0"),
        },
    },
    "UGT1A1": {
        "version": "2025-11-05-00-25",
        "positions": [
            ("chr2", 233759924, "rs887829", "C", ("T",)),
            ("chr2", 233760233, "rs3064744", "CAT", ("C", "CATAT", "CATATAT")),
            ("chr2", 233760498, "rs4148323", "G", ("A",)),
        ],
        "alleles": [
            ("*1", ("C", "CAT", "G")),
            ("*6", (None, None, "A")),
            ("*28", (None, "CATAT", None)),
            ("*36", (None, "C", None)),
            ("*37", (None, "CATATAT", None)),
            ("*80", ("T", None, None)),
            ("*80+*28", ("T", "CATAT", None)),
            ("*80+*37", ("T", "CATATAT", None)),
        ],
        "function": {
            "*1": ("Normal function", None),
            "*6": ("Decreased function", None),
            "*28": ("Decreased function", None),
            "*36": ("Increased function", None),
            "*37": ("Decreased function", None),
            "*80": ("Unknown function", None),
            "*80+*28": ("Decreased function", None),
            "*80+*37": ("Decreased function", None),
        },
        "diplotypes": {
            "*1/*1": ("Normal Metabolizer", None),
            "*1/*6": ("Intermediate Metabolizer", None),
            "*1/*28": ("Intermediate Metabolizer", None),
            "*1/*36": ("Normal Metabolizer", None),
            "*1/*37": ("Intermediate Metabolizer", None),
            "*1/*80": ("Indeterminate", None),
            "*1/*80+*28": ("Intermediate Metabolizer", None),
            "*1/*80+*37": ("Intermediate Metabolizer", None),
            "*6/*6": ("Poor Metabolizer", None),
            "*6/*28": ("Poor Metabolizer", None),
            "*6/*36": ("Intermediate Metabolizer", None),
            "*6/*37": ("Poor Metabolizer", None),
            "*6/*80": ("Indeterminate", None),
            "*6/*80+*28": ("Poor Metabolizer", None),
            "*6/*80+*37": ("Poor Metabolizer", None),
            "*28/*28": ("Poor Metabolizer", None),
            "*28/*36": ("Intermediate Metabolizer", None),
            "*28/*37": ("Poor Metabolizer", None),
            "*28/*80": ("Indeterminate", None),
            "*28/*80+*28": ("Poor Metabolizer", None),
            "*28/*80+*37": ("Poor Metabolizer", None),
            "*36/*36": ("Normal Metabolizer", None),
            "*36/*37": ("Intermediate Metabolizer", None),
            "*36/*80": ("Indeterminate", None),
            "*36/*80+*28": ("Intermediate Metabolizer", None),
            "*36/*80+*37": ("Intermediate Metabolizer", None),
            "*37/*37": ("Poor Metabolizer", None),
            "*37/*80": ("Indeterminate", None),
            "*37/*80+*28": ("Poor Metabolizer", None),
            "*37/*80+*37": ("Poor Metabolizer", None),
            "*80/*80": ("Indeterminate", None),
            "*80/*80+*28": ("Indeterminate", None),
            "*80/*80+*37": ("Indeterminate", None),
            "*80+*28/*80+*28": ("Poor Metabolizer", None),
            "*80+*28/*80+*37": ("Poor Metabolizer", None),
            "*80+*37/*80+*37": ("Poor Metabolizer", None),
        },
    },
    "TPMT": {
        "version": "2025-11-05-00-25",
        "positions": [
            ("chr6", 18130687, "rs1142345", "T", ("C", "G")),
            ("chr6", 18138997, "rs1800460", "C", ("T",)),
            ("chr6", 18143724, "rs1800462", "C", ("G",)),
        ],
        "alleles": [
            ("*1", ("T", "C", "C")),
            ("*2", (None, None, "G")),
            ("*3A", ("C", "T", None)),
            ("*3B", (None, "T", None)),
            ("*3C", ("C", None, None)),
            ("*41", ("G", None, None)),
        ],
        "function": {
            "*1": ("Normal function", None),
            "*2": ("No function", None),
            "*3A": ("No function", None),
            "*3B": ("No function", None),
            "*3C": ("No function", None),
            "*41": ("No function", None),
        },
        "diplotypes": {
            "*1/*1": ("Normal Metabolizer", None),
            "*1/*2": ("Intermediate Metabolizer", None),
            "*1/*3A": ("Intermediate Metabolizer", None),
            "*1/*3B": ("Intermediate Metabolizer", None),
            "*1/*3C": ("Intermediate Metabolizer", None),
            "*1/*41": ("Intermediate Metabolizer", None),
            "*2/*2": ("Poor Metabolizer", None),
            "*2/*3A": ("Poor Metabolizer", None),
            "*2/*3B": ("Poor Metabolizer", None),
            "*2/*3C": ("Poor Metabolizer", None),
            "*2/*41": ("Poor Metabolizer", None),
            "*3A/*3A": ("Poor Metabolizer", None),
            "*3A/*3B": ("Poor Metabolizer", None),
            "*3A/*3C": ("Poor Metabolizer", None),
            "*3A/*41": ("Poor Metabolizer", None),
            "*3B/*3B": ("Poor Metabolizer", None),
            "*3B/*3C": ("Poor Metabolizer", None),
            "*3B/*41": ("Poor Metabolizer", None),
            "*3C/*3C": ("Poor Metabolizer", None),
            "*3C/*41": ("Poor Metabolizer", None),
            "*41/*41": ("Poor Metabolizer", None),
        },
    },
    "NUDT15": {
        "version": "2025-11-05-00-25",
        "positions": [("chr13", 48045719, "rs116855232", "C", ("T",))],
        "alleles": [("*1", ("C",)), ("*3", ("T",))],
        "function": {"*1": ("Normal function", None), "*3": ("No function", None)},
        "diplotypes": {
            "*1/*1": ("Normal Metabolizer", None),
            "*1/*3": ("Intermediate Metabolizer", None),
            "*3/*3": ("Poor Metabolizer", None),
        },
    },
    "CYP2C19": {
        "version": "2025-11-05-00-25",
        "positions": [
            ("chr10", 94761900, "rs12248560", "C", ("T",)),
            ("chr10", 94775367, "rs12769205", "A", ("G",)),
            ("chr10", 94775507, "rs58973490", "G", ("A",)),
            ("chr10", 94780653, "rs4986893", "G", ("A",)),
            ("chr10", 94781859, "rs4244285", "G", ("A",)),
            ("chr10", 94842866, "rs3758581", "A", ("G",)),
        ],
        "alleles": [
            ("*38", ("C", "A", "G", "G", "G", "A")),
            ("*2", (None, "G", "R", None, "A", "G")),
            ("*3", (None, None, None, "A", None, "G")),
            ("*11", (None, None, "A", None, None, "G")),
            ("*17", ("T", None, None, None, None, "G")),
        ],
        "function": {
            "*38": ("Normal function", None),
            "*2": ("No function", None),
            "*3": ("No function", None),
            "*11": ("Normal function", None),
            "*17": ("Increased function", None),
        },
        "diplotypes": {
            "*2/*2": ("Poor Metabolizer", None),
            "*2/*3": ("Poor Metabolizer", None),
            "*2/*11": ("Intermediate Metabolizer", None),
            "*2/*17": ("Intermediate Metabolizer", None),
            "*38/*2": ("Intermediate Metabolizer", None),
            "*3/*3": ("Poor Metabolizer", None),
            "*3/*11": ("Intermediate Metabolizer", None),
            "*3/*17": ("Intermediate Metabolizer", None),
            "*38/*3": ("Intermediate Metabolizer", None),
            "*11/*11": ("Normal Metabolizer", None),
            "*11/*17": ("Rapid Metabolizer", None),
            "*38/*11": ("Normal Metabolizer", None),
            "*17/*17": ("Ultrarapid Metabolizer", None),
            "*38/*17": ("Rapid Metabolizer", None),
            "*38/*38": ("Normal Metabolizer", None),
        },
    },
    "CYP2C9": {
        "version": "2025-11-05-00-25",
        "positions": [("chr10", 94942290, "rs1799853", "C", ("T",)), ("chr10", 94981296, "rs1057910", "A", ("C",))],
        "alleles": [("*1", ("C", "A")), ("*2", ("T", None)), ("*3", (None, "C"))],
        "function": {"*1": ("1.0", "1.0"), "*2": ("0.5", "0.5"), "*3": ("0.0", "0.0")},
        "diplotypes": {
            "*1/*1": ("Normal Metabolizer", "2.0"),
            "*1/*2": ("Intermediate Metabolizer", "1.5"),
            "*1/*3": ("Intermediate Metabolizer", "1.0"),
            "*2/*2": ("Intermediate Metabolizer", "1.0"),
            "*2/*3": ("Poor Metabolizer", "0.5"),
            "*3/*3": ("Poor Metabolizer", "0.0"),
        },
    },
    "SLCO1B1": {
        "version": "2025-11-05-00-25",
        "positions": [
            ("chr12", 21176804, "rs2306283", "A", ("G",)),
            ("chr12", 21176879, "rs11045819", "C", ("A",)),
            ("chr12", 21178615, "rs4149056", "T", ("C",)),
        ],
        "alleles": [
            ("*1", ("A", "C", "T")),
            ("*4", (None, "A", None)),
            ("*5", (None, None, "C")),
            ("*14", ("G", "A", None)),
            ("*15", ("G", None, "C")),
            ("*37", ("G", None, None)),
        ],
        "function": {
            "*1": ("Normal function", None),
            "*4": ("Uncertain function", None),
            "*5": ("No function", None),
            "*14": ("Increased function", None),
            "*15": ("No function", None),
            "*37": ("Normal function", None),
        },
        "diplotypes": {
            "*1/*1": ("Normal Function", None),
            "*1/*4": ("Indeterminate", None),
            "*1/*5": ("Decreased Function", None),
            "*1/*14": ("Normal Function", None),
            "*1/*15": ("Decreased Function", None),
            "*1/*37": ("Normal Function", None),
            "*4/*4": ("Indeterminate", None),
            "*4/*5": ("Possible Decreased Function", None),
            "*4/*14": ("Indeterminate", None),
            "*4/*15": ("Possible Decreased Function", None),
            "*4/*37": ("Indeterminate", None),
            "*5/*5": ("Poor Function", None),
            "*5/*14": ("Decreased Function", None),
            "*5/*15": ("Poor Function", None),
            "*5/*37": ("Decreased Function", None),
            "*14/*14": ("Increased Function", None),
            "*14/*15": ("Decreased Function", None),
            "*14/*37": ("Normal Function", None),
            "*15/*15": ("Poor Function", None),
            "*15/*37": ("Decreased Function", None),
            "*37/*37": ("Normal Function", None),
        },
    },
    "VKORC1": {
        "version": "2025-11-05-00-25",
        "positions": [("chr16", 31096368, "rs9923231", "C", ("T",))],
        "alleles": [("rs9923231 reference (C)", ("C",)), ("rs9923231 variant (T)", ("T",))],
        "function": {
            "rs9923231 reference (C)": ("Normal coumarin sensitivity", None),
            "rs9923231 variant (T)": ("Higher coumarin sensitivity", None),
        },
        "diplotypes": {
            "rs9923231 reference (C)/rs9923231 reference (C)": ("-1639 GG", None),
            "rs9923231 reference (C)/rs9923231 variant (T)": ("-1639 AG", None),
            "rs9923231 variant (T)/rs9923231 variant (T)": ("-1639 AA", None),
        },
    },
}

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
