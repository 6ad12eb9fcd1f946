"""The cohort's view of its variants: TMB per patient, the patients × genes mutation matrix, an oncoplot.

**TMB** (maftools' ``tmb()``): non-synonymous coding mutations (:data:`~.annotation.NON_SYNONYMOUS`
classes) per Mb of captured territory (config ``tmb_capture_mb``, default 50 as maftools). A patient
whose variants carry no transcript annotation (a VCF without CSQ/ANN, classified by gene overlap
only) has no known coding mutations: ``coding_mutations`` and ``tmb_per_mb`` are left empty (NA)
and ``annotation`` and ``tmb_status`` say why, instead of a misleading 0 (``tmb_status`` is ``computed`` otherwise).

**Matrix** (``mutations.h5ad``): ``X`` counts non-synonymous mutations per patient and gene
(sparse, int32); ``layers["all_variants"]`` counts every kept variant; genes are those with at
least one kept variant in the cohort (``Unknown`` excluded). ``obs`` holds the TMB columns, ``var``
the driver flags and how many patients carry a non-synonymous mutation, ``uns`` the filters and
parameters the MAFs were made with.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import numpy as np
import pandas as pd

from precisionflow.variants.consequences import NON_SYNONYMOUS
from precisionflow.variants.maf_rows import NO_TRANSCRIPT, read_maf
from precisionflow.variants.summary import DROP_REASONS, NOT_APPLIED, MafSummary

# results/cohort/input_summary.tsv: per patient and input, every record read is kept or dropped for one reason;
# not_applied_<filter> counts kept records the filter could not be evaluated on (no depth, no VAF, no population AF).
ACCOUNTING_COLUMNS = [
    "patient", "input", "records", "kept", *[f"dropped_{r}" for r in DROP_REASONS],
    *[f"not_applied_{f}" for f in NOT_APPLIED],
]  # fmt: skip


def counts_table(patient: str, results: list[tuple[str, MafSummary]]) -> pd.DataFrame:
    """A patient's accounting rows (one per input file: ``vcf``/``maf``, or ``vcf:1``, ``vcf:2`` … for several)."""
    rows = [{"patient": patient, "input": label, **summary.accounting} for label, summary in results]
    return pd.DataFrame(rows, columns=ACCOUNTING_COLUMNS).fillna(0).astype({c: "int64" for c in ACCOUNTING_COLUMNS[2:]})


def input_summary(
    paths: list[str | os.PathLike[str]], copy_number_inputs: str | os.PathLike[str] | None = None
) -> pd.DataFrame:
    """The patients' counts tables, one below the other (sorted by patient, then input), with the rows of
    the copy-number step's ``copy_number_inputs.tsv`` (input ``cna``) when given: every record read by the
    variant and copy-number steps, kept or counted by reason (a reason of one input is 0 for the others)."""
    frames = [pd.read_csv(p, sep="\t", dtype={"patient": str, "input": str}, keep_default_na=False) for p in paths]
    if copy_number_inputs is not None:
        cna = pd.read_csv(copy_number_inputs, sep="\t", dtype={"patient": str, "input": str}, keep_default_na=False)
        frames.append(cna.drop(columns=["format"], errors="ignore"))
    extra = sorted({c for f in frames for c in f.columns if c.startswith("dropped_")} - set(ACCOUNTING_COLUMNS))
    not_applied = ACCOUNTING_COLUMNS.index(f"not_applied_{NOT_APPLIED[0]}")
    columns = ACCOUNTING_COLUMNS[:not_applied] + extra + ACCOUNTING_COLUMNS[not_applied:]
    if not frames:
        return pd.DataFrame(columns=columns)
    table = pd.concat(frames, ignore_index=True).reindex(columns=columns).fillna(0)
    table = table.astype({c: "int64" for c in columns[2:]})
    return table.sort_values(["patient", "input"], kind="stable").reset_index(drop=True)


TMB_COLUMNS = ["patient", "coding_mutations", "tmb_per_mb", "variants", "capture_mb", "annotation", "tmb_status"]
TMB_NOT_COMPUTABLE = "not computable: no transcript annotation (a VCF without VEP CSQ or SnpEff ANN)"
MATRIX_COLUMNS = [
    "Hugo_Symbol",
    "Variant_Classification",
    "annotation_source",
    "is_driver_gene",
    "driver_role",
    "HGVSp_Short",
]

# Oncoplot colours (maftools' defaults where it has one).
CLASS_COLOURS = {
    "Missense_Mutation": "#4daf4a",
    "Nonsense_Mutation": "#e41a1c",
    "Frame_Shift_Del": "#377eb8",
    "Frame_Shift_Ins": "#984ea3",
    "In_Frame_Del": "#ffff33",
    "In_Frame_Ins": "#a65628",
    "Splice_Site": "#ff7f00",
    "Translation_Start_Site": "#f781bf",
    "Nonstop_Mutation": "#999999",
    "Multi_Hit": "#000000",
}


