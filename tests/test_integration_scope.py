"""The classifier's subtype labels belong to one tumour type (precisionflow/integration/scope.py): it trains on
and predicts for the patients of that type only; every other patient is "not applicable", and a labelled one
is excluded from training with the reason."""

from __future__ import annotations

import logging

import anndata as ad
import numpy as np
import pandas as pd
import pytest

from precisionflow.errors import InputError
from precisionflow.integration import align, pipeline
from precisionflow.integration.scope import label_scope
from precisionflow.steps import classifier_step, integration_step

NOTE = "not applicable (subtype labels are for BRCA)"


def small_cohort(seed: int = 5) -> tuple[object, dict[str, str]]:
    """30 breast patients of two subtypes (24 labelled), and 3 colorectal ones that look Basal: C1 labelled
    Basal by mistake, C2 unlabelled, C3 unlabelled and without a layer. Returns the MuData and each
    patient's OncoTree code."""
    rng = np.random.default_rng(seed)
    breast = [f"B{i:02d}" for i in range(30)]
    subtype = pd.Series(["Basal", "Luminal"] * 15, index=breast)
    colorectal = ["C1", "C2"]
    centres = {"Basal": rng.normal(scale=4, size=12), "Luminal": rng.normal(scale=4, size=12)}
    rows = [rng.normal(loc=centres[subtype[p]]) for p in breast] + [
        rng.normal(loc=centres["Basal"]) for _ in colorectal
    ]
    patients = breast + colorectal
    frame = pd.DataFrame(rows, index=patients, columns=[f"g{j}" for j in range(12)])
    layer = ad.AnnData(
        X=frame.to_numpy(),
        obs=pd.DataFrame(index=patients),
        var=pd.DataFrame({"gene": pd.Categorical(frame.columns)}, index=frame.columns),
    )
    labels = subtype.where(~subtype.index.isin(breast[:6]))  # six breast patients to predict
    label_column = pd.concat([labels, pd.Series({"C1": "Basal", "C2": None, "C3": None})])
    sex = pd.Series(["F", "M"] * 16 + ["F"], index=[*patients, "C3"])
    clinical = pd.DataFrame({"subtype": label_column, "sex": sex})
    mdata = pipeline.from_layers({"rna": align.prepare_layer(layer, "rna", 100, 0.5)}, clinical)
    types = {p: "BRCA" for p in breast} | {"B00": "IDC", "C1": "COADREAD", "C2": "COADREAD", "C3": "READ"}
    return mdata, types


def test_the_classifier_stays_within_the_labels_tumour_type(caplog) -> None:
    mdata, types = small_cohort()
    main_types = {"BRCA": "Breast Cancer", "IDC": "Breast Cancer", "COADREAD": "Colorectal Cancer"}
    settings = {"seed": 1, "classifier": {"repeats": 2, "folds": 3}, "fairness": {"permutations": 50}}
    with caplog.at_level(logging.INFO, logger="precisionflow"):
        out = pipeline.classify(mdata, "subtype", ["sex"], settings, types, main_types, "BRCA")
    predictions = out.predictions.set_index("patient")
    # the colorectal patients (with a layer, without one, labelled or not) get no subtype
    assert predictions.loc[["C1", "C2", "C3"], "kind"].tolist() == [NOTE] * 3
    assert predictions.loc[["C1", "C2", "C3"], ["predicted", "prob_Basal", "prob_Luminal"]].isna().all().all()
    assert predictions.at["C1", "label"] == "Basal"  # the sheet's (wrong) label is shown, not used
    # IDC is a breast code (one OncoTree main type): B00 is predicted
    assert predictions.at["B00", "kind"] == "model" and predictions.at["B00", "predicted"] in {"Basal", "Luminal"}
    breast = predictions.drop(index=["C1", "C2", "C3"])
    assert breast["predicted"].notna().all() and set(breast["kind"]) == {"model", "cross_validated"}
    # C1 is not trained on: 24 labelled breast patients in the cross-validation, its reason reported
    classifier = out.metrics["classifier"]
    assert classifier["n_labelled"] == out.metrics["cross_validation"]["n_patients"] == 24
    assert classifier["n_unlabelled"] == 6 and classifier["n_unlabelled_predicted"] == 6
    scope = classifier["tumor_type_scope"]
    assert scope["labels_tumor_type"] == "BRCA" and scope["n_not_applicable"] == 3
    assert scope["not_applicable"] == {"C1": "COADREAD", "C2": "COADREAD", "C3": "READ"}
    assert scope["excluded_from_training"] == {"C1": "tumour type COADREAD: subtype labels are for BRCA"}
    assert set(out.explanations["patient"]) == set(breast.index)
    assert sum(g["n"] for g in out.metrics["fairness"]["sex"]["groups"].values()) == 24
    messages = [r.getMessage() for r in caplog.records]
    assert any("3 patient(s) of another tumour type" in m and "C3: READ" in m for m in messages)
    assert any(
        m == "labelled patient C1 excluded from training: tumour type COADREAD: subtype labels are for BRCA"
        for m in messages
    )


