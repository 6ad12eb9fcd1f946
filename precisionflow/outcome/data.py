"""Survival data from the sample sheet, checked, and the feature blocks the models use.

Every frame is indexed by public patient id. Blank outcome cells are allowed (both time and event):
those patients are not used to fit or test anything and get a risk from the final model.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from precisionflow.errors import InputError, shorten

CN_CODES = {"deep_loss": -2, "loss": -1, "neutral": 0, "gain": 1, "amp": 2}
CN_ALTERED = ("amp", "deep_loss")  # focal, high-level events: what a copy-number association tests


def _row(sheet: pd.DataFrame, patient: str) -> int:
    """Line number of a patient in the sheet file (header is line 1)."""
    return int(sheet.index.get_loc(patient)) + 2


def _check_columns(sheet: pd.DataFrame, path, settings: Mapping) -> None:
    """Every configured column is in the sheet."""
    named = [("time", settings["time"]), ("event", settings["event"])]
    for key, column in named + [("covariates", c) for c in settings["covariates"]]:
        if column not in sheet.columns:
            raise InputError(
                path, "header", f"the column {column!r} (config outcome/{key})", f"columns {shorten(sheet.columns)}"
            )


def _check_row(sheet: pd.DataFrame, path, patient: str, time: str, event: str) -> None:
    """One patient's outcome: both cells blank, or a non-negative time and an event 0/1."""
    t, e = sheet.at[patient, time], sheet.at[patient, event]
    if pd.isna(t) != pd.isna(e):
        raise InputError(
            path,
            f"row {_row(sheet, patient)}, columns {time!r} and {event!r}",
            "both filled or both blank",
            f"time {'blank' if pd.isna(t) else repr(t)} and event {'blank' if pd.isna(e) else repr(e)}",
        )
    if pd.isna(t):
        return
    try:
        days = float(t)
    except ValueError:
        days = float("nan")
    if not np.isfinite(days) or days < 0:
        raise InputError(
            path,
            f"row {_row(sheet, patient)}, column {time!r}",
            "a non-negative number (survival or follow-up time)",
            repr(t),
        )
    if str(e) not in {"0", "1"}:
        raise InputError(path, f"row {_row(sheet, patient)}, column {event!r}", "0 (censored) or 1 (event)", repr(e))


def _check_events(sheet: pd.DataFrame, path, time: str, event: str) -> None:
    """At least one patient with an outcome, and at least one event among them."""
    events = sheet[event].dropna()
    if len(events) and not (events == "1").any():
        raise InputError(
            path,
            f"column {event!r}",
            "at least one event (1)",
            f"all {len(events)} patients with an outcome censored (0)",
        )
    if not len(events):
        raise InputError(
            path, f"columns {time!r} and {event!r}", "the outcome of at least one patient", "every cell blank"
        )


def _check_covariates(sheet: pd.DataFrame, path, event: str, covariates) -> None:
    """Every covariate takes at least two values among the patients with an outcome."""
    with_outcome = sheet[event].notna()
    for column in covariates:
        values = sheet.loc[with_outcome, column].dropna().unique()
        if len(values) < 2:
            found = f"the single value {values[0]!r}" if len(values) else "only blank cells"
            raise InputError(
                path,
                f"column {column!r} (config outcome/covariates)",
                "a covariate that varies between patients",
                found,
            )


def check_outcome(sheet: pd.DataFrame, path: str | os.PathLike[str], settings: Mapping) -> None:
    """The sheet's survival columns: times non-negative numbers, events 0/1 (both blank, or both filled),
    at least one event, and covariates that vary. Raises InputError naming the row and column."""
    time, event = settings["time"], settings["event"]
    _check_columns(sheet, path, settings)
    for patient in sheet.index:
        _check_row(sheet, path, patient, time, event)
    _check_events(sheet, path, time, event)
    _check_covariates(sheet, path, event, settings["covariates"])


def survival_table(sheet: pd.DataFrame, public_ids: Mapping[str, str], settings: Mapping) -> pd.DataFrame:
    """``time`` (float) and ``event`` (bool) per public id; NaN time where the outcome is blank."""
    frame = pd.DataFrame(
        {
            "time": pd.to_numeric(sheet[settings["time"]]).to_numpy(dtype=float),
            "event": sheet[settings["event"]].map({"1": True, "0": False}).to_numpy(),
        },
        index=pd.Index([public_ids[p] for p in sheet.index], name="patient"),
    )
    return frame.sort_index()


def clinical_features(sheet: pd.DataFrame, public_ids: Mapping[str, str], columns: Sequence[str]) -> pd.DataFrame:
    """Covariates: numeric columns as numbers, the others one indicator per level (``column=level``);
    a blank cell is missing (NaN) in each of its indicators."""
    index = pd.Index([public_ids[p] for p in sheet.index], name="patient")
    blocks = []
    for column in columns:
        values = pd.Series(sheet[column].to_numpy(), index=index)
        numbers = pd.to_numeric(values, errors="coerce")
        if numbers.notna().sum() == values.notna().sum():
            blocks.append(numbers.rename(column).astype(float))
            continue
        for level in sorted(values.dropna().unique()):
            indicator = (values == level).astype(float).where(values.notna())
            blocks.append(indicator.rename(f"{column}={level}"))
    return pd.concat(blocks, axis=1).sort_index() if blocks else pd.DataFrame(index=index.sort_values())


def mutation_features(counts: pd.DataFrame, min_fraction: float) -> pd.DataFrame:
    """Mutated (1) or not (0) per gene, for genes mutated in at least ``min_fraction`` of the patients
    with variant calls (an outcome-blind filter). ``counts``: patients x genes, non-synonymous counts."""
    mutated = (counts > 0).astype(float)
    frequent = mutated.columns[mutated.mean(axis=0) >= min_fraction]
    return mutated[sorted(frequent)]


def copy_number_features(calls: pd.DataFrame, min_fraction: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """From copy_number.tsv (patient, gene, call): the calls as numbers (deep_loss -2 .. amp 2) and
    amplified-or-deeply-deleted indicators, for genes so altered in at least ``min_fraction`` of patients."""
    coded = (
        calls.assign(code=calls["call"].map(CN_CODES))
        .pivot(index="patient", columns="gene", values="code")
        .astype(float)
    )
    altered = calls.assign(hit=calls["call"].isin(CN_ALTERED).astype(float)).pivot(
        index="patient", columns="gene", values="hit"
    )
    frequent = sorted(altered.columns[altered.mean(axis=0) >= min_fraction])
    return coded[frequent].sort_index(), altered[frequent].sort_index()


def layer_features(adata, prefix: str) -> pd.DataFrame:
    """An omics layer's normalized matrix (``X``; NaN where it was imputed upstream stays as given)."""
    X = adata.X.toarray() if hasattr(adata.X, "toarray") else np.asarray(adata.X)
    return pd.DataFrame(
        X, index=pd.Index(adata.obs_names, name="patient"), columns=[f"{prefix}:{v}" for v in adata.var_names]
    ).sort_index()


def combine(blocks: Mapping[str, pd.DataFrame], patients: Sequence[str]) -> pd.DataFrame:
    """Feature blocks side by side over every patient (a patient without a block has NaN there,
    imputed inside the cross-validation folds)."""
    frames = [frame.reindex(patients) for frame in blocks.values() if frame.shape[1]]
    if not frames:
        return pd.DataFrame(index=pd.Index(patients, name="patient"))
    table = pd.concat(frames, axis=1)
    table.index.name = "patient"
    return table
