"""The outcome step end to end over plain tables: associations, the cross-validated risk model, the
permuted-outcome check, the final model's risks and contributions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from precisionflow.outcome import associations, estimators, model

RISK_COLUMNS = ["patient", "risk", "risk_group", "out_of_fold"]


@dataclass
class RiskResult:
    risk: pd.DataFrame  # patient, risk, risk_group, out_of_fold
    contributions: pd.DataFrame  # patient, feature, contribution (Cox)
    metrics: dict
    cv: model.CrossValidation


def with_outcome(survival: pd.DataFrame) -> pd.Index:
    return survival.index[survival["time"].notna()]


def permuted_c(X: pd.DataFrame, y: np.ndarray, settings: Mapping, seed: int) -> dict:
    """Cross-validated C of the Cox model with the outcome shuffled (one K-fold per permutation): what the
    procedure reaches when there is nothing to find (0.5 expected; higher would betray a leak)."""
    rng = np.random.default_rng([seed, 1])
    values = []
    one_repeat = {**settings, "repeats": 1}
    for k in range(settings["permutations"]):
        shuffled = y[rng.permutation(len(y))]
        cv = model.cross_validate(X, shuffled, ["coxnet"], one_repeat, seed + 7919 * (k + 1), horizon=np.inf)
        values.append(float(cv.scores["coxnet"]["c_index"].mean()))
    if not values:
        return {}
    return {
        "permutations": len(values),
        "c_index_mean": float(np.mean(values)),
        "c_index_sd": float(np.std(values, ddof=1)) if len(values) > 1 else None,
    }


def risk_model(features: pd.DataFrame, survival: pd.DataFrame, settings: Mapping, n_jobs: int = 1) -> RiskResult:
    """Repeated nested CV of each configured model; out-of-fold risks of the patients with an outcome
    (mean over repeats of the chosen model), final-model risks of the others; Cox contributions."""
    seed = settings["seed"]
    known = with_outcome(survival)
    X = features.reindex(known)
    y = model.surv(survival.loc[known, "time"].to_numpy(), survival.loc[known, "event"].to_numpy())
    horizon = float(settings["horizon_days"]) if settings["horizon_days"] else float(np.median(y["time"][y["event"]]))
    models = list(settings["models"])
    cv = model.cross_validate(X, y, models, settings, seed, horizon, n_jobs)
    per_model = {name: model.summary(cv.scores[name]) for name in models}
    best = max(models, key=lambda name: (per_model[name]["c_index"]["mean"], -models.index(name)))

    oof = cv.oof_risk[best].mean(axis=0)  # each repeat predicts every patient once, out of fold
    final = estimators.fit_models(
        models + ["coxnet"] * ("coxnet" not in models), settings, seed, X.to_numpy(dtype=float), y, n_jobs
    )
    unknown = features.index.difference(known)
    other = pd.Series(
        final[best].predict(features.reindex(unknown).to_numpy(dtype=float)) if len(unknown) else [],
        index=unknown,
        dtype=float,
    )
    groups, cuts = model.risk_groups(oof, other)
    risk = pd.DataFrame(
        {
            "patient": list(oof.index) + list(other.index),
            "risk": list(oof) + list(other),
            "out_of_fold": [True] * len(oof) + [False] * len(other),
        }
    )
    risk["risk_group"] = risk["patient"].map(groups)
    risk = risk[RISK_COLUMNS].sort_values("patient").reset_index(drop=True)

    cox = final["coxnet"]
    metrics = {
        "patients": int(len(features)),
        "patients_with_outcome": int(len(known)),
        "events": int(y["event"].sum()),
        "features": int(features.shape[1]),
        "cross_validation": {
            "folds": settings["folds"],
            "repeats": settings["repeats"],
            "inner_folds": settings["inner_folds"],
            "stratified_by": "event",
            "seed": seed,
        },
        "auc_times_days": [float(t) for t in model.auc_times(y)],
        "models": {name: {**per_model[name], "chosen_hyperparameters": cv.chosen[name]} for name in models},
        "risk_model": best,
        "risk_groups": {
            "method": "tertiles of the out-of-fold risk (patients with an outcome); the same cut points "
            "for the final model's risk of patients without one",
            "cut_points": cuts,
        },
        "calibration": {
            "model": "coxnet",
            "horizon_days": horizon,
            "groups": model.calibration(cv.oof_survival.get("coxnet", pd.Series(dtype=float)), y, X.index, horizon),
        },
        "final_coxnet": {
            "l1_ratio": cox[-1].l1_ratio_,
            "alpha": cox[-1].alpha_,
            "nonzero_coefficients": int(np.count_nonzero(cox[-1].coef_)),
        },
        "permuted_outcome": permuted_c(X, y, settings, seed),
    }
    return RiskResult(risk, model.contributions(cox, features), metrics, cv)


def association_table(
    tests: list[tuple[str, pd.DataFrame, bool]], survival: pd.DataFrame, min_altered: int
) -> pd.DataFrame:
    """``tests``: (kind, features, binary); all tested, q within each kind."""
    rows = []
    for kind, frame, binary in tests:
        rows += associations.associate(frame, kind, survival, binary, min_altered)
    return associations.with_q(rows)


def rounded(value, digits: int = 6):
    """Floats rounded (stable bytes across platforms' last-digit noise), recursively."""
    if isinstance(value, float):
        return None if np.isnan(value) else round(value, digits)
    if isinstance(value, dict):
        return {k: rounded(v, digits) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [rounded(v, digits) for v in value]
    if isinstance(value, np.floating | np.integer):
        return rounded(value.item(), digits)
    return value


@dataclass
class Blocks:
    """Feature blocks read from the upstream outputs: for the model and for the association tests."""

    model: dict[str, pd.DataFrame]  # name -> patients x features (prefixed names)
    tests: list[tuple[str, pd.DataFrame, bool]]  # (kind, patients x features, binary)
    clusters: pd.Series | None


def feature_blocks(
    settings: Mapping,
    clinical: pd.DataFrame,
    mutations: pd.DataFrame | None,
    copy_number: pd.DataFrame | None,
    factors: pd.DataFrame | None,
    clusters: pd.Series | None,
    layers: Mapping[str, pd.DataFrame],
) -> Blocks:
    """The configured blocks from tables already read (see scripts/outcome_associations.py)."""
    from precisionflow.outcome import data

    wanted = set(settings["features"])
    fraction = settings["min_altered_fraction"]
    model_blocks: dict[str, pd.DataFrame] = {}
    tests: list[tuple[str, pd.DataFrame, bool]] = []
    if "clinical" in wanted and clinical.shape[1]:
        model_blocks["clinical"] = clinical
        levels = [c for c in clinical.columns if "=" in c]  # indicators of a category's levels
        tests += [("clinical", clinical[levels], True), ("clinical", clinical.drop(columns=levels), False)]
    if "mutations" in wanted and mutations is not None:
        mutated = data.mutation_features(mutations, fraction)
        tests.append(("mutation", mutated, True))
        model_blocks["mutations"] = mutated.add_prefix("mutation:")
    if "copy_number" in wanted and copy_number is not None:
        coded, altered = data.copy_number_features(copy_number, fraction)
        tests.append(("copy_number", altered, True))
        model_blocks["copy_number"] = coded.add_prefix("copy_number:")
    if "factors" in wanted and factors is not None:
        tests.append(("factor", factors, False))
        model_blocks["factors"] = factors.add_prefix("factor:")
    if "factors" in wanted and clusters is not None:
        indicators = pd.get_dummies(clusters).astype(float)
        tests.append(("cluster", indicators.rename(columns=lambda c: f"cluster={c}"), True))
    for name, frame in layers.items():
        model_blocks[name] = frame
    return Blocks(model_blocks, tests, clusters if "factors" in wanted else None)
