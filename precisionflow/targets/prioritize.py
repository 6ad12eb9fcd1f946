"""Ranked, explained targets: the cohort table (per group) and one table per patient.

Each row's score is the Open Targets harmonic sum (``score.harmonic_score``) of its ``evidence_<type>``
columns with the config's weights; the columns are rounded to 6 decimals first and the score is
computed from the rounded values, so a reader reproduces every score from its row. ``rank`` 1 is the
best; ties are broken by gene name.

Cohort table: the evidence of every group (label or cluster) against the rest of the cohort; each
gene's row is its best group (``group``). Patient tables: the patient's own evidence; a gene is listed
when the patient has some tumour evidence for it (a mutation, a copy-number call, over-expression).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from precisionflow.targets import evidence as ev
from precisionflow.targets.score import harmonic_score, rank_order

log = logging.getLogger(__name__)

EVIDENCE_COLUMNS = [f"evidence_{t}" for t in ev.EVIDENCE_TYPES]
DIGITS = 6


def weight_vector(settings: Mapping) -> np.ndarray:
    return np.array([float(settings["weights"][t]) for t in ev.EVIDENCE_TYPES])


def finish_scores(evidence: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Evidence rounded as written, and the score computed from the rounded values (then rounded)."""
    rounded = np.round(evidence, DIGITS)
    return rounded, np.round(harmonic_score(rounded, weights), DIGITS)


@dataclass
class Prepared:
    """Patient-level evidence of the whole cohort (patients × genes per type), computed once."""

    genes: np.ndarray
    patients: list[str]
    mutation: np.ndarray
    copy_number: np.ndarray
    rna: ev.ExpressionEvidence
    protein: ev.ExpressionEvidence
    integration: np.ndarray
    druggability: np.ndarray  # d(g), ungated
    drug_interactions: np.ndarray  # d(g) from the gene's drugs alone (no DGIdb category), ungated
    drug_categories: np.ndarray  # d(g) from the gene's DGIdb categories alone, ungated
    mutation_role: np.ndarray
    cn_role: np.ndarray
    mutation_class: np.ndarray  # before the role factor
    cn_value: np.ndarray  # before the role factor
    mutation_text: pd.Series  # (patient, gene) -> "p.H1047R (hotspot); …"
    cn_text: pd.Series  # (patient, gene) -> call
    activating: np.ndarray  # patients × genes: activating-mutation evidence (role factor applied), else 0
    amplified: np.ndarray  # patients × genes: True where the call is amp
    not_lof: np.ndarray  # per gene: 0 for LoF tumour suppressors, else 1
    oncogene: np.ndarray  # per gene: True for IntOGen Act genes (their amplification fits their drugs)


