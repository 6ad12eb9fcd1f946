"""The demo's fixed tables: subtypes, genome, key genes, hotspots, drivers, drug-gene interactions,
miRNA names and VEP fields (hand-written from public knowledge; see the package docstring)."""

from __future__ import annotations

from dataclasses import dataclass

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
