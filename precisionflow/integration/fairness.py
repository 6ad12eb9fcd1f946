"""Fairness audit of a diagnostic classifier over protected sheet columns (sex, ancestry …): equalized odds.

A diagnostic classifier is fair when its errors do not depend on the group once the true class is
known (equalized odds, Hardt et al. 2016); selection-rate gaps (demographic parity) are expected
whenever the classes' prevalence differs between groups and say nothing about the classifier. So, on
the cross-validated (out-of-fold) predictions, for each protected column:

* per group: its size, per class its patients, recall (true-positive rate) and false-positive rate,
  and its balanced error rate; a group smaller than ``min_group_size`` is reported as "too few to
  judge" and enters no comparison;
* per class: the equalized-odds gap, the larger of the recall gap and the false-positive-rate gap
  (max − min over the compared groups that have patients to compute it), and the group on the bad
  side of it (lowest recall, or highest false-positive rate);
* a permutation p-value per class: group labels are shuffled **within each true class** (so group
  sizes per class, and the class prevalence of each group, stay as observed: the null hypothesis is
  exactly "predictions independent of the group given the true class"), seeded; the statistic is
  Pearson's chi-squared of the recall across groups plus that of the false-positive rate (each group
  weighs by its size: the max − min gap is the effect size, dominated by the smallest groups, and a
  poor test statistic);
* the p-values of all columns × classes of the audit are corrected together (Holm's step-down, which
  controls the family-wise error like Bonferroni and is uniformly more powerful);
* a class is flagged only when its gap is larger than ``max_gap`` **and** its corrected p-value is
  below ``alpha``; the column is flagged when one of its classes is, naming the group(s).

Written here: the rates are a few lines of numpy, and fairness libraries (fairlearn …) are not in the
project's stack; Holm's correction is six lines (statsmodels' ``multipletests`` would add three
packages to this step's environment).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from precisionflow.integration.classifier import balanced_error

TOO_FEW = "too few to judge"
COMPARED = "compared"


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values (same order as given)."""
    p = np.asarray(p_values, dtype=float)
    m = len(p)
    order = np.argsort(p, kind="stable")
    adjusted = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * p[order]))
    out = np.empty(m)
    out[order] = adjusted
    return out.tolist()


def _rates(
    truth: np.ndarray, predicted: np.ndarray, groups: np.ndarray, n_groups: int, n_classes: int
) -> tuple[np.ndarray, np.ndarray]:
    """Recall and false-positive rate, groups × classes (NaN where the group has no patient to compute it).

    Integer codes in; vectorized over groups and classes with bincount (the permutation loop calls it).
    """
    index = groups * n_classes
    positives = np.bincount(index + truth, minlength=n_groups * n_classes).reshape(n_groups, n_classes)
    hits = np.bincount(index[truth == predicted] + truth[truth == predicted], minlength=n_groups * n_classes)
    hits = hits.reshape(n_groups, n_classes)
    predicted_as = np.bincount(index + predicted, minlength=n_groups * n_classes).reshape(n_groups, n_classes)
    sizes = np.bincount(groups, minlength=n_groups)[:, None]
    negatives = sizes - positives
    false_positives = predicted_as - hits
    with np.errstate(invalid="ignore", divide="ignore"):
        recall = np.where(positives > 0, hits / positives, np.nan)
        fpr = np.where(negatives > 0, false_positives / negatives, np.nan)
    return recall, fpr


def _spread(values: np.ndarray) -> np.ndarray:
    """max − min over groups (axis 0) of the non-NaN values; 0 when fewer than two groups have one."""
    finite = ~np.isnan(values)
    enough = finite.sum(axis=0) >= 2
    high = np.where(finite, values, -np.inf).max(axis=0)
    low = np.where(finite, values, np.inf).min(axis=0)
    return np.where(enough, high - low, 0.0)


