"""The demo cohort: a seeded generator of every input the workflow reads, with planted truth.

``python -m precisionflow.demo --project`` rewrites the project's default cohort (``demo/`` and
``config/samples.tsv``); ``python -m precisionflow.demo --out DIR --patients N`` writes a cohort of
any size into ``DIR`` with its own ``samples.tsv`` and ``config.yaml`` (run it with
``snakemake --directory DIR --configfile DIR/config.yaml``).

What is planted (and listed in ``truth.yaml``):

* three subtypes (Basal, HER2, Luminal) with marker genes in RNA, protein and miRNA;
* HER2: a focal amplification of ERBB2 (and its neighbour GRB7) and their over-expression;
* Luminal: a PIK3CA hotspot (H1047R or E545K) in every patient, ESR1 over-expression;
* Basal: EGFR over-expression in RNA and protein, truncating TP53 mutations (a loss-of-function
  tumour suppressor: a driver, but not a direct target), some TP53 R175H hotspots;
* per patient: the target a correct analysis must rank in the patient's top 3;
* per VCF: which records a correct default filter keeps, after splitting multi-allelic records and
  normalising indels;
* about 20 % of labels left blank, to be predicted; some patients without a layer;
* six patients with a germline sample (one multi-sample VCF, ``germline/``) carrying planted pharmacogene
  diplotypes: a DPYD poor metabolizer, a UGT1A1 *28/*28, a SLCO1B1 tie, one position not called, and a CYP2D6
  outside call (``precisionflow/demo_pgx.py``; its allele tables are a named subset of PharmCAT's data).
* overall survival (sheet columns ``os_days``, ``os_event``): exponential times whose hazard is
  raised by the Basal subtype and by mutation of one gene (hazard ratios in ``truth.yaml``), with
  administrative censoring; a few patients without follow-up, whose risk is predicted.

The reference tables (genes, drivers, hotspots, drug-gene interactions) are small and hand-written
here from public knowledge (gene coordinates on GRCh38, approximate; well-known drugs); the
thousand-odd filler genes are synthetic (``DMG0001`` …, Ensembl-like ids ``ENSG9…``). Nothing is
copied from other data sets.
"""

from __future__ import annotations

import argparse
import gzip
import io
import math
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pysam
import yaml

from precisionflow.demo_pgx import write_pgx_demo

SEED = 20241128
SUBTYPES = ("Basal", "HER2", "Luminal")
SUBTYPE_SHARES = {"Basal": 0.3, "HER2": 0.3, "Luminal": 0.4}
PLANTED_TARGET = {"Basal": "EGFR", "HER2": "ERBB2", "Luminal": "PIK3CA"}
COHORT_TARGETS = {"Basal": ["EGFR"], "HER2": ["ERBB2"], "Luminal": ["PIK3CA", "ESR1"]}
NOT_DIRECT_TARGETS = ["TP53"]  # loss-of-function tumour suppressor: recurrent, yet not a target
N_FILLER_GENES = 1200
N_FILLER_PROTEINS = 260
N_MIRNA = 80
BLANK_LABEL_SHARE = 0.2
# Planted outcome (precisionflow/outcome): its own random stream, so the other files do not change.
# Stream 18: at 60 patients each planted effect reaches q < 0.05 with its CI covering the planted HR in
# about 70 % of streams (simulated); stream 17 drew a Basal estimate two standard errors low.
OUTCOME_STREAM = 18
OUTCOME_SUBTYPE, OUTCOME_SUBTYPE_HR = "Basal", 4.0
OUTCOME_GENE_HR = 4.0
OUTCOME_MEDIAN_DAYS = 3 * 365  # median survival of the reference group (neither subtype nor gene)
OUTCOME_FOLLOW_UP_DAYS = (2 * 365, 10 * 365)  # uniform administrative censoring
OUTCOME_MISSING_SHARE = 0.05  # patients without follow-up (predicted by the final model)

CHROM_LENGTHS = {  # GRCh38 primary assembly
    "1": 248956422,
    "2": 242193529,
    "3": 198295559,
    "4": 190214555,
    "5": 181538259,
    "6": 170805979,
    "7": 159345973,
    "8": 145138636,
    "9": 138394717,
    "10": 133797422,
    "11": 135086622,
    "12": 133275309,
    "13": 114364328,
    "14": 107043718,
    "15": 101991189,
    "16": 90338345,
    "17": 83257441,
    "18": 80373285,
    "19": 58617616,
    "20": 64444167,
    "21": 46709983,
    "22": 50818468,
    "X": 156040895,
}
CHROMS = list(CHROM_LENGTHS)


@dataclass(frozen=True)
class Gene:
    symbol: str
    chrom: str
    start: int  # 0-based, as in the BED file
    end: int
    ensembl: str
    strand: str
    uniprot: str | None = None
    biotype: str = "protein_coding"


# Well-known cancer genes: GRCh38 coordinates (approximate), Ensembl and UniProt ids.
KEY_GENES = [
    Gene("ARID1A", "1", 26696032, 26782104, "ENSG00000117713", "+", "O14497"),
    Gene("MTOR", "1", 11106534, 11262551, "ENSG00000198793", "-", "P42345"),
    Gene("PARP1", "1", 226360250, 226408093, "ENSG00000143799", "-", "P09874"),
    Gene("ALK", "2", 29190991, 29921586, "ENSG00000171094", "-", "Q9UM73"),
    Gene("PIK3CA", "3", 179148113, 179240093, "ENSG00000121879", "+", "P42336"),
    Gene("KIT", "4", 54657917, 54740715, "ENSG00000157404", "+", "P10721"),
    Gene("MAP3K1", "5", 56815573, 56896152, "ENSG00000095015", "+", "Q13233"),
    Gene("FOXC1", "6", 1609914, 1613897, "ENSG00000054598", "+", "Q12948"),
    Gene("VEGFA", "6", 43770208, 43786487, "ENSG00000112715", "+", "P15692"),
    Gene("ESR1", "6", 151656690, 152129619, "ENSG00000091831", "+", "P03372"),
    Gene("EGFR", "7", 55019016, 55211628, "ENSG00000146648", "+", "P00533"),
    Gene("MET", "7", 116672195, 116798377, "ENSG00000105976", "+", "P08581"),
    Gene("BRAF", "7", 140719326, 140924929, "ENSG00000157764", "-", "P15056"),
    Gene("FGFR1", "8", 38411137, 38468834, "ENSG00000077782", "-", "P11362"),
    Gene("MYC", "8", 127735433, 127742951, "ENSG00000136997", "+", "P01106"),
    Gene("CDKN2A", "9", 21967751, 21995301, "ENSG00000147889", "-", "P42771"),
    Gene("NOTCH1", "9", 136494432, 136546048, "ENSG00000148400", "-", "P46531"),
    Gene("GATA3", "10", 8045377, 8075198, "ENSG00000107485", "+", "P23771"),
    Gene("PTEN", "10", 87863112, 87971930, "ENSG00000171862", "+", "P60484"),
    Gene("MKI67", "10", 128096658, 128126385, "ENSG00000148773", "-", "P46013"),
    Gene("CCND1", "11", 69641155, 69654474, "ENSG00000110092", "+", "P24385"),
    Gene("PGR", "11", 101029623, 101129813, "ENSG00000082175", "-", "P06401"),
    Gene("ATM", "11", 108222831, 108369102, "ENSG00000149311", "+", "Q13315"),
    Gene("KRAS", "12", 25205245, 25250929, "ENSG00000133703", "-", "P01116"),
    Gene("KRT5", "12", 52514574, 52520394, "ENSG00000186081", "-", "P13647"),
    Gene("ERBB3", "12", 56080023, 56103505, "ENSG00000065361", "+", "P21860"),
    Gene("CDK4", "12", 57747726, 57752310, "ENSG00000135446", "-", "P11802"),
    Gene("BRCA2", "13", 32315507, 32400268, "ENSG00000139618", "+", "P51587"),
    Gene("RB1", "13", 48303746, 48481890, "ENSG00000139687", "+", "P06400"),
    Gene("FOXA1", "14", 37589551, 37595249, "ENSG00000129514", "-", "P55317"),
    Gene("AKT1", "14", 104769348, 104795751, "ENSG00000142208", "-", "P31749"),
    Gene("CDH1", "16", 68737224, 68835537, "ENSG00000039068", "+", "P12830"),
    Gene("TP53", "17", 7661778, 7687538, "ENSG00000141510", "-", "P04637"),
    Gene("NF1", "17", 31094926, 31382116, "ENSG00000196712", "+", "P21359"),
    Gene("ERBB2", "17", 39687913, 39730426, "ENSG00000141736", "+", "P04626"),
    Gene("GRB7", "17", 39737937, 39747285, "ENSG00000141738", "+", "Q14451"),
    Gene("KRT14", "17", 41582278, 41586921, "ENSG00000186847", "-", "P02533"),
    Gene("BRCA1", "17", 43044294, 43125364, "ENSG00000012048", "-", "P38398"),
    Gene("AR", "X", 67544020, 67730619, "ENSG00000169083", "+", "P10275"),
]
KEY_BY_SYMBOL = {g.symbol: g for g in KEY_GENES}

# Subtype effects (log2 fold change against the cohort's base level) on named genes.
KEY_EFFECTS = {
    "Basal": {
        "EGFR": 3.0,
        "KRT5": 3.0,
        "KRT14": 3.0,
        "FOXC1": 2.5,
        "MKI67": 1.5,
        "ESR1": -2.5,
        "PGR": -2.0,
        "GATA3": -1.5,
    },
    "HER2": {"ERBB2": 3.5, "GRB7": 3.0, "ERBB3": 1.0, "ESR1": -1.0},
    "Luminal": {"ESR1": 3.0, "PGR": 2.5, "FOXA1": 2.0, "GATA3": 2.0, "MKI67": -1.0},
}

