"""The outcome step in the demo run: planted survival effects found, honest risk-model metrics."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from precisionflow.workflow.paths import outcome_outputs


@pytest.fixture(scope="module")
def outcome(demo_run):
    folder = demo_run / "results" / "outcome"
    return {
        "associations": pd.read_csv(folder / "associations.tsv", sep="\t"),
        "risk": pd.read_csv(folder / "risk.tsv", sep="\t"),
        "contributions": pd.read_csv(folder / "contributions.tsv", sep="\t"),
        "metrics": json.loads((folder / "metrics.json").read_text()),
        "root": demo_run,
    }


def test_every_output_is_written(outcome, truth) -> None:
    settings = {"time": truth["outcome"]["time"], "event": truth["outcome"]["event"]}
    for path in outcome_outputs(settings):
        assert (outcome["root"] / path).is_file(), path
    assert list(outcome["associations"].columns[:8]) == [
        "feature",
        "kind",
        "n_altered",
        "hr",
        "hr_low",
        "hr_high",
        "p",
        "q",
    ]
    assert list(outcome["risk"].columns) == ["patient", "risk", "risk_group", "out_of_fold"]
    assert list(outcome["contributions"].columns) == ["patient", "feature", "contribution"]


def test_planted_gene_and_subtype_effects_are_found(outcome, truth) -> None:
    """Each planted hazard ratio: q < 0.05 and inside the estimate's 95 % CI."""
    table = outcome["associations"]
    planted = truth["outcome"]["hazard_ratios"]
    found = {
        truth["outcome"]["gene"]: table[(table["kind"] == "mutation") & (table["feature"] == truth["outcome"]["gene"])],
        f"subtype={truth['outcome']['subtype']}": table[
            (table["kind"] == "clinical") & (table["feature"] == f"subtype={truth['outcome']['subtype']}")
        ],
    }
    for name, rows in found.items():
        assert len(rows) == 1, name
        row = rows.iloc[0]
        assert row["q"] < 0.05, (name, row.to_dict())
        assert row["hr_low"] <= planted[name] <= row["hr_high"], (name, row.to_dict())
    mutated = set(truth["outcome"]["gene_mutated_patients"])
    assert found[truth["outcome"]["gene"]].iloc[0]["n_altered"] == len(
        mutated - set(truth["outcome"]["without_outcome"])
    )


def test_risk_of_every_patient_and_out_of_fold_only_with_an_outcome(outcome, truth) -> None:
    risk = outcome["risk"].set_index("patient")
    assert sorted(risk.index) == sorted(truth["patients"])
    without = set(truth["outcome"]["without_outcome"])
    assert without and set(risk.index[~risk["out_of_fold"]]) == without
    assert set(risk["risk_group"]) == {"low", "intermediate", "high"}
    # tertiles of the out-of-fold risk: each group a third of those patients (+-1 for ties and rounding)
    counts = risk[risk["out_of_fold"]]["risk_group"].value_counts()
    assert counts.max() - counts.min() <= 1


def test_permuted_outcome_gives_c_near_one_half(outcome) -> None:
    """The Cox model's C with the outcome shuffled. One 5-fold CV of the demo's ~57 patients has a sampling
    sd of about 0.06 (the run reports it); the mean over R = 20 permutations (the schema's default)
    has sd 0.06 / sqrt(20) = 0.013, so 0.45-0.55 is a band of more than 3 sd around 0.5: checked too."""
    null = outcome["metrics"]["permuted_outcome"]
    assert null["permutations"] >= 20
    assert null["c_index_sd"] / math.sqrt(null["permutations"]) <= 0.05 / 3
    assert 0.45 <= null["c_index_mean"] <= 0.55


def test_metrics_report_cross_validated_c_auc_and_calibration(outcome) -> None:
    metrics = outcome["metrics"]
    for name in ("coxnet", "rsf"):
        model = metrics["models"][name]
        assert model["outer_folds"] == metrics["cross_validation"]["folds"] * metrics["cross_validation"]["repeats"]
        assert 0 <= model["c_index"]["mean"] <= 1 and model["c_index"]["sd"] > 0
        assert len(model["chosen_hyperparameters"]) == model["outer_folds"]
    assert metrics["risk_model"] in metrics["models"]
    # two planted effects: the cross-validated Cox model ranks patients better than chance
    assert metrics["models"]["coxnet"]["c_index"]["mean"] > 0.55
    groups = metrics["calibration"]["groups"]
    assert len(groups) == 3 and all(0 <= g["predicted"] <= 1 and 0 <= g["observed"] <= 1 for g in groups)


def test_contributions_name_the_planted_features(outcome, truth) -> None:
    """The Cox model's largest mean absolute contributions include the planted gene or subtype."""
    table = outcome["contributions"].assign(size=lambda t: t["contribution"].abs())
    top = table.groupby("feature")["size"].mean().sort_values(ascending=False).index[:5]
    planted = {f"mutation:{truth['outcome']['gene']}", f"subtype={truth['outcome']['subtype']}"}
    assert planted & set(top), list(top)


def test_patient_page_shows_risk_group_and_contributions(outcome) -> None:
    risk = outcome["risk"].set_index("patient")
    for patient in risk.index[:3]:
        page = (outcome["root"] / "results/targets/report/patients" / f"{patient}.html").read_text()
        assert f"Outcome: risk group {risk.loc[patient, 'risk_group']}" in page, patient
        assert "largest Cox contributions to the risk" in page
