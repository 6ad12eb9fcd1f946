"""The omics matrices: RNA counts, MaxQuant proteinGroups.txt, miRNA log expression."""

from __future__ import annotations

import io
import math

import numpy as np

from demo.generator.catalogue import KEY_EFFECTS, KEY_GENES, MIRNA_NAMES, N_FILLER_PROTEINS, N_MIRNA, SUBTYPES, Gene
from demo.generator.cohort import Patient


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
