"""Somatic VCF records (VEP-annotated) with what a correct default filter keeps."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pysam

from demo.generator.catalogue import (
    CHROM_LENGTHS,
    CHROMS,
    FAILED_FILTERS,
    HOTSPOT_HGVSP,
    HOTSPOTS,
    KEY_BY_SYMBOL,
    NON_SYNONYMOUS,
    PASSENGER_CONSEQUENCES,
    VEP_FIELDS,
    Gene,
)
from demo.generator.cohort import Patient
from demo.generator.vep import alt_base, csq_entries, protein_change
from precisionflow.settings import defaults


@dataclass
class Record:
    chrom: str
    pos: int
    ref: str
    alts: list[str]
    filter: str
    csq: str
    tumor: tuple[list[int], int]  # AD (ref, alts...), DP
    normal: tuple[list[int], int]
    kept: list[str]  # normalized "chr:pos:ref>alt" of the alleles a default filter keeps
    coding: int = 0  # non-synonymous coding alleles among the kept


def allele_depths(
    rng: np.random.Generator, vaf: float, depth: int, n_alts: int = 1, vafs: list[float] | None = None
) -> tuple[list[int], int]:
    vafs = vafs or [vaf]
    alts = [int(round(v * depth)) for v in vafs]
    return [depth - sum(alts), *alts], depth


def _passenger(
    rng: np.random.Generator, genes: list[Gene], weights: np.ndarray
) -> tuple[Gene, int, str, str, str, str]:
    gene = genes[int(rng.choice(len(genes), p=weights))]
    consequence_names = [c for c, _, _ in PASSENGER_CONSEQUENCES]
    shares = np.array([s for _, _, s in PASSENGER_CONSEQUENCES])
    k = int(rng.choice(len(consequence_names), p=shares / shares.sum()))
    consequence, impact = PASSENGER_CONSEQUENCES[k][0], PASSENGER_CONSEQUENCES[k][1]
    pos = int(rng.integers(gene.start + 1, gene.end + 1))
    ref = str(rng.choice(list("ACGT")))
    alt = alt_base(rng, ref)
    if consequence == "frameshift_variant":  # a one-base deletion, VCF-anchored
        alt = ref
        ref = ref + str(rng.choice(list("ACGT")))
    elif consequence == "inframe_deletion":
        alt = ref
        ref = ref + "".join(rng.choice(list("ACGT"), size=3))
    return gene, pos, ref, alt, consequence, impact


# What the variants step's default filters keep (precisionflow/schemas/variants.schema.yaml).
DEFAULT_FILTERS = defaults("variants")["filters"]


def _kept_by_default(filt: str, depth: int, vaf: float, gnomad: float | None) -> bool:
    f = DEFAULT_FILTERS
    return (
        filt in f["pass_filters"]
        and depth >= f["min_depth"]
        and vaf >= f["min_vaf"]
        and (gnomad is None or gnomad <= f["max_population_af"])
    )


class _Records(list):
    """A patient's records as they are drawn (``add`` draws what it is not given)."""

    def __init__(self, rng: np.random.Generator) -> None:
        super().__init__()
        self.rng = rng

    def add(
        self,
        gene: Gene,
        pos: int,
        ref: str,
        alt: str,
        consequence: str,
        impact: str,
        hgvsp: str,
        amino: str,
        *,
        filt: str = "PASS",
        vaf: float | None = None,
        depth: int | None = None,
        gnomad: float | None = None,
        protein_pos: int | None = None,
    ) -> None:
        rng = self.rng
        depth = depth if depth is not None else int(rng.integers(40, 220))
        vaf = vaf if vaf is not None else float(rng.uniform(0.12, 0.6))
        passes = _kept_by_default(filt, depth, vaf, gnomad)
        coding = int(passes and consequence in NON_SYNONYMOUS)
        self.append(
            Record(
                f"chr{gene.chrom}",
                pos,
                ref,
                [alt],
                filt,
                csq_entries(alt, gene, consequence, impact, hgvsp, amino, protein_pos, gnomad),
                allele_depths(rng, vaf, depth),
                ([int(rng.integers(30, 90)), 0], 0),
                [f"chr{gene.chrom}:{pos}:{ref}>{alt}"] if passes else [],
                coding,
            )
        )


