"""Outcome risk model at scale: 5,000 patients × 200 features, 5-fold cross-validation (goal: < 2 min
on 2 cores), beside a direct scikit-survival call.

The cohort is simulated in the measured process (the same seeded draw for both rows, well under a
second): standard-normal features, 10 of them with effects, exponential survival with uniform
censoring (about half the patients censored). precisionflow: ``precisionflow.outcome.model.cross_validate``
with the elastic-net Cox model as the step runs it with the schema's defaults, one repeat (imputation,
log of skewed non-negative columns, scaling, the penalty path chosen by an inner 3-fold CV in each
outer fold: nested). Peer: scikit-survival's ``CoxnetSurvivalAnalysis`` at
one fixed penalty, scaled, in a plain 5-fold ``cross_val_score`` (not nested: the floor a user would
write by hand).
"""

from __future__ import annotations

from pathlib import Path

from bench.harness import Row, measure_python

N_PATIENTS, N_FEATURES = 5000, 200

SIMULATE = f"""
import numpy as np, pandas as pd
from sksurv.util import Surv
rng = np.random.default_rng(17)
X = rng.normal(size=({N_PATIENTS}, {N_FEATURES}))
beta = np.zeros({N_FEATURES}); beta[:10] = rng.normal(0, 0.4, 10)
event_time = rng.exponential(np.exp(-X @ beta)); censor = rng.uniform(0, 2, {N_PATIENTS})
y = Surv.from_arrays(event_time <= censor, np.minimum(event_time, censor))
X = pd.DataFrame(X, columns=[f"f{{j}}" for j in range({N_FEATURES})])
"""

PRECISIONFLOW = (
    SIMULATE
    + """
from threadpoolctl import threadpool_limits
from precisionflow.outcome import model
from precisionflow.settings import with_defaults
settings = with_defaults("outcome", {"time": "time", "event": "event", "repeats": 1, "models": ["coxnet"]})
with threadpool_limits(2):
    cv = model.cross_validate(X, y, ["coxnet"], settings, 2024, horizon=1.0, n_jobs=2)
print(cv.scores["coxnet"]["c_index"].mean())
"""
)

PEER = (
    SIMULATE
    + """
from sklearn.model_selection import KFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sksurv.linear_model import CoxnetSurvivalAnalysis
pipe = make_pipeline(StandardScaler(), CoxnetSurvivalAnalysis(l1_ratio=0.5, alphas=[0.01]))
print(cross_val_score(pipe, X.to_numpy(), y, cv=KFold(5, shuffle=True, random_state=2024), n_jobs=2).mean())
"""
)


def rows(cache: Path, repeats: int) -> list[Row]:
    workload = f"{N_PATIENTS:,} patients × {N_FEATURES} features, 5-fold CV"
    ours = measure_python(PRECISIONFLOW, repeats)
    peer = measure_python(PEER, repeats)
    return [
        Row(
            "outcome",
            workload,
            "precisionflow",
            ours,
            peer="scikit-survival",
            note="elastic-net Cox with the schema's defaults (log of skewed columns, scaling), nested "
            "(penalty path chosen by inner 3-fold CV); goal < 120 s on 2 cores",
        ),
        Row(
            "outcome",
            workload,
            "scikit-survival",
            peer,
            note="CoxnetSurvivalAnalysis at one fixed penalty, plain 5-fold cross_val_score",
        ),
    ]
