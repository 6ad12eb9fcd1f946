"""Late-integration classifier: one model per layer, class probabilities pooled over the layers a patient has.

Each layer gets its own scikit-learn pipeline (missing values imputed with the lowest value of the
feature among the training patients, standardization, L2-penalized multinomial logistic regression with
balanced class weights), trained on the labelled patients that have that layer. Missing values are
mostly left-censored proteins (the omics step's MinProb draws are masked back to missing by
:mod:`~precisionflow.integration.align`); they are imputed here, by a step of the pipeline, so inside
every cross-validation fold from that fold's training patients only.

The L2 penalty ``C`` of each layer is chosen from a grid by an inner stratified cross-validation on the
training patients (scikit-learn ``LogisticRegressionCV``, log loss, seeded): in the outer
cross-validation that reports the error, the patients being predicted never take part in the choice
(nested cross-validation); the chosen values of every outer fold are reported. Log loss rather than
balanced accuracy: on a few dozen patients per inner fold, accuracy ties between most grid values.

A patient's class probabilities are the normalized geometric mean of its layers' probabilities (a log-linear
opinion pool, written here: scikit-learn has no pooling over estimators that each see other patients). A
patient without protein is thus predicted from its other layers, with no imputation of a whole layer.

Cross-validation is repeated, stratified k-fold (scikit-learn ``RepeatedStratifiedKFold``, seeded); the balanced
error rate (BER, one minus the mean per-class recall) is computed per repeat on the pooled out-of-fold
predictions, as mixOmics does, and averaged over repeats (sd over repeats).

Explanations (:meth:`LateIntegration.explain`) are exact for this model: the pooled log-probability of a
class is, up to a constant shared by the classes, the mean over the patient's layers of each layer's
linear score, so a feature contributes its coefficient × its standardized value divided by the number of
layers the patient has; the contributions of a layer add up to that layer's share.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, LogisticRegressionCV
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import RepeatedStratifiedKFold, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from precisionflow.errors import InputError

log = logging.getLogger(__name__)

FLOOR = 1e-12  # smallest probability entering the log pool


LAYER_TOTAL = "(layer total)"  # the feature name of a layer's summed contribution in the explanations


def lowest(values: np.ndarray) -> float:
    """The imputation value of a feature: its lowest observed value among the training patients (missing
    proteomics values are left-censored; a module-level function so that the pipeline pickles)."""
    return float(np.min(values))


def layer_model(C: float | Sequence[float], inner_folds: int = 3, seed: int = 0) -> Pipeline:
    """One layer's pipeline; a sequence of ``C`` values makes the penalty chosen by inner cross-validation."""
    if isinstance(C, int | float):
        model = LogisticRegression(C=C, class_weight="balanced", max_iter=5000, solver="newton-cg")
    else:
        model = LogisticRegressionCV(
            Cs=list(C),
            cv=StratifiedKFold(n_splits=inner_folds, shuffle=True, random_state=seed),
            scoring="neg_log_loss",
            class_weight="balanced",
            l1_ratios=(0.0,),
            max_iter=5000,
            solver="newton-cg",  # over the C path about 15 times faster than lbfgs here (same optimum)
            use_legacy_attributes=False,
        )
    return Pipeline(
        [
            ("impute", SimpleImputer(strategy=lowest, keep_empty_features=True)),
            ("scale", StandardScaler()),
            ("model", model),
        ]
    )