def _planted(records: _Records, patient: Patient) -> None:
    """Planted hotspots and drivers."""
    rng, add = records.rng, records.add
    if patient.subtype == "Luminal":
        name = "H1047R" if rng.random() < 0.7 else "E545K"
        chrom, pos, ref, alt, gene, _, change = next(h for h in HOTSPOTS if h[6] == name)
        add(
            KEY_BY_SYMBOL[gene],
            pos,
            ref,
            alt,
            "missense_variant",
            "MODERATE",
            HOTSPOT_HGVSP[name],
            f"{change[0]}/{change[-1]}",
            vaf=float(rng.uniform(0.25, 0.5)),
            protein_pos=int(change[1:-1]),
        )
        patient.hotspots.append(f"PIK3CA {name}")
    tp53 = KEY_BY_SYMBOL["TP53"]
    if patient.subtype == "Basal":
        if rng.random() < 0.5:
            add(
                tp53,
                7674894,
                "G",
                "A",
                "stop_gained",
                "HIGH",
                "p.Arg213Ter",
                "R/*",
                vaf=float(rng.uniform(0.3, 0.8)),
                protein_pos=213,
            )
        else:
            add(
                tp53,
                7675994,
                "CT",
                "C",
                "frameshift_variant",
                "HIGH",
                "p.Pro152fs",
                "P/X",
                vaf=float(rng.uniform(0.3, 0.8)),
                protein_pos=152,
            )
        if rng.random() < 0.4:
            add(
                tp53,
                7675088,
                "C",
                "T",
                "missense_variant",
                "MODERATE",
                HOTSPOT_HGVSP["R175H"],
                "R/H",
                vaf=float(rng.uniform(0.3, 0.8)),
                protein_pos=175,
            )
            patient.hotspots.append("TP53 R175H")
    if patient.subtype == "HER2" and rng.random() < 0.4:
        add(
            tp53,
            7673802,
            "C",
            "T",
            "missense_variant",
            "MODERATE",
            HOTSPOT_HGVSP["R273H"],
            "R/H",
            vaf=float(rng.uniform(0.3, 0.8)),
            protein_pos=273,
        )
        patient.hotspots.append("TP53 R273H")


def _passengers(records: _Records, genes: list[Gene], weights: np.ndarray) -> int:
    """Passengers: a few hypermutated tumours, most with 15-40 (returns how many)."""
    rng, add = records.rng, records.add
    n_passengers = int(rng.poisson(110)) if rng.random() < 0.05 else int(rng.integers(15, 41))
    for _ in range(n_passengers):
        gene, pos, ref, alt, consequence, impact = _passenger(rng, genes, weights)
        position = int(rng.integers(5, 1200))
        hgvsp, amino = (
            protein_change(rng, consequence, position)
            if consequence not in {"intron_variant", "3_prime_UTR_variant", "splice_acceptor_variant"}
            else ("", "")
        )
        add(gene, pos, ref, alt, consequence, impact, hgvsp, amino, protein_pos=position)
    return n_passengers