# Hotspots (GRCh38, approximate positions): chrom, pos, ref, alt, gene, class, protein change.
HOTSPOTS = [
    ("3", 179234297, "A", "G", "PIK3CA", "Missense_Mutation", "H1047R"),
    ("3", 179234297, "A", "T", "PIK3CA", "Missense_Mutation", "H1047L"),
    ("3", 179218303, "G", "A", "PIK3CA", "Missense_Mutation", "E545K"),
    ("3", 179218294, "G", "A", "PIK3CA", "Missense_Mutation", "E542K"),
    ("14", 104780214, "C", "T", "AKT1", "Missense_Mutation", "E17K"),
    ("12", 25245350, "C", "T", "KRAS", "Missense_Mutation", "G12D"),
    ("12", 25245350, "C", "A", "KRAS", "Missense_Mutation", "G12V"),
    ("7", 140753336, "A", "T", "BRAF", "Missense_Mutation", "V600E"),
    ("17", 7675088, "C", "T", "TP53", "Missense_Mutation", "R175H"),
    ("17", 7673802, "C", "T", "TP53", "Missense_Mutation", "R273H"),
    ("17", 7674220, "C", "T", "TP53", "Missense_Mutation", "R248Q"),
    ("17", 39725079, "G", "T", "ERBB2", "Missense_Mutation", "V777L"),
    ("6", 152094402, "A", "G", "ESR1", "Missense_Mutation", "D538G"),
    ("7", 55191822, "T", "G", "EGFR", "Missense_Mutation", "L858R"),
]
HOTSPOT_HGVSP = {
    "H1047R": "p.His1047Arg",
    "E545K": "p.Glu545Lys",
    "R175H": "p.Arg175His",
    "R273H": "p.Arg273His",
}

# IntOGen-style driver roles (Act = activating, LoF = loss of function) and cohorts.
DRIVERS = {
    "PIK3CA": ("Act", ["TCGA_WXS_BRCA", "TCGA_WXS_UCEC", "TCGA_WXS_CRC"]),
    "ERBB2": ("Act", ["TCGA_WXS_BRCA", "TCGA_WXS_STAD"]),
    "EGFR": ("Act", ["TCGA_WXS_LUAD", "TCGA_WXS_GBM"]),
    "ESR1": ("Act", ["ICGC_WGS_BRCA_MET"]),
    "AKT1": ("Act", ["TCGA_WXS_BRCA"]),
    "KRAS": ("Act", ["TCGA_WXS_PAAD", "TCGA_WXS_LUAD", "TCGA_WXS_CRC"]),
    "BRAF": ("Act", ["TCGA_WXS_SKCM", "TCGA_WXS_THCA"]),
    "FGFR1": ("Act", ["TCGA_WXS_BRCA"]),
    "MTOR": ("Act", ["TCGA_WXS_KIRC"]),
    "ERBB3": ("Act", ["TCGA_WXS_BRCA", "TCGA_WXS_STAD"]),
    "KIT": ("Act", ["TCGA_WXS_SKCM"]),
    "MET": ("Act", ["TCGA_WXS_LUAD"]),
    "TP53": ("LoF", ["TCGA_WXS_BRCA", "TCGA_WXS_LUAD", "TCGA_WXS_OV", "TCGA_WXS_CRC"]),
    "PTEN": ("LoF", ["TCGA_WXS_UCEC", "TCGA_WXS_BRCA"]),
    "CDH1": ("LoF", ["TCGA_WXS_BRCA", "TCGA_WXS_STAD"]),
    "MAP3K1": ("LoF", ["TCGA_WXS_BRCA"]),
    "BRCA1": ("LoF", ["TCGA_WXS_BRCA", "TCGA_WXS_OV"]),
    "BRCA2": ("LoF", ["TCGA_WXS_BRCA"]),
    "NF1": ("LoF", ["TCGA_WXS_SKCM"]),
    "RB1": ("LoF", ["TCGA_WXS_BLCA"]),
    "ARID1A": ("LoF", ["TCGA_WXS_UCEC", "TCGA_WXS_STAD"]),
    "CDKN2A": ("LoF", ["TCGA_WXS_HNSC", "TCGA_WXS_GBM"]),
    "ATM": ("LoF", ["TCGA_WXS_PRAD"]),
    "GATA3": ("ambiguous", ["TCGA_WXS_BRCA"]),
    "NOTCH1": ("ambiguous", ["TCGA_WXS_HNSC"]),
}

# Drug-gene interactions (DGIdb layout): gene, source, interaction type, drug.
DRUG_GENE = [
    ("ERBB2", "CGI", "inhibitor", "TRASTUZUMAB"),
    ("ERBB2", "ChemblInteractions", "inhibitor", "LAPATINIB"),
    ("ERBB2", "CIViC", "inhibitor", "PERTUZUMAB"),
    ("ERBB2", "ChemblInteractions", "inhibitor", "NERATINIB"),
    ("ERBB2", "FDA", "inhibitor", "TUCATINIB"),
    ("ERBB2", "OncoKB", "antibody", "TRASTUZUMAB DERUXTECAN"),
    ("EGFR", "ChemblInteractions", "inhibitor", "ERLOTINIB"),
    ("EGFR", "CGI", "inhibitor", "GEFITINIB"),
    ("EGFR", "CIViC", "antibody", "CETUXIMAB"),
    ("EGFR", "FDA", "inhibitor", "AFATINIB"),
    ("EGFR", "OncoKB", "inhibitor", "OSIMERTINIB"),
    ("EGFR", "ChemblInteractions", "antibody", "PANITUMUMAB"),
    ("PIK3CA", "FDA", "inhibitor", "ALPELISIB"),
    ("PIK3CA", "CIViC", "inhibitor", "INAVOLISIB"),
    ("PIK3CA", "ChemblInteractions", "inhibitor", "COPANLISIB"),
    ("ESR1", "FDA", "antagonist", "TAMOXIFEN"),
    ("ESR1", "ChemblInteractions", "antagonist", "FULVESTRANT"),
    ("ESR1", "CIViC", "antagonist", "ELACESTRANT"),
    ("ESR1", "DrugBank", "modulator", "RALOXIFENE"),
    ("AKT1", "FDA", "inhibitor", "CAPIVASERTIB"),
    ("AKT1", "ChemblInteractions", "inhibitor", "IPATASERTIB"),
    ("BRAF", "FDA", "inhibitor", "VEMURAFENIB"),
    ("BRAF", "CIViC", "inhibitor", "DABRAFENIB"),
    ("KRAS", "FDA", "inhibitor", "SOTORASIB"),
    ("KRAS", "CIViC", "inhibitor", "ADAGRASIB"),
    ("MTOR", "FDA", "inhibitor", "EVEROLIMUS"),
    ("MTOR", "ChemblInteractions", "inhibitor", "TEMSIROLIMUS"),
    ("CDK4", "FDA", "inhibitor", "PALBOCICLIB"),
    ("CDK4", "FDA", "inhibitor", "RIBOCICLIB"),
    ("PARP1", "FDA", "inhibitor", "OLAPARIB"),
    ("PARP1", "FDA", "inhibitor", "TALAZOPARIB"),
    ("KIT", "FDA", "inhibitor", "IMATINIB"),
    ("ALK", "FDA", "inhibitor", "CRIZOTINIB"),
    ("MET", "FDA", "inhibitor", "CAPMATINIB"),
    ("FGFR1", "CIViC", "inhibitor", "ERDAFITINIB"),
    ("VEGFA", "FDA", "antibody", "BEVACIZUMAB"),
    ("AR", "FDA", "antagonist", "ENZALUTAMIDE"),
    ("ERBB3", "ChemblInteractions", "antibody", "PATRITUMAB"),
    ("TP53", "NCI", "", "CURCUMIN"),
    ("BRCA1", "NCI", "", "CISPLATIN"),
    ("MKI67", "NCI", "", "DOXORUBICIN"),
]
DRUG_CATEGORIES = [
    ("ERBB2", "ERB-B2 RECEPTOR TYROSINE KINASE 2", "CLINICALLY ACTIONABLE"),
    ("ERBB2", "ERB-B2 RECEPTOR TYROSINE KINASE 2", "KINASE"),
    ("EGFR", "EPIDERMAL GROWTH FACTOR RECEPTOR", "CLINICALLY ACTIONABLE"),
    ("EGFR", "EPIDERMAL GROWTH FACTOR RECEPTOR", "KINASE"),
    ("PIK3CA", "PHOSPHATIDYLINOSITOL-4,5-BISPHOSPHATE 3-KINASE CATALYTIC SUBUNIT ALPHA", "CLINICALLY ACTIONABLE"),
    ("ESR1", "ESTROGEN RECEPTOR 1", "CLINICALLY ACTIONABLE"),
    ("ESR1", "ESTROGEN RECEPTOR 1", "NUCLEAR HORMONE RECEPTOR"),
    ("AKT1", "AKT SERINE/THREONINE KINASE 1", "KINASE"),
    ("BRAF", "B-RAF PROTO-ONCOGENE", "CLINICALLY ACTIONABLE"),
    ("KRAS", "KRAS PROTO-ONCOGENE", "CLINICALLY ACTIONABLE"),
    ("TP53", "TUMOR PROTEIN P53", "TUMOR SUPPRESSOR"),
    ("PTEN", "PHOSPHATASE AND TENSIN HOMOLOG", "TUMOR SUPPRESSOR"),
    ("CDK4", "CYCLIN DEPENDENT KINASE 4", "KINASE"),
    ("GRB7", "GROWTH FACTOR RECEPTOR BOUND PROTEIN 7", "DRUGGABLE GENOME"),
]

MIRNA_NAMES = [
    "hsa-mir-21",
    "hsa-mir-155",
    "hsa-mir-10b",
    "hsa-mir-125b-1",
    "hsa-mir-145",
    "hsa-mir-200a",
    "hsa-mir-200c",
    "hsa-mir-205",
    "hsa-mir-221",
    "hsa-mir-222",
    "hsa-mir-17",
    "hsa-mir-18a",
    "hsa-mir-19a",
    "hsa-mir-20a",
    "hsa-mir-29a",
    "hsa-mir-30a",
    "hsa-mir-34a",
    "hsa-mir-100",
    "hsa-mir-126",
    "hsa-mir-141",
    "hsa-mir-142",
    "hsa-mir-143",
    "hsa-mir-146a",
    "hsa-mir-148a",
    "hsa-mir-181a-1",
    "hsa-mir-182",
    "hsa-mir-183",
    "hsa-mir-190b",
    "hsa-mir-193a",
    "hsa-mir-199a-1",
    "hsa-let-7a-1",
    "hsa-let-7b",
    "hsa-let-7c",
    "hsa-let-7g",
]

