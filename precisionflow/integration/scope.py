"""Which patients a set of subtype labels applies to: the labels' tumour type.

Subtype labels belong to one tumour type (PAM50-style Basal/HER2/Luminal to breast cancer, CMS to colorectal
cancer): a breast label on a colorectal tumour is a data-entry error, and a breast subtype predicted for a
colorectal tumour means nothing to a tumour board. So the classifier trains on, and predicts for, the patients
of the labels' tumour type only.

* A patient's tumour type is its OncoTree code: the sheet's ``tumor_type`` cell, else the config's
  ``tumor_type`` (None when neither is given). Two codes are the same tumour type when they are equal or share
  their OncoTree main type (``IDC`` and ``BRCA``; the main types come from ``resources: oncotree`` when the
  config has it), as for actionability (:mod:`precisionflow.actionability.oncotree`).
* The labels' tumour type is the one most labelled patients have ("not given" counts as one). A tie is broken
  by the config's ``tumor_type`` when it is one of the tied types, else it is an error naming the counts.
* Every patient of another tumour type is "not applicable"; a labelled one is excluded from training, with
  the reason. Without any tumour type (no sheet column, no config key) every patient is in scope.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from precisionflow.errors import InputError

log = logging.getLogger(__name__)

NOT_APPLICABLE = "not applicable"
NOT_GIVEN = "not given"


def _is_blank(value: object) -> bool:
    """None, NaN, pd.NA or only spaces: a blank sheet cell."""
    return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)) or not str(value).strip()


def _code(value: object) -> str | None:
    """An OncoTree code as compared here (upper-case, stripped), None when blank."""
    return None if _is_blank(value) else str(value).strip().upper()


@dataclass(frozen=True)
class LabelScope:
    """The labels' tumour type and who it leaves out (see the module docstring)."""

    tumor_type: str | None  # the labels' tumour type (the commonest code of its group); None: not given
    out_of_scope: dict[str, str | None] = field(default_factory=dict)  # patient -> its tumour type
    excluded: dict[str, str] = field(default_factory=dict)  # labelled patient of another type -> the reason
    known: bool = True  # False: no patient has a tumour type, every patient is in scope

    @property
    def note(self) -> str:
        """What the predictions table and the dossier say for a patient of another tumour type."""
        return f"{NOT_APPLICABLE} (subtype labels are for {self.tumor_type or 'an unspecified tumour type'})"

    def applies(self, patient: str) -> bool:
        return patient not in self.out_of_scope

    def summary(self) -> dict:
        """The ``tumor_type_scope`` entry of the classifier's metrics."""
        return {
            "labels_tumor_type": self.tumor_type,
            "rule": "the tumour type most labelled patients have (sheet tumor_type, else the config's; codes of "
            "one OncoTree main type are one type); other patients are not applicable"
            if self.known
            else "no tumour type given: every patient in scope",
            "n_not_applicable": len(self.out_of_scope),
            "not_applicable": {p: t or NOT_GIVEN for p, t in sorted(self.out_of_scope.items())},
            "excluded_from_training": dict(sorted(self.excluded.items())),
        }


def _group(code: str | None, main_types: Mapping[str, str]) -> str | None:
    """The comparison key of a code: its OncoTree main type when known, else the code itself."""
    return None if code is None else (main_types.get(code) or code)


def _winner(counts: Counter, cohort_group: str | None, label: str) -> str | None:
    """The group most labelled patients have; a tie broken by the config's tumour type, else an error."""
    top = max(counts.values())
    tied = sorted((g for g, n in counts.items() if n == top), key=lambda g: (g is None, g or ""))
    if len(tied) == 1:
        return tied[0]
    if cohort_group in tied:
        return cohort_group
    found = ", ".join(f"{g or NOT_GIVEN}: {counts[g]}" for g in tied)
    raise InputError(
        "the sample sheet",
        f"label column {label!r}",
        "labelled patients mostly of one tumour type (or the config's tumor_type among the tied types)",
        f"a tie ({found})",
    )


def label_scope(
    labels: Mapping[str, object],
    tumour_types: Mapping[str, object] | None,
    main_types: Mapping[str, str] | None = None,
    cohort_type: object = None,
    label: str = "label",
) -> LabelScope:
    """The scope of ``labels`` (patient -> label, blank = unlabelled; every patient to place is a key) given
    each patient's tumour type (``tumour_types``: patient -> OncoTree code, already with the config's
    ``tumor_type`` for blank cells; None or empty: not known)."""
    main_types = {str(k).upper(): v for k, v in (main_types or {}).items() if v}
    codes = {p: _code((tumour_types or {}).get(p)) for p in labels}
    labelled = [p for p, v in labels.items() if not _is_blank(v)]
    if not labelled or all(c is None for c in codes.values()):
        return LabelScope(None, known=any(c is not None for c in codes.values()))
    group = {p: _group(c, main_types) for p, c in codes.items()}
    chosen = _winner(Counter(group[p] for p in labelled), _group(_code(cohort_type), main_types), label)
    in_group = Counter(codes[p] for p in labelled if group[p] == chosen)
    display = None if chosen is None else sorted(in_group.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
    out = {p: codes[p] for p in sorted(labels) if group[p] != chosen}
    excluded = {
        p: f"tumour type {codes[p] or NOT_GIVEN}: subtype labels are for {display or 'an unspecified tumour type'}"
        for p in sorted(labelled)
        if p in out
    }
    return LabelScope(display, out, excluded)


def in_scope(scope: LabelScope, patients: Iterable[str]) -> list[str]:
    """The patients (in the given order) the labels apply to."""
    return [p for p in patients if scope.applies(p)]


def scope_of(
    labels: pd.Series,
    without: Sequence[str],
    label: str,
    tumour_types: Mapping[str, object] | None,
    main_types: Mapping[str, str] | None,
    cohort_type: str | None,
) -> LabelScope:
    """The labels' tumour type over the patients with a layer and those without (blank labels), logged:
    the patients left out, and the labelled ones excluded from training with the reason."""
    everyone = {**{p: np.nan for p in without}, **labels.to_dict()}
    scope = label_scope(everyone, tumour_types, main_types, cohort_type, label)
    if not scope.known:
        log.info("no tumour type given for any patient: the %s labels apply to every patient", label)
        return scope
    log.info(
        "the %s labels are for tumour type %s: %d patient(s) of another tumour type get %r (%s)",
        label,
        scope.tumor_type or "not given",
        len(scope.out_of_scope),
        scope.note,
        ", ".join(f"{p}: {t or 'not given'}" for p, t in sorted(scope.out_of_scope.items())) or "none",
    )
    for patient, reason in sorted(scope.excluded.items()):
        log.warning("labelled patient %s excluded from training: %s", patient, reason)
    return scope
