"""The risk model's estimators: penalized Cox (elastic net), a random survival forest (scikit-survival) and
their ensemble, each with its preprocessing and its hyper-parameters tuned by an inner cross-validation
(assessed by :mod:`precisionflow.outcome.model`).

- ``coxnet``: median imputation, constant features dropped, ``log(1 + x)`` of the skewed non-negative
  columns (counts and concentrations such as GBSG2's positive nodes and receptor levels: non-negative,
  more than two values, skewness above ``coxnet.log_skewness`` on the training patients), scaling, then
  elastic-net Cox with the penalty chosen by an inner cross-validation.
- ``rsf``: imputation, constant features dropped, a random survival forest whose leaf size is chosen
  by an inner cross-validation (trees need no transform).
- ``ensemble``: both of them fitted on the same training patients; a patient's risk is the mean of
  its percentiles among each model's risks of the training patients (the two scales differ, their
  ranks do not). Its combination rule is fixed: nothing of it is learned from the outcome.

On GBSG2 (686 patients, 5 × 5-fold nested cross-validation, seed 2024) the ensemble reaches C 0.6948
beside 0.6886 (Cox; 0.6751 without the log) and 0.6911 (forest). Measured and left out: choosing the
family by inner C among Cox, forest and gradient boosting (0.686-0.687: the inner estimates are too
noisy to pick between models this close), a wider forest grid (leaf 5/15/30 × max_features sqrt/0.5:
0.6887) and scikit-survival's GradientBoostingSurvivalAnalysis (0.6905; as a third ensemble member
0.6956 for five times the time).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np
from scipy.stats import skew
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.feature_selection import VarianceThreshold
from sklearn.impute import SimpleImputer
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sksurv.ensemble import RandomSurvivalForest
from sksurv.linear_model import CoxnetSurvivalAnalysis
from sksurv.metrics import concordance_index_censored

ENSEMBLE = ("coxnet", "rsf")  # the members of ``ensemble``


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


class OrderedForest(RandomSurvivalForest):
    """A random survival forest that predicts in one thread. Fitting uses ``n_jobs``; scikit-survival's
    threaded prediction adds the trees in the order the threads finish, and float sums depend on that
    order (differences of 1e-14 between calls, measured on GBSG2) - enough to flip a tie between two
    patients' risks, hence the ensemble's percentiles and the output bytes."""

    def predict(self, X):
        n_jobs, self.n_jobs = self.n_jobs, 1
        try:
            return super().predict(X)
        finally:
            self.n_jobs = n_jobs


class LogSkewed(BaseEstimator, TransformerMixin):
    """``log(1 + x)`` of the columns that, on the data given to ``fit``, are non-negative, take more than
    two values and have a skewness above ``min_skewness`` (None: no column). The columns are chosen
    in ``fit`` (inside the folds); the transform itself is fixed."""

    def __init__(self, min_skewness: float | None):
        self.min_skewness = min_skewness

    def fit(self, X, y=None):
        X = np.asarray(X, dtype=float)
        self.columns_ = np.zeros(X.shape[1], dtype=bool)
        if self.min_skewness is not None and len(X) > 2:
            many = np.array([len(np.unique(column)) > 2 for column in X.T], dtype=bool)
            with np.errstate(all="ignore"):
                skewed = np.nan_to_num(skew(X, axis=0), nan=0.0) > self.min_skewness
            self.columns_ = (X.min(axis=0) >= 0) & many & skewed
        return self

    def transform(self, X):
        X = np.array(X, dtype=float)
        X[:, self.columns_] = np.log1p(np.maximum(X[:, self.columns_], 0.0))  # a new patient below 0: 0
        return X


def _prepare() -> list:
    """Learned preprocessing, refitted in every training fold."""
    return [
        ("impute", SimpleImputer(strategy="median", keep_empty_features=False)),
        ("drop_constant", VarianceThreshold(0.0)),
    ]


def make_model(name: str, settings: Mapping, seed: int, n_jobs: int = 1):
    """``coxnet``, ``rsf`` or ``ensemble``: the preprocessing with the model, hyper-parameters tuned inside."""
    if name == "coxnet":
        cox = settings["coxnet"]
        tuned = CoxnetCV(
            tuple(cox["l1_ratios"]), cox["n_alphas"], cox["alpha_min_ratio"], settings["inner_folds"], seed
        )
        scaled = [("log", LogSkewed(cox["log_skewness"])), ("scale", StandardScaler())]
        return Pipeline(_prepare() + scaled + [("model", tuned)])
    if name == "rsf":
        rsf = settings["rsf"]
        forest = OrderedForest(
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
    if name == "ensemble":
        return RankEnsemble([(member, make_model(member, settings, seed, n_jobs)) for member in ENSEMBLE])
    raise ValueError(f"unknown model {name!r}")


class RankEnsemble(BaseEstimator):
    """Mean over the members of a patient's percentile among the member's risks of the training patients
    (mid-rank for ties: 0 below every training patient, 1 above). A fixed rule: only the members learn."""

    def __init__(self, members):
        self.members = members

    def fit(self, X, y):
        return self.with_members({name: clone(member).fit(X, y) for name, member in self.members}, X)

    def with_members(self, fitted: Mapping, X) -> RankEnsemble:
        """Members already fitted on ``X`` (as a cross-validation fold fits them anyway)."""
        self.fitted_ = {name: fitted[name] for name, _ in self.members}
        self.reference_ = {name: np.sort(member.predict(X)) for name, member in self.fitted_.items()}
        return self

    def predict(self, X):
        percentiles = []
        for name, reference in self.reference_.items():
            risk = self.fitted_[name].predict(X)
            below = np.searchsorted(reference, risk, side="left")
            upto = np.searchsorted(reference, risk, side="right")
            percentiles.append((below + upto) / (2 * len(reference)))
        return np.mean(percentiles, axis=0)

    def score(self, X, y):
        return concordance_index_censored(y["event"], y["time"], self.predict(X))[0]


def fit_models(models: list[str], settings: Mapping, seed: int, X: np.ndarray, y: np.ndarray, n_jobs: int = 1) -> dict:
    """Each model fitted on (X, y); the ensemble reuses its members' fits (each fitted once)."""
    single = [name for name in models if name != "ensemble"]
    if "ensemble" in models:
        single += [member for member in ENSEMBLE if member not in single]
    fitted = {name: make_model(name, settings, seed, n_jobs).fit(X, y) for name in single}
    if "ensemble" in models:
        fitted["ensemble"] = make_model("ensemble", settings, seed, n_jobs).with_members(fitted, X)
    return fitted


def hyperparameters(name: str, fitted) -> dict:
    """What the inner cross-validation chose."""
    if name == "coxnet":
        return {"l1_ratio": fitted[-1].l1_ratio_, "alpha": fitted[-1].alpha_}
    if name == "ensemble":
        return {member: hyperparameters(member, fitted.fitted_[member]) for member in ENSEMBLE}
    return dict(fitted.best_params_)


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