def _filtered_out(records: _Records, genes: list[Gene], weights: np.ndarray, n_passengers: int) -> None:
    """Records the default filters must remove."""
    rng, add = records.rng, records.add
    for _ in range(max(2, n_passengers // 6)):
        gene, pos, ref, alt, consequence, impact = _passenger(rng, genes, weights)
        add(gene, pos, ref, alt, consequence, impact, "", "", filt=str(rng.choice(FAILED_FILTERS)))
    for _ in range(2):
        gene, pos, ref, alt, consequence, impact = _passenger(rng, genes, weights)
        add(gene, pos, ref, alt, consequence, impact, "", "", depth=int(rng.integers(4, 10)), vaf=0.5)
    for _ in range(2):
        gene, pos, ref, alt, consequence, impact = _passenger(rng, genes, weights)
        add(gene, pos, ref, alt, consequence, impact, "", "", vaf=0.02, depth=150)
    for _ in range(int(rng.integers(1, 3))):  # common germline polymorphism
        gene, pos, ref, _, _, _ = _passenger(rng, genes, weights)
        ref = ref[0]
        add(
            gene,
            pos,
            ref,
            alt_base(rng, ref),
            "synonymous_variant",
            "LOW",
            "",
            "",
            vaf=0.5,
            gnomad=float(rng.uniform(0.05, 0.4)),
        )


def _multiallelic(records: _Records, genes: list[Gene], weights: np.ndarray) -> None:
    """A multi-allelic record: the first ALT is real, the second an artefact at VAF 1 %."""
    rng = records.rng
    gene, pos, ref, _, _, _ = _passenger(rng, genes, weights)
    ref = ref[0]
    alt1, alt2 = [b for b in "ACGT" if b != ref][:2]
    depth = int(rng.integers(80, 200))
    csq = ",".join(
        [
            csq_entries(alt1, gene, "missense_variant", "MODERATE", "p.Ala100Val", "A/V", 100, None).split(",")[0],
            csq_entries(alt2, gene, "missense_variant", "MODERATE", "p.Ala100Glu", "A/E", 100, None).split(",")[0],
        ]
    )
    records.append(
        Record(
            f"chr{gene.chrom}",
            pos,
            ref,
            [alt1, alt2],
            "PASS",
            csq,
            allele_depths(rng, 0, depth, vafs=[0.3, 0.01]),
            ([60, 0, 0], 60),
            [f"chr{gene.chrom}:{pos}:{ref}>{alt1}"],
            1,
        )
    )


def make_records(rng: np.random.Generator, patient: Patient, genes: list[Gene], weights: np.ndarray) -> list[Record]:
    """The patient's VCF records, each knowing which of its alleles the default filters keep."""
    records = _Records(rng)
    add = records.add
    _planted(records, patient)
    n_passengers = _passengers(records, genes, weights)
    _filtered_out(records, genes, weights, n_passengers)
    _multiallelic(records, genes, weights)

    # A deletion written with extra shared bases (not minimal): CAGT -> CGT is the deletion of A after C.
    gene, pos, _, _, _, _ = _passenger(rng, genes, weights)
    add(gene, pos, "CAGT", "CGT", "frameshift_variant", "HIGH", "p.Gln77fs", "Q/X", vaf=0.35, protein_pos=77)
    records[-1].kept = [f"chr{gene.chrom}:{pos}:CA>C"]

    # Unique positions only (a later record at a taken position is dropped), sorted.
    unique: dict[tuple[str, int], Record] = {}
    for record in records:
        unique.setdefault((record.chrom, record.pos), record)
    ordered = sorted(unique.values(), key=lambda r: (CHROMS.index(r.chrom[3:]), r.pos))
    patient.kept_variants = [k for r in ordered for k in r.kept]
    patient.coding_mutations = sum(r.coding for r in ordered)
    return ordered


def vcf_text(patient: Patient, records: list[Record], tumor: str, normal: str) -> str:
    header = [
        "##fileformat=VCFv4.2",
        "##source=precisionflow.demo",
        "##reference=GRCh38",
        *[f"##contig=<ID=chr{c},length={n},assembly=GRCh38>" for c, n in CHROM_LENGTHS.items()],
        '##FILTER=<ID=PASS,Description="All filters passed">',
        *[f'##FILTER=<ID={f},Description="Demo filter {f}">' for f in FAILED_FILTERS],
        '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. Format: '
        + "|".join(VEP_FIELDS)
        + '">',
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths for the ref and alt alleles">',
        '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Read depth">',
        '##FORMAT=<ID=AF,Number=A,Type=Float,Description="Allele fraction of the alt alleles">',
        "\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT", tumor, normal]),
    ]
    lines = []
    for r in records:
        t_ad, t_dp = r.tumor
        n_ad, _ = r.normal
        n_dp = sum(n_ad)
        t_af = ",".join(f"{a / t_dp:.3f}" for a in t_ad[1:])
        n_af = ",".join("0.000" for _ in r.alts)
        gt = "0/1" if len(r.alts) == 1 else "0/1/2"
        lines.append(
            "\t".join(
                [
                    r.chrom,
                    str(r.pos),
                    ".",
                    r.ref,
                    ",".join(r.alts),
                    ".",
                    r.filter,
                    f"CSQ={r.csq}",
                    "GT:AD:DP:AF",
                    f"{gt}:{','.join(map(str, t_ad))}:{t_dp}:{t_af}",
                    f"0/0:{','.join(map(str, n_ad + [0] * (len(r.alts) + 1 - len(n_ad))))}:{n_dp}:{n_af}",
                ]
            )
        )
    return "\n".join(header + lines) + "\n"


def write_vcf(path_gz: Path, text: str) -> None:
    plain = path_gz.with_suffix("")
    plain.write_text(text)
    pysam.tabix_index(str(plain), preset="vcf", force=True)  # bgzip + .tbi, removes the plain file
