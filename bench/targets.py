"""Target prioritization at scale: 1,000 patients × 20,000 genes (goal: under a minute).

The inputs are simulated once and cached (``simulate``): an RNA layer (patients × 20,000 genes) and an
RPPA-like protein layer (patients × 2,000 features, phospho-forms included) as ``.h5ad`` like the
normalization step writes them, one MAF per patient (~40 mutations, planted hotspots), gene-level copy
number (every gene of every patient, neutral included, as the variant step writes it: 20 million rows),
the integration step's factor weights, clusters, IntOGen roles and DGIdb tables.
The measured command is the step's library call from files to files (``precisionflow.targets.pipeline.run``):
reading every input, scoring the cohort and every patient, writing 1,001 tables.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from bench.harness import Row, measure_python

SIZES = ((1000, 20000),)
KEY = ["EGFR", "ERBB2", "PIK3CA", "ESR1", "TP53", "KRAS", "BRAF", "CDK4", "GRB7", "MTOR"]
GROUP_TARGET = {"A": "EGFR", "B": "ERBB2", "C": "PIK3CA"}


def _write_mafs(
    maf_dir: Path, rng: np.random.Generator, patients: list[str], groups: np.ndarray, genes: list[str]
) -> None:
    """One small MAF per patient: random genes and classes, plus each group's planted driver."""
    maf_dir.mkdir(exist_ok=True)
    classes = np.array(
        ["Missense_Mutation", "Silent", "Nonsense_Mutation", "Frame_Shift_Del", "In_Frame_Del", "Splice_Site"]
    )
    for p, group in zip(patients, groups, strict=True):
        n = int(rng.integers(20, 60))
        hit = rng.integers(0, len(genes), n)
        rows = {
            "Hugo_Symbol": [genes[i] for i in hit],
            "Variant_Classification": list(classes[rng.choice(6, n, p=[0.55, 0.2, 0.08, 0.07, 0.05, 0.05])]),
            "HGVSp_Short": [f"p.X{int(x)}Y" for x in rng.integers(1, 1500, n)],
            "is_hotspot": ["False"] * n,
        }
        if group == "C":
            rows["Hugo_Symbol"].append("PIK3CA"), rows["Variant_Classification"].append("Missense_Mutation")
            rows["HGVSp_Short"].append("p.H1047R"), rows["is_hotspot"].append("True")
        if group == "A":
            rows["Hugo_Symbol"].append("TP53"), rows["Variant_Classification"].append("Nonsense_Mutation")
            rows["HGVSp_Short"].append("p.R213*"), rows["is_hotspot"].append("False")
        pd.DataFrame(rows).to_csv(maf_dir / f"{p}.maf.tsv", sep="\t", index=False)


