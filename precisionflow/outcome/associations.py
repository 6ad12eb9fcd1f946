"""Per-feature survival associations: Kaplan-Meier groups, log-rank test, Cox hazard ratio, BH q.

Binary features (a mutated gene, an amplified gene, a cluster or a covariate level against the rest)
are tested with the log-rank test (``p``) and a univariable Cox model (``hr`` of altered vs not);
continuous ones (joint factors, numeric covariates) with the Cox model's Wald test, the hazard ratio
per standard deviation. q: Benjamini-Hochberg within each kind (genes among genes, factors among
factors ...), the families one reads together. lifelines does the fitting and the tests.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from lifelines import CoxPHFitter
from lifelines.exceptions import ConvergenceError, ConvergenceWarning
from lifelines.statistics import logrank_test, multivariate_logrank_test
from scipy.stats import false_discovery_control

COLUMNS = ["feature", "kind", "n_altered", "hr", "hr_low", "hr_high", "p", "q", "n_tested", "n_events"]


def _cox(values: np.ndarray, time: np.ndarray, event: np.ndarray) -> tuple[float, float, float, float]:
    """Univariable Cox: hazard ratio, its 95 % CI and the Wald p (NaN when the fit does not converge,
    e.g. no event among the altered patients: the ratio is then not estimable, not infinite)."""
    frame = pd.DataFrame({"x": values, "time": time, "event": event.astype(int)})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConvergenceWarning)
            fit = CoxPHFitter().fit(frame, duration_col="time", event_col="event")
    except (ConvergenceError, ConvergenceWarning, np.linalg.LinAlgError):
        return (np.nan,) * 4
    row = fit.summary.loc["x"]
    return (
        float(row["exp(coef)"]),
        float(row["exp(coef) lower 95%"]),
        float(row["exp(coef) upper 95%"]),
        float(row["p"]),
    )


def associate(
    features: pd.DataFrame, kind: str, survival: pd.DataFrame, binary: bool, min_altered: int = 2
) -> list[dict]:
    """One row per feature over the patients with an outcome and a value for it."""
    rows = []
    for feature in features.columns:
        values = features[feature].reindex(survival.index)
        known = values.notna() & survival["time"].notna()
        x = values[known].to_numpy(dtype=float)
        time = survival.loc[known, "time"].to_numpy(dtype=float)
        event = survival.loc[known, "event"].to_numpy(dtype=bool)
        row = {"feature": feature, "kind": kind, "n_tested": int(known.sum()), "n_events": int(event.sum())}
        if binary:
            altered = x > 0
            row["n_altered"] = int(altered.sum())
            if row["n_altered"] < min_altered or (~altered).sum() < min_altered:
                continue
            p = logrank_test(time[altered], time[~altered], event[altered], event[~altered]).p_value
            hr, low, high, _ = _cox(altered.astype(float), time, event)
        else:
            row["n_altered"] = pd.NA
            if np.nanstd(x) == 0:
                continue
            hr, low, high, p = _cox((x - x.mean()) / x.std(), time, event)
        rows.append({**row, "hr": hr, "hr_low": low, "hr_high": high, "p": float(p)})
    return rows


def cluster_logrank(clusters: pd.Series, survival: pd.DataFrame) -> float:
    """Log-rank test across all clusters at once (the KM figure's p)."""
    known = clusters.reindex(survival.index).notna() & survival["time"].notna()
    groups = clusters.reindex(survival.index)[known]
    if groups.nunique() < 2:
        return float("nan")
    result = multivariate_logrank_test(survival.loc[known, "time"], groups, survival.loc[known, "event"])
    return float(result.p_value)


def with_q(rows: list[dict]) -> pd.DataFrame:
    """The association table, q by Benjamini-Hochberg within each kind, sorted by kind then p."""
    table = pd.DataFrame(rows, columns=[c for c in COLUMNS if c != "q"])
    table["q"] = np.nan
    for _, index in table.groupby("kind").groups.items():
        p = table.loc[index, "p"]
        tested = p.notna()
        if tested.any():
            table.loc[p[tested].index, "q"] = false_discovery_control(p[tested].to_numpy(), method="bh")
    table["n_altered"] = table["n_altered"].astype("Int64")
    return table[COLUMNS].sort_values(["kind", "p", "feature"], na_position="last").reset_index(drop=True)
