"""Which steps a cohort's shape lets run, decided at parse time, with the reason for each skip.

A cohort may have variants only (a panel, a cohort MAF, one patient's VCF), omics only, or both, and
one patient or thousands. A step whose method cannot work on the cohort is skipped by rule (never
left to crash), and ``results/cohort/steps.tsv`` says why. Targets always run: each evidence type
they lack simply contributes nothing.

The minimum number of patients of each integration method follows from the method itself:

* MOFA+: the factors are capped at patients - 1, so one factor needs 2 patients;
* k-means with k chosen by silhouette: k >= 2 clusters and the silhouette needs k < patients: 3;
* UMAP (scanpy): its spectral initialisation takes n_components + 1 = 3 eigenvectors of the kNN
  graph's Laplacian and ARPACK (``eigsh``) needs k < patients: 4;
* the classifier: stratified cross-validation needs at least 2 folds, hence at least 2 classes, each
  of 2 or more labelled patients (precisionflow/integration/classifier.py refuses anything less).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

from precisionflow.integration.scope import label_scope

MIN_PATIENTS = {"MOFA+": 2, "k-means (silhouette)": 3, "UMAP": 4}
MIN_PER_CLASS = 2  # stratified cross-validation: at least 2 folds
STEP_COLUMNS = ("step", "status", "reason")


@dataclass(frozen=True)
class Step:
    step: str
    ran: bool
    reason: str

    def row(self) -> dict[str, str]:
        return {"step": self.step, "status": "ran" if self.ran else "skipped", "reason": self.reason}


def _patients(n: int) -> str:
    return f"{n} patient{'s' if n != 1 else ''}"


def integration_step(layer_patients: Mapping[str, Iterable[str]]) -> Step:
    """Integration runs with at least one layer and enough patients with a layer for every method."""
    if not layer_patients:
        return Step("integration", False, "no omics layer in the config: nothing to integrate")
    patients = set().union(*(set(p) for p in layer_patients.values()))
    needed = max(MIN_PATIENTS.values())
    if len(patients) < needed:
        methods = ", ".join(f"{method} {n}" for method, n in MIN_PATIENTS.items())
        return Step(
            "integration",
            False,
            f"{_patients(len(patients))} with an omics layer; the methods need at least {needed} ({methods})",
        )
    return Step("integration", True, f"{len(layer_patients)} layer(s), {_patients(len(patients))} with a layer")


def classifier_step(
    label: str | None,
    integration: Step,
    labels: Mapping[str, object],
    layer_patients: Iterable[str],
    tumour_types: Mapping[str, object] | None = None,
    main_types: Mapping[str, str] | None = None,
    cohort_type: str | None = None,
) -> Step:
    """The classifier needs the integration, a label column, and 2 classes of at least 2 labelled patients
    of the labels' tumour type (precisionflow/integration/scope.py; ``tumour_types``: patient -> OncoTree
    code, the config's for blank sheet cells); a tie between tumour types is an InputError."""
    if not label:
        return Step("classifier", False, "no label column in the config")
    if not integration.ran:
        return Step("classifier", False, "integration skipped")
    present = set(layer_patients)
    with_layer = {p: (v if p in present else None) for p, v in labels.items()}
    scope = label_scope(with_layer, tumour_types, main_types, cohort_type, label)
    labelled = [v for p, v in with_layer.items() if scope.applies(p) and v is not None and not pd.isna(v)]
    sizes = pd.Series(labelled, dtype=object)
    classes = sizes.value_counts().sort_index()
    if len(classes) < 2 or classes.min() < MIN_PER_CLASS:
        found = ", ".join(f"{c}: {n}" for c, n in classes.items()) or "none"
        of_type = f" of tumour type {scope.tumor_type}" if scope.tumor_type else ""
        return Step(
            "classifier",
            False,
            f"label {label!r}: cross-validation needs at least 2 classes of {MIN_PER_CLASS} or more labelled patients "
            f"with a layer{of_type}; found {found}",
        )
    return Step("classifier", True, f"label {label!r}: {len(classes)} classes")


def input_step(step: str, n_patients: int, what: str) -> Step:
    """A per-patient input step: runs when some patient has the input."""
    if n_patients == 0:
        return Step(step, False, f"no patient has {what} in the sheet")
    return Step(step, True, f"{_patients(n_patients)} with {what}")


def steps_table(steps: Iterable[Step]) -> pd.DataFrame:
    """``results/cohort/steps.tsv``: step, status (ran|skipped), reason."""
    return pd.DataFrame([s.row() for s in steps], columns=list(STEP_COLUMNS))
