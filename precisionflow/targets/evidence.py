"""Evidence per gene and type, each scaled to [0, 1] by one documented rule (numpy over patients × genes).

Rules (settings from the config's ``targets:`` section, defaults in ``settings.DEFAULTS``):

* **mutation** — each protein-altering mutation scores by its class: a known hotspot 1.0, another
  missense or in-frame change 0.5, a truncating one (nonsense, frameshift, splice site) 0.25 (a
  mutation of unknown consequence, from a VCF without annotation, counts only at a hotspot); a
  patient's gene takes its best mutation. The value is multiplied by the gene's driver-role factor
  (IntOGen ``ROLE``: ``Act`` 1.0, ``ambiguous`` 0.5, not a driver 0.25, ``LoF`` 0.1): a recurrent
  activating hotspot is a target, a mutated loss-of-function tumour suppressor is not one to drug.
  Cohort (per group): the group's mean of the patients' values — recurrence and hotspot share in one
  number — times the role factor.
* **copy_number** — the patient's call: ``amp`` by its level, total copies / ploidy divided by
  ``high_level_ratio`` (4) and kept between ``low_level_amp`` (0.5) and 1 — a focal high-level
  amplification counts fully, a broad low-level one half; ``gain`` 0.25; anything else 0. Times the role
  factor for amplifications (``Act`` 1.0, ``ambiguous`` 0.5, not a driver 0.5, ``LoF`` 0): amplified
  oncogenes count, amplified tumour suppressors do not. Cohort: the group's mean, times the factor.
* **rna**, **protein** — over-expression as a robust z-score, ramped linearly from 0 at ``z_low`` (2)
  to 1 at ``z_high`` (4). Patient: the patient's value against the cohort's median and 1.4826 × MAD.
  Cohort: the group's median minus the other patients' median, over the pooled robust spread
  (1.4826 × MAD of every patient's deviation from their side's median: a robust Cohen's d). Imputed values
  (``layers["missing"]``) are no evidence. A gene measured by several features (isoforms, RPPA
  phospho-forms mapped to their protein's gene) takes its best feature; several layers of one type,
  the best layer.
* **integration** — how strongly the gene loads on the joint factors that separate the groups:
  max over factors of (share of the factor's variance explained by the groups, r²) × |weight| / the
  factor's largest |weight| in that layer. A property of the cohort, the same in every row of a gene.
* **druggability** — the gene's tractability d(g) (see ``drugs.py``: anticancer agents only; in a patient's
  row, no agent withdrawn for the patient) times the row's own *genetic* evidence that the gene is
  activated, at its weight: max(w_mutation × an activating
  mutation's evidence (a hotspot or missense change of an IntOGen ``Act`` gene), w_copy_number × the
  copy-number evidence), at most 1. Over-expression alone never makes a drug count: a drug counts as far
  as the tumour's genome gives a reason to use it, so a gene is never a target for its drugs alone.
* **tumour suppressors** (IntOGen ``LoF``) get no evidence from over-expression (RNA, protein),
  amplification or druggability: an inhibitor of a lost gene is no therapy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache

import numpy as np
import pandas as pd

from precisionflow.targets.score import lower_spread, median, ramp, robust_scale, robust_z

EVIDENCE_TYPES = ("mutation", "copy_number", "rna", "protein", "integration", "druggability")
TUMOUR_TYPES = ("mutation", "copy_number", "rna", "protein")  # what gates druggability

# MAF Variant_Classification -> mutation class (anything else is not protein-altering)
MUTATION_CLASSES = {
    "Missense_Mutation": "missense",
    "In_Frame_Del": "missense",
    "In_Frame_Ins": "missense",
    "Nonsense_Mutation": "truncating",
    "Frame_Shift_Del": "truncating",
    "Frame_Shift_Ins": "truncating",
    "Splice_Site": "truncating",
    "Nonstop_Mutation": "truncating",
    "Translation_Start_Site": "truncating",
}


@dataclass
class Layer:
    """One expression layer: patients × features, with each feature's gene(s)."""

    name: str
    kind: str  # "rna" or "protein"
    values: np.ndarray  # patients × features, float
    patients: list[str]
    features: list[str]
    genes: list[str | None]  # per feature: a symbol, several separated by ';' or ',', or None
    missing: np.ndarray | None = None  # True where the value was imputed