def prepare(inputs: ev.EvidenceInputs, settings: Mapping) -> Prepared:
    genes = ev.gene_universe(inputs)
    patients = list(inputs.patients)
    shape = (len(patients), len(genes))
    mutations = ev.mutation_values(inputs.mutations, settings)
    mutation_class = ev.sparse_to_dense(mutations, "value", patients, genes)
    mutation_role = ev.role_factors(genes, inputs.roles, settings["mutation"]["role_factors"])
    calls = ev.copy_number_values(inputs.copy_number, settings)
    cn_value = ev.sparse_to_dense(calls, "value", patients, genes)
    cn_role = ev.role_factors(genes, inputs.roles, settings["copy_number"]["role_factors"])
    by_kind: dict[str, list[ev.ExpressionEvidence]] = {"rna": [], "protein": []}
    for layer in inputs.layers:
        by_kind[layer.kind].append(ev.patient_expression(layer, patients, genes, settings))
    suppressor_mask = ev.not_lof(genes, inputs.roles)
    activating = (
        ev.sparse_to_dense(ev.activating_mutations(mutations, inputs.roles), "value", patients, genes) * mutation_role
    )
    amp_calls = inputs.copy_number[inputs.copy_number["call"] == "amp"].assign(value=1.0)
    rna = ev.combine_layers(by_kind["rna"], shape)
    protein = ev.combine_layers(by_kind["protein"], shape)
    rna = ev.ExpressionEvidence(rna.evidence * suppressor_mask.astype(rna.evidence.dtype), rna.z)
    protein = ev.ExpressionEvidence(protein.evidence * suppressor_mask.astype(protein.evidence.dtype), protein.z)
    text = mutations.assign(
        label=mutations["protein_change"].fillna("").astype(str).where(lambda s: s != "", mutations["classification"])
        + np.where(mutations["is_hotspot"].astype(bool), " (hotspot)", "")
    )
    mutation_text = text.sort_values(["patient", "gene", "label"]).groupby(["patient", "gene"])["label"].agg("; ".join)
    cn_text = inputs.copy_number.drop_duplicates(["patient", "gene"]).set_index(["patient", "gene"])["call"]
    druggability = inputs.druggability.reindex(genes).fillna(0.0).to_numpy(dtype=np.float64)
    interactions = (
        (inputs.druggability if inputs.drug_interactions is None else inputs.drug_interactions)
        .reindex(genes)
        .fillna(0.0)
        .to_numpy(dtype=np.float64)
    )
    categories = (
        np.where(druggability > interactions, druggability, 0.0)
        if inputs.drug_categories is None
        else inputs.drug_categories.reindex(genes).fillna(0.0).to_numpy(dtype=np.float64)
    )
    return Prepared(
        genes=genes,
        patients=patients,
        mutation=mutation_class * mutation_role,
        copy_number=cn_value * cn_role,
        rna=rna,
        protein=protein,
        integration=ev.integration_evidence(inputs.gene_weights, genes, inputs.separation),
        druggability=druggability,
        drug_interactions=interactions,
        drug_categories=categories,
        mutation_role=mutation_role,
        cn_role=cn_role,
        mutation_class=mutation_class,
        cn_value=cn_value,
        mutation_text=mutation_text,
        cn_text=cn_text,
        activating=activating,
        amplified=ev.sparse_to_dense(amp_calls, "value", patients, genes) > 0,
        not_lof=suppressor_mask,
        oncogene=ev.oncogene(genes, inputs.roles),
    )


def stack(
    tumour: np.ndarray, integration: np.ndarray, druggability: np.ndarray, activating: np.ndarray, settings: Mapping
) -> np.ndarray:
    """rows × genes × 4 tumour types -> rows × genes × 6 (integration broadcast, druggability gated by the
    activating-mutation and copy-number evidence)."""
    integ = np.broadcast_to(integration, tumour.shape[:-1])[..., None]
    drug = ev.gated_druggability(druggability, activating, tumour[..., 1], settings["weights"])[..., None]
    return np.concatenate([tumour, integ, drug], axis=-1)


INFERENTIAL = "inferential (DGIdb; AMP tier II-D at most)"
RESISTANCE_ONLY = "curated (MOAlmanac): resistance only, no drug for this patient"


def z_column(z: np.ndarray) -> np.ndarray:
    return np.round(z, 2)


@dataclass
class PatientTables:
    """Every patient's rows in one long table (sorted by patient, then rank) and where each patient starts."""

    table: pd.DataFrame
    patients: list[str]
    bounds: np.ndarray  # table rows of patient i: bounds[i]:bounds[i + 1]

    def of(self, patient: str) -> pd.DataFrame:
        i = self.patients.index(patient)
        part = self.table.iloc[self.bounds[i] : self.bounds[i + 1]].reset_index(drop=True)
        return part.astype({c: object for c in ("gene", "drugs", "mutations", "copy_number_call")})