def _write_dgidb(folder: Path, rng: np.random.Generator, genes: list[str]) -> None:
    """DGIdb-like interaction and category tables: four inhibitors per key gene, random claims elsewhere."""
    n_genes = len(genes)
    header = "\t".join(
        ["Gene", "interaction_claim_source", "interaction_types", "drug_claim_name", "drug_claim_primary_name"]
        + ["drug_name", "drug_chembl_id", "PMIDs"]
    )
    drug_rows = [header]
    for g in KEY:
        for k in range(4):
            drug_rows.append(f"{g}\tFDA\tinhibitor\t{g}INIB{k}\t{g}INIB{k}\t{g}INIB{k}\tCHEMBL{k}\t")
    druggable = rng.choice(np.arange(len(KEY), n_genes), n_genes // 7, replace=False)
    for i in druggable:
        for k in range(int(rng.integers(1, 6))):
            kind = str(rng.choice(["inhibitor", "agonist", ""]))
            drug_rows.append(f"{genes[i]}\tNCI\t{kind}\tD{i}_{k}\tD{i}_{k}\tD{i}_{k}\t\t")
    (folder / "dgidb_interactions.tsv.gz").write_bytes(gzip.compress(("\n".join(drug_rows) + "\n").encode(), mtime=0))
    cats = ["Gene\tgene_long_name\tcategory_sources\tcategory"] + [
        f"{genes[i]}\t\tsim\tDRUGGABLE GENOME" for i in druggable[: len(druggable) // 2]
    ]
    (folder / "dgidb_categories.tsv.gz").write_bytes(gzip.compress(("\n".join(cats) + "\n").encode(), mtime=0))


def simulate(folder: Path, n_patients: int, n_genes: int, seed: int = 7) -> Path:
    """Write a simulated cohort's step inputs into ``folder`` (returns it); a marker file ends a complete write."""
    done = folder / ".complete"
    if done.is_file():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    genes = KEY + [f"G{i:05d}" for i in range(n_genes - len(KEY))]
    patients = [f"P{i:04d}" for i in range(1, n_patients + 1)]
    groups = np.array(["A", "B", "C"])[rng.integers(0, 3, n_patients)]
    gene_index = {g: i for i, g in enumerate(genes)}

    rna = rng.normal(8.0, 1.0, size=(n_patients, n_genes)).astype(np.float32)
    base = rng.normal(0, 2.0, size=n_genes).astype(np.float32)
    rna += base
    markers = {g: rng.choice(np.arange(len(KEY), n_genes), 30, replace=False) for g in "ABC"}
    for group in "ABC":
        rows = groups == group
        rna[np.ix_(rows, markers[group])] += 2.0
        rna[rows, gene_index[GROUP_TARGET[group]]] += 3.0
    rna_ad = ad.AnnData(rna, obs=pd.DataFrame(index=patients), var=pd.DataFrame({"gene": genes}, index=genes))
    rna_ad.write_h5ad(folder / "rna.h5ad")

    n_proteins = max(10, n_genes // 10)
    protein_genes = genes[: n_proteins // 2] * 2
    names = [g if i < n_proteins // 2 else f"{g}_pS{i}" for i, g in enumerate(protein_genes)]
    protein = rng.normal(0, 1, size=(n_patients, len(names))).astype(np.float32)
    for group in "ABC":
        protein[groups == group, gene_index[GROUP_TARGET[group]]] += 3.0
    missing = rng.random(protein.shape) < 0.02
    protein_ad = ad.AnnData(
        protein, obs=pd.DataFrame(index=patients), var=pd.DataFrame({"gene": protein_genes}, index=names)
    )
    protein_ad.layers["missing"] = missing
    protein_ad.write_h5ad(folder / "protein.h5ad")

    _write_mafs(folder / "maf", rng, patients, groups, genes)

    # Gene-level copy number as the variant step writes it by default: every gene of every patient,
    # neutral calls included (20 million rows at full size), with the patient's ploidy.
    n = n_genes
    kinds = np.array(["neutral", "gain", "loss", "amp", "deep_loss"])
    call = rng.choice(5, size=(n_patients, n), p=[0.9, 0.05, 0.04, 0.005, 0.005])
    call[groups == "B", gene_index["ERBB2"]] = 3
    call[groups == "B", gene_index["GRB7"]] = 3
    total = np.array([2.0, 3.0, 1.0, 5.0, 0.0])[call]
    total[groups == "B", gene_index["ERBB2"]] = 12.0
    table = pa.table(
        {
            "patient": pa.DictionaryArray.from_arrays(
                pa.array(np.repeat(np.arange(n_patients), n).astype(np.int32)), pa.array(patients)
            ),
            "gene": pa.DictionaryArray.from_arrays(
                pa.array(np.tile(np.arange(n), n_patients).astype(np.int32)), pa.array(genes)
            ),
            "total_cn": total.ravel(),
            "call": pa.DictionaryArray.from_arrays(pa.array(call.ravel().astype(np.int8)), pa.array(kinds)),
            "ploidy": np.full(n_patients * n, 2.0),
        }
    )
    table = pa.table(
        [pc.cast(c, pa.string()) if pa.types.is_dictionary(c.type) else c for c in table.columns],
        names=table.column_names,
    )
    pacsv.write_csv(
        table,
        folder / "copy_number.tsv",
        pacsv.WriteOptions(delimiter="\t", quoting_style="none", quoting_header="none"),
    )

    weights = []
    for layer, names_, genes_ in (("rna", genes, genes), ("protein", names, protein_genes)):
        w = rng.normal(0, 0.1, size=(len(names_), 10))
        for f, group in enumerate("ABC"):
            w[[names_.index(GROUP_TARGET[group])], f] = 2.0
        long = pd.DataFrame(w, columns=[f"Factor{i + 1}" for i in range(10)]).assign(feature=names_, gene=genes_)
        long = long.melt(id_vars=["feature", "gene"], var_name="factor", value_name="weight").assign(layer=layer)
        long["factor_cluster_r2"] = long["factor"].map({f"Factor{i + 1}": (0.8 if i < 3 else 0.05) for i in range(10)})
        long["factor_label_r2"] = long["factor_cluster_r2"]
        weights.append(long)
    pd.concat(weights)[["layer", "feature", "gene", "factor", "weight", "factor_cluster_r2", "factor_label_r2"]].to_csv(
        folder / "factor_gene_weights.tsv", sep="\t", index=False
    )
    pd.DataFrame({"patient": patients, "cluster": groups}).to_csv(folder / "clusters.tsv", sep="\t", index=False)

    pd.DataFrame(
        {
            "SYMBOL": ["EGFR", "ERBB2", "PIK3CA", "ESR1", "TP53", "KRAS", "BRAF", "CDK4", "MTOR"],
            "ROLE": ["Act", "Act", "Act", "Act", "LoF", "Act", "Act", "Act", "Act"],
        }
    ).to_csv(folder / "drivers.tsv", sep="\t", index=False)
    _write_dgidb(folder, rng, genes)
    (folder / "patients.txt").write_text("\n".join(patients) + "\n")
    done.write_text("ok\n")
    return folder


def command(folder: Path, out: Path) -> str:
    """Python code running the step on a simulated cohort (files in, files out)."""
    return f"""
from pathlib import Path
import pandas as pd
from precisionflow.targets.pipeline import StepInputs, run
from precisionflow.targets.inputs import read_groups
d = Path({str(folder)!r}); out = Path({str(out)!r})
patients = (d / "patients.txt").read_text().split()
groups, separation = read_groups(
    groups="cluster", label=None, sheet_labels=None, predictions=None, clusters=d / "clusters.tsv"
)
step = StepInputs(
    patients=patients, mafs={{p: d / "maf" / f"{{p}}.maf.tsv" for p in patients}}, copy_number=d / "copy_number.tsv",
    cn_patients=patients, layers={{"rna": (d / "rna.h5ad", "rna"), "protein": (d / "protein.h5ad", "protein")}},
    gene_weights=d / "factor_gene_weights.tsv", groups=groups, separation=separation, drivers=d / "drivers.tsv",
    drug_gene=d / "dgidb_interactions.tsv.gz", drug_categories=d / "dgidb_categories.tsv.gz",
)
run(step, None, out / "cohort_targets.tsv", {{p: out / "patients" / f"{{p}}.tsv" for p in patients}})
"""


def rows(cache: Path, repeats: int) -> list[Row]:
    cache.mkdir(parents=True, exist_ok=True)
    out: list[Row] = []
    for n_patients, n_genes in SIZES:
        folder = simulate(cache / f"cohort_{n_patients}x{n_genes}", n_patients, n_genes)
        result = cache / f"out_{n_patients}x{n_genes}"
        measurement = measure_python(command(folder, result), repeats)
        written = len(list((result / "patients").glob("*.tsv")))
        out.append(
            Row(
                "targets",
                f"{n_patients:,} patients × {n_genes:,} genes (RNA + RPPA-like protein, MAFs, CN, factors, DGIdb)",
                "precisionflow",
                measurement,
                note=f"goal < 60 s; files in → {written + 1:,} tables out",
                extra={"patients/s": n_patients / measurement.median_s},
            )
        )
    return out