@dataclass
class EvidenceInputs:
    """Everything the evidence rules read, already in public patient ids and gene symbols."""

    patients: list[str]  # the cohort (public ids, sorted)
    mutations: pd.DataFrame  # patient, gene, classification, is_hotspot, protein_change
    mutated_patients: list[str]  # patients with variant data (a patient without a mutation is a 0)
    copy_number: pd.DataFrame  # patient, gene, call
    cn_patients: list[str]
    layers: list[Layer]
    gene_weights: pd.DataFrame | None  # integration: layer, feature, gene, factor, weight, factor_*_r2
    roles: pd.Series  # gene -> Act / LoF / ambiguous (drivers only)
    druggability: pd.Series  # gene -> d(g) in [0, 1]
    groups: pd.Series | None = None  # patient -> group (label or cluster)
    separation: str = "label"  # which factor r² to use: "label" or "cluster"
    extra_genes: Sequence[str] = field(default_factory=tuple)
    # gene -> d(g) from its drugs alone, no DGIdb category (None: ``druggability``): what a gene whose curated
    # evidence for a patient is resistance only keeps
    drug_interactions: pd.Series | None = None
    # gene -> d(g) from its DGIdb categories alone (None: what ``druggability`` has above ``drug_interactions``)
    drug_categories: pd.Series | None = None
    # the weighted (gene, drug) rows d(g) counts (drugs.drug_weights): what a patient's withdrawn agents take away
    drug_weights: pd.DataFrame | None = None


def split_genes(value: object) -> list[str]:
    """A feature's gene symbols: ``'AKT1;AKT2'`` -> two; blank or NA -> none."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return []
    return list(_split(str(value)))


@cache
def _split(text: str) -> tuple[str, ...]:
    text = text.strip()
    if not text or text.upper() in {"NA", "NAN", "NONE", "<NA>"}:
        return ()
    return tuple(g.strip() for g in text.replace(",", ";").split(";") if g.strip())


def gene_universe(inputs: EvidenceInputs) -> np.ndarray:
    """Every gene some tumour or integration evidence can reach, sorted (drug-only genes are not targets)."""
    genes: set[str] = set(inputs.extra_genes)
    genes.update(inputs.mutations["gene"].dropna().astype(str))
    genes.update(inputs.copy_number["gene"].dropna().astype(str))
    for layer in inputs.layers:
        for value in layer.genes:
            genes.update(split_genes(value))
    if inputs.gene_weights is not None:
        for value in inputs.gene_weights["gene"].dropna().unique():
            genes.update(split_genes(value))
    return np.array(sorted(genes), dtype=object)


def role_factors(genes: np.ndarray, roles: pd.Series, factors: Mapping[str, float]) -> np.ndarray:
    """Per gene, the factor of its driver role (``none`` for genes that are not drivers)."""
    role = roles.reindex(genes).fillna("none").to_numpy()
    return np.array([factors.get(r, factors["ambiguous"]) for r in role], dtype=np.float64)


DENSE = np.float32  # patients × genes arrays (values are rounded to 6 decimals when written)


def sparse_to_dense(frame: pd.DataFrame, value: str, rows: Sequence[str], genes: np.ndarray) -> np.ndarray:
    """Long (patient, gene, value) -> rows × genes, the maximum where a pair repeats, 0 elsewhere."""
    out = np.zeros((len(rows), len(genes)), dtype=DENSE)
    if frame.empty:
        return out
    row_index = pd.Index(rows).get_indexer(frame["patient"])
    gene_index = pd.Index(genes).get_indexer(frame["gene"])
    keep = (row_index >= 0) & (gene_index >= 0)
    np.maximum.at(out, (row_index[keep], gene_index[keep]), frame[value].to_numpy(dtype=DENSE)[keep])
    return out


def mutation_values(mutations: pd.DataFrame, settings: Mapping) -> pd.DataFrame:
    """Each protein-altering mutation's class score (before the role factor); other classes dropped."""
    scores = settings["mutation"]["classes"]
    kind = mutations["classification"].map(MUTATION_CLASSES)
    value = kind.map(scores).where(kind.notna())
    value = value.where(~mutations["is_hotspot"].astype(bool), scores["hotspot"])
    out = mutations.assign(value=value)
    return out[out["value"].notna() & (out["value"] > 0)]