VEP_FIELDS = [
    "Allele",
    "Consequence",
    "IMPACT",
    "SYMBOL",
    "Gene",
    "Feature_type",
    "Feature",
    "BIOTYPE",
    "EXON",
    "INTRON",
    "HGVSc",
    "HGVSp",
    "Protein_position",
    "Amino_acids",
    "Codons",
    "CANONICAL",
    "gnomADe_AF",
]
AMINO = {
    "A": "Ala",
    "R": "Arg",
    "N": "Asn",
    "D": "Asp",
    "C": "Cys",
    "Q": "Gln",
    "E": "Glu",
    "G": "Gly",
    "H": "His",
    "I": "Ile",
    "L": "Leu",
    "K": "Lys",
    "M": "Met",
    "F": "Phe",
    "P": "Pro",
    "S": "Ser",
    "T": "Thr",
    "W": "Trp",
    "Y": "Tyr",
    "V": "Val",
}
# Consequence mix of passenger mutations: (consequence, impact, share).
PASSENGER_CONSEQUENCES = [
    ("missense_variant", "MODERATE", 0.52),
    ("synonymous_variant", "LOW", 0.2),
    ("stop_gained", "HIGH", 0.05),
    ("frameshift_variant", "HIGH", 0.05),
    ("inframe_deletion", "MODERATE", 0.02),
    ("splice_acceptor_variant", "HIGH", 0.02),
    ("intron_variant", "MODIFIER", 0.09),
    ("3_prime_UTR_variant", "MODIFIER", 0.05),
]
NON_SYNONYMOUS = {
    "missense_variant",
    "stop_gained",
    "frameshift_variant",
    "inframe_deletion",
    "splice_acceptor_variant",
}
FAILED_FILTERS = ["LowQual", "germline_risk", "panel_of_normals", "strand_bias"]


@dataclass
class Patient:
    id: str
    subtype: str
    label_blank: bool
    sex: str
    age: int
    ancestry: str
    mrn: str
    date_of_birth: str
    ploidy_state: int  # copies of each chromosome in the baseline (2, or 4 after genome doubling)
    layers: list[str]
    has_variants: bool
    hotspots: list[str] = field(default_factory=list)
    kept_variants: list[str] = field(default_factory=list)
    coding_mutations: int = 0


def make_genes(rng: np.random.Generator) -> list[Gene]:
    """Key genes plus synthetic filler genes placed where no key gene lies."""
    genes = list(KEY_GENES)
    per_chrom = {c: [(g.start, g.end) for g in KEY_GENES if g.chrom == c] for c in CHROMS}
    n = 0
    while n < N_FILLER_GENES:
        chrom = CHROMS[int(rng.integers(len(CHROMS)))]
        length = int(rng.integers(8_000, 90_000))
        start = int(rng.integers(1_000_000, CHROM_LENGTHS[chrom] - 1_000_000))
        end = start + length
        if any(start < e + 50_000 and end > s - 50_000 for s, e in per_chrom[chrom]):
            continue
        per_chrom[chrom].append((start, end))
        n += 1
        genes.append(Gene(f"DMG{n:04d}", chrom, start, end, f"ENSG9{n:010d}", "+" if rng.random() < 0.5 else "-"))
    return sorted(genes, key=lambda g: (CHROMS.index(g.chrom), g.start))


def make_patients(rng: np.random.Generator, n_patients: int) -> list[Patient]:
    counts = {s: int(round(SUBTYPE_SHARES[s] * n_patients)) for s in SUBTYPES}
    counts["Luminal"] = n_patients - counts["Basal"] - counts["HER2"]
    subtypes = [s for s in SUBTYPES for _ in range(counts[s])]
    rng.shuffle(subtypes)
    width = max(3, len(str(n_patients)))
    patients = []
    for i, subtype in enumerate(subtypes, start=1):
        year = int(rng.integers(1940, 1995))
        patients.append(
            Patient(
                id=f"DEMO-{i:0{width}d}",
                subtype=str(subtype),
                label_blank=False,
                sex="F" if rng.random() < 0.8 else "M",
                age=int(rng.integers(30, 86)),
                ancestry=str(rng.choice(["EUR", "AFR", "EAS", "AMR", "SAS"], p=[0.45, 0.2, 0.15, 0.12, 0.08])),
                mrn=f"MRN{int(rng.integers(10**7, 10**8))}",
                date_of_birth=f"{year}-{int(rng.integers(1, 13)):02d}-{int(rng.integers(1, 29)):02d}",
                ploidy_state=4 if rng.random() < 0.2 else 2,
                layers=["rna", "protein", "mirna"],
                has_variants=True,
            )
        )
    # Blank labels: a fifth of each subtype, to be predicted.
    for subtype in SUBTYPES:
        members = [p for p in patients if p.subtype == subtype]
        for p in members[: max(1, round(BLANK_LABEL_SHARE * len(members)))]:
            p.label_blank = True
    # Missing layers: protein for ~13 %, miRNA for ~7 %, RNA for two, variants for a few Basal.
    order = rng.permutation(len(patients))
    n_no_protein = max(1, round(0.13 * n_patients))
    for idx in order[:n_no_protein]:
        patients[idx].layers.remove("protein")
    for idx in order[n_no_protein : n_no_protein + max(1, round(0.07 * n_patients))]:
        patients[idx].layers.remove("mirna")
    # RNA missing for one HER2 and one Luminal patient that still have protein.
    for subtype in ("HER2", "Luminal"):
        candidate = next(
            p
            for p in patients
            if p.subtype == subtype and "protein" in p.layers and "mirna" in p.layers and not p.label_blank
        )
        candidate.layers.remove("rna")
    basal = [p for p in patients if p.subtype == "Basal" and "rna" in p.layers and "protein" in p.layers]
    for p in basal[-max(1, round(0.05 * n_patients)) :]:
        p.has_variants = False
    return patients


# --- variants -------------------------------------------------------------------------------


def _alt_base(rng: np.random.Generator, ref: str) -> str:
    return str(rng.choice([b for b in "ACGT" if b != ref]))


def _protein_change(rng: np.random.Generator, consequence: str, position: int) -> tuple[str, str]:
    """HGVSp (three-letter) and Amino_acids of a passenger mutation's canonical transcript."""
    letters = list(AMINO)
    ref_aa = str(rng.choice(letters))
    if consequence == "missense_variant":
        alt_aa = str(rng.choice([a for a in letters if a != ref_aa]))
        return f"p.{AMINO[ref_aa]}{position}{AMINO[alt_aa]}", f"{ref_aa}/{alt_aa}"
    if consequence == "synonymous_variant":
        return f"p.{AMINO[ref_aa]}{position}=", ref_aa
    if consequence == "stop_gained":
        return f"p.{AMINO[ref_aa]}{position}Ter", f"{ref_aa}/*"
    if consequence == "frameshift_variant":
        return f"p.{AMINO[ref_aa]}{position}fs", f"{ref_aa}/X"
    if consequence == "inframe_deletion":
        return f"p.{AMINO[ref_aa]}{position}del", f"{ref_aa}/-"
    return "", ""


def _csq(
    allele: str,
    gene: Gene,
    consequence: str,
    impact: str,
    hgvsp: str,
    amino: str,
    position: int | None,
    gnomad: float | None,
) -> str:
    """Two VEP transcript entries: the canonical one carries the protein change."""
    transcript = "ENST9" + gene.ensembl[5:]
    protein = "ENSP9" + gene.ensembl[5:]
    canonical = [
        allele,
        consequence,
        impact,
        gene.symbol,
        gene.ensembl,
        "Transcript",
        transcript + ".1",
        "protein_coding",
        "",
        "",
        f"{transcript}.1:c.{(position or 1) * 3}N>N",
        f"{protein}.1:{hgvsp}" if hgvsp else "",
        str(position) if hgvsp else "",
        amino,
        "",
        "YES",
        "" if gnomad is None else f"{gnomad:g}",
    ]
    other = [
        allele,
        "non_coding_transcript_exon_variant" if consequence != "intron_variant" else "intron_variant",
        "MODIFIER",
        gene.symbol,
        gene.ensembl,
        "Transcript",
        transcript.replace("ENST9", "ENST8") + ".2",
        "retained_intron",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "" if gnomad is None else f"{gnomad:g}",
    ]
    return ",".join("|".join(entry) for entry in (canonical, other))


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