def flat_lookup(
    texts: pd.Series, patients: Sequence[str], genes: np.ndarray, p_idx: np.ndarray, g_idx: np.ndarray
) -> pd.Categorical:
    """Values of a (patient, gene)-indexed series at the pairs (p_idx, g_idx); '' where absent (as categories)."""
    codes = np.zeros(len(p_idx), dtype=np.int64)
    if texts.empty:
        return pd.Categorical.from_codes(codes, categories=pd.Index([""], dtype=object))
    keys_p = pd.Index(patients).get_indexer(texts.index.get_level_values(0))
    keys_g = pd.Index(genes).get_indexer(texts.index.get_level_values(1))
    ok = (keys_p >= 0) & (keys_g >= 0)
    flat = keys_p[ok].astype(np.int64) * len(genes) + keys_g[ok]
    order = np.argsort(flat)
    flat = flat[order]
    value_codes, names = pd.factorize(texts.to_numpy(dtype=object)[ok][order])
    categories = pd.Index([""] + sorted(n for n in names if n != ""), dtype=object)
    value_codes = categories.get_indexer(names)[value_codes]
    wanted = p_idx.astype(np.int64) * len(genes) + g_idx
    pos = np.clip(np.searchsorted(flat, wanted), 0, max(len(flat) - 1, 0))
    hit = flat[pos] == wanted if len(flat) else np.zeros(len(wanted), dtype=bool)
    codes[hit] = value_codes[pos[hit]]
    return pd.Categorical.from_codes(codes, categories=categories)


def pair_keys(pair_patients: Sequence[str], pair_genes: Sequence[str], patients: Sequence[str], genes: np.ndarray):
    """One number per (patient, gene) pair, as ``p_idx * len(genes) + g_idx`` numbers the table's pairs; -1 for a
    patient or gene not in the table."""
    p = pd.Index(patients).get_indexer(pair_patients).astype(np.int64)
    g = pd.Index(genes).get_indexer(pair_genes).astype(np.int64)
    return np.where((p >= 0) & (g >= 0), p * len(genes) + g, -1)


def pair_mask(
    pairs: Mapping[str, Iterable[str]], patients: Sequence[str], genes: np.ndarray, p_idx: np.ndarray, g_idx: np.ndarray
) -> np.ndarray:
    """True at the (patient, gene) pairs of ``pairs`` (patient -> genes) among (p_idx, g_idx)."""
    flat = [(patient, gene) for patient, some in pairs.items() for gene in some]
    keys = pair_keys([p for p, _ in flat], [g for _, g in flat], patients, genes)
    return np.isin(p_idx.astype(np.int64) * len(genes) + g_idx, keys[keys >= 0])


def pair_values(
    values: pd.Series | None,
    patients: Sequence[str],
    genes: np.ndarray,
    p_idx: np.ndarray,
    g_idx: np.ndarray,
    default: np.ndarray,
) -> np.ndarray:
    """Values of a (patient, gene)-indexed numeric series at the pairs (p_idx, g_idx); ``default`` elsewhere."""
    if values is None or values.empty:
        return default
    keys = pair_keys(values.index.get_level_values(0), values.index.get_level_values(1), patients, genes)
    ok = keys >= 0
    lookup = pd.Series(values.to_numpy(np.float64)[ok], index=keys[ok])
    found = lookup.reindex(p_idx.astype(np.int64) * len(genes) + g_idx).to_numpy()
    return np.where(np.isnan(found), default, found)