def test_one_tumour_type_or_none_changes_nothing() -> None:
    """Every patient of the labels' type, or no tumour type at all: the same outputs as without a scope."""
    mdata, types = small_cohort()
    mdata = mdata[[p for p in mdata.obs_names if p.startswith("B")]].copy()
    mdata.uns["patients_without_layers"] = []
    settings = {"seed": 1, "classifier": {"repeats": 2, "folds": 3}, "fairness": {"permutations": 20}}
    plain = pipeline.classify(mdata, "subtype", ["sex"], settings)
    brca = pipeline.classify(mdata, "subtype", ["sex"], settings, {p: "BRCA" for p in mdata.obs_names})
    pd.testing.assert_frame_equal(plain.predictions, brca.predictions)
    pd.testing.assert_frame_equal(plain.explanations, brca.explanations)
    assert plain.metrics["classifier"]["tumor_type_scope"]["labels_tumor_type"] is None
    assert brca.metrics["classifier"]["tumor_type_scope"]["n_not_applicable"] == 0


def test_the_labels_tumour_type_is_the_commonest_and_a_tie_needs_the_config() -> None:
    labels = {"a": "X", "b": "Y", "c": "X", "d": None, "e": "Y"}
    assert label_scope(labels, None).out_of_scope == {}  # no tumour type known: every patient
    scope = label_scope(labels, {"a": "brca", "b": "BRCA", "c": "BRCA", "d": None, "e": "LUAD"})
    assert scope.tumor_type == "BRCA" and scope.out_of_scope == {"d": None, "e": "LUAD"}
    assert scope.excluded == {"e": "tumour type LUAD: subtype labels are for BRCA"}
    assert scope.note == NOTE
    tie = {"a": "BRCA", "b": "BRCA", "c": "LUAD", "d": "LUAD", "e": None}
    labels = {**labels, "d": "Y", "e": None}
    assert label_scope(labels, tie, cohort_type="luad").tumor_type == "LUAD"
    with pytest.raises(InputError, match=r"label column 'subtype'.*found a tie \(BRCA: 2, LUAD: 2\)"):
        label_scope(labels, tie, cohort_type="MEL", label="subtype")
    # the commonest OncoTree main type; named by its commonest code
    grouped = label_scope(
        labels, {"a": "IDC", "b": "ILC", "c": "IDC", "e": "COADREAD"}, {"IDC": "Breast", "ILC": "Breast"}
    )
    assert grouped.tumor_type == "IDC" and set(grouped.out_of_scope) == {"d", "e"}


def test_the_classifier_step_counts_only_the_labels_tumour_type() -> None:
    ran = integration_step({"rna": list("abcdef")})
    labels = {"a": "X", "b": "X", "c": "Y", "d": "Y", "e": "Y", "f": "X"}
    types = {"a": "BRCA", "b": "BRCA", "c": "BRCA", "d": "COADREAD", "e": "BRCA", "f": "BRCA"}
    assert classifier_step("subtype", ran, labels, list("abcdef"), types).ran
    types["e"] = "COADREAD"  # Y keeps one breast patient
    step = classifier_step("subtype", ran, labels, list("abcdef"), types)
    assert not step.ran and step.reason.endswith("with a layer of tumour type BRCA; found X: 3, Y: 1")