def maf_header(path: str | os.PathLike[str]) -> dict[str, str]:
    """The ``#key value`` lines at the top of a MAF written by :mod:`.maf`."""
    values: dict[str, str] = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if not line.startswith("#"):
                break
            key, _, value = line[1:].rstrip("\n").partition(" ")
            values[key] = value
    return values


def patient_tmb(path: str | os.PathLike[str], capture_mb: float, patient: str) -> dict[str, object]:
    header = maf_header(path)
    maf = read_maf(path, ["Variant_Classification", "annotation_source"])
    annotated_rows = maf["annotation_source"].astype(str) != NO_TRANSCRIPT
    annotated = header.get("annotation", NO_TRANSCRIPT) != NO_TRANSCRIPT and (maf.empty or bool(annotated_rows.any()))
    coding = int((maf["Variant_Classification"].isin(NON_SYNONYMOUS) & annotated_rows).sum())
    return {
        "patient": patient,
        "coding_mutations": coding if annotated else pd.NA,
        "tmb_per_mb": round(coding / capture_mb, 4) if annotated else pd.NA,
        "variants": len(maf),
        "capture_mb": capture_mb,
        "annotation": header.get("annotation", "")
        if annotated
        else "no transcript annotation: coding mutations unknown",
        "tmb_status": "computed" if annotated else TMB_NOT_COMPUTABLE,
    }


def tmb_table(mafs: Mapping[str, str | os.PathLike[str]], capture_mb: float = 50.0) -> pd.DataFrame:
    """One row per patient (sorted): :data:`TMB_COLUMNS`."""
    rows = [patient_tmb(path, capture_mb, patient) for patient, path in sorted(mafs.items())]
    frame = pd.DataFrame(rows, columns=TMB_COLUMNS)
    return frame.astype({"coding_mutations": "Int64", "tmb_per_mb": "Float64"})