def patient_tables(
    prepared: Prepared,
    drugs: pd.Series,
    settings: Mapping,
    resistance_only: Mapping[str, Iterable[str]] | None = None,
    withdrawn: pd.Series | None = None,
) -> PatientTables:
    """Every patient's table: the genes with some tumour evidence in the patient, ranked.

    Vectorized over all (patient, gene) pairs at once: the pairs listed are taken from the dense
    patients × genes evidence, scored together and sorted by (patient, score, gene name).
    ``resistance_only``: patient -> genes whose curated evidence for the patient is resistance only
    (:func:`~precisionflow.actionability.knowledge.resistance_only_genes`); their druggability is their drugs'
    alone, none from a DGIdb gene category (which names no drug: KRAS's "clinically actionable" is its resistance).
    ``withdrawn``: (patient, gene) -> the gene's drugs' part without the agents withdrawn for the patient
    (:func:`~precisionflow.targets.drugs.withdrawn_parts`), in place of the gene's own.
    """
    weights = weight_vector(settings)
    genes = prepared.genes
    parts = [prepared.mutation, prepared.copy_number, prepared.rna.evidence, prepared.protein.evidence]
    listed = parts[0] > 0
    for part in parts[1:]:
        listed |= part > 0
    p_idx, g_idx = np.nonzero(listed)
    tumour = np.stack([part[p_idx, g_idx] for part in parts], axis=1)
    activating = prepared.activating[p_idx, g_idx]
    interactions = pair_values(withdrawn, prepared.patients, genes, p_idx, g_idx, prepared.drug_interactions[g_idx])
    base = np.where(
        pair_mask(resistance_only or {}, prepared.patients, genes, p_idx, g_idx),
        interactions,
        np.maximum(interactions, prepared.drug_categories[g_idx]),
    )
    gated = ev.gated_druggability(base, activating, tumour[:, 1], settings["weights"]) * prepared.not_lof[g_idx]
    evidence = np.column_stack([tumour, prepared.integration[g_idx], gated])
    evidence, scores = finish_scores(evidence, weights)
    order = np.lexsort((g_idx, -scores, p_idx))  # genes are sorted by name: index order is name order
    p_idx, g_idx, evidence, scores = p_idx[order], g_idx[order], evidence[order], scores[order]
    counts = np.bincount(p_idx, minlength=len(prepared.patients))
    bounds = np.r_[0, np.cumsum(counts)]
    rank = np.arange(len(p_idx)) - bounds[p_idx] + 1
    # gene and drugs as categories (codes into the gene list): cheap for millions of rows
    table = pd.DataFrame(
        {
            "gene": pd.Categorical.from_codes(g_idx, categories=pd.Index(genes, dtype=object)),
            "rank": rank,
            "score": scores,
        }
    )
    for j, column in enumerate(EVIDENCE_COLUMNS):
        table[column] = evidence[:, j]
    # drugs only for an alteration whose direction fits them: an activating mutation, or an amplification of an
    # oncogene (not of a passenger in its amplicon); an expression outlier is supporting evidence, no therapy
    amplified_oncogene = prepared.amplified[p_idx, g_idx] & prepared.oncogene[g_idx]
    fits = ((prepared.activating[p_idx, g_idx] > 0) | amplified_oncogene) & (prepared.not_lof[g_idx] > 0)
    drug_text = pd.concat([pd.Series([""]), drugs.reindex(genes).fillna("")], ignore_index=True)
    drug_codes, drug_names = pd.factorize(drug_text, sort=True)
    codes = np.where(fits, drug_codes[1:][g_idx], drug_codes[0])
    table["drugs"] = pd.Categorical.from_codes(codes, categories=drug_names)
    table["mutations"] = flat_lookup(prepared.mutation_text, prepared.patients, genes, p_idx, g_idx)
    table["copy_number_call"] = flat_lookup(prepared.cn_text, prepared.patients, genes, p_idx, g_idx)
    table["rna_z"] = z_column(prepared.rna.z[p_idx, g_idx])
    table["protein_z"] = z_column(prepared.protein.z[p_idx, g_idx])
    table["drug_evidence"] = pd.Categorical.from_codes(
        (table["drugs"].cat.codes.to_numpy() != drug_names.get_loc("")).astype(np.int8)
        if len(table)
        else np.zeros(0, np.int8),
        categories=["", INFERENTIAL],
    )
    return PatientTables(table, list(prepared.patients), bounds)