def balanced_error(truth: np.ndarray, predicted: np.ndarray) -> float:
    """One minus the mean recall over the classes present in ``truth``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # predicted classes absent from truth (small groups)
        return float(1.0 - balanced_accuracy_score(truth, predicted))


class LateIntegration:
    """Per-layer models and their pooled prediction (see the module docstring)."""

    def __init__(self, C: float | Sequence[float] = 0.03, inner_folds: int = 3, seed: int = 0) -> None:
        self.C = C
        self.inner_folds = inner_folds
        self.seed = seed
        self.classes_: list[str] = []
        self.models: dict[str, Pipeline] = {}

    def chosen_C(self) -> dict[str, float]:
        """Each layer's penalty: the one chosen by the inner cross-validation, or the fixed one."""
        out = {}
        for name, model in sorted(self.models.items()):
            estimator = model.named_steps["model"]
            out[name] = float(np.ravel(estimator.C_)[0]) if hasattr(estimator, "C_") else float(estimator.C)
        return out

    def fit(self, layers: Mapping[str, pd.DataFrame], labels: pd.Series) -> LateIntegration:
        labels = labels.dropna().astype(str)
        self.classes_ = sorted(labels.unique())
        self.models = {}
        for name in sorted(layers):
            frame = layers[name]
            patients = frame.index.intersection(labels.index)
            if labels.loc[patients].nunique() < 2:
                log.warning(
                    "layer %s: fewer than two classes among its labelled patients; not used by the classifier", name
                )
                continue
            y = labels.loc[patients].to_numpy()
            C = self.C
            if not isinstance(C, int | float) and pd.Series(y).value_counts().min() < self.inner_folds:
                C = 0.03 if 0.03 in C else float(np.median(C))  # too few patients of a class for the inner folds
                log.warning(
                    "layer %s: a class has fewer than %d patients: C = %g without inner cross-validation",
                    name,
                    self.inner_folds,
                    C,
                )
            model = layer_model(C, self.inner_folds, self.seed)
            model.fit(frame.loc[patients].to_numpy(), y)
            self.models[name] = model
        if not self.models:
            raise InputError(
                "the sample sheet", "label column", "labelled patients of at least two classes in some layer", "none"
            )
        return self

    def layer_proba(self, name: str, frame: pd.DataFrame) -> pd.DataFrame:
        """One layer's class probabilities, over all classes (a class the layer never saw: 1/classes)."""
        model = self.models[name]
        proba = pd.DataFrame(model.predict_proba(frame.to_numpy()), index=frame.index, columns=model.classes_)
        unseen = [c for c in self.classes_ if c not in proba.columns]
        for c in unseen:
            proba[c] = 1.0 / len(self.classes_)
        proba = proba[self.classes_]
        return proba.div(proba.sum(axis=1), axis=0)

    def predict_proba(self, layers: Mapping[str, pd.DataFrame], patients: pd.Index) -> tuple[pd.DataFrame, pd.Series]:
        """Pooled probabilities (patients × classes; NaN for a patient without any used layer) and the
        layers used per patient (comma-separated, sorted)."""
        log_sum = pd.DataFrame(0.0, index=patients, columns=self.classes_)
        count = pd.Series(0, index=patients)
        used = {p: [] for p in patients}
        for name in sorted(self.models):
            frame = layers.get(name)
            if frame is None:
                continue
            present = frame.index.intersection(patients)
            if len(present) == 0:
                continue
            proba = self.layer_proba(name, frame.loc[present])
            log_sum.loc[present] += np.log(np.clip(proba.to_numpy(), FLOOR, 1.0))
            count.loc[present] += 1
            for p in present:
                used[p].append(name)
        mean_log = log_sum.div(count.replace(0, np.nan), axis=0)
        pooled = np.exp(mean_log.sub(mean_log.max(axis=1), axis=0))
        pooled = pooled.div(pooled.sum(axis=1), axis=0)
        return pooled, pd.Series({p: ",".join(v) for p, v in used.items()}, name="layers_used")

    def importance(self, genes: Mapping[str, pd.Series]) -> pd.DataFrame:
        """``layer, feature, gene, class, importance, rank``: the logistic coefficient of each standardized
        feature for each class (change in log-odds per standard deviation; positive = towards the class),
        ranked by absolute value within layer and class."""
        rows = []
        for name, model in sorted(self.models.items()):
            estimator = model.named_steps["model"]
            coefficients = estimator.coef_
            classes = list(estimator.classes_)
            if coefficients.shape[0] == 1:  # binary: one row, for the second class
                coefficients = np.vstack([-coefficients[0], coefficients[0]])
            features = genes[name].index
            for row, cls in zip(coefficients, classes, strict=True):
                rows.append(
                    pd.DataFrame(
                        {
                            "layer": name,
                            "feature": features,
                            "gene": genes[name].to_numpy(),
                            "class": cls,
                            "importance": row,
                        }
                    )
                )
        table = pd.concat(rows, ignore_index=True)
        table["magnitude"] = table["importance"].abs()
        table = table.sort_values(
            ["layer", "class", "magnitude", "feature"], ascending=[True, True, False, True], kind="stable"
        )
        table["rank"] = table.groupby(["layer", "class"]).cumcount() + 1
        return table.drop(columns="magnitude").reset_index(drop=True)

    def _coefficients(self, name: str) -> pd.DataFrame:
        """classes × features coefficients of one layer (binary: the two opposite rows)."""
        estimator = self.models[name].named_steps["model"]
        coefficients = estimator.coef_
        if coefficients.shape[0] == 1:
            coefficients = np.vstack([-coefficients[0], coefficients[0]])
        return pd.DataFrame(coefficients, index=list(estimator.classes_))

    def explain(self, layers: Mapping[str, pd.DataFrame], predicted: pd.Series, top_features: int) -> pd.DataFrame:
        """``patient, class, feature, layer, contribution`` for the class predicted for each patient: the
        ``top_features`` features of largest absolute contribution (all layers together) and one
        ``(layer total)`` row per layer used (the exact sum over all of that layer's features); see the
        module docstring."""
        predicted = predicted.dropna()
        per_layer = []
        for name in sorted(self.models):
            frame = layers.get(name)
            if frame is None:
                continue
            present = frame.index.intersection(predicted.index)
            if len(present) == 0:
                continue
            model = self.models[name]
            standardized = model[:-1].transform(frame.loc[present].to_numpy())
            coefficients = self._coefficients(name)
            classes = predicted.loc[present].to_numpy()
            known = np.isin(classes, coefficients.index)  # a class this layer never saw: no contribution
            weights = np.zeros_like(standardized)
            weights[known] = coefficients.loc[classes[known]].to_numpy()
            per_layer.append((name, present, frame.columns, weights * standardized))
        n_layers = pd.Series(0, index=predicted.index)
        for _, present, _, _ in per_layer:
            n_layers.loc[present] += 1
        rows = []
        for name, present, features, contribution in per_layer:
            contribution = contribution / n_layers.loc[present].to_numpy()[:, None]
            long = pd.DataFrame(contribution, index=present, columns=features).rename_axis("patient").reset_index()
            long = long.melt(id_vars="patient", var_name="feature", value_name="contribution")
            long["layer"] = name
            rows.append(long)
        if not rows:
            return pd.DataFrame(columns=["patient", "class", "feature", "layer", "contribution"])
        table = pd.concat(rows, ignore_index=True)
        totals = table.groupby(["patient", "layer"], as_index=False)["contribution"].sum()
        totals["feature"] = LAYER_TOTAL
        table["magnitude"] = table["contribution"].abs()
        table = table.sort_values(
            ["patient", "magnitude", "layer", "feature"], ascending=[True, False, True, True], kind="stable"
        )
        top = table.groupby("patient").head(top_features).drop(columns="magnitude")
        out = pd.concat([totals, top], ignore_index=True)
        out["class"] = predicted.loc[out["patient"]].to_numpy()
        out["is_total"] = out["feature"] != LAYER_TOTAL
        out["magnitude"] = out["contribution"].abs()
        out = out.sort_values(
            ["patient", "is_total", "magnitude", "layer", "feature"],
            ascending=[True, True, False, True, True],
            kind="stable",
        )
        return out[["patient", "class", "feature", "layer", "contribution"]].reset_index(drop=True)