def _chi2(rates: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Per class (columns): Pearson's chi-squared of a rate across groups (rows), sum of
    n_g (r_g - r)^2 / (r (1 - r)); 0 where the pooled rate is 0 or 1 (nothing varies)."""
    counts = np.where(np.isnan(rates), 0, counts)
    rates = np.nan_to_num(rates)
    total = counts.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        pooled = (rates * counts).sum(axis=0) / total
        spread = (counts * (rates - pooled) ** 2).sum(axis=0) / (pooled * (1 - pooled))
    return np.where((total > 0) & (pooled > 0) & (pooled < 1), spread, 0.0)


def _statistic(
    truth: np.ndarray, predicted: np.ndarray, groups: np.ndarray, n_groups: int, n_classes: int
) -> np.ndarray:
    """Per class, the test statistic of the permutation: chi-squared of recall across groups (over the
    class's patients) plus that of the false-positive rate (over the others). Each group weighs by its
    patients, so one error in a group of two does not look like a systematic gap (the max - min gap
    does: it is the effect size reported and thresholded, not the statistic tested)."""
    recall, fpr = _rates(truth, predicted, groups, n_groups, n_classes)
    positives = np.bincount(groups * n_classes + truth, minlength=n_groups * n_classes).reshape(n_groups, n_classes)
    negatives = np.bincount(groups, minlength=n_groups)[:, None] - positives
    return _chi2(recall, positives) + _chi2(fpr, negatives)


def _permute_within(truth: np.ndarray, groups: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    shuffled = groups.copy()
    for c in np.unique(truth):
        where = np.flatnonzero(truth == c)
        shuffled[where] = groups[rng.permutation(where)]
    return shuffled


def audit_column(
    truth: pd.Series,
    predicted: pd.Series,
    groups: pd.Series,
    classes: Sequence[str],
    max_gap: float,
    min_group_size: int,
    permutations: int = 1000,
    seed: int = 0,
) -> dict:
    """The audit of one protected column before the correction over columns (see the module docstring);
    patients with a blank cell are counted in ``n_missing`` and left out. :func:`audit` adds the corrected
    p-values and the flags."""
    common = truth.index.intersection(predicted.index)
    groups = groups.reindex(common)
    n_missing = int(groups.isna().sum())
    groups = groups.dropna().astype(str)
    code = {c: i for i, c in enumerate(classes)}
    result_groups: dict[str, dict] = {}
    eligible: list[str] = []
    for group in sorted(groups.unique()):
        ids = groups.index[groups == group]
        t = np.array([code[v] for v in truth.loc[ids]])
        p = np.array([code[v] for v in predicted.loc[ids]])
        recall, fpr = _rates(t, p, np.zeros(len(t), dtype=int), 1, len(classes))
        judged = len(ids) >= min_group_size
        result_groups[group] = {
            "n": int(len(ids)),
            "status": COMPARED if judged else TOO_FEW,
            "balanced_error_rate": balanced_error(truth.loc[ids].to_numpy(), predicted.loc[ids].to_numpy()),
            "n_per_class": {c: int(np.sum(t == j)) for j, c in enumerate(classes)},
            "recall": {c: (None if np.isnan(recall[0, j]) else float(recall[0, j])) for j, c in enumerate(classes)},
            "false_positive_rate": {
                c: (None if np.isnan(fpr[0, j]) else float(fpr[0, j])) for j, c in enumerate(classes)
            },
        }
        if judged:
            eligible.append(group)
    audit: dict = {
        "groups": result_groups,
        "n_missing": n_missing,
        "min_group_size": min_group_size,
        "max_gap": max_gap,
    }
    if len(eligible) < 2:
        note = f"fewer than two groups of {min_group_size} or more patients: {TOO_FEW}"
        audit.update({"classes": None, "flagged": False, "flagged_groups": [], "note": note})
        return audit

    ids = groups.index[groups.isin(eligible)]
    t = np.array([code[v] for v in truth.loc[ids]])
    p = np.array([code[v] for v in predicted.loc[ids]])
    g = np.array([eligible.index(v) for v in groups.loc[ids]])
    recall, fpr = _rates(t, p, g, len(eligible), len(classes))
    recall_gap, fpr_gap = _spread(recall), _spread(fpr)
    observed = np.maximum(recall_gap, fpr_gap)
    statistic = _statistic(t, p, g, len(eligible), len(classes))
    p_values = [None] * len(classes)
    if permutations > 0:
        rng = np.random.default_rng(seed)
        exceed = np.zeros(len(classes))
        for _ in range(permutations):
            exceed += _statistic(t, p, _permute_within(t, g, rng), len(eligible), len(classes)) >= statistic - 1e-9
        p_values = ((1 + exceed) / (1 + permutations)).tolist()
    per_class = {}
    compared_balanced = {e: result_groups[e]["balanced_error_rate"] for e in eligible}
    for j, c in enumerate(classes):
        by_recall = recall_gap[j] >= fpr_gap[j]
        column = recall[:, j] if by_recall else fpr[:, j]
        finite = ~np.isnan(column)
        worst = None
        if finite.sum() >= 2:
            position = int(np.nanargmin(column)) if by_recall else int(np.nanargmax(column))
            worst = eligible[position]
        per_class[c] = {
            "recall_gap": float(recall_gap[j]),
            "false_positive_rate_gap": float(fpr_gap[j]),
            "gap": float(observed[j]),
            "metric": "recall" if by_recall else "false_positive_rate",
            "worst_group": worst,
            "chi2": float(statistic[j]),
            "permutation_p_value": p_values[j],
            "permutations": permutations,
        }
    audit.update(
        {
            "classes": per_class,
            "balanced_error_rate_gap": float(max(compared_balanced.values()) - min(compared_balanced.values())),
        }
    )
    return audit


def audit(
    truth: pd.Series,
    predicted: pd.Series,
    protected: pd.DataFrame,
    classes: Sequence[str],
    max_gap: float,
    min_group_size: int,
    permutations: int = 1000,
    seed: int = 0,
    alpha: float = 0.05,
) -> dict[str, dict]:
    """:func:`audit_column` for every column of ``protected`` (patients as index), then Holm's correction
    over all columns × classes tested, and the flags (gap > ``max_gap`` and corrected p < ``alpha``)."""
    audits = {
        column: audit_column(truth, predicted, protected[column], classes, max_gap, min_group_size, permutations, seed)
        for column in protected.columns
    }
    tests = [(column, c) for column, a in audits.items() if a["classes"] for c in a["classes"]]
    raw = [audits[column]["classes"][c]["permutation_p_value"] for column, c in tests]
    adjusted = holm(raw) if tests and all(v is not None for v in raw) else [None] * len(tests)
    for (column, c), value in zip(tests, adjusted, strict=True):
        entry = audits[column]["classes"][c]
        entry["p_value_holm"] = value
        entry["flagged"] = bool(entry["gap"] > max_gap and value is not None and value < alpha)
    for result in audits.values():
        result["alpha"] = alpha
        result["correction"] = f"Holm over {len(tests)} tests (protected columns × classes)"
        if result["classes"]:
            flagged = [c for c, e in result["classes"].items() if e["flagged"]]
            result["flagged"] = bool(flagged)
            result["flagged_classes"] = flagged
            result["flagged_groups"] = sorted({result["classes"][c]["worst_group"] for c in flagged} - {None})
    return audits


def table(audits: dict[str, dict], classes: Sequence[str]) -> pd.DataFrame:
    """The audit as one row per protected column and group, for the report: the group's rates, and
    ``flagged`` true on the row of a group named by a flagged class of its column."""
    rows = []
    for column, result in audits.items():
        for group, entry in result["groups"].items():
            row = {"column": column, "group": group, "n": entry["n"], "status": entry["status"]}
            row["balanced_error_rate"] = entry["balanced_error_rate"]
            for c in classes:
                row[f"n_{c}"] = entry["n_per_class"][c]
                row[f"recall_{c}"] = entry["recall"][c]
                row[f"fpr_{c}"] = entry["false_positive_rate"][c]
            named = [c for c, e in (result["classes"] or {}).items() if e["flagged"] and e["worst_group"] == group]
            row["flagged_classes"] = ",".join(named)
            row["column_flagged"] = result["flagged"]
            row["flagged"] = bool(named)
            rows.append(row)
    columns = ["column", "group", "n", "status", "balanced_error_rate"]
    columns += [f"{kind}_{c}" for c in classes for kind in ("n", "recall", "fpr")]
    columns += ["flagged_classes", "column_flagged", "flagged"]
    return pd.DataFrame(rows, columns=columns)


def class_table(audits: dict[str, dict]) -> pd.DataFrame:
    """One row per protected column and class: the equalized-odds gaps, p-values and flag."""
    keys = (
        "recall_gap",
        "false_positive_rate_gap",
        "gap",
        "metric",
        "worst_group",
        "permutation_p_value",
        "p_value_holm",
        "flagged",
    )
    rows = []
    for column, result in audits.items():
        for c, entry in (result["classes"] or {}).items():
            rows.append({"column": column, "class": c, **{k: entry.get(k) for k in keys}})
    return pd.DataFrame(rows)
