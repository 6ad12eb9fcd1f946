"""The risk model: penalized Cox (elastic net) and a random survival forest from scikit-survival,
assessed by repeated, nested cross-validation.

Honesty: every step that learns from data (imputation, dropping constant features, scaling, the
penalty and the forest's leaf size) sits in a scikit-learn Pipeline fitted on the outer training
fold only; the outer test fold is seen once, to be scored. Hyper-parameters are chosen by an inner
cross-validation on the outer training fold.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone
from sklearn.feature_selection import VarianceThreshold
from sklearn.impute import SimpleImputer
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sksurv.ensemble import RandomSurvivalForest
from sksurv.linear_model import CoxnetSurvivalAnalysis
from sksurv.metrics import concordance_index_censored, cumulative_dynamic_auc
from sksurv.nonparametric import kaplan_meier_estimator
from sksurv.util import Surv

RISK_GROUPS = ("low", "intermediate", "high")


class CoxnetCV(BaseEstimator):
    """Elastic-net Cox whose penalty (alpha, l1_ratio) is chosen by an inner cross-validation.

    Coxnet fits a whole path of alphas at once, so the inner search fits one path per l1_ratio and
    inner fold and scores every alpha on it (as scikit-survival's guide does with GridSearchCV over
    ``alphas``, without refitting per alpha). The alphas are those of the path on the data given to
    ``fit`` (the outer training fold): nothing of the outer test fold reaches them.
    """

    def __init__(self, l1_ratios, n_alphas: int, alpha_min_ratio: float, inner_folds: int, seed: int = 0):
        self.l1_ratios = l1_ratios
        self.n_alphas = n_alphas
        self.alpha_min_ratio = alpha_min_ratio
        self.inner_folds = inner_folds
        self.seed = seed

    def _path(self, l1_ratio: float, alphas=None) -> CoxnetSurvivalAnalysis:
        return CoxnetSurvivalAnalysis(
            l1_ratio=l1_ratio,
            alphas=alphas,
            n_alphas=self.n_alphas,
            alpha_min_ratio=self.alpha_min_ratio,
            fit_baseline_model=alphas is not None and len(alphas) == 1,
            max_iter=100_000,
        )

    def _alphas(self, l1_ratio: float, X, y) -> np.ndarray:
        """The penalty grid: from the smallest penalty that zeroes every coefficient (scikit-survival
        computes it) down to ``alpha_min_ratio`` of it, log-spaced."""
        top = (
            CoxnetSurvivalAnalysis(l1_ratio=l1_ratio, n_alphas=2, alpha_min_ratio=0.99, max_iter=100_000)
            .fit(X, y)
            .alphas_[0]
        )
        return np.geomspace(top, top * self.alpha_min_ratio, self.n_alphas)

    def _fit_path(self, l1_ratio: float, X, y, alphas: np.ndarray) -> CoxnetSurvivalAnalysis:
        """One path fit; when the weakest penalties overflow (more features than patients), the path is
        cut to stronger penalties until it fits (those weak penalties would over-fit anyway)."""
        while True:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", UserWarning)  # "all coefficients are zero": a valid choice
                    return self._path(l1_ratio, alphas).fit(X, y)
            except ArithmeticError:
                if len(alphas) <= 1:
                    raise
                alphas = alphas[: max(1, int(len(alphas) * 0.8))]

    def fit(self, X, y):
        X = np.asarray(X, dtype=float)
        folds = list(StratifiedKFold(self.inner_folds, shuffle=True, random_state=self.seed).split(X, y["event"]))
        best = (-np.inf, None, None)
        self.cv_results_ = []
        for l1_ratio in self.l1_ratios:
            alphas = self._fit_path(l1_ratio, X, y, self._alphas(l1_ratio, X, y)).alphas_
            scores = np.full((len(folds), len(alphas)), -np.inf)  # a penalty an inner fold cannot fit loses
            for k, (train, test) in enumerate(folds):
                path = self._fit_path(l1_ratio, X[train], y[train], alphas)
                for j, alpha in enumerate(path.alphas_):
                    risk = path.predict(X[test], alpha=alpha)
                    scores[k, j] = concordance_index_censored(y["event"][test], y["time"][test], risk)[0]
            mean = scores.mean(axis=0)
            self.cv_results_ += [
                {"l1_ratio": l1_ratio, "alpha": float(a), "c_index": float(s)} for a, s in zip(alphas, mean)
            ]
            j = int(np.argmax(mean))  # ties: the first, i.e. the strongest penalty (the sparser model)
            if mean[j] > best[0]:
                best = (mean[j], l1_ratio, float(alphas[j]))
        self.l1_ratio_, self.alpha_ = best[1], best[2]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            self.model_ = self._path(self.l1_ratio_, [self.alpha_]).fit(X, y)
        self.coef_ = self.model_.coef_[:, 0]
        return self

    def predict(self, X):
        return self.model_.predict(np.asarray(X, dtype=float))

    def predict_survival_function(self, X):
        return self.model_.predict_survival_function(np.asarray(X, dtype=float))

    def score(self, X, y):
        return concordance_index_censored(y["event"], y["time"], self.predict(X))[0]


def _prepare() -> list:
    """Learned preprocessing, refitted in every training fold."""
    return [
        ("impute", SimpleImputer(strategy="median", keep_empty_features=False)),
        ("drop_constant", VarianceThreshold(0.0)),
        ("scale", StandardScaler()),
    ]


def make_model(name: str, settings: Mapping, seed: int, n_jobs: int = 1):
    """``coxnet`` or ``rsf``: the preprocessing Pipeline with the model, hyper-parameters tuned inside."""
    if name == "coxnet":
        cox = settings["coxnet"]
        return Pipeline(
            _prepare()
            + [
                (
                    "model",
                    CoxnetCV(
                        tuple(cox["l1_ratios"]), cox["n_alphas"], cox["alpha_min_ratio"], settings["inner_folds"], seed
                    ),
                )
            ]
        )
    if name == "rsf":
        rsf = settings["rsf"]
        forest = RandomSurvivalForest(
            n_estimators=rsf["n_estimators"],
            max_features=rsf["max_features"],
            n_jobs=n_jobs,
            random_state=seed,
            low_memory=True,
        )
        pipeline = Pipeline(_prepare() + [("model", forest)])
        grid = {"model__min_samples_leaf": list(rsf["min_samples_leaf"])}
        inner = StratifiedKFold(settings["inner_folds"], shuffle=True, random_state=seed)
        return _StratifiedSearch(GridSearchCV(pipeline, grid, cv=inner))
    raise ValueError(f"unknown model {name!r}")


class _StratifiedSearch(BaseEstimator):
    """GridSearchCV whose inner folds are stratified by event (scikit-learn stratifies on ``y``, a
    structured survival array it cannot use, so the event indicator is passed as ``groups`` of a
    fixed split list)."""

    def __init__(self, search: GridSearchCV):
        self.search = search

    def fit(self, X, y):
        search = clone(self.search)
        search.cv = list(search.cv.split(X, y["event"]))
        self.search_ = search.fit(X, y)
        self.best_params_ = search.best_params_
        return self

    def predict(self, X):
        return self.search_.predict(X)

    def score(self, X, y):
        return self.search_.score(X, y)


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


def cross_validate(
    X: pd.DataFrame, y: np.ndarray, models: list[str], settings: Mapping, seed: int, horizon: float, n_jobs: int = 1
) -> CrossValidation:
    """Repeated stratified K-fold (stratified by event): per outer fold, Harrell's C and the mean
    time-dependent AUC (at the event-time quartiles that lie inside the test fold's follow-up)."""
    result = CrossValidation()
    times = auc_times(y)
    values = X.to_numpy(dtype=float)
    for name in models:
        rows, risks, chosen = [], [], []
        survival = pd.Series(np.nan, index=X.index)
        for repeat in range(settings["repeats"]):
            outer = StratifiedKFold(settings["folds"], shuffle=True, random_state=seed + repeat)
            risk = pd.Series(np.nan, index=X.index)
            for fold, (train, test) in enumerate(outer.split(values, y["event"])):
                model = make_model(name, settings, seed + 1000 * repeat + fold, n_jobs).fit(values[train], y[train])
                predicted = model.predict(values[test])
                risk.iloc[test] = predicted
                c_index = concordance_index_censored(y["event"][test], y["time"][test], predicted)[0]
                inside = times[
                    (times >= y["time"][test].min())
                    & (times < y["time"][test].max())
                    & (times < y["time"][train].max())
                ]
                try:
                    auc = cumulative_dynamic_auc(y[train], y[test], predicted, inside)[1] if len(inside) else np.nan
                except ValueError:  # e.g. censoring weights undefined at a time in a small fold: no AUC there
                    auc = np.nan
                rows.append({"repeat": repeat, "fold": fold, "c_index": c_index, "auc": auc})
                if name == "coxnet":
                    chosen.append({"l1_ratio": model[-1].l1_ratio_, "alpha": model[-1].alpha_})
                else:
                    chosen.append(model.best_params_)
                if name == "coxnet" and repeat == 0:
                    survival.iloc[test] = [
                        fn(horizon) if horizon <= fn.x[-1] else np.nan
                        for fn in model.predict_survival_function(values[test])
                    ]
            risks.append(risk)
        result.scores[name] = pd.DataFrame(rows)
        result.oof_risk[name] = pd.DataFrame(risks).reset_index(drop=True)
        result.chosen[name] = chosen
        if name == "coxnet":
            result.oof_survival[name] = survival
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
    (after the fitted imputation and scaling); features with a zero coefficient are left out."""
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