def group_means(
    values: np.ndarray, patients: Sequence[str], with_data: Sequence[str], groups: pd.Series, names: Sequence[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per group: mean of ``values`` (patients × genes) over its patients with data, the share above 0,
    and how many patients with data it has."""
    member = groups.reindex(patients).to_numpy()
    has = pd.Index(patients).isin(list(with_data))
    means = np.zeros((len(names), values.shape[1]))
    shares = np.zeros_like(means)
    counts = np.zeros(len(names), dtype=np.int64)
    for g, name in enumerate(names):
        rows = (member == name) & has
        counts[g] = rows.sum()
        if counts[g]:
            means[g] = values[rows].mean(axis=0)
            shares[g] = (values[rows] > 0).mean(axis=0)
    return means, shares, counts


def cohort_table(inputs: ev.EvidenceInputs, prepared: Prepared, drugs: pd.Series, settings: Mapping) -> pd.DataFrame:
    """One row per gene: its best group's evidence and score, ranked."""
    weights = weight_vector(settings)
    genes = prepared.genes
    patients = prepared.patients
    groups = inputs.groups if inputs.groups is not None else pd.Series("all", index=patients)
    groups = groups.dropna().astype(str)
    names = sorted(groups.unique())
    if not names:
        groups, names = pd.Series("all", index=patients), ["all"]
    mut_mean, mut_share, _ = group_means(prepared.mutation_class, patients, inputs.mutated_patients, groups, names)
    cn_mean, _, _ = group_means(prepared.cn_value, patients, inputs.cn_patients, groups, names)
    amplified = inputs.copy_number[inputs.copy_number["call"] == "amp"].assign(value=1.0)
    amp = ev.sparse_to_dense(amplified, "value", patients, genes)
    _, amp_share, _ = group_means(amp, patients, inputs.cn_patients, groups, names)
    by_kind: dict[str, list[ev.ExpressionEvidence]] = {"rna": [], "protein": []}
    for layer in inputs.layers:
        by_kind[layer.kind].append(ev.group_expression(layer, groups, names, genes, settings))
    shape = (len(names), len(genes))
    rna = ev.combine_layers(by_kind["rna"], shape)
    protein = ev.combine_layers(by_kind["protein"], shape)
    act_mean, _, _ = group_means(prepared.activating, patients, inputs.mutated_patients, groups, names)
    tumour = np.stack(
        [
            mut_mean * prepared.mutation_role,
            cn_mean * prepared.cn_role,
            rna.evidence * prepared.not_lof,
            protein.evidence * prepared.not_lof,
        ],
        axis=-1,
    )
    evidence, scores = finish_scores(
        stack(tumour, prepared.integration, prepared.druggability * prepared.not_lof, act_mean, settings), weights
    )
    best = np.argmax(scores, axis=0)  # first group wins ties (groups sorted by name)
    columns = np.arange(len(genes))
    best_evidence = evidence[best, columns]
    best_scores = scores[best, columns]
    listed = best_evidence[:, :5].max(axis=1) > 0  # some tumour or integration evidence
    keep = np.flatnonzero(listed)
    order = keep[rank_order(best_scores[keep], genes[keep])]
    group_sizes = groups.value_counts().reindex(names).fillna(0).astype(int).to_numpy()
    table = pd.DataFrame({"gene": genes[order], "rank": np.arange(1, len(order) + 1), "score": best_scores[order]})
    for j, column in enumerate(EVIDENCE_COLUMNS):
        table[column] = best_evidence[order, j]
    g = best[order]
    # drugs where the best group's genome activates the gene (activating mutations, amplified oncogenes)
    amplified_oncogene = (amp_share[g, order] > 0) & prepared.oncogene[order]
    fits = ((act_mean[g, order] > 0) | amplified_oncogene) & (prepared.not_lof[order] > 0)
    table["drugs"] = np.where(fits, drugs.reindex(genes[order]).fillna("").to_numpy(), "")
    table["group"] = np.array(names, dtype=object)[g]
    table["group_size"] = group_sizes[g]
    table["mutated_fraction"] = np.round(mut_share[g, order], 4)
    table["amplified_fraction"] = np.round(amp_share[g, order], 4)
    table["rna_z"] = z_column(rna.z[g, order])
    table["protein_z"] = z_column(protein.z[g, order])
    return table


def set_cells(tables: PatientTables, updates: Mapping[int, tuple[str, str]]) -> None:
    """Write (drugs, drug_evidence) at the given rows of the long table (categorical columns)."""
    if not updates:
        return
    rows = np.array(sorted(updates))
    for column, k in (("drugs", 0), ("drug_evidence", 1)):
        values = [updates[r][k] for r in rows]
        series = tables.table[column]
        new = sorted(set(values) - set(series.cat.categories))
        if new:
            tables.table[column] = series.cat.add_categories(new)
        tables.table.iloc[rows, tables.table.columns.get_loc(column)] = values