@dataclass
class CrossValidation:
    classes: list[str]
    folds: int
    repeats: int
    seed: int
    ber_per_repeat: list[float]
    per_class_error: dict[str, float]
    layer_ber: dict[str, list[float]]  # layer alone, per repeat, over patients with that layer
    out_of_fold: pd.DataFrame  # labelled patients × classes, mean over repeats
    n_patients: int
    chosen_C: list[dict] = field(default_factory=list)  # per outer fold: repeat, fold, C per layer
    C_grid: list[float] | None = None
    inner_folds: int = 0

    @property
    def ber(self) -> float:
        return float(np.mean(self.ber_per_repeat))

    @property
    def predicted(self) -> pd.Series:
        return self.out_of_fold.idxmax(axis=1)

    def summary(self) -> dict:
        return {
            "folds": self.folds,
            "repeats": self.repeats,
            "stratified": True,
            "seed": self.seed,
            "n_patients": self.n_patients,
            "balanced_error_rate": {
                "mean": self.ber,
                "sd": float(np.std(self.ber_per_repeat, ddof=1)) if self.repeats > 1 else 0.0,
                "per_repeat": self.ber_per_repeat,
            },
            "per_class_error": self.per_class_error,
            "model_selection": {
                "design": "nested: each layer's C chosen by an inner stratified cross-validation (balanced accuracy) "
                "on the outer fold's training patients only"
                if self.C_grid
                else "fixed C (no selection)",
                "C_grid": self.C_grid,
                "inner_folds": self.inner_folds if self.C_grid else None,
                "chosen_C_per_outer_fold": self.chosen_C,
            },
            "single_layer_balanced_error_rate": {
                name: {"mean": float(np.mean(v)), "sd": float(np.std(v, ddof=1)) if len(v) > 1 else 0.0}
                for name, v in sorted(self.layer_ber.items())
            },
        }


