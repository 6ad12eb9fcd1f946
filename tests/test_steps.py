"""Which steps a cohort's shape lets run: the minimum patients of each method (precisionflow/steps.py)."""

from __future__ import annotations

import anndata as ad
import numpy as np
import pandas as pd
import pytest

from precisionflow.integration import clustering
from precisionflow.omics import figures
from precisionflow.steps import MIN_PATIENTS, classifier_step, input_step, integration_step, steps_table


def test_integration_needs_a_layer_and_as_many_patients_as_umap() -> None:
    assert integration_step({}).row() == {
        "step": "integration", "status": "skipped", "reason": "no omics layer in the config: nothing to integrate"
    }  # fmt: skip
    three = integration_step({"rna": ["a", "b"], "protein": ["b", "c"]})
    assert not three.ran
    assert (
        three.reason
        == "3 patients with an omics layer; the methods need at least 4 (MOFA+ 2, k-means (silhouette) 3, UMAP 4)"
    )
    four = integration_step({"rna": ["a", "b"], "protein": ["c", "d"]})
    assert four.ran and four.reason == "2 layer(s), 4 patients with a layer"


@pytest.mark.parametrize("n", [MIN_PATIENTS["UMAP"] - 1, MIN_PATIENTS["UMAP"]])
def test_umap_minimum_is_the_methods_own(n: int) -> None:
    """The bound is scanpy's: its spectral initialisation fails below 4 patients (eigsh needs k = 3 < N)."""
    embedding = pd.DataFrame(np.random.default_rng(0).normal(size=(n, 3)), index=[f"p{i}" for i in range(n)])
    if n < MIN_PATIENTS["UMAP"]:
        with pytest.raises(TypeError, match="k >= N"):
            clustering.umap(embedding, 15, 1)
    else:
        assert clustering.umap(embedding, 15, 1).shape == (n, 2)


def test_classifier_needs_two_classes_of_two_labelled_patients_with_a_layer() -> None:
    ran = integration_step({"rna": list("abcde")})
    labels = {"a": "X", "b": "X", "c": "Y", "d": "Y", "e": None, "f": "Z"}
    assert classifier_step("subtype", ran, labels, list("abcde")).ran  # f has no layer, e no label
    one = classifier_step("subtype", ran, {**labels, "d": None}, list("abcde"))
    assert not one.ran and one.reason.endswith("found X: 2, Y: 1")
    assert classifier_step(None, ran, labels, "abcde").reason == "no label column in the config"
    assert classifier_step("subtype", integration_step({}), labels, "").reason == "integration skipped"


def test_steps_table_and_input_steps() -> None:
    table = steps_table([input_step("variants", 0, "a VCF or MAF"), input_step("copy_number", 1, "segments")])
    assert table.to_dict("records") == [
        {"step": "variants", "status": "skipped", "reason": "no patient has a VCF or MAF in the sheet"},
        {"step": "copy_number", "status": "ran", "reason": "1 patient with segments"},
    ]


def test_pca_figure_of_one_sample(tmp_path) -> None:
    """A layer of one patient has one principal coordinate: the figure draws it (was an IndexError)."""
    adata = ad.AnnData(np.ones((1, 3)))
    adata.uns["layer"] = "protein"
    adata.uns["pca"] = {"coords": np.zeros((1, 1)), "explained": np.zeros(1)}
    figures.pca_figure(adata, tmp_path / "pca.png")
    assert (tmp_path / "pca.png").stat().st_size > 0
