"""Log-scale matrices: the breast TCGA training csvs (samples × features), pass-through, feature map.

Real data: ``multiomics/breast_tcga_train/{mrna,mirna,protein}.csv`` (150 patients; RPPA protein
with 142 antibodies). ``tests/data/breast_rppa_feature_map.tsv`` is the project's own map of those
antibodies to genes (written for this project: total and phospho-forms map to the protein's gene,
pan-isoform antibodies list every gene, the first being the feature's ``gene``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from precisionflow.errors import InputError
from precisionflow.omics.layer import build_layer

FEATURE_MAP = Path(__file__).parent / "data" / "breast_rppa_feature_map.tsv"


@pytest.fixture(scope="module")
def breast(shared_data: Path) -> Path:
    return shared_data / "multiomics" / "breast_tcga_train"


@pytest.fixture(scope="module")
def patients(breast: Path) -> dict[str, str]:
    ids = pd.read_csv(breast / "subtype.csv")["sample"]
    return {p: f"BRCA-{p}" for p in ids}  # public ids differ from the file's, as with pseudonyms


def layer(breast: Path, name: str, patients: dict[str, str], shared_data: Path, **settings):
    config = {"type": "matrix", "path": str(breast / f"{name}.csv"), "orientation": "samples_by_features", **settings}
    return build_layer(name, config, public_ids=patients, genes=shared_data / "resources" / "genes.grch38.bed.gz")


@pytest.mark.parametrize("name", ["mrna", "mirna", "protein"])
def test_log_values_pass_through_unchanged(
    breast: Path, patients: dict[str, str], shared_data: Path, name: str
) -> None:
    frame = pd.read_csv(breast / f"{name}.csv", index_col=0)
    adata = layer(breast, name, patients, shared_data)
    assert list(adata.obs_names) == sorted(patients[p] for p in frame.index)
    expected = frame.rename(index=patients).loc[adata.obs_names, list(adata.var_names)].to_numpy()
    np.testing.assert_array_equal(np.asarray(adata.X), expected)
    np.testing.assert_array_equal(np.asarray(adata.layers["raw"]), expected)
    assert not np.asarray(adata.layers["missing"]).any()
    assert adata.uns["settings"]["normalization"] == "none" and adata.uns["passthrough"]["missing_values"] == 0


def test_mrna_symbols_found_in_the_genes_reference(breast: Path, patients: dict[str, str], shared_data: Path) -> None:
    adata = layer(breast, "mrna", patients, shared_data)
    known = adata.var["gene_source"] == "feature_id"
    assert known.mean() > 0.85
    assert (adata.var.loc[known, "gene"].astype(str) == adata.var_names[known]).all()


def test_rppa_feature_map_reaches_genes(breast: Path, patients: dict[str, str], shared_data: Path) -> None:
    adata = layer(breast, "protein", patients, shared_data, feature_map=str(FEATURE_MAP))
    gene = adata.var["gene"].astype(str)
    assert (adata.var["gene_source"] == "feature_map").all()  # all 142 antibodies mapped
    assert gene["HER2"] == "ERBB2" and gene["HER2_pY1248"] == "ERBB2"
    assert gene["ER-alpha"] == "ESR1" and gene["ER-alpha_pS118"] == "ESR1"
    assert gene["PR"] == "PGR" and gene["p53"] == "TP53" and gene["mTOR_pS2448"] == "MTOR"
    assert adata.var.loc["Akt_pS473", "genes"] == "AKT1;AKT2;AKT3" and gene["Akt_pS473"] == "AKT1"
    # every phospho-form maps to the gene of its total-protein antibody, when the panel has that one
    for feature in adata.var_names:
        base = feature.split("_p")[0]
        if "_p" in feature and base in adata.var_names:
            assert gene[feature] == gene[base], feature
    # every symbol of the map is a gene of the reference
    bed = pd.read_csv(shared_data / "resources" / "genes.grch38.bed.gz", sep="\t", header=None)
    symbols = {g for genes in adata.var["genes"].astype(str) for g in genes.split(";")}
    assert symbols <= set(bed[3])
    # HER2 protein is highest in the Her2 subtype
    subtype = pd.read_csv(breast / "subtype.csv", index_col=0)["subtype"].rename(index=patients)
    her2 = pd.Series(np.asarray(adata[:, "HER2"].X).ravel(), index=adata.obs_names)
    assert her2.groupby(subtype.loc[adata.obs_names]).mean().idxmax() == "Her2"


def test_scaling_and_median_normalization_of_log_values(
    breast: Path, patients: dict[str, str], shared_data: Path
) -> None:
    scaled = layer(breast, "mirna", patients, shared_data, scale=True)
    X = np.asarray(scaled.X)
    np.testing.assert_allclose(X.mean(axis=0), 0, atol=1e-9)
    np.testing.assert_allclose(X.std(axis=0, ddof=1), 1, atol=1e-9)
    centred = layer(breast, "mirna", patients, shared_data, normalization="median")
    medians = np.median(np.asarray(centred.X), axis=1)
    np.testing.assert_allclose(medians, medians[0], atol=1e-9)


def test_counts_declared_as_log_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "mirna.csv"
    path.write_text("sample,m1,m2\nA,120,3\nB,50,7\n")
    with pytest.raises(InputError, match=r"mirna.csv: row 2 \(sample 'A'\), column 'm1': expected log-scale values"):
        build_layer(
            "mirna",
            {"type": "matrix", "path": str(path), "orientation": "samples_by_features"},
            public_ids={"A": "A", "B": "B"},
        )
    path.write_text("sample,m1,m2\nA,12,3\nB,50,7\n")
    with pytest.raises(InputError, match=r"only whole numbers ≥ 0 up to 50: raw counts\? \(set values: counts\)"):
        build_layer(
            "mirna",
            {"type": "matrix", "path": str(path), "orientation": "samples_by_features"},
            public_ids={"A": "A", "B": "B"},
        )


def test_combat_on_a_sheet_batch_column_removes_a_planted_shift(
    breast: Path, patients: dict[str, str], tmp_path: Path
) -> None:
    frame = pd.read_csv(breast / "mrna.csv", index_col=0)
    batch = {patients[p]: ("b1" if i % 2 else "b2") for i, p in enumerate(frame.index)}
    in_b1 = [batch[patients[p]] == "b1" for p in frame.index]
    frame.loc[in_b1] += 1.5  # a run effect on every gene
    path = tmp_path / "mrna_batch.csv"
    frame.to_csv(path)
    adata = build_layer(
        "mrna",
        {"type": "rna", "values": "log", "path": str(path), "orientation": "samples_by_features", "batch": "run"},
        public_ids=patients,
        sheet_columns={"run": batch},
    )
    info = adata.uns["batch_correction"]
    assert list(info["batches"]) == ["b1", "b2"] and info["corrected_features"] == adata.n_vars
    labels = adata.obs["batch"].astype(str).to_numpy()

    def gap(coords: np.ndarray) -> float:
        return abs(coords[labels == "b1", 0].mean() - coords[labels == "b2", 0].mean()) / coords[:, 0].std()

    assert gap(np.asarray(info["pca_before"])) > 1.5 and gap(np.asarray(info["pca_after"])) < 0.3
    X = np.asarray(adata.X)
    assert abs(X[labels == "b1"].mean() - X[labels == "b2"].mean()) < 0.05


def test_batch_needs_a_value_for_every_patient(breast: Path, patients: dict[str, str]) -> None:
    batch = {p: "b1" for p in patients.values()}
    batch[sorted(batch)[3]] = None
    with pytest.raises(
        InputError, match=r"samples.tsv: column 'run', patient\(s\) 'BRCA-.*': expected a value for every patient"
    ):
        build_layer(
            "mrna",
            {"type": "matrix", "path": str(breast / "mrna.csv"), "orientation": "samples_by_features", "batch": "run"},
            public_ids=patients,
            sheet_columns={"run": batch},
            sheet_path="samples.tsv",
        )
