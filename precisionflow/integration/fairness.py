"""Fairness audit of the classifier over protected sheet columns (sex, ancestry …).

For each protected column and each of its groups: the balanced error rate of the cross-validated
(out-of-fold) predictions, the selection rate of each class (share of the group predicted as that
class) beside the group's label rate (its share in the labels, so that a selection gap explained by
prevalence can be told apart from one that is not), and the largest gap between groups over these
metrics, flagged above ``max_gap``. Groups smaller than ``min_group_size`` are reported but do not
enter the gaps (their rates are too noisy to compare). A permutation p-value (group labels shuffled
among the compared patients, seeded; the statistic is the largest gap over all metrics) tells a gap
that small groups produce by chance from a real one. Written here: the metrics are a few lines of
numpy, and fairness libraries (fairlearn …) are not in the project's stack.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from precisionflow.integration.classifier import balanced_error


def _gaps(truth: np.ndarray, predicted: np.ndarray, groups: np.ndarray, n_groups: int, n_classes: int) -> np.ndarray:
    """Gaps (max - min over groups) of [BER, selection rate of each class]; inputs are integer codes."""
    per_group = np.empty((n_groups, 1 + n_classes))
    for g in range(n_groups):
        t, p = truth[groups == g], predicted[groups == g]
        present = np.unique(t)
        per_group[g, 0] = 1.0 - np.mean([np.mean(p[t == c] == c) for c in present])
        per_group[g, 1:] = np.bincount(p, minlength=n_classes) / len(p)
    return per_group.max(axis=0) - per_group.min(axis=0)


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
    """The audit of one protected column (see the module docstring); patients with a blank cell are counted
    in ``n_missing`` and left out."""
    common = truth.index.intersection(predicted.index)
    groups = groups.reindex(common)
    n_missing = int(groups.isna().sum())
    groups = groups.dropna().astype(str)
    result_groups: dict[str, dict] = {}
    eligible: list[str] = []
    for group in sorted(groups.unique()):
        ids = groups.index[groups == group]
        t, p = truth.loc[ids].to_numpy(), predicted.loc[ids].to_numpy()
        entry = {
            "n": int(len(ids)),
            "balanced_error_rate": balanced_error(t, p),
            "selection_rate": {c: float(np.mean(p == c)) for c in classes},
            "label_rate": {c: float(np.mean(t == c)) for c in classes},
            "compared": len(ids) >= min_group_size,
        }
        result_groups[group] = entry
        if entry["compared"]:
            eligible.append(group)
    audit: dict = {"groups": result_groups, "n_missing": n_missing, "min_group_size": min_group_size, "max_gap": max_gap}
    if len(eligible) < 2:
        audit.update({"gaps": None, "largest_gap": None, "flagged": False, "note": "fewer than two groups large enough to compare"})
        return audit

    ids = groups.index[groups.isin(eligible)]
    code = {c: i for i, c in enumerate(classes)}
    t = np.array([code[v] for v in truth.loc[ids]])
    p = np.array([code[v] for v in predicted.loc[ids]])
    g = np.array([eligible.index(v) for v in groups.loc[ids]])
    observed = _gaps(t, p, g, len(eligible), len(classes))
    names = ["balanced_error_rate"] + [f"selection_rate:{c}" for c in classes]
    gaps = dict(zip(names, observed.tolist(), strict=True))
    metric = names[int(np.argmax(observed))]
    p_value = None
    if permutations > 0:
        rng = np.random.default_rng(seed)
        exceed = sum(_gaps(t, p, rng.permutation(g), len(eligible), len(classes)).max() >= observed.max() - 1e-12 for _ in range(permutations))
        p_value = (1 + exceed) / (1 + permutations)
    audit.update(
        {
            "gaps": gaps,
            "largest_gap": {"metric": metric, "value": gaps[metric], "permutation_p_value": p_value, "permutations": permutations},
            "flagged": bool(gaps[metric] > max_gap),
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
) -> dict[str, dict]:
    """:func:`audit_column` for every column of ``protected`` (patients as index)."""
    return {
        column: audit_column(truth, predicted, protected[column], classes, max_gap, min_group_size, permutations, seed)
        for column in protected.columns
    }


def table(audits: dict[str, dict], classes: Sequence[str]) -> pd.DataFrame:
    """The audit as one row per protected column and group, for the report."""
    rows = []
    for column, result in audits.items():
        for group, entry in result["groups"].items():
            row = {"column": column, "group": group, "n": entry["n"], "compared": entry["compared"], "balanced_error_rate": entry["balanced_error_rate"]}
            row.update({f"selection_rate_{c}": entry["selection_rate"][c] for c in classes})
            row.update({f"label_rate_{c}": entry["label_rate"][c] for c in classes})
            largest = result["largest_gap"]
            row["largest_gap_metric"] = largest["metric"] if largest else None
            row["largest_gap"] = largest["value"] if largest else None
            row["gap_p_value"] = largest["permutation_p_value"] if largest else None
            row["flagged"] = result["flagged"]
            rows.append(row)
    columns = ["column", "group", "n", "compared", "balanced_error_rate"]
    columns += [f"selection_rate_{c}" for c in classes] + [f"label_rate_{c}" for c in classes]
    columns += ["largest_gap_metric", "largest_gap", "gap_p_value", "flagged"]
    return pd.DataFrame(rows, columns=columns)