def _depths(
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
    alt = _alt_base(rng, ref)
    if consequence == "frameshift_variant":  # a one-base deletion, VCF-anchored
        alt = ref
        ref = ref + str(rng.choice(list("ACGT")))
    elif consequence == "inframe_deletion":
        alt = ref
        ref = ref + "".join(rng.choice(list("ACGT"), size=3))
    return gene, pos, ref, alt, consequence, impact


def make_records(rng: np.random.Generator, patient: Patient, genes: list[Gene], weights: np.ndarray) -> list[Record]:
    """The patient's VCF records, each knowing which of its alleles the default filters keep."""
    records: list[Record] = []

    def add(
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
        depth = depth if depth is not None else int(rng.integers(40, 220))
        vaf = vaf if vaf is not None else float(rng.uniform(0.12, 0.6))
        passes = filt == "PASS" and depth >= 10 and vaf >= 0.05 and (gnomad is None or gnomad <= 0.01)
        coding = int(passes and consequence in NON_SYNONYMOUS)
        records.append(
            Record(
                f"chr{gene.chrom}",
                pos,
                ref,
                [alt],
                filt,
                _csq(alt, gene, consequence, impact, hgvsp, amino, protein_pos, gnomad),
                _depths(rng, vaf, depth),
                ([int(rng.integers(30, 90)), 0], 0),
                [f"chr{gene.chrom}:{pos}:{ref}>{alt}"] if passes else [],
                coding,
            )
        )

    # Planted hotspots and drivers.
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

    # Passengers: a few hypermutated tumours, most with 15-40.
    n_passengers = int(rng.poisson(110)) if rng.random() < 0.05 else int(rng.integers(15, 41))
    for _ in range(n_passengers):
        gene, pos, ref, alt, consequence, impact = _passenger(rng, genes, weights)
        position = int(rng.integers(5, 1200))
        hgvsp, amino = (
            _protein_change(rng, consequence, position)
            if consequence not in {"intron_variant", "3_prime_UTR_variant", "splice_acceptor_variant"}
            else ("", "")
        )
        add(gene, pos, ref, alt, consequence, impact, hgvsp, amino, protein_pos=position)

    # Records the default filters must remove.
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
            _alt_base(rng, ref),
            "synonymous_variant",
            "LOW",
            "",
            "",
            vaf=0.5,
            gnomad=float(rng.uniform(0.05, 0.4)),
        )

    # A multi-allelic record: the first ALT is real, the second an artefact at VAF 1 %.
    gene, pos, ref, _, _, _ = _passenger(rng, genes, weights)
    ref = ref[0]
    alt1, alt2 = [b for b in "ACGT" if b != ref][:2]
    depth = int(rng.integers(80, 200))
    csq = ",".join(
        [
            _csq(alt1, gene, "missense_variant", "MODERATE", "p.Ala100Val", "A/V", 100, None).split(",")[0],
            _csq(alt2, gene, "missense_variant", "MODERATE", "p.Ala100Glu", "A/E", 100, None).split(",")[0],
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
            _depths(rng, 0, depth, vafs=[0.3, 0.01]),
            ([60, 0, 0], 60),
            [f"chr{gene.chrom}:{pos}:{ref}>{alt1}"],
            1,
        )
    )

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


# --- copy number ----------------------------------------------------------------------------


def segments_text(rng: np.random.Generator, patient: Patient) -> tuple[str, dict[str, str]]:
    """Allele-specific segments; HER2 tumours carry a focal ERBB2/GRB7 amplicon.

    Returns the TSV text and the calls a correct gene-level analysis must make for planted events.
    """
    base = patient.ploidy_state // 2
    rows = ["Chromosome\tStart\tEnd\tnMajor\tnMinor"]
    amplicon = (39_500_000, 39_800_000)
    for chrom, length in CHROM_LENGTHS.items():
        if chrom == "X" and patient.sex == "M":
            bounds = [1, length]
        else:
            n_breaks = int(rng.integers(0, 3))
            bounds = sorted({1, length, *[int(x) for x in rng.integers(5_000_000, length - 5_000_000, size=n_breaks)]})
            if patient.subtype == "HER2" and chrom == "17":  # no breakpoint in the amplicon: it is split below
                bounds = [b for b in bounds if b in (1, length) or not amplicon[0] - 1 <= b <= amplicon[1] + 1]
        pieces = list(zip(bounds[:-1], bounds[1:]))
        for start, end in pieces:
            major, minor = base, base
            if chrom == "X" and patient.sex == "M":
                major, minor = base, 0
            elif len(pieces) > 1 and rng.random() < 0.35:  # arm-level gain or loss of one copy
                if rng.random() < 0.5:
                    major += 1
                else:
                    minor -= 1
            if patient.subtype == "HER2" and chrom == "17" and start <= amplicon[0] < end:
                # split around the amplicon
                rows.append(f"{chrom}\t{start}\t{amplicon[0] - 1}\t{major}\t{minor}")
                rows.append(f"{chrom}\t{amplicon[0]}\t{amplicon[1]}\t{int(rng.integers(7, 12)) * base}\t{minor}")
                rows.append(f"{chrom}\t{amplicon[1] + 1}\t{end}\t{major}\t{minor}")
                continue
            rows.append(f"{chrom}\t{start}\t{end}\t{major}\t{minor}")
    calls = {"ERBB2": "amp", "GRB7": "amp"} if patient.subtype == "HER2" else {}
    return "\n".join(rows) + "\n", calls


# --- matrices -------------------------------------------------------------------------------


def subtype_markers(
    rng: np.random.Generator, candidates: list[str], n_up: int, n_down: int
) -> dict[str, dict[str, float]]:
    """Per subtype, filler features shifted up or down (disjoint between subtypes)."""
    chosen = rng.permutation(candidates)
    effects: dict[str, dict[str, float]] = {}
    k = 0
    for subtype in SUBTYPES:
        effects[subtype] = {}
        for _ in range(n_up):
            effects[subtype][str(chosen[k])] = float(rng.uniform(1.5, 2.5))
            k += 1
        for _ in range(n_down):
            effects[subtype][str(chosen[k])] = -float(rng.uniform(1.5, 2.5))
            k += 1
    return effects


def rna_counts(
    rng: np.random.Generator, patients: list[Patient], genes: list[Gene], markers: dict[str, dict[str, float]]
) -> str:
    """nf-core/rnaseq merged counts: gene_id, gene_name, one column per patient with RNA."""
    with_rna = [p for p in patients if "rna" in p.layers]
    symbols = [g.symbol for g in genes] + [f"ENSG9{99999990 + i:010d}" for i in range(5)]
    ids = [g.ensembl for g in genes] + [f"ENSG9{99999990 + i:010d}" for i in range(5)]
    base = rng.normal(math.log(4000), 1.6, size=len(ids))
    rows = np.zeros((len(ids), len(with_rna)), dtype=np.int64)
    index = {s: i for i, s in enumerate(symbols)}
    for j, p in enumerate(with_rna):
        log2fc = np.zeros(len(ids))
        for symbol, fc in {**markers[p.subtype], **KEY_EFFECTS[p.subtype]}.items():
            log2fc[index[symbol]] = fc
        if p.subtype == "HER2":  # expression follows the amplicon's copy number
            log2fc[index["ERBB2"]] += float(rng.uniform(0, 0.8))
        library = float(rng.lognormal(0, 0.35))
        mean = np.exp(base + log2fc * math.log(2) + rng.normal(0, 0.25, size=len(ids))) * library
        dispersion = 0.08
        rows[:, j] = rng.negative_binomial(1 / dispersion, 1 / (1 + dispersion * mean))
    out = io.StringIO()
    out.write("\t".join(["gene_id", "gene_name", *[p.id for p in with_rna]]) + "\n")
    for i in range(len(ids)):
        out.write("\t".join([ids[i], symbols[i], *map(str, rows[i])]) + "\n")
    return out.getvalue()


def protein_groups(
    rng: np.random.Generator, patients: list[Patient], genes: list[Gene], markers: dict[str, dict[str, float]]
) -> str:
    """A MaxQuant proteinGroups.txt: real column names, contaminants, reverse and site-only hits."""
    with_protein = [p for p in patients if "protein" in p.layers]
    key = [g for g in KEY_GENES if g.uniprot]
    fillers = [g for g in genes if g.symbol.startswith("DMG")]
    marker_fillers = [g for g in fillers if any(g.symbol in markers[s] for s in SUBTYPES)]
    other_fillers = [g for g in fillers if g not in marker_fillers]
    chosen = (
        marker_fillers[: N_FILLER_PROTEINS // 2]
        + other_fillers[: N_FILLER_PROTEINS - min(len(marker_fillers), N_FILLER_PROTEINS // 2)]
    )
    proteins = [
        (g.uniprot or f"Q{9 - i % 9}{'ABCDEFGHJK'[i % 10]}{i:03d}", g.symbol) for i, g in enumerate(key + chosen)
    ]
    n_real = len(proteins)
    contaminants = [
        ("CON__P02768", "ALB"),
        ("CON__P04264", "KRT1"),
        ("CON__P35908", "KRT2"),
        ("CON__P13645", "KRT10"),
        ("CON__P00761", ""),
        ("CON__Q04695", "KRT17"),
        ("CON__P02769", ""),
        ("CON__P08779", "KRT16"),
    ]
    reverse = [(f"REV__Q{8}{'XYZW'[i % 4]}{i:03d}", "") for i in range(6)]
    site_only = [(f"Q7S{i:03d}", f"DMGS{i}") for i in range(4)]
    all_rows = proteins + contaminants + reverse + site_only
    base = rng.normal(25.5, 2.0, size=len(all_rows))
    loading = {p.id: float(rng.normal(0, 0.35)) for p in with_protein}
    values = np.zeros((len(all_rows), len(with_protein)))
    for j, p in enumerate(with_protein):
        effects = {**markers[p.subtype], **KEY_EFFECTS[p.subtype]}
        shift = np.array([effects.get(sym, 0.0) * 0.8 for _, sym in all_rows])
        values[:, j] = base + shift + loading[p.id] + rng.normal(0, 0.35, size=len(all_rows))
    # Missing not at random: the lower the abundance, the likelier a zero; plus a little at random.
    p_missing = 1 / (1 + np.exp((values - 22.0) * 1.8)) + 0.015
    missing = rng.random(values.shape) < p_missing
    lfq = np.where(missing, 0, np.round(2**values, -2)).astype(np.int64)
    raw = np.where(missing, 0, np.round(2**values * 1.07, -2)).astype(np.int64)
    columns = [
        "Protein IDs",
        "Majority protein IDs",
        "Peptide counts (all)",
        "Protein names",
        "Gene names",
        "Fasta headers",
        "Number of proteins",
        "Peptides",
        "Razor + unique peptides",
        "Unique peptides",
        "Sequence coverage [%]",
        "Mol. weight [kDa]",
        "Q-value",
        "Score",
        "Intensity",
        *[f"Intensity {p.id}" for p in with_protein],
        *[f"LFQ intensity {p.id}" for p in with_protein],
        "MS/MS count",
        "Only identified by site",
        "Reverse",
        "Potential contaminant",
        "id",
    ]
    out = io.StringIO()
    out.write("\t".join(columns) + "\n")
    for i, (acc, symbol) in enumerate(all_rows):
        peptides = int(rng.integers(1, 40))
        is_con = acc.startswith("CON__")
        is_rev = acc.startswith("REV__")
        is_site = i >= n_real + len(contaminants) + len(reverse)
        name = f"Demo protein {symbol}" if symbol else ""
        isoforms = f"{acc};{acc}-2" if not (is_con or is_rev) and rng.random() < 0.3 else acc
        fields = [
            isoforms,
            acc,
            ";".join(str(peptides) for _ in isoforms.split(";")),
            name,
            symbol,
            f">sp|{acc}|{symbol or 'X'}_HUMAN {name} OS=Homo sapiens GN={symbol}" if symbol else "",
            str(len(isoforms.split(";"))),
            str(peptides),
            str(peptides),
            str(max(1, peptides - 2)),
            f"{rng.uniform(2, 60):.1f}",
            f"{rng.uniform(10, 250):.3f}",
            "0",
            f"{rng.uniform(5, 300):.3f}",
            str(int(raw[i].sum())),
            *map(str, raw[i]),
            *map(str, lfq[i]),
            str(int(rng.integers(1, 300))),
            "+" if is_site else "",
            "+" if is_rev else "",
            "+" if is_con else "",
            str(i),
        ]
        out.write("\t".join(fields) + "\n")
    return out.getvalue()


def mirna_matrix(rng: np.random.Generator, patients: list[Patient]) -> str:
    """Samples by features, log2 expression (already normalized), CSV."""
    with_mirna = [p for p in patients if "mirna" in p.layers]
    names = MIRNA_NAMES + [f"hsa-mir-{9000 + i}" for i in range(N_MIRNA - len(MIRNA_NAMES))]
    markers = subtype_markers(rng, names, 6, 4)
    base = rng.normal(8, 2.0, size=len(names))
    out = io.StringIO()
    out.write(",".join(["sample", *names]) + "\n")
    for p in with_mirna:
        shift = np.array([markers[p.subtype].get(n, 0.0) for n in names])
        row = base + shift + rng.normal(0, 0.5, size=len(names))
        out.write(",".join([p.id, *[f"{v:.4f}" for v in row]]) + "\n")
    return out.getvalue()


# --- references -----------------------------------------------------------------------------


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


# --- clinical actionability (issue 14): a small real subset of MOAlmanac, a KRAS G12D colorectal case ---------
# Assertions copied field by field from the Molecular Oncology Almanac knowledge base (moalmanac-db, release
# 2026-05-15, GPL-2.0; vanallenlab/moalmanac-db), with their citations: the ones the demo's planted alterations
# (ERBB2 amplification, PIK3CA H1047R / E545K, KRAS G12D) match, plus KRAS G12C (sotorasib, adagrasib: allele-specific,
# never a G12D patient's drug) and BRAF V600E for contrast.
MOALMANAC_ENTRIES = [
    {
        "assertion_id": 720,
        "feature_type": "Copy Number",
        "gene": "ERBB2",
        "direction": "Amplification",
        "disease": "Breast Cancer",
        "context": "",
        "oncotree_term": "Invasive Breast Carcinoma",
        "oncotree_code": "BRCA",
        "therapy_name": "Trastuzumab",
        "therapy_type": "Targeted therapy",
        "therapy_sensitivity": 1,
        "therapy_resistance": "",
        "favorable_prognosis": "",
        "predictive_implication": "FDA-Approved",
        "description": "The U.S. Food and Drug Administration (FDA) granted approval to trastuzumab for use in the treatment of HER2-overexpressing breast cancer.",
        "source_type": "FDA",
        "citation": "Genentech, Inc. Herceptin (trastuzumab) [package insert]. U.S. Food and Drug Administration website. https://www.accessdata.fda.gov/drugsatfda_docs/label/2018/103792s5345lbl.pdf. Revised November 2018. Accessed November 12, 2020.",
        "doi": "",
        "pmid": "",
        "nct": "",
        "url": "https://www.accessdata.fda.gov/drugsatfda_docs/label/2018/103792s5345lbl.pdf",
        "publication_date": "2018-11-01",
        "last_updated": "2021-05-06",
        "_deprecated": False,
    },
    {
        "assertion_id": 716,
        "feature_type": "Copy Number",
        "gene": "ERBB2",
        "direction": "Amplification",
        "disease": "Breast Cancer",
        "context": "",
        "oncotree_term": "Invasive Breast Carcinoma",
        "oncotree_code": "BRCA",
        "therapy_name": "Lapatinib",
        "therapy_type": "Targeted therapy",
        "therapy_sensitivity": 1,
        "therapy_resistance": "",
        "favorable_prognosis": "",
        "predictive_implication": "FDA-Approved",
        "description": "Lapatinib is a kinase inhibitor indicated in combination with: (1) capecitabine for the treatment of patients with advanced or metastatic breast cancer whose tumors overexpress human epidermal growth factor receptor 2 (HER2) and who have received prior therapy including an anthracycline, a taxane, and trastuzumab. Limitations of Use: Patients should have disease progression on trastuzumab prior to initiation of treatment with lapatinib in combination with capecitabine. (2) letrozole for the treatment of postmenopausal women with hormone receptorpositive metastatic breast cancer that overexpresses the HER2 receptor for whom hormonal therapy is indicated.",
        "source_type": "FDA",
        "citation": "Novartis Pharmaceuticals Corporation. Tykerb (lapatinib) [package insert]. U.S. Food and Drug Administration website. https://www.accessdata.fda.gov/drugsatfda_docs/label/2018/022059s024lbl.pdf. Revised December 2018. Accessed November 12, 2020.",
        "doi": "",
        "pmid": "",
        "nct": "",
        "url": "https://www.accessdata.fda.gov/drugsatfda_docs/label/2018/022059s024lbl.pdf",
        "publication_date": "2018-12-01",
        "last_updated": "2020-11-12",
        "_deprecated": False,
    },
    {
        "assertion_id": 719,
        "feature_type": "Copy Number",
        "gene": "ERBB2",
        "direction": "Amplification",
        "disease": "Breast Cancer",
        "context": "",
        "oncotree_term": "Invasive Breast Carcinoma",
        "oncotree_code": "BRCA",
        "therapy_name": "Pertuzumab + Trastuzumab",
        "therapy_type": "Combination therapy",
        "therapy_sensitivity": 1,
        "therapy_resistance": "",
        "favorable_prognosis": "",
        "predictive_implication": "FDA-Approved",
        "description": "The U.S. Food and Drug Administration (FDA) granted accelerated approval to pertuzumab for use in combination with trastuzumab and docetaxel for treatment of patients with HER2-positive metastatic breast cancer (MBC) who have not received prior anti-HER2 therapy or chemotherapy for metastatic disease and use in combination with trastuzumab and chemotherapy as: (1) neoadjuvant treatment of patients with HER2-positive, locally advanced, inflammatory, or early stage breast cancer (either greater than 2 cm in diameter or node positive) as part of a complete treatment regimen for early breast cancer. (2) adjuvant treatment of patients with HER2-positive early breast cancer at high risk of recurrence",
        "source_type": "FDA",
        "citation": "Genentech, Inc. Perjeta (pertuzumab) [package insert]. U.S. Food and Drug Administration website. https://www.accessdata.fda.gov/drugsatfda_docs/label/2020/125409s124lbl.pdf. Revised January 2020. Accessed November 12, 2020.",
        "doi": "",
        "pmid": "",
        "nct": "",
        "url": "https://www.accessdata.fda.gov/drugsatfda_docs/label/2020/125409s124lbl.pdf",
        "publication_date": "2020-01-01",
        "last_updated": "2023-10-05",
        "_deprecated": False,
    },
    {
        "assertion_id": 715,
        "feature_type": "Copy Number",
        "gene": "ERBB2",
        "direction": "Amplification",
        "disease": "Breast Cancer",
        "context": "",
        "oncotree_term": "Invasive Breast Carcinoma",
        "oncotree_code": "BRCA",
        "therapy_name": "Trastuzumab Emtansine",
        "therapy_type": "Hormone therapy",
        "therapy_sensitivity": 1,
        "therapy_resistance": "",
        "favorable_prognosis": "",
        "predictive_implication": "FDA-Approved",
        "description": "HER2-targeted antibody and microtubule inhibitor conjugate indicated, as a single agent, for the treatment of patients with HER2-positive, metastatic breast cancer who previously received trastuzumab and a taxane, separately or in combination. Patients should have either: (1) Received prior therapy for metastatic disease, or (2) Developed disease recurrence during or within six months of completing adjuvant therapy.",
        "source_type": "FDA",
        "citation": "Genentech, Inc. Kadcyla (ado-trastuzumab emtansine) [package insert]. U.S. Food and Drug Administration website. https://www.accessdata.fda.gov/drugsatfda_docs/label/2020/125427s108lbl.pdf. Revised September 2020. Accessed November 12, 2020.",
        "doi": "",
        "pmid": "",
        "nct": "",
        "url": "https://www.accessdata.fda.gov/drugsatfda_docs/label/2020/125427s108lbl.pdf",
        "publication_date": "2020-04-01",
        "last_updated": "2025-02-13",
        "_deprecated": False,
    },
    {
        "assertion_id": 721,
        "feature_type": "Copy Number",
        "gene": "ERBB2",
        "direction": "Amplification",
        "disease": "Gastic Adenocarcinoma",
        "context": "Metastatic",
        "oncotree_term": "Stomach Adenocarcinoma",
        "oncotree_code": "STAD",
        "therapy_name": "Trastuzumab",
        "therapy_type": "Targeted therapy",
        "therapy_sensitivity": 1,
        "therapy_resistance": "",
        "favorable_prognosis": "",
        "predictive_implication": "FDA-Approved",
        "description": "The U.S. Food and Drug Administration (FDA) granted approval to trastuzumab for use in the treatment of HER2-overexpressing metastatic gastric adenocarcinoma.",
        "source_type": "FDA",
        "citation": "Genentech, Inc. Herceptin (trastuzumab) [package insert]. U.S. Food and Drug Administration website. https://www.accessdata.fda.gov/drugsatfda_docs/label/2018/103792s5345lbl.pdf. Revised November 2018. Accessed November 12, 2020.",
        "doi": "",
        "pmid": "",
        "nct": "",
        "url": "https://www.accessdata.fda.gov/drugsatfda_docs/label/2018/103792s5345lbl.pdf",
        "publication_date": "2018-11-01",
        "last_updated": "2021-05-06",
        "_deprecated": False,
    },
    {
        "assertion_id": 456,
        "feature_type": "Somatic Variant",
        "gene": "PIK3CA",
        "protein_change": "",
        "variant_annotation": "",
        "disease": "Breast Cancer",
        "context": "Advanced or metastatic",
        "oncotree_term": "Invasive Breast Carcinoma",
        "oncotree_code": "BRCA",
        "therapy_name": "Alpelisib",
        "therapy_type": "Targeted therapy",
        "therapy_sensitivity": 1,
        "therapy_resistance": "",
        "favorable_prognosis": "",
        "predictive_implication": "FDA-Approved",
        "description": "Alpelisib is a kinase inhibitor indictated in combination with fulvestrant for the treatment of postmenopausal women, and men, with HR+, HER2-negative, PIK3CA mutated, advanced or metastatic breast cancer as detected by an FDA-approved test following progression on or after an endrocrine-based regime.",
        "source_type": "FDA",
        "citation": "Novartis Pharmaceuticals Corporation. Piqray (alpelisib) [package insert]. U.S. Food and Drug Administration website. https://www.accessdata.fda.gov/drugsatfda_docs/label/2020/212526s001lbl.pdf. Revised September 2020. Accessed November 12, 2020.",
        "doi": "",
        "pmid": "",
        "nct": "",
        "url": "https://www.accessdata.fda.gov/drugsatfda_docs/label/2020/212526s001lbl.pdf",
        "publication_date": "2020-09-01",
        "last_updated": "2020-11-12",
        "_deprecated": False,
    },
    {
        "assertion_id": 471,
        "feature_type": "Somatic Variant",
        "gene": "PIK3CA",
        "protein_change": "p.H1047R",
        "variant_annotation": "Missense",
        "disease": "Breast Cancer",
        "context": "Metastatic",
        "oncotree_term": "Invasive Breast Carcinoma",
        "oncotree_code": "BRCA",
        "therapy_name": "Pictilisib",
        "therapy_type": "Targeted therapy",
        "therapy_sensitivity": 1,
        "therapy_resistance": "",
        "favorable_prognosis": "",
        "predictive_implication": "Preclinical",
        "description": "In vivo models harboring PIK3CA variants were especially sensitive to GDC-0941.",
        "source_type": "Journal",
        "citation": "O'Brien C, Wallin JJ, Sampath D, et al. Predictive biomarkers of sensitivity to the phosphatidylinositol 3' kinase inhibitor GDC-0941 in breast cancer preclinical models. Clin Cancer Res. 2010;16(14):3670-83.",
        "doi": "10.1158/1078-0432.CCR-09-2828",
        "pmid": 20453058,
        "nct": "",
        "url": "https://doi.org/10.1158/1078-0432.CCR-09-2828",
        "publication_date": "2010-07-14",
        "last_updated": "2019-06-13",
        "_deprecated": False,
    },
    {
        "assertion_id": 467,
        "feature_type": "Somatic Variant",
        "gene": "PIK3CA",
        "protein_change": "p.E545K",
        "variant_annotation": "Missense",
        "disease": "Breast Cancer",
        "context": "Metastatic",
        "oncotree_term": "Invasive Breast Carcinoma",
        "oncotree_code": "BRCA",
        "therapy_name": "Pictilisib",
        "therapy_type": "Targeted therapy",
        "therapy_sensitivity": 1,
        "therapy_resistance": "",
        "favorable_prognosis": "",
        "predictive_implication": "Preclinical",
        "description": "In vivo models harboring PIK3CA variants were especially sensitive to GDC-0941.",
        "source_type": "Journal",
        "citation": "O'Brien C, Wallin JJ, Sampath D, et al. Predictive biomarkers of sensitivity to the phosphatidylinositol 3' kinase inhibitor GDC-0941 in breast cancer preclinical models. Clin Cancer Res. 2010;16(14):3670-83.",
        "doi": "10.1158/1078-0432.CCR-09-2828",
        "pmid": 20453058,
        "nct": "",
        "url": "https://doi.org/10.1158/1078-0432.CCR-09-2828",
        "publication_date": "2010-07-14",
        "last_updated": "2019-06-13",
        "_deprecated": False,
    },
    {
        "assertion_id": 366,
        "feature_type": "Somatic Variant",
        "gene": "KRAS",
        "protein_change": "",
        "variant_annotation": "",
        "disease": "Colorectal Cancer",
        "context": "Primary or Metastatic",
        "oncotree_term": "Colorectal Adenocarcinoma",
        "oncotree_code": "COADREAD",
        "therapy_name": "Cetuximab",
        "therapy_type": "Targeted therapy",
        "therapy_sensitivity": "",
        "therapy_resistance": 1,
        "favorable_prognosis": "",
        "predictive_implication": "Guideline",
        "description": "Cetuximab (Erbitux) is not recommended by the National Comprehensive Cancer Network® (NCCN®) as a treatment option for patients with primary or metastatic colorectal cancer and known KRAS mutations (exon 2, 3, and 4).",
        "source_type": "Guideline",
        "citation": "Referenced with permission from the NCCN Clinical Practice Guidelines in Oncology (NCCN Guidelines®) for Colon Cancer V.4.2018. © National Comprehensive Cancer Network, Inc. 2018. All rights reserved. Accessed March 20 2019. To view the most recent and complete version of the guideline, go online to NCCN.org.",
        "doi": "",
        "pmid": "",
        "nct": "",
        "url": "https://www.nccn.org/professionals/physician_gls/pdf/colon_blocks.pdf",
        "publication_date": "2018-01-01",
        "last_updated": "2023-11-02",
        "_deprecated": False,
    },
    {
        "assertion_id": 367,
        "feature_type": "Somatic Variant",
        "gene": "KRAS",
        "protein_change": "",
        "variant_annotation": "",
        "disease": "Colorectal Cancer",
        "context": "Primary or Metastatic",
        "oncotree_term": "Colorectal Adenocarcinoma",
        "oncotree_code": "COADREAD",
        "therapy_name": "Panitumumab",
        "therapy_type": "Targeted therapy",
        "therapy_sensitivity": "",
        "therapy_resistance": 1,
        "favorable_prognosis": "",
        "predictive_implication": "Guideline",
        "description": "Panitumumab (Vectibix) is not recommended by the National Comprehensive Cancer Network® (NCCN®) as a treatment option for patients with primary or metastatic colorectal cancer and known KRAS mutations (exon 2, 3, and 4).",
        "source_type": "Guideline",
        "citation": "Referenced with permission from the NCCN Clinical Practice Guidelines in Oncology (NCCN Guidelines®) for Colon Cancer V.4.2018. © National Comprehensive Cancer Network, Inc. 2018. All rights reserved. Accessed March 20 2019. To view the most recent and complete version of the guideline, go online to NCCN.org.",
        "doi": "",
        "pmid": "",
        "nct": "",
        "url": "https://www.nccn.org/professionals/physician_gls/pdf/colon_blocks.pdf",
        "publication_date": "2018-01-01",
        "last_updated": "2023-11-02",
        "_deprecated": False,
    },
    {
        "assertion_id": 372,
        "feature_type": "Somatic Variant",
        "gene": "KRAS",
        "protein_change": "p.G12C",
        "variant_annotation": "Missense",
        "disease": "Non-Small Cell Lung Cancer",
        "context": "Locally advanced or metastatic disease",
        "oncotree_term": "Non-Small Cell Lung Cancer",
        "oncotree_code": "NSCLC",
        "therapy_name": "Sotorasib",
        "therapy_type": "Targeted therapy",
        "therapy_sensitivity": 1,
        "therapy_resistance": "",
        "favorable_prognosis": "",
        "predictive_implication": "FDA-Approved",
        "description": "The U.S. Food and Drug Administration (FDA) has granted accelerated approval to sotorasib, a RAS GTPase family inhibitor, for adult patients with KRAS G12C mutated locally advanced or metastatic non-small cell lung cancer (NSCLC), as determined by an FDA approved test, who have received at least one prior systemic therapy.",
        "source_type": "FDA",
        "citation": "Amgen Inc. Lumakras (sotorasib) [package insert]. U.S. Food and Drug Administration website. https://www.accessdata.fda.gov/drugsatfda_docs/label/2021/214665s000lbl.pdf. Revised May 2021. Accessed June 1st, 2021.",
        "doi": "",
        "pmid": "",
        "nct": "",
        "url": "https://www.accessdata.fda.gov/drugsatfda_docs/label/2021/214665s000lbl.pdf",
        "publication_date": "2021-05-01",
        "last_updated": "2023-11-30",
        "_deprecated": False,
    },
    {
        "assertion_id": 862,
        "feature_type": "Somatic Variant",
        "gene": "KRAS",
        "protein_change": "p.G12C",
        "variant_annotation": "Missense",
        "disease": "Non-Small Cell Lung Cancer",
        "context": "Locally advanced or metastatic disease",
        "oncotree_term": "Non-Small Cell Lung Cancer",
        "oncotree_code": "NSCLC",
        "therapy_name": "Adagrasib",
        "therapy_type": "Targeted therapy",
        "therapy_sensitivity": 1,
        "therapy_resistance": "",
        "favorable_prognosis": "",
        "predictive_implication": "FDA-Approved",
        "description": "The U.S. Food and Drug Administration (FDA) has granted approval to adagrasib for adult patients with KRAS G12C mutated locally advanced or metastatic non-small cell lung cancer (NSCLC), as determined by an FDA approved test, who have received at least one prior systemic therapy.",
        "source_type": "FDA",
        "citation": "Mirati Therapeutics, Inc. Krazati (adagrasib) [package insert]. U.S. Food and Drug Administration website. https://www.accessdata.fda.gov/drugsatfda_docs/label/2022/216340Orig1s000Corrected_lbl.pdf. Revised Dec 2022. Accessed January 5th, 2023.",
        "doi": "",
        "pmid": "",
        "nct": "",
        "url": "https://www.accessdata.fda.gov/drugsatfda_docs/label/2022/216340Orig1s000Corrected_lbl.pdf",
        "publication_date": "2022-12-01",
        "last_updated": "2023-11-30",
        "_deprecated": False,
    },
    {
        "assertion_id": 145,
        "feature_type": "Somatic Variant",
        "gene": "BRAF",
        "protein_change": "p.V600E",
        "variant_annotation": "Missense",
        "disease": "Melanoma",
        "context": "Unresectable or metastatic",
        "oncotree_term": "Melanoma",
        "oncotree_code": "MEL",
        "therapy_name": "Dabrafenib + Trametinib",
        "therapy_type": "Targeted therapy",
        "therapy_sensitivity": 1,
        "therapy_resistance": "",
        "favorable_prognosis": "",
        "predictive_implication": "FDA-Approved",
        "description": "The U.S. Food and Drug Administration (FDA) granted approval to dabrafenib in combination with trametinib for the treament of patients with unresectable or metastatic melanoma (MEL) with BRAF V600E or V600K mutation, as detected by an FDA-approved test.",
        "source_type": "FDA",
        "citation": "Novartis Pharmaceuticals Corporation. Tafinlar (dabrafenib) [package insert]. U.S. Food and Drug Administration website. https://www.accessdata.fda.gov/drugsatfda_docs/label/2020/202806s015lbl.pdf. Revised April 2020. Accessed November 12, 2020.",
        "doi": "",
        "pmid": "",
        "nct": "",
        "url": "https://www.accessdata.fda.gov/drugsatfda_docs/label/2020/202806s015lbl.pdf",
        "publication_date": "2020-04-01",
        "last_updated": "2020-11-12",
        "_deprecated": False,
    },
    {
        "assertion_id": 182,
        "feature_type": "Somatic Variant",
        "gene": "BRAF",
        "protein_change": "p.V600E",
        "variant_annotation": "Missense",
        "disease": "Colorectal Cancer",
        "context": "Metastatic",
        "oncotree_term": "Colorectal Adenocarcinoma",
        "oncotree_code": "COADREAD",
        "therapy_name": "Cetuximab",
        "therapy_type": "Targeted therapy",
        "therapy_sensitivity": "",
        "therapy_resistance": 1,
        "favorable_prognosis": "",
        "predictive_implication": "Guideline",
        "description": "Cetuximab (Erbitux) is not recommended by the National Comprehensive Cancer Network® (NCCN®) as a treatment option for patients with metastatic colorectal cancer, BRAF V600E makes response to panitumumab or cetuximab highly unlikely unless given with a BRAF inhibitor. ",
        "source_type": "Guideline",
        "citation": "Referenced with permission from the NCCN Clinical Practice Guidelines in Oncology (NCCN Guidelines®) for Colon Cancer V.4.2018. © National Comprehensive Cancer Network, Inc. 2018. All rights reserved. Accessed March 20 2019. To view the most recent and complete version of the guideline, go online to NCCN.org.",
        "doi": "",
        "pmid": "",
        "nct": "",
        "url": "https://www.nccn.org/professionals/physician_gls/pdf/colon_blocks.pdf",
        "publication_date": "2018-01-01",
        "last_updated": "2023-11-02",
        "_deprecated": False,
    },
]

# OncoTree codes (oncotree.info, release 2023-03-09, CC BY 4.0): code, main type, name, tissue.
ONCOTREE_CODES = [
    ("BRCA", "Breast Cancer", "Invasive Breast Carcinoma", "Breast"),
    ("IDC", "Breast Cancer", "Breast Invasive Ductal Carcinoma", "Breast"),
    ("COADREAD", "Colorectal Cancer", "Colorectal Adenocarcinoma", "Bowel"),
    ("STAD", "Esophagogastric Cancer", "Stomach Adenocarcinoma", "Esophagus/Stomach"),
    ("NSCLC", "Non-Small Cell Lung Cancer", "Non-Small Cell Lung Cancer", "Lung"),
    ("MEL", "Melanoma", "Melanoma", "Skin"),
]
COHORT_TUMOR_TYPE = "BRCA"
RESISTANCE_CASE = {"tumor_type": "COADREAD", "gene": "KRAS", "hotspot": "G12D", "hgvsp": "p.Gly12Asp"}
ACTIONABILITY_STREAM = 14  # the separate random stream of this part: other demo files keep their bytes


def planted_actionable(patient: Patient, calls: dict[str, str], resistance_case: bool) -> list[dict]:
    """The rows a correct actionability step must give the patient (truth.yaml): gene, alteration, tier,
    effect, therapy and whether it is a suggestion."""
    rows = []
    if calls.get("ERBB2") == "amp":
        for therapy in ("Trastuzumab", "Lapatinib", "Pertuzumab + Trastuzumab", "Trastuzumab Emtansine"):
            rows.append(
                {
                    "gene": "ERBB2",
                    "alteration": "amplification",
                    "tier": "I-A",
                    "effect": "sensitivity",
                    "therapy": therapy,
                    "suggested": "yes",
                }
            )
        rows.append(
            {
                "gene": "ERBB2",
                "alteration": "amplification",
                "tier": "II-C",
                "effect": "sensitivity",
                "therapy": "Trastuzumab",
                "suggested": "yes",
            }
        )
    for hotspot in patient.hotspots:
        gene, change = hotspot.split(" ")
        if gene == "PIK3CA":
            rows.append(
                {
                    "gene": "PIK3CA",
                    "alteration": f"p.{change}",
                    "tier": "I-A",
                    "effect": "sensitivity",
                    "therapy": "Alpelisib",
                    "suggested": "yes",
                }
            )
            rows.append(
                {
                    "gene": "PIK3CA",
                    "alteration": f"p.{change}",
                    "tier": "II-D",
                    "effect": "sensitivity",
                    "therapy": "Pictilisib",
                    "suggested": "yes",
                }
            )
    if resistance_case:
        for therapy in ("Cetuximab", "Panitumumab"):
            rows.append(
                {
                    "gene": "KRAS",
                    "alteration": "p.G12D",
                    "tier": "I-A",
                    "effect": "resistance",
                    "therapy": therapy,
                    "suggested": "no",
                }
            )
    return rows


def moalmanac_json() -> str:
    import json

    return json.dumps(MOALMANAC_ENTRIES, indent=1, ensure_ascii=False) + "\n"


def oncotree_table() -> str:
    return "code\tmain_type\tname\ttissue\n" + "".join("\t".join(row) + "\n" for row in ONCOTREE_CODES)


def resistance_patient(patients: list[Patient]) -> Patient | None:
    """The planted KRAS G12D colorectal case: the first Basal patient with variants (every layer and a label
    when one has them); None in a cohort without a Basal patient with variants."""
    basal = [p for p in patients if p.subtype == "Basal" and p.has_variants]
    complete = [p for p in basal if not p.label_blank and len(p.layers) == 3]
    return (complete or basal or [None])[0]


def plant_resistance_case(rng: np.random.Generator, patient: Patient, records: list[Record]) -> list[Record]:
    """Add a KRAS G12D hotspot (a PASS record a default filter keeps) to the patient's sorted records."""
    chrom, pos, ref, alt, gene, _, change = next(
        h for h in HOTSPOTS if h[4] == RESISTANCE_CASE["gene"] and h[6] == RESISTANCE_CASE["hotspot"]
    )
    kras = KEY_BY_SYMBOL[gene]
    depth = int(rng.integers(80, 200))
    record = Record(
        f"chr{chrom}",
        pos,
        ref,
        [alt],
        "PASS",
        _csq(alt, kras, "missense_variant", "MODERATE", RESISTANCE_CASE["hgvsp"], "G/D", int(change[1:-1]), None),
        _depths(rng, float(rng.uniform(0.25, 0.45)), depth),
        ([int(rng.integers(30, 90)), 0], 0),
        [f"chr{chrom}:{pos}:{ref}>{alt}"],
        1,
    )
    ordered = sorted(
        [r for r in records if (r.chrom, r.pos) != (record.chrom, record.pos)] + [record],
        key=lambda r: (CHROMS.index(r.chrom[3:]), r.pos),
    )
    patient.kept_variants = [k for r in ordered for k in r.kept]
    patient.coding_mutations = sum(r.coding for r in ordered)
    patient.hotspots.append(f"{gene} {change}")
    return ordered


# --- writing --------------------------------------------------------------------------------


def write_gzip(path: Path, text: str) -> None:
    """Gzip with no name and a zero timestamp in the header, so the bytes depend only on the text."""
    with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as handle:
        handle.write(text.encode())


def write_vcf(path_gz: Path, text: str) -> None:
    plain = path_gz.with_suffix("")
    plain.write_text(text)
    pysam.tabix_index(str(plain), preset="vcf", force=True)  # bgzip + .tbi, removes the plain file


# Planted fairness bias (issue 18): in one protected group, the recorded subtype of labelled Basal and
# Luminal patients is swapped (as when one population's tumours are typed by an unreliable ER assay),
# so the classifier, which learns the biology, errs on that group only: the fairness audit must name
# it, and flag no other group. HER2 labels stay right (the HER2 drivers stay the classifier's top
# features). Drawn from its own generator so that every other demo file stays the same.
BIASED_COLUMN, BIASED_GROUP, BIASED_SHARE = "ancestry", "AFR", 1.0
SWAPPED = {"Basal": "Luminal", "Luminal": "Basal"}


def plant_label_bias(patients: list[Patient], seed: int) -> dict[str, str]:
    """Patient id -> the wrong subtype recorded in the sheet, for ``BIASED_SHARE`` of the labelled Basal
    and Luminal patients of ``BIASED_GROUP``."""
    rng = np.random.default_rng([seed, 18])
    labelled = [
        p for p in patients if getattr(p, BIASED_COLUMN) == BIASED_GROUP and not p.label_blank and p.subtype in SWAPPED
    ]
    chosen = rng.choice(len(labelled), size=int(round(BIASED_SHARE * len(labelled))), replace=False)
    return {labelled[i].id: SWAPPED[labelled[i].subtype] for i in sorted(int(i) for i in chosen)}


SHEET_COLUMNS = [
    "patient",
    "sex",
    "age",
    "ancestry",
    "subtype",
    "mrn",
    "date_of_birth",
    "vcf",
    "cna",
    "tumor_sample",
    "normal_sample",
    "tumor_type",
    "os_days",
    "os_event",
]
GERMLINE_COLUMNS = ["germline_vcf", "germline_sample", "pgx_outside_calls"]


def mutated_genes(records: list[Record]) -> set[str]:
    """Genes with a kept non-synonymous mutation (what results/variants/mutations.h5ad counts)."""
    return {r.csq.split("|")[3] for r in records if r.coding}


def planted_outcome_gene(mutated: dict[str, set[str]]) -> str:
    """The gene carrying the outcome effect: the most often mutated one that no subtype drives (its
    mutations are passengers, independent of the subtype, so its marginal hazard ratio is the planted one)."""
    counts: dict[str, int] = {}
    for genes in mutated.values():
        for gene in genes - {"TP53", "PIK3CA"}:
            counts[gene] = counts.get(gene, 0) + 1
    return min(counts, key=lambda g: (-counts[g], g))


def make_outcome(
    seed: int, patients: list[Patient], mutated: dict[str, set[str]], gene: str, recorded: dict[str, str] | None = None
) -> dict[str, tuple[str, str]]:
    """Overall survival per patient: (os_days, os_event) as sheet cells. Exponential times with hazard
    h0 * HR_subtype^[subtype] * HR_gene^[gene mutated], uniform administrative censoring, a few blank.
    The subtype is the one the sheet records (``recorded`` overrides the biology for the planted fairness
    bias): the covariate the outcome model is given carries the planted hazard ratio."""
    recorded = recorded or {}
    rng = np.random.default_rng([seed, OUTCOME_STREAM])
    baseline = math.log(2) / OUTCOME_MEDIAN_DAYS
    outcome = {}
    for p in patients:
        log_hr = math.log(OUTCOME_SUBTYPE_HR) * (recorded.get(p.id, p.subtype) == OUTCOME_SUBTYPE)
        log_hr += math.log(OUTCOME_GENE_HR) * (gene in mutated.get(p.id, set()))
        event_time = rng.exponential(1 / (baseline * math.exp(log_hr)))
        follow_up = rng.uniform(*OUTCOME_FOLLOW_UP_DAYS)
        missing = rng.random() < OUTCOME_MISSING_SHARE
        days = max(1, int(round(min(event_time, follow_up))))
        outcome[p.id] = ("", "") if missing else (str(days), str(int(event_time <= follow_up)))
    return outcome


def sheet_text(
    patients: list[Patient],
    prefix: str,
    outcome: dict[str, tuple[str, str]],
    tumor_types: dict[str, str] | None = None,
    germline: dict[str, dict] | None = None,
    recorded: dict[str, str] | None = None,
) -> str:
    """The sample sheet; ``tumor_types`` overrides the config's cohort tumour type for a few patients;
    ``recorded``: subtypes written in place of the true one (the planted fairness bias)."""
    tumor_types = tumor_types or {}
    recorded = recorded or {}
    germline = germline or {}
    lines = ["\t".join(SHEET_COLUMNS + GERMLINE_COLUMNS)]
    for p in patients:
        lines.append(
            "\t".join(
                [
                    p.id,
                    p.sex,
                    str(p.age),
                    p.ancestry,
                    "" if p.label_blank else recorded.get(p.id, p.subtype),
                    p.mrn,
                    p.date_of_birth,
                    f"{prefix}vcf/{p.id}.vcf.gz" if p.has_variants else "",
                    f"{prefix}cna/{p.id}.cna.tsv" if p.has_variants else "",
                    f"{p.id}_T" if p.has_variants else "",
                    f"{p.id}_N" if p.has_variants else "",
                    tumor_types.get(p.id, ""),
                    *outcome[p.id],
                    *germline_cells(germline.get(p.id), p.id, prefix),
                ]
            )
        )
    return "\n".join(lines) + "\n"


def germline_cells(truth: dict | None, patient: str, prefix: str) -> list[str]:
    """The sheet's germline columns of a patient (blank without a germline sample)."""
    if truth is None:
        return ["", "", ""]
    outside = f"{prefix}germline/{patient}.outside_calls.tsv" if truth["outside_calls"] else ""
    return [f"{prefix}germline/germline.vcf", truth["sample"], outside]


def config_text(prefix: str, sheet: str, cohort: str) -> str:
    """A config for a generated cohort, the same keys as the project's config/config.yaml."""
    return f"""# A generated demo cohort (python -m precisionflow.demo); keys are explained in config/README.md.
cohort: {cohort}
samples: {sheet}
genome_build: GRCh38
omics:
  rna: {{type: rna, path: {prefix}rna/salmon.merged.gene_counts.tsv, values: counts}}
  protein: {{type: protein, path: {prefix}proteomics/proteinGroups.txt, format: maxquant, values: intensity}}
  mirna: {{type: matrix, path: {prefix}mirna/mirna_log_expression.csv, values: log, orientation: samples_by_features}}
label: subtype
protected: [sex, ancestry]
identifying: [mrn, date_of_birth]
# the elastic-net Cox model only: the forest's nested CV grows fast with the cohort (config/README.md)
outcome: {{time: os_days, event: os_event, covariates: [age, subtype], min_altered_fraction: 0.1, models: [coxnet]}}
resources:
  genes: {prefix}resources/genes.grch38.bed.gz
  drivers: {prefix}resources/intogen_drivers.tsv
  hotspots: {prefix}resources/hotspots.grch38.tsv
  drug_gene: {prefix}resources/dgidb_interactions.tsv.gz
  drug_categories: {prefix}resources/dgidb_categories.tsv.gz
  actionability: {prefix}resources/moalmanac.json
  oncotree: {prefix}resources/oncotree.tsv
tumor_type: {COHORT_TUMOR_TYPE}
pgx:
  definitions: {prefix}resources/pgx/definitions
  phenotypes: {prefix}resources/pgx/phenotypes
"""


def generate(out: Path, sheet: Path, prefix: str, n_patients: int = 60, seed: int = SEED) -> dict:
    """Write the cohort's files under ``out`` and its sheet at ``sheet`` (paths in it start with
    ``prefix``); return the truth, also written to ``out/truth.yaml``."""
    rng = np.random.default_rng(seed)
    genes = make_genes(rng)
    patients = make_patients(rng, n_patients)
    filler_symbols = [g.symbol for g in genes if g.symbol.startswith("DMG")]
    markers = subtype_markers(rng, filler_symbols, 40, 20)
    case = resistance_patient(patients)
    action_rng = np.random.default_rng([seed, ACTIONABILITY_STREAM])

    for sub in ("vcf", "cna", "rna", "proteomics", "mirna", "resources", "germline"):
        shutil.rmtree(out / sub, ignore_errors=True)
        (out / sub).mkdir(parents=True)

    lengths = np.array([g.end - g.start for g in genes], dtype=float)
    weights = lengths / lengths.sum()
    amplified: dict[str, dict[str, str]] = {}
    mutated: dict[str, set[str]] = {}
    for p in patients:
        if not p.has_variants:
            continue
        records = make_records(rng, p, genes, weights)
        if p is case:
            records = plant_resistance_case(action_rng, p, records)
        mutated[p.id] = mutated_genes(records)
        write_vcf(out / "vcf" / f"{p.id}.vcf.gz", vcf_text(p, records, f"{p.id}_T", f"{p.id}_N"))
        text, calls = segments_text(rng, p)
        (out / "cna" / f"{p.id}.cna.tsv").write_text(text)
        if calls:
            amplified[p.id] = calls

    (out / "rna" / "salmon.merged.gene_counts.tsv").write_text(rna_counts(rng, patients, genes, markers))
    (out / "proteomics" / "proteinGroups.txt").write_text(protein_groups(rng, patients, genes, markers))
    (out / "mirna" / "mirna_log_expression.csv").write_text(mirna_matrix(rng, patients))
    write_gzip(out / "resources" / "genes.grch38.bed.gz", genes_bed(genes))
    (out / "resources" / "intogen_drivers.tsv").write_text(drivers_table(rng))
    (out / "resources" / "hotspots.grch38.tsv").write_text(hotspots_table())
    write_gzip(out / "resources" / "dgidb_interactions.tsv.gz", drug_gene_table())
    write_gzip(out / "resources" / "dgidb_categories.tsv.gz", drug_categories_table())
    (out / "resources" / "moalmanac.json").write_text(moalmanac_json())
    (out / "resources" / "oncotree.tsv").write_text(oncotree_table())
    germline = write_pgx_demo(out, [p.id for p in patients], seed)  # its own random stream
    sheet.parent.mkdir(parents=True, exist_ok=True)
    outcome_gene = planted_outcome_gene(mutated)
    mislabelled = plant_label_bias(patients, seed)
    outcome = make_outcome(seed, patients, mutated, outcome_gene, mislabelled)
    tumor_types = {case.id: RESISTANCE_CASE["tumor_type"]} if case else {}
    sheet.write_text(sheet_text(patients, prefix, outcome, tumor_types, germline, mislabelled))

    truth = {
        "seed": seed,
        "n_patients": n_patients,
        "subtypes": list(SUBTYPES),
        "cohort_targets": COHORT_TARGETS,
        "not_direct_targets": NOT_DIRECT_TARGETS,
        "marker_genes": {
            s: sorted(g for g, fc in {**markers[s], **KEY_EFFECTS[s]}.items() if fc > 0) for s in SUBTYPES
        },
        "patients": {
            p.id: {
                "subtype": p.subtype,
                "label_blank": p.label_blank,
                "layers": p.layers,
                "has_variants": p.has_variants,
                "planted_target": PLANTED_TARGET[p.subtype],
                "hotspots": p.hotspots,
                "kept_variants": p.kept_variants,
                "coding_mutations": p.coding_mutations,
                "copy_number_calls": amplified.get(p.id, {}),
                "ploidy_state": p.ploidy_state,
                "tumor_type": RESISTANCE_CASE["tumor_type"] if p is case else COHORT_TUMOR_TYPE,
                "actionable": planted_actionable(p, amplified.get(p.id, {}), p is case),
            }
            for p in patients
        },
        "pgx": germline,
        "outcome": {
            "time": "os_days",
            "event": "os_event",
            "hazard_ratios": {f"subtype={OUTCOME_SUBTYPE}": OUTCOME_SUBTYPE_HR, outcome_gene: OUTCOME_GENE_HR},
            "subtype": OUTCOME_SUBTYPE,
            "gene": outcome_gene,
            "gene_mutated_patients": sorted(p for p, g in mutated.items() if outcome_gene in g),
            "reference_median_days": OUTCOME_MEDIAN_DAYS,
            "without_outcome": sorted(p for p, cells in outcome.items() if cells[0] == ""),
        },
        "default_variant_filters": {
            "pass_filters": ["PASS"],
            "min_depth": 10,
            "min_vaf": 0.05,
            "max_population_af": 0.01,
        },
        # the sheet's subtype for these patients is wrong (``subtype`` above is the biology)
        "planted_fairness_bias": {"column": BIASED_COLUMN, "group": BIASED_GROUP, "recorded_label": mislabelled},
    }
    (out / "truth.yaml").write_text(yaml.safe_dump(truth, sort_keys=True, width=200))
    return truth


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m precisionflow.demo", description=__doc__.split("\n\n")[0])
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument(
        "--project", action="store_true", help="rewrite the project's default cohort: demo/ and config/samples.tsv"
    )
    target.add_argument(
        "--out", type=Path, help="write a cohort into this folder, with its own samples.tsv and config.yaml"
    )
    parser.add_argument("--patients", type=int, default=60, help="number of patients (default 60)")
    parser.add_argument("--seed", type=int, default=SEED, help=f"random seed (default {SEED})")
    parser.add_argument(
        "--root", type=Path, default=Path("."), help="project folder for --project (default: the current one)"
    )
    args = parser.parse_args(argv)
    if args.patients < 20:
        parser.error("--patients must be at least 20 (three subtypes, blank labels and missing layers in each)")
    if args.project:
        generate(args.root / "demo", args.root / "config" / "samples.tsv", "demo/", args.patients, args.seed)
    else:
        generate(args.out, args.out / "samples.tsv", "", args.patients, args.seed)
        (args.out / "config.yaml").write_text(config_text("", "samples.tsv", f"demo{args.patients}"))


if __name__ == "__main__":
    main()
