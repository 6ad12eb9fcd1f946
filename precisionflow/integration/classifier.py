"""Late-integration classifier: one model per layer, class probabilities pooled over the layers a patient has.

Each layer gets its own scikit-learn pipeline (mean imputation of missing values, standardization,
L2-penalized multinomial logistic regression with balanced class weights), trained on the labelled
patients that have that layer. A patient's class probabilities are the normalized geometric mean of
the probabilities of the layers it has (a log-linear opinion pool; written here because scikit-learn
has no pooling over estimators that each see a different subset of the patients). A patient without
protein is thus predicted from its other layers, with no imputation of a whole layer.

Cross-validation is repeated, stratified k-fold (scikit-learn ``RepeatedStratifiedKFold``, seeded); the
balanced error rate (BER, one minus the mean per-class recall) is computed per repeat on the pooled
out-of-fold predictions, as mixOmics does, and averaged over repeats.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import RepeatedStratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from precisionflow.errors import InputError

log = logging.getLogger(__name__)

FLOOR = 1e-12  # smallest probability entering the log pool


def layer_model(C: float) -> Pipeline:
    return Pipeline(
        [
            ("impute", SimpleImputer(strategy="mean", keep_empty_features=True)),
            ("scale", StandardScaler()),
            ("model", LogisticRegression(C=C, class_weight="balanced", max_iter=5000)),
        ]
    )


def balanced_error(truth: np.ndarray, predicted: np.ndarray) -> float:
    """One minus the mean recall over the classes present in ``truth``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # predicted classes absent from truth (small groups)
        return float(1.0 - balanced_accuracy_score(truth, predicted))


class LateIntegration:
    """Per-layer models and their pooled prediction (see the module docstring)."""

    def __init__(self, C: float = 0.03) -> None:
        self.C = C
        self.classes_: list[str] = []
        self.models: dict[str, Pipeline] = {}

    def fit(self, layers: Mapping[str, pd.DataFrame], labels: pd.Series) -> LateIntegration:
        labels = labels.dropna().astype(str)
        self.classes_ = sorted(labels.unique())
        self.models = {}
        for name in sorted(layers):
            frame = layers[name]
            patients = frame.index.intersection(labels.index)
            if labels.loc[patients].nunique() < 2:
                log.warning("layer %s: fewer than two classes among its labelled patients; not used by the classifier", name)
                continue
            model = layer_model(self.C)
            model.fit(frame.loc[patients].to_numpy(), labels.loc[patients].to_numpy())
            self.models[name] = model
        if not self.models:
            raise InputError("the sample sheet", "label column", "labelled patients of at least two classes in some layer", "none")
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
                        {"layer": name, "feature": features, "gene": genes[name].to_numpy(), "class": cls, "importance": row}
                    )
                )
        table = pd.concat(rows, ignore_index=True)
        table["magnitude"] = table["importance"].abs()
        table = table.sort_values(["layer", "class", "magnitude", "feature"], ascending=[True, True, False, True], kind="stable")
        table["rank"] = table.groupby(["layer", "class"]).cumcount() + 1
        return table.drop(columns="magnitude").reset_index(drop=True)


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
            "single_layer_balanced_error_rate": {
                name: {"mean": float(np.mean(v)), "sd": float(np.std(v, ddof=1)) if len(v) > 1 else 0.0}
                for name, v in sorted(self.layer_ber.items())
            },
        }


def cross_validate(
    layers: Mapping[str, pd.DataFrame], labels: pd.Series, *, folds: int, repeats: int, seed: int, C: float
) -> CrossValidation:
    """Repeated stratified k-fold of :class:`LateIntegration` over the labelled patients with a layer.

    ``folds`` is lowered to the size of the smallest class when that is smaller (logged).
    """
    labels = labels.dropna().astype(str)
    with_layer = sorted(set().union(*(set(f.index) for f in layers.values())) & set(labels.index))
    labels = labels.loc[with_layer]
    counts = labels.value_counts()
    if len(counts) < 2 or counts.min() < 2:
        raise InputError(
            "the sample sheet", "label column", "at least two classes with two or more labelled patients (with a layer)", f"class sizes {counts.to_dict()}"
        )
    if counts.min() < folds:
        log.warning("smallest class has %d patients: %d-fold cross-validation instead of %d", counts.min(), counts.min(), folds)
        folds = int(counts.min())
    classes = sorted(counts.index)
    patients = pd.Index(with_layer)
    y = labels.to_numpy()
    splitter = RepeatedStratifiedKFold(n_splits=folds, n_repeats=repeats, random_state=seed)
    oof = np.zeros((repeats, len(patients), len(classes)))
    layer_oof = {name: np.full((repeats, len(patients), len(classes)), np.nan) for name in layers}
    for i, (train, test) in enumerate(splitter.split(np.zeros(len(y)), y)):
        repeat = i // folds
        train_ids, test_ids = patients[train], patients[test]
        model = LateIntegration(C).fit({n: f.loc[f.index.intersection(train_ids)] for n, f in layers.items()}, labels.loc[train_ids])
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
            layer_ber[name] = [balanced_error(y[has], class_array[values[r, has].argmax(axis=1)]) for r in range(repeats)]
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
    )