def _gene_counts(mafs: Mapping[str, str | os.PathLike[str]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Long tables (patient, gene, count) of non-synonymous and of all kept variants, plus driver info per gene."""
    frames = []
    for patient, path in sorted(mafs.items()):
        maf = read_maf(path, MATRIX_COLUMNS)
        maf = maf[maf["Hugo_Symbol"].notna() & (maf["Hugo_Symbol"] != "Unknown")]
        frames.append(maf.assign(patient=patient))
    if not frames:
        return pd.DataFrame(columns=[*MATRIX_COLUMNS, "patient"]), pd.DataFrame(
            columns=["is_driver_gene", "driver_role"]
        )
    long = pd.concat(frames, ignore_index=True)
    genes = long.groupby("Hugo_Symbol").agg(
        is_driver_gene=("is_driver_gene", "max"), driver_role=("driver_role", "first")
    )
    return long, genes


def mutation_matrix(
    mafs: Mapping[str, str | os.PathLike[str]],
    tmb: pd.DataFrame | None = None,
    uns: Mapping[str, object] | None = None,
):
    """AnnData: patients (every key of ``mafs``, sorted) × genes, non-synonymous counts (see module docstring)."""
    import anndata as ad
    import scipy.sparse as sp

    patients = sorted(mafs)
    long, genes = _gene_counts(mafs)
    gene_names = sorted(genes.index.astype(str))
    row = {p: i for i, p in enumerate(patients)}
    col = {g: j for j, g in enumerate(gene_names)}

    def counts(frame: pd.DataFrame) -> sp.csr_matrix:
        grouped = frame.groupby(["patient", "Hugo_Symbol"]).size()
        r = [row[p] for p, _ in grouped.index]
        c = [col[g] for _, g in grouped.index]
        return sp.csr_matrix(
            (grouped.to_numpy(dtype=np.int32), (r, c)), shape=(len(patients), len(gene_names)), dtype=np.int32
        )

    nonsyn = long[long["Variant_Classification"].isin(NON_SYNONYMOUS) & (long["annotation_source"] != NO_TRANSCRIPT)]
    x = counts(nonsyn)
    obs = pd.DataFrame(index=pd.Index(patients, name="patient"))
    if tmb is not None and not tmb.empty:
        indexed = tmb.set_index("patient")
        for column in ("coding_mutations", "tmb_per_mb", "variants"):
            obs[column] = indexed[column].reindex(patients).to_numpy(dtype=float)
        obs["annotation"] = indexed["annotation"].reindex(patients).fillna("").astype(str).to_numpy()
    var = pd.DataFrame(index=pd.Index(gene_names, name="gene"))
    var["is_driver_gene"] = genes["is_driver_gene"].reindex(gene_names).fillna(False).astype(bool).to_numpy()
    var["driver_role"] = genes["driver_role"].reindex(gene_names).fillna("").astype(str).to_numpy()
    var["n_patients_mutated"] = np.asarray((x > 0).sum(axis=0)).ravel().astype(np.int64)
    adata = ad.AnnData(X=x, obs=obs, var=var)
    adata.layers["all_variants"] = counts(long)
    adata.uns["variants"] = {
        "non_synonymous_classes": sorted(NON_SYNONYMOUS),
        "counts": "X: non-synonymous mutations (transcript-annotated); layers['all_variants']: every kept variant",
        **_plain(uns or {}),
    }
    return adata


def _plain(value: object) -> object:
    """Config values as HDF5-writable plain types (None as an empty string)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value] if value else []
    if value is None:
        return ""
    return value


def oncoplot(mafs: Mapping[str, str | os.PathLike[str]], tmb: pd.DataFrame | None = None, top_n: int = 20):
    """A maftools-style oncoplot of the most often mutated genes (non-synonymous, transcript-annotated).

    Genes are ranked by the number of patients carrying a non-synonymous mutation (ties by name);
    a patient with several in one gene shows ``Multi_Hit``. Patients are ordered by their mutation
    pattern (the top gene first). TMB bars sit on top, the share of patients on the right.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    patients = sorted(mafs)
    long, _ = _gene_counts(mafs)
    nonsyn = long[long["Variant_Classification"].isin(NON_SYNONYMOUS) & (long["annotation_source"] != NO_TRANSCRIPT)]
    per_cell = nonsyn.groupby(["Hugo_Symbol", "patient"])["Variant_Classification"].agg(
        lambda v: v.iloc[0] if len(v) == 1 else "Multi_Hit"
    )
    mutated = per_cell.groupby(level=0).size()
    ranking = sorted(mutated.index, key=lambda g: (-int(mutated[g]), g))[:top_n]
    fig = plt.figure(figsize=(max(6.0, 0.12 * len(patients) + 3), 1.6 + 0.32 * max(len(ranking), 3)))
    grid = fig.add_gridspec(
        2, 2, height_ratios=[1, max(len(ranking), 3) / 3], width_ratios=[8, 1], hspace=0.05, wspace=0.02
    )
    top, main, side = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[1, 0]), fig.add_subplot(grid[1, 1])
    fig.add_subplot(grid[0, 1]).axis("off")
    if not ranking:
        main.text(0.5, 0.5, "no non-synonymous mutation with a transcript annotation", ha="center", va="center")
        for axis in (top, main, side):
            axis.set_xticks([])
            axis.set_yticks([])
        return fig
    table = per_cell.unstack(level=1).reindex(index=ranking, columns=patients)
    present = table.notna().to_numpy()
    order = sorted(range(len(patients)), key=lambda j: (tuple(not v for v in present[:, j]), patients[j]))
    table = table.iloc[:, order]
    ordered = [patients[j] for j in order]
    for i in range(len(ranking)):
        for j in range(len(ordered)):
            value = table.iat[i, j]
            colour = CLASS_COLOURS.get(value, "#bdbdbd") if isinstance(value, str) else "#f0f0f0"
            main.add_patch(plt.Rectangle((j, i), 0.9, 0.85, color=colour, linewidth=0))
    main.set_xlim(0, len(ordered))
    main.set_ylim(len(ranking), 0)
    main.set_yticks(np.arange(len(ranking)) + 0.45)
    main.set_yticklabels(ranking, fontsize=8, fontstyle="italic")
    main.set_xticks([])
    main.set_xlabel(f"{len(patients)} patients")
    for spine in main.spines.values():
        spine.set_visible(False)
    share = [100 * mutated[g] / len(patients) for g in ranking]
    side.barh(np.arange(len(ranking)) + 0.45, share, height=0.7, color="#636363")
    side.set_ylim(len(ranking), 0)
    side.set_yticks([])
    side.set_xlabel("% patients", fontsize=8)
    if tmb is not None and not tmb.empty:
        values = tmb.set_index("patient")["tmb_per_mb"].reindex(ordered).astype(float).fillna(0).to_numpy()
        top.bar(np.arange(len(ordered)) + 0.45, values, width=0.9, color="#636363")
        top.set_ylabel("TMB /Mb", fontsize=8)
    top.set_xlim(0, len(ordered))
    top.set_xticks([])
    for spine in ("top", "right"):
        top.spines[spine].set_visible(False)
    used = [c for c in CLASS_COLOURS if (table == c).to_numpy().any()]
    main.legend(
        handles=[Patch(color=CLASS_COLOURS[c], label=c.replace("_", " ")) for c in used],
        loc="upper center",
        bbox_to_anchor=(0.5, -0.08),
        ncol=min(4, max(1, len(used))),
        fontsize=7,
        frameon=False,
    )
    return fig
