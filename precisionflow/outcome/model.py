"""The risk model assessed by repeated, nested cross-validation (the estimators:
:mod:`precisionflow.outcome.estimators`): outer-fold C and time-dependent AUC, out-of-fold risks, risk
groups, calibration and per-patient contributions.

Honesty: every step that learns from data (imputation, dropping constant features, which columns get
the log, scaling, the penalty, the forest's leaf size, the ensemble's reference percentiles) sits in
an estimator fitted on the outer training fold only; the outer test fold is seen once, to be scored.
Hyper-parameters are chosen by an inner cross-validation on the outer training fold.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline
from sksurv.metrics import concordance_index_censored, cumulative_dynamic_auc
from sksurv.nonparametric import kaplan_meier_estimator
from sksurv.util import Surv

from precisionflow.outcome.estimators import fit_models, hyperparameters

RISK_GROUPS = ("low", "intermediate", "high")


@dataclass
class CrossValidation:
    """Outer-fold scores of each model and out-of-fold risks (rows: repeats, columns: patients)."""

    scores: dict[str, pd.DataFrame] = field(default_factory=dict)
    oof_risk: dict[str, pd.DataFrame] = field(default_factory=dict)
    oof_survival: dict[str, pd.Series] = field(default_factory=dict)  # Cox S(horizon), first repeat
    chosen: dict[str, list] = field(default_factory=dict)


def auc_times(y: np.ndarray, quantiles=(0.25, 0.5, 0.75)) -> np.ndarray:
    """Times of the time-dependent AUC: quartiles of the observed event times."""
    return np.unique(np.quantile(y["time"][y["event"]], quantiles))


def _fold_auc(y: np.ndarray, train, test, predicted: np.ndarray, times: np.ndarray) -> float:
    """Mean time-dependent AUC at the ``times`` inside the test fold's (and training fold's) follow-up."""
    inside = times[
        (times >= y["time"][test].min()) & (times < y["time"][test].max()) & (times < y["time"][train].max())
    ]
    if not len(inside):
        return np.nan
    try:
        return cumulative_dynamic_auc(y[train], y[test], predicted, inside)[1]
    except ValueError:  # e.g. censoring weights undefined at a time in a small fold: no AUC there
        return np.nan


def _survival_at(cox: Pipeline, X: np.ndarray, horizon: float) -> list[float]:
    return [fn(horizon) if horizon <= fn.x[-1] else np.nan for fn in cox.predict_survival_function(X)]


def cross_validate(
    X: pd.DataFrame, y: np.ndarray, models: list[str], settings: Mapping, seed: int, horizon: float, n_jobs: int = 1
) -> CrossValidation:
    """Repeated stratified K-fold (stratified by event): per outer fold, Harrell's C and the mean
    time-dependent AUC (at the event-time quartiles that lie inside the test fold's follow-up). Every
    model of a fold is fitted on the same training patients (the ensemble on its members' fits)."""
    times = auc_times(y)
    values = X.to_numpy(dtype=float)
    rows: dict[str, list] = {name: [] for name in models}
    risks: dict[str, list] = {name: [] for name in models}
    chosen: dict[str, list] = {name: [] for name in models}
    survival = pd.Series(np.nan, index=X.index)
    for repeat in range(settings["repeats"]):
        outer = StratifiedKFold(settings["folds"], shuffle=True, random_state=seed + repeat)
        risk = {name: pd.Series(np.nan, index=X.index) for name in models}
        for fold, (train, test) in enumerate(outer.split(values, y["event"])):
            fitted = fit_models(models, settings, seed + 1000 * repeat + fold, values[train], y[train], n_jobs)
            for name in models:
                predicted = fitted[name].predict(values[test])
                risk[name].iloc[test] = predicted
                c_index = concordance_index_censored(y["event"][test], y["time"][test], predicted)[0]
                auc = _fold_auc(y, train, test, predicted, times)
                rows[name].append({"repeat": repeat, "fold": fold, "c_index": c_index, "auc": auc})
                chosen[name].append(hyperparameters(name, fitted[name]))
            if "coxnet" in models and repeat == 0:
                survival.iloc[test] = _survival_at(fitted["coxnet"], values[test], horizon)
        for name in models:
            risks[name].append(risk[name])
    result = CrossValidation()
    for name in models:
        result.scores[name] = pd.DataFrame(rows[name])
        result.oof_risk[name] = pd.DataFrame(risks[name]).reset_index(drop=True)
        result.chosen[name] = chosen[name]
    if "coxnet" in models:
        result.oof_survival["coxnet"] = survival
    return result


def summary(scores: pd.DataFrame) -> dict:
    """Mean and sd over outer folds (all repeats) of C and the time-dependent AUC."""
    return {
        "c_index": {"mean": float(scores["c_index"].mean()), "sd": float(scores["c_index"].std(ddof=1))},
        "auc": {"mean": float(scores["auc"].mean()), "sd": float(scores["auc"].std(ddof=1))},
        "outer_folds": int(len(scores)),
    }


def km_at(time: np.ndarray, event: np.ndarray, horizon: float) -> float:
    """Kaplan-Meier survival at ``horizon`` (scikit-survival's estimator)."""
    if not len(time):
        return float("nan")
    x, s = kaplan_meier_estimator(event.astype(bool), time)
    before = x <= horizon
    return float(s[before][-1]) if before.any() else 1.0


def calibration(predicted: pd.Series, y: np.ndarray, index: pd.Index, horizon: float, groups: int = 3) -> list[dict]:
    """Calibration at the horizon: patients in ``groups`` equal groups of predicted survival; mean predicted
    against Kaplan-Meier observed survival in each (out-of-fold predictions of the Cox model)."""
    frame = pd.DataFrame(
        {"predicted": predicted.reindex(index).to_numpy(), "time": y["time"], "event": y["event"]}
    ).dropna()
    if len(frame) < groups:
        return []
    frame["group"] = pd.qcut(frame["predicted"].rank(method="first"), groups, labels=False)
    return [
        {
            "group": int(g),
            "patients": int(len(part)),
            "predicted": float(part["predicted"].mean()),
            "observed": km_at(part["time"].to_numpy(), part["event"].to_numpy(), horizon),
        }
        for g, part in frame.groupby("group")
    ]


def risk_groups(oof: pd.Series, other: pd.Series) -> tuple[pd.Series, list[float]]:
    """Tertiles of the out-of-fold risk (cut points from the patients with an outcome, then applied to
    the final model's risk of the patients without one)."""
    cuts = [float(np.quantile(oof, 1 / 3)), float(np.quantile(oof, 2 / 3))]
    both = pd.concat([oof, other])
    groups = pd.Series(np.select([both <= cuts[0], both <= cuts[1]], RISK_GROUPS[:2], RISK_GROUPS[2]), index=both.index)
    return groups, cuts


def contributions(model: Pipeline, X: pd.DataFrame) -> pd.DataFrame:
    """Per patient, each selected feature's share of the Cox risk: coefficient x standardized value
    (after the fitted imputation, log of the skewed columns and scaling); zero coefficients left out."""
    prepared = model[:-1].transform(X.to_numpy(dtype=float))
    names = X.columns[model.named_steps["drop_constant"].get_support()]
    coef = model[-1].coef_
    kept = np.flatnonzero(coef)
    values = prepared[:, kept] * coef[kept]
    table = pd.DataFrame(values, index=X.index, columns=names[kept])
    long = table.stack().rename("contribution").reset_index()
    long.columns = ["patient", "feature", "contribution"]
    return long.sort_values(["patient", "contribution", "feature"], ascending=[True, False, True]).reset_index(
        drop=True
    )


def surv(time: np.ndarray, event: np.ndarray) -> np.ndarray:
    return Surv.from_arrays(event.astype(bool), time.astype(float))


def dumps(metrics: Mapping) -> str:
    return json.dumps(metrics, indent=2, sort_keys=False) + "\n"
