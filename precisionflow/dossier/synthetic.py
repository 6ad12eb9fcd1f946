"""Synthetic step outputs in the SPEC layout, for the dossier's tests and the bench.

Every source of :mod:`precisionflow.dossier.sources` can be written, including those of steps built
elsewhere (actionability, PGx, outcome, explanations, step table), with exactly their SPEC columns, so
the sections reading them are exercised before those steps exist in the workflow. Patient ``S0000`` is
HER2-amplified (ERBB2 amp, a tier I-A trastuzumab row and a resistance row), and every patient carries a
CYP2D6 genotype with one dosing flag.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from precisionflow.actionability.matching import SPEC_COLUMNS as ACTIONABLE_COLUMNS
from precisionflow.dossier.gather import Sources

GENES = [
    "ERBB2",
    "GRB7",
    "PIK3CA",
    "TP53",
    "ESR1",
    "EGFR",
    "KRAS",
    "BRCA1",
    "PTEN",
    "MYC",
    *[f"G{i:04d}" for i in range(190)],
]
CONTIGS = [str(c) for c in range(1, 23)] + ["X"]
CLASSES = ["Basal", "HER2", "Luminal"]
SEED = 20261130


def patient_ids(n: int) -> list[str]:
    return [f"S{i:04d}" for i in range(n)]


def _gene_loci() -> pd.DataFrame:
    rng = np.random.default_rng([SEED, 1])
    chrom = [CONTIGS[i % len(CONTIGS)] for i in range(len(GENES))]
    chrom[0] = chrom[1] = "17"  # ERBB2 and GRB7 side by side, as on 17q12
    start = np.sort(rng.integers(1_000_000, 150_000_000, len(GENES)))
    return pd.DataFrame({"gene": GENES, "chrom": chrom, "start": start, "end": start + 50_000})


def write_sources(folder: str | Path, patients: Iterable[str], *, optional: bool = True) -> Sources:
    """Write the sources of a synthetic cohort under ``folder``; ``optional=False`` leaves out the steps
    of the other branches (actionability, PGx, outcome, explanations, steps, input summary)."""
    folder = Path(folder)
    patients = list(patients)
    rng = np.random.default_rng([SEED, len(patients)])
    paths: dict = {"mafs": {}}
    (folder / "variants").mkdir(parents=True, exist_ok=True)
    for i, patient in enumerate(patients):
        n = 8 + int(rng.integers(0, 12))
        genes = rng.choice(GENES[2:], n, replace=False)
        maf = pd.DataFrame(
            {
                "Hugo_Symbol": genes,
                "Chromosome": rng.choice(CONTIGS, n),
                "Start_Position": rng.integers(1_000_000, 100_000_000, n),
                "Reference_Allele": "C",
                "Tumor_Seq_Allele2": "T",
                "Variant_Classification": rng.choice(["Missense_Mutation", "Nonsense_Mutation", "Silent"], n),
                "HGVSp_Short": [f"p.R{k}W" for k in rng.integers(10, 900, n)],
                "HGVSc": [f"c.{k}C>T" for k in rng.integers(30, 2700, n)],
                "t_vaf": np.round(rng.uniform(0.05, 0.6, n), 4),
                "is_hotspot": rng.random(n) < 0.1,
                "is_driver_gene": rng.random(n) < 0.2,
                "driver_role": rng.choice(["Act", "LoF", ""], n),
            }
        )
        if i == 0:  # the HER2 patient: a PIK3CA hotspot as well
            maf.loc[0, ["Hugo_Symbol", "HGVSp_Short", "is_hotspot", "Variant_Classification"]] = [
                "PIK3CA",
                "p.E545K",
                True,
                "Missense_Mutation",
            ]
        path = folder / "variants" / f"{patient}.maf.tsv"
        maf.to_csv(path, sep="\t", index=False)
        paths["mafs"][patient] = str(path)
    loci = _gene_loci()
    cn = []
    for i, patient in enumerate(patients):
        total = np.full(len(loci), 2.0)
        if i == 0 or rng.random() < 0.1:
            total[:2] = 8.0  # ERBB2, GRB7 amplified
        total[rng.random(len(loci)) < 0.1] = 1.0
        calls = np.select(
            [total >= 6, total > 2, total == 2, total >= 1], ["amp", "gain", "neutral", "loss"], "deep_loss"
        )
        cn.append(loci.assign(patient=patient, total_cn=total, call=calls))
    cn_frame = pd.concat(cn)[["patient", "gene", "total_cn", "call", "chrom", "start", "end"]]
    paths["copy_number"] = _tsv(cn_frame, folder / "variants" / "copy_number.tsv")
    counts = [len(pd.read_csv(p, sep="\t")) for p in paths["mafs"].values()]
    paths["tmb"] = _tsv(
        pd.DataFrame(
            {"patient": patients, "coding_mutations": counts, "tmb_per_mb": np.round(np.array(counts) / 30.0, 4)}
        ),
        folder / "variants" / "tmb.tsv",
    )
    (folder / "integration").mkdir(exist_ok=True)
    clusters = [f"C{1 + (i % 3)}" for i in range(len(patients))]
    paths["clusters"] = _tsv(
        pd.DataFrame({"patient": patients, "cluster": clusters}), folder / "integration" / "clusters.tsv"
    )
    probabilities = rng.dirichlet([1, 1, 1], len(patients))
    probabilities[0] = [0.03, 0.92, 0.05]
    predictions = pd.DataFrame({"patient": patients})
    for k, name in enumerate(CLASSES):
        predictions[f"prob_{name}"] = np.round(probabilities[:, k], 4)
    predictions.insert(1, "predicted", [CLASSES[k] for k in probabilities.argmax(axis=1)])
    predictions["layers_used"] = "rna,protein"
    paths["predictions"] = _tsv(predictions, folder / "integration" / "predictions.tsv")
    paths["fairness"] = _tsv(
        pd.DataFrame(
            {
                "column": ["sex", "sex"],
                "group": ["F", "M"],
                "n": [30, 10],
                "compared": True,
                "balanced_error_rate": [0.1, 0.12],
                "largest_gap_metric": "selection_rate:HER2",
                "largest_gap": [0.05, 0.05],
                "gap_p_value": [0.6, 0.6],
                "flagged": False,
            }
        ),
        folder / "integration" / "fairness.tsv",
    )
    paths["model_metrics"] = str(folder / "integration" / "model_metrics.json")
    Path(paths["model_metrics"]).write_text(json.dumps({"classifier": {"design": "synthetic"}}))
    paths["cohort_h5mu"] = _write_h5mu(folder / "integration" / "cohort.h5mu", patients, rng)
    (folder / "targets" / "patients").mkdir(parents=True, exist_ok=True)
    paths["targets"] = {}
    for patient in patients:
        table = pd.DataFrame({"gene": GENES[:6], "rank": range(1, 7), "score": np.round(np.linspace(0.9, 0.2, 6), 4)})
        paths["targets"][patient] = _tsv(table, folder / "targets" / "patients" / f"{patient}.tsv")
    if optional:
        paths.update(_optional_sources(folder, patients, rng))
    return Sources(paths=paths)


def _write_h5mu(path: Path, patients: list[str], rng: np.random.Generator) -> str:
    import anndata
    import mudata

    layers = {}
    for name, n_features in (("rna", 40), ("protein", 20)):
        x = rng.normal(size=(len(patients), n_features))
        x[0, 0] = 8.0  # ERBB2 over-expressed in the HER2 patient
        features = [f"{name}_ERBB2", *[f"{name}_{k}" for k in range(1, n_features)]]
        var = pd.DataFrame({"gene": ["ERBB2", *[""] * (n_features - 1)]}, index=features)
        layers[name] = anndata.AnnData(x, obs=pd.DataFrame(index=patients), var=var)
    mdata = mudata.MuData(layers)
    mdata.obsm["X_umap"] = rng.normal(size=(len(patients), 2))
    mdata.write_h5mu(path)
    return str(path)


def _optional_sources(folder: Path, patients: list[str], rng: np.random.Generator) -> dict:
    """The steps of the other branches, with their SPEC columns exactly."""
    paths = {}
    her2 = patients[0]
    actionable = [
        (
            her2,
            "ERBB2",
            "copy_number",
            "amplification",
            "exact",
            "I-A",
            "FDA-approved",
            "Trastuzumab",
            "sensitivity",
            "BRCA",
            "Invasive Breast Carcinoma",
            "163",
            "Slamon DJ et al. N Engl J Med. 2001;344(11):783-92. DOI:10.1056/NEJM200103153441101",
        ),
        (
            her2,
            "PIK3CA",
            "mutation",
            "p.E545K",
            "exact",
            "I-A",
            "FDA-approved",
            "Alpelisib",
            "sensitivity",
            "BRCA",
            "Invasive Breast Carcinoma",
            "201",
            "André F et al. N Engl J Med. 2019 (PMID: 31091374)",
        ),
        (
            her2,
            "ERBB2",
            "copy_number",
            "amplification",
            "gene",
            "II-D",
            "Preclinical",
            "Lapatinib",
            "resistance",
            "BRCA",
            "Gastric Cancer",
            "300",
            "https://moalmanac.org/assertion/300",
        ),
    ]
    for patient in patients[1:]:
        if rng.random() < 0.3:
            actionable.append(
                (
                    patient,
                    "PIK3CA",
                    "mutation",
                    "p.H1047R",
                    "exact",
                    "II-C",
                    "Clinical trial",
                    "Alpelisib",
                    "sensitivity",
                    "BRCA",
                    "Colorectal Adenocarcinoma",
                    "202",
                    "Juric D et al. J Clin Oncol. 2018",
                )
            )
    columns = ACTIONABLE_COLUMNS
    (folder / "targets").mkdir(exist_ok=True)
    paths["actionable"] = _tsv(pd.DataFrame(actionable, columns=columns), folder / "targets" / "actionable.tsv")
    (folder / "pgx").mkdir(exist_ok=True)
    pgx = pd.DataFrame(
        {
            "patient": patients,
            "gene": "CYP2D6",
            "diplotype": "*1/*4",
            "phenotype": "Intermediate Metabolizer",
            "activity_score": 1.0,
            "missing_positions": "",
            "call_quality": "complete",
        }
    )
    paths["pgx"] = _tsv(pgx, folder / "pgx" / "cohort.tsv")
    paths["pgx_recommendations"] = _tsv(
        pd.DataFrame(
            {
                "patient": patients,
                "drug": "tamoxifen",
                "genes": "CYP2D6",
                "phenotypes": "CYP2D6 Intermediate Metabolizer",
                "recommendation": "Consider hormonal therapy such as an aromatase inhibitor",
                "classification": "Moderate",
                "source": "CPIC",
            }
        ),
        folder / "pgx" / "recommendations.tsv",
    )
    (folder / "outcome").mkdir(exist_ok=True)
    risk = rng.normal(size=len(patients))
    paths["risk"] = _tsv(
        pd.DataFrame(
            {
                "patient": patients,
                "risk": np.round(risk, 4),
                "risk_group": np.where(risk > 0, "high", "low"),
                "out_of_fold": True,
            }
        ),
        folder / "outcome" / "risk.tsv",
    )
    paths["contributions"] = _tsv(
        pd.DataFrame(
            {
                "patient": np.repeat(patients, 2),
                "feature": ["age", "mut_TP53"] * len(patients),
                "contribution": np.round(rng.normal(size=2 * len(patients)), 4),
            }
        ),
        folder / "outcome" / "contributions.tsv",
    )
    paths["outcome_metrics"] = str(folder / "outcome" / "metrics.json")
    Path(paths["outcome_metrics"]).write_text(json.dumps({"concordance": 0.7}))
    paths["explanations"] = _tsv(
        pd.DataFrame(
            {
                "patient": np.repeat(patients, 2),
                "class": "HER2",
                "feature": ["ERBB2", "GRB7"] * len(patients),
                "layer": "rna",
                "contribution": np.round(rng.normal(size=2 * len(patients)), 4),
            }
        ),
        folder / "integration" / "explanations.tsv",
    )
    (folder / "cohort").mkdir(exist_ok=True)
    paths["steps"] = _tsv(
        pd.DataFrame({"step": ["variants", "pgx"], "status": ["ran", "ran"], "reason": ["", ""]}),
        folder / "cohort" / "steps.tsv",
    )
    paths["input_summary"] = _tsv(
        pd.DataFrame({"patient": patients, "input": "vcf", "records": 30, "kept": 20, "dropped_low_depth": 10}),
        folder / "cohort" / "input_summary.tsv",
    )
    return paths


def _tsv(frame: pd.DataFrame, path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, sep="\t", index=False)
    return str(path)