def cross_validate(
    layers: Mapping[str, pd.DataFrame],
    labels: pd.Series,
    *,
    folds: int,
    repeats: int,
    seed: int,
    C: float | Sequence[float],
    inner_folds: int = 3,
) -> CrossValidation:
    """Repeated stratified k-fold of :class:`LateIntegration` over the labelled patients with a layer; with
    a grid of ``C`` values, nested (the penalty chosen inside each outer training fold).

    ``folds`` is lowered to the size of the smallest class when that is smaller (logged).
    """
    labels = labels.dropna().astype(str)
    with_layer = sorted(set().union(*(set(f.index) for f in layers.values())) & set(labels.index))
    labels = labels.loc[with_layer]
    counts = labels.value_counts()
    if len(counts) < 2 or counts.min() < 2:
        raise InputError(
            "the sample sheet",
            "label column",
            "at least two classes with two or more labelled patients (with a layer)",
            f"class sizes {counts.to_dict()}",
        )
    if counts.min() < folds:
        log.warning(
            "smallest class has %d patients: %d-fold cross-validation instead of %d", counts.min(), counts.min(), folds
        )
        folds = int(counts.min())
    classes = sorted(counts.index)
    patients = pd.Index(with_layer)
    y = labels.to_numpy()
    splitter = RepeatedStratifiedKFold(n_splits=folds, n_repeats=repeats, random_state=seed)
    oof = np.zeros((repeats, len(patients), len(classes)))
    layer_oof = {name: np.full((repeats, len(patients), len(classes)), np.nan) for name in layers}
    chosen = []
    for i, (train, test) in enumerate(splitter.split(np.zeros(len(y)), y)):
        repeat = i // folds
        train_ids, test_ids = patients[train], patients[test]
        model = LateIntegration(C, inner_folds, seed + i).fit(
            {n: f.loc[f.index.intersection(train_ids)] for n, f in layers.items()}, labels.loc[train_ids]
        )
        chosen.append({"repeat": repeat + 1, "fold": i % folds + 1, "C": model.chosen_C()})
        pooled, _ = model.predict_proba(layers, test_ids)
        oof[repeat, test] = pooled[classes].to_numpy()
        for name in model.models:
            present = layers[name].index.intersection(test_ids)
            rows = patients.get_indexer(present)
            layer_oof[name][repeat, rows] = model.layer_proba(name, layers[name].loc[present])[classes].to_numpy()
    class_array = np.array(classes)
    ber_per_repeat, recalls = [], []
    for repeat in range(repeats):
        predicted = class_array[oof[repeat].argmax(axis=1)]
        ber_per_repeat.append(balanced_error(y, predicted))
        recalls.append([float(np.mean(predicted[y == c] == c)) for c in classes])
    per_class_error = {c: float(1.0 - np.mean([r[j] for r in recalls])) for j, c in enumerate(classes)}
    layer_ber = {}
    for name, values in layer_oof.items():
        has = ~np.isnan(values).any(axis=(0, 2))  # patients with this layer, predicted in every repeat
        if has.any():
            layer_ber[name] = [
                balanced_error(y[has], class_array[values[r, has].argmax(axis=1)]) for r in range(repeats)
            ]
    log.info("cross-validation %d-fold × %d: balanced error rate %.4f", folds, repeats, float(np.mean(ber_per_repeat)))
    return CrossValidation(
        classes=classes,
        folds=folds,
        repeats=repeats,
        seed=seed,
        ber_per_repeat=ber_per_repeat,
        per_class_error=per_class_error,
        layer_ber=layer_ber,
        out_of_fold=pd.DataFrame(oof.mean(axis=0), index=patients, columns=classes),
        n_patients=len(patients),
        chosen_C=chosen,
        C_grid=None if isinstance(C, int | float) else [float(c) for c in C],
        inner_folds=inner_folds,
    )