def copy_number_values(copy_number: pd.DataFrame, settings: Mapping) -> pd.DataFrame:
    """Each call's score before the role factor: ``amp`` by its level (see the module docstring), ``gain``
    its fixed value, other calls none."""
    cfg = settings["copy_number"]
    value = copy_number["call"].map(cfg["calls"]).fillna(0.0).astype(np.float64)
    amp = (copy_number["call"] == "amp").to_numpy()
    if amp.any():
        ratio = (
            pd.to_numeric(copy_number["total_cn"], errors="coerce")
            / pd.to_numeric(copy_number["ploidy"], errors="coerce")
        ).to_numpy()
        level = np.clip(np.nan_to_num(ratio / cfg["high_level_ratio"], nan=1.0), cfg["low_level_amp"], 1.0)
        value = value.where(~amp, value * level)
    out = copy_number.assign(value=value.to_numpy())
    return out[out["value"] > 0]


@dataclass
class GeneMap:
    """Features -> genes as index arrays, for a per-gene maximum with ``np.maximum.reduceat``."""

    feature_index: np.ndarray  # pairs sorted by gene
    starts: np.ndarray  # where each gene's run of pairs starts
    gene_index: np.ndarray  # the gene of each run (positions in the universe)


def gene_map(features_genes: Sequence[object], genes: np.ndarray) -> GeneMap:
    lookup = pd.Index(genes)
    pairs = [(f, g) for f, value in enumerate(features_genes) for g in split_genes(value)]
    if not pairs:
        empty = np.zeros(0, dtype=np.int64)
        return GeneMap(empty, empty, empty)
    feature = np.array([f for f, _ in pairs], dtype=np.int64)
    gene = lookup.get_indexer([g for _, g in pairs])
    keep = gene >= 0
    feature, gene = feature[keep], gene[keep]
    order = np.lexsort((feature, gene))
    feature, gene = feature[order], gene[order]
    starts = np.flatnonzero(np.r_[True, gene[1:] != gene[:-1]])
    return GeneMap(feature, starts, gene[starts])


def per_gene_max(values: np.ndarray, mapping: GeneMap, n_genes: int, fill: float = 0.0) -> np.ndarray:
    """rows × features -> rows × genes: each gene's largest feature value (``fill`` for unmapped genes)."""
    out = np.full((values.shape[0], n_genes), fill, dtype=values.dtype)
    if mapping.feature_index.size:
        out[:, mapping.gene_index] = np.maximum.reduceat(values[:, mapping.feature_index], mapping.starts, axis=1)
    return out


@dataclass
class ExpressionEvidence:
    evidence: np.ndarray  # rows × genes in [0, 1]
    z: np.ndarray  # rows × genes, the best feature's z (NaN where not measured)


def patient_expression(
    layer: Layer, patients: Sequence[str], genes: np.ndarray, settings: Mapping
) -> ExpressionEvidence:
    """Each patient's over-expression against the cohort (robust z, ramped), per gene."""
    low, high = settings["expression"]["z_low"], settings["expression"]["z_high"]
    values = np.asarray(layer.values, dtype=DENSE)
    if layer.missing is not None:
        values = np.where(layer.missing, DENSE(np.nan), values)
    center = median(values, axis=0)
    spread = lower_spread(values, center, axis=0)
    z = robust_z(values, center, spread)
    z[np.isnan(values)] = np.nan
    mapping = gene_map(layer.genes, genes)
    rows = pd.Index(patients).get_indexer(layer.patients)
    evidence = np.zeros((len(patients), len(genes)), dtype=DENSE)
    best_z = np.full((len(patients), len(genes)), np.nan, dtype=DENSE)
    present = rows >= 0
    evidence[rows[present]] = per_gene_max(ramp(z[present], low, high), mapping, len(genes))
    best_z[rows[present]] = per_gene_max(np.nan_to_num(z[present], nan=-np.inf), mapping, len(genes), fill=np.nan)
    best_z[~np.isfinite(best_z)] = np.nan
    return ExpressionEvidence(evidence, best_z)


