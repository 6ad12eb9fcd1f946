"""The outcome step's library, without Snakemake: the sheet's survival columns checked, association
tests, and the risk model's cross-validation (real data: GBSG2; synthetic: pure noise)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from precisionflow.errors import InputError
from precisionflow.outcome import associations, data, estimators, model
from precisionflow.outcome.pipeline import risk_model
from precisionflow.settings import with_defaults

# the schema's defaults (precisionflow/schemas/outcome.schema.yaml), shrunk where a test says so
SETTINGS = with_defaults("outcome", {"time": "time", "event": "event", "permutations": 0})
OUTCOME = {"time": "os_days", "event": "os_event", "covariates": ["age", "stage"]}


def sheet(**columns) -> pd.DataFrame:
    base = {
        "patient": ["P1", "P2", "P3", "P4"],
        "os_days": ["10", "200", "35.5", pd.NA],
        "os_event": ["1", "0", "1", pd.NA],
        "age": ["50", "61", "70", "44"],
        "stage": ["I", "II", pd.NA, "I"],
    }
    base.update(columns)
    return pd.DataFrame(base).set_index("patient", drop=False)


def test_check_outcome_accepts_blank_outcome_rows() -> None:
    data.check_outcome(sheet(), "s.tsv", OUTCOME)


@pytest.mark.parametrize(
    "columns, message",
    [
        (
            {"os_days": ["10", "-1", "3", pd.NA]},
            "s.tsv: row 3, column 'os_days': expected a non-negative number (survival or follow-up time), found '-1'",
        ),
        (
            {"os_days": ["10", "1y", "3", pd.NA]},
            "s.tsv: row 3, column 'os_days': expected a non-negative number (survival or follow-up time), found '1y'",
        ),
        ({"os_days": ["10", "inf", "3", pd.NA]}, "found 'inf'"),
        (
            {"os_event": ["1", "yes", "1", pd.NA]},
            "s.tsv: row 3, column 'os_event': expected 0 (censored) or 1 (event), found 'yes'",
        ),
        ({"os_event": ["1", "0", "2", pd.NA]}, "found '2'"),
        (
            {"os_event": ["0", "0", "0", pd.NA]},
            "s.tsv: column 'os_event': expected at least one event (1), "
            "found all 3 patients with an outcome censored (0)",
        ),
        (
            {"os_event": ["1", "0", pd.NA, pd.NA]},
            "s.tsv: row 4, columns 'os_days' and 'os_event': expected both filled or both blank, "
            "found time '35.5' and event blank",
        ),
        (
            {"age": ["50", "50", "50", "44"]},
            "s.tsv: column 'age' (config outcome/covariates): expected a covariate that varies between patients, "
            "found the single value '50'",
        ),
        (
            {"stage": ["I", "I", pd.NA, "II"]},
            "column 'stage' (config outcome/covariates): expected a covariate that varies between patients, "
            "found the single value 'I'",
        ),
    ],
)
def test_check_outcome_rejects_with_one_line(columns, message) -> None:
    with pytest.raises(InputError) as error:
        data.check_outcome(sheet(**columns), "s.tsv", OUTCOME)
    assert message in str(error.value) and "\n" not in str(error.value)


def test_check_outcome_names_a_missing_column() -> None:
    with pytest.raises(InputError, match=r"header: expected the column 'os_event' \(config outcome/event\)"):
        data.check_outcome(sheet().drop(columns="os_event"), "s.tsv", OUTCOME)


def test_clinical_features_numbers_and_levels() -> None:
    frame = data.clinical_features(sheet(), {p: p for p in "P1 P2 P3 P4".split()}, ["age", "stage"])
    assert list(frame.columns) == ["age", "stage=I", "stage=II"]
    assert frame.loc["P2", "age"] == 61 and frame.loc["P2", "stage=II"] == 1 and np.isnan(frame.loc["P3", "stage=I"])


def synthetic(n: int, p: int, seed: int, beta: np.ndarray | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Standard-normal features; exponential times with log-hazard X @ beta (pure noise when beta is None),
    uniform censoring."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        rng.normal(size=(n, p)), index=[f"P{i:04d}" for i in range(n)], columns=[f"x{j}" for j in range(p)]
    )
    log_hazard = X.to_numpy() @ beta if beta is not None else np.zeros(n)
    event_time = rng.exponential(np.exp(-log_hazard))
    censor = rng.uniform(0, 3, n)
    survival = pd.DataFrame({"time": np.minimum(event_time, censor), "event": event_time <= censor}, index=X.index)
    return X, survival


def test_association_recovers_a_binary_effect_and_q_is_per_kind() -> None:
    rng = np.random.default_rng(3)
    n = 400
    altered = (rng.random(n) < 0.3).astype(float)
    event_time = rng.exponential(1 / (0.5 * np.where(altered == 1, 2.0, 1.0)))
    censor = rng.uniform(0, 4, n)
    index = [f"P{i}" for i in range(n)]
    survival = pd.DataFrame({"time": np.minimum(event_time, censor), "event": event_time <= censor}, index=index)
    genes = pd.DataFrame({"G": altered, "noise": (rng.random(n) < 0.3).astype(float)}, index=index)
    table = associations.with_q(
        associations.associate(genes, "mutation", survival, True, 3)
        + associations.associate(pd.DataFrame({"f": rng.normal(size=n)}, index=index), "factor", survival, False)
    )
    g = table.set_index("feature").loc["G"]
    # planted HR 2 inside the 95 % CI, and 400 patients give a log-rank p far below 1e-3 (z about 5)
    assert g.hr_low <= 2.0 <= g.hr_high and g.p < 1e-3 and g.n_altered == int(altered.sum())
    assert table.set_index("feature").loc["f", "q"] == table.set_index("feature").loc["f", "p"]  # alone in its kind


def test_gbsg2_cross_validated_c_beats_the_issue_baselines(shared_data) -> None:
    """GBSG2 (686 patients, 8 clinical covariates): the issue measured Cox 0.677 and a random survival
    forest 0.691; the ensemble (the step's risk model with the defaults) must beat the better one, as the
    mean over the 5 x 5-fold nested CV, and beat our own Cox and forest on the same folds. No tolerance:
    with the seed fixed the C is one deterministic number (measured 0.6948; Cox 0.6886, forest 0.6911).
    Its spread over splits: the mean of one 5-fold repeat has sd 0.0033 (10 repeats, seeds 2024 and 7),
    so a 5-repeat mean has sd about 0.0015 and 0.691 is 2.6 sd below it (seed 7 gave 0.6952)."""
    table = pd.read_csv(shared_data / "survival" / "gbsg2.tsv", sep="\t").set_index("patient")
    survival = pd.DataFrame({"time": table["time_days"].astype(float), "event": table["event"] == 1})
    clinical = table.drop(columns=["time_days", "event"]).astype(str)
    features = data.clinical_features(clinical, {p: p for p in clinical.index}, list(clinical.columns))
    result = risk_model(features, survival, SETTINGS, n_jobs=2)
    c_index = {name: m["c_index"]["mean"] for name, m in result.metrics["models"].items()}
    print(c_index)
    assert result.metrics["models"]["ensemble"]["outer_folds"] == 25
    assert c_index["ensemble"] > 0.691 and c_index["ensemble"] > max(c_index["coxnet"], c_index["rsf"])
    assert result.metrics["risk_model"] == "ensemble"
    assert result.risk["out_of_fold"].all() and set(result.risk["risk_group"]) == set(model.RISK_GROUPS)


def test_pure_noise_gives_c_near_one_half_and_a_leak_would_not() -> None:
    """No leakage: 100 noise features, 300 patients. Imputation, scaling and the hyper-parameters are
    learned inside the folds, so the cross-validated C is 0.5 up to sampling noise: per outer fold
    (60 patients, about 150 events) the sd of C is about 0.04, the mean over 5 folds about 0.02, so
    +-0.06 is 3 sd. The same data with features picked on the whole cohort first (a leak: the ten
    noise features most concordant over all patients) must land above that band, else this test could
    not catch a leak."""
    X, survival = synthetic(300, 100, seed=11)
    settings = {**SETTINGS, "repeats": 1, "rsf": {**SETTINGS["rsf"], "n_estimators": 50}}
    assert settings["models"] == ["coxnet", "rsf", "ensemble"]
    y = model.surv(survival["time"].to_numpy(), survival["event"].to_numpy())
    cv = model.cross_validate(X, y, settings["models"], settings, seed=5, horizon=1.0, n_jobs=2)
    for name in settings["models"]:
        assert abs(cv.scores[name]["c_index"].mean() - 0.5) < 0.06, name

    from sksurv.metrics import concordance_index_censored

    signed = [concordance_index_censored(y["event"], y["time"], X[c].to_numpy())[0] - 0.5 for c in X.columns]
    leaked = X[X.columns[np.argsort(np.abs(signed))[-10:]]]
    leaky = model.cross_validate(leaked, y, ["coxnet"], settings, seed=5, horizon=1.0)
    assert leaky.scores["coxnet"]["c_index"].mean() > 0.56


def test_risk_model_outputs_are_deterministic_and_explained() -> None:
    beta = np.zeros(8)
    beta[:2] = [0.8, -0.6]
    X, survival = synthetic(120, 8, seed=2, beta=beta)
    survival.iloc[:5] = np.nan  # five patients without outcome: predicted by the final model
    settings = {**SETTINGS, "repeats": 1, "folds": 3, "models": ["coxnet"], "permutations": 2}
    first, second = risk_model(X, survival, settings), risk_model(X, survival, settings)
    pd.testing.assert_frame_equal(first.risk, second.risk)
    pd.testing.assert_frame_equal(first.contributions, second.contributions)
    assert first.metrics == second.metrics
    risk = first.risk.set_index("patient")
    assert list(first.risk.columns) == ["patient", "risk", "risk_group", "out_of_fold"]
    assert (~risk.loc[X.index[:5], "out_of_fold"]).all() and risk.loc[X.index[5:], "out_of_fold"].all()
    assert first.metrics["models"]["coxnet"]["c_index"]["mean"] > 0.65  # two real effects of 120 patients
    # contributions: coefficient x standardized value; the planted features carry the largest shares
    top = first.contributions.assign(size=first.contributions["contribution"].abs()).groupby("feature")["size"].mean()
    assert set(top.sort_values().index[-2:]) == {"x0", "x1"}
    final = first.metrics["final_coxnet"]["nonzero_coefficients"]
    assert first.contributions.groupby("patient").size().max() == final


def test_patient_outcome_note_names_group_and_largest_contributions() -> None:
    from precisionflow.outcome.summary import patient_outcome_note

    risk = pd.DataFrame(
        {"patient": ["A", "B"], "risk": [0.4, -0.1], "risk_group": ["high", "low"], "out_of_fold": [True, False]}
    )
    shares = pd.DataFrame(
        {"patient": ["A", "A", "A", "B"], "feature": ["mutation:ALK", "age", "subtype=Basal", "age"],
         "contribution": [0.41, -0.02, -0.3, 0.1]}
    )  # fmt: skip
    note = patient_outcome_note("A", risk, shares, top=2)
    expected = "largest Cox contributions to the risk: mutation:ALK +0.41, subtype=Basal -0.30."
    assert note == f"Outcome: risk group high (out-of-fold); {expected}"
    assert "final model" in patient_outcome_note("B", risk, shares) and patient_outcome_note("C", risk, shares) == ""


def test_log_skewed_picks_its_columns_on_the_training_patients() -> None:
    """log(1 + x) for non-negative, skewed columns with more than two values only; the choice is made in
    fit, and a later patient below 0 in a chosen column gets log(1 + 0)."""
    rng = np.random.default_rng(4)
    train = np.column_stack(
        [rng.exponential(10, 200), rng.normal(size=200), (rng.random(200) < 0.1).astype(float), rng.uniform(0, 1, 200)]
    )
    step = estimators.LogSkewed(1.0).fit(train)
    assert list(step.columns_) == [True, False, False, False]  # skewed counts; negative; binary; not skewed
    assert np.allclose(step.transform(np.array([[np.e - 1, -3.0, 1.0, 0.5], [-2.0, 0, 0, 0]]))[:, 0], [1.0, 0.0])
    assert not estimators.LogSkewed(None).fit(train).columns_.any()


class _Fixed:
    def __init__(self, scale: float) -> None:
        self.scale = scale

    def predict(self, X):
        return self.scale * np.asarray(X)[:, 0]


def test_rank_ensemble_averages_percentiles_among_the_training_patients() -> None:
    train = np.arange(10, dtype=float).reshape(-1, 1)  # risks 0..9 (member coxnet) and 0..-900 (member rsf)
    ensemble = estimators.RankEnsemble([("coxnet", None), ("rsf", None)])
    ensemble.with_members({"coxnet": _Fixed(1.0), "rsf": _Fixed(-100.0)}, train)
    # above all 10 training risks: 1 for coxnet, below all: 0 for rsf -> 0.5; a tie at 4: mid-rank 0.45 each
    assert np.allclose(ensemble.predict(np.array([[20.0], [4.0]])), [0.5, 0.5])
    alone = estimators.RankEnsemble([("coxnet", None)]).with_members({"coxnet": _Fixed(3.0)}, train)
    assert np.allclose(alone.predict(np.array([[20.0], [4.0], [-1.0]])), [1.0, 0.45, 0.0])


def test_forest_predictions_are_the_same_bytes_every_call() -> None:
    """scikit-survival's threaded prediction sums the trees in the order threads finish (1e-14 apart
    between calls: enough to flip a tie in the ensemble's percentiles); OrderedForest predicts in one
    thread. The plain RandomSurvivalForest fails this check on the same data (checked 2026-11-30)."""
    X, survival = synthetic(300, 5, seed=1, beta=np.array([1.0, 0, 0, 0, 0]))
    y = model.surv(survival["time"].to_numpy(), survival["event"].to_numpy())
    forest = estimators.OrderedForest(n_estimators=100, min_samples_leaf=15, n_jobs=2, random_state=0, low_memory=True)
    forest.fit(X.to_numpy(), y)
    first = forest.predict(X.to_numpy())
    assert all(np.array_equal(first, forest.predict(X.to_numpy())) for _ in range(9)) and forest.n_jobs == 2