def group_expression(
    layer: Layer, groups: pd.Series, group_names: Sequence[str], genes: np.ndarray, settings: Mapping
) -> ExpressionEvidence:
    """Each group against the rest: difference of medians over the pooled robust spread (z, ramped), per gene."""
    low, high = settings["expression"]["z_low"], settings["expression"]["z_high"]
    min_size = settings["expression"]["min_group_size"]
    values = np.asarray(layer.values, dtype=np.float64)
    if layer.missing is not None:
        values = np.where(layer.missing, np.nan, values)
    member = groups.reindex(layer.patients).to_numpy()
    z = np.full((len(group_names), values.shape[1]), np.nan)
    for g, name in enumerate(group_names):
        inside = member == name
        outside = ~inside & pd.notna(member)
        if inside.sum() < min_size or outside.sum() < min_size:
            continue
        group_median = median(values[inside], axis=0)
        rest_median = median(values[outside], axis=0)
        # pooled spread: everyone's deviation from their own side's median (a robust Cohen's d)
        residuals = np.concatenate([values[inside] - group_median, values[outside] - rest_median])
        _, spread = robust_scale(residuals, axis=0)
        z[g] = np.where(np.isnan(group_median), np.nan, robust_z(group_median, rest_median, spread))
    mapping = gene_map(layer.genes, genes)
    evidence = per_gene_max(ramp(z, low, high), mapping, len(genes))
    best_z = per_gene_max(np.nan_to_num(z, nan=-np.inf), mapping, len(genes), fill=np.nan)
    best_z[~np.isfinite(best_z)] = np.nan
    return ExpressionEvidence(evidence, best_z)


def combine_layers(parts: Sequence[ExpressionEvidence], shape: tuple[int, int]) -> ExpressionEvidence:
    """Several layers of one kind: the best evidence, and the z of the layer that gave it."""
    if not parts:
        return ExpressionEvidence(np.zeros(shape, dtype=DENSE), np.full(shape, np.nan, dtype=DENSE))
    if len(parts) == 1:
        return parts[0]
    best = np.maximum.reduce([p.evidence for p in parts])
    best_z = np.fmax.reduce([p.z for p in parts])  # fmax: NaN only where no layer measured the gene
    return ExpressionEvidence(best, best_z)


def integration_evidence(gene_weights: pd.DataFrame | None, genes: np.ndarray, separation: str) -> np.ndarray:
    """Per gene: max over factors of r²(factor, groups) × |weight| / the factor's largest |weight| in the layer."""
    out = np.zeros(len(genes))
    if gene_weights is None or gene_weights.empty:
        return out
    column = f"factor_{separation}_r2"
    if column not in gene_weights.columns or gene_weights[column].isna().all():
        column = "factor_cluster_r2"
    table = gene_weights[["layer", "factor", "gene", "weight", column]].copy()
    table["abs"] = table["weight"].abs()
    largest = table.groupby(["layer", "factor"])["abs"].transform("max")
    with np.errstate(divide="ignore", invalid="ignore"):
        table["value"] = (table[column].fillna(0.0).clip(0, 1) * table["abs"] / largest).fillna(0.0)
    table = table[table["value"] > 0]
    if table.empty:
        return out
    table["gene"] = table["gene"].map(split_genes)
    long = table[["gene", "value"]].explode("gene").dropna()
    best = long.groupby("gene")["value"].max()
    index = pd.Index(genes).get_indexer(best.index)
    keep = index >= 0
    out[index[keep]] = best.to_numpy()[keep]
    return out


def activating_mutations(mutations: pd.DataFrame, roles: pd.Series) -> pd.DataFrame:
    """The mutations (scored by :func:`mutation_values`) that activate an oncogene: a hotspot or a
    missense / in-frame change of an IntOGen ``Act`` gene."""
    missense = mutations["classification"].map(MUTATION_CLASSES).eq("missense") | mutations["is_hotspot"].astype(bool)
    return mutations[missense.to_numpy(bool) & mutations["gene"].map(roles).eq("Act").to_numpy(bool)]


def oncogene(genes: np.ndarray, roles: pd.Series) -> np.ndarray:
    """True for IntOGen ``Act`` genes: an amplification there is the gene's known effect, while elsewhere it is
    most often a passenger of the amplicon (PSMD3 beside ERBB2), no reason for the gene's drugs."""
    return roles.reindex(genes).fillna("none").to_numpy() == "Act"


def not_lof(genes: np.ndarray, roles: pd.Series) -> np.ndarray:
    """1.0 for every gene but IntOGen ``LoF`` tumour suppressors (0.0)."""
    return (roles.reindex(genes).fillna("none").to_numpy() != "LoF").astype(np.float64)


def gated_druggability(
    druggability: np.ndarray, activating: np.ndarray, copy_number: np.ndarray, weights: Mapping[str, float]
) -> np.ndarray:
    """d(g) times the row's genetic evidence of activation at its weight (capped at 1): max(w_mutation ×
    activating-mutation evidence, w_copy_number × copy-number evidence)."""
    genetic = np.maximum(float(weights["mutation"]) * activating, float(weights["copy_number"]) * copy_number)
    return druggability * np.clip(genetic, 0.0, 1.0)
