"""Paths of the target step's outputs (light: imported by the rules at parse time)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from precisionflow.errors import InputError, shorten

FOLDER = "results/targets"


def step_outputs(patients: Sequence[str], folder: str = FOLDER) -> list[str]:
    """What ``rule all`` asks of the step: the tables (SPEC) and the report's pages and figure."""
    return [
        f"{folder}/cohort_targets.tsv",
        *[f"{folder}/patients/{p}.tsv" for p in patients],
        f"{folder}/report/cohort_targets.html",
        f"{folder}/report/cohort_evidence.png",
        *[f"{folder}/report/patients/{p}.html" for p in patients],
    ]


def layer_kinds(layers: Mapping[str, Mapping], overrides: Mapping[str, str]) -> dict[str, str]:
    """Evidence type of each layer: the ``targets: layers:`` override, else rna/protein by the layer's type."""
    unknown = sorted(set(overrides) - set(layers))
    if unknown:
        raise InputError(
            "config", "key targets/layers", f"names of layers under omics ({shorten(sorted(layers))})", shorten(unknown)
        )
    kinds = {}
    for name, cfg in layers.items():
        kind = overrides.get(name) or {"rna": "rna", "protein": "protein"}.get(cfg["type"], "none")
        if kind != "none":
            kinds[name] = kind
    return kinds


def actionability_outputs(patients: Sequence[str], folder: str = FOLDER) -> list[str]:
    """The actionability tables (SPEC), when the config gives ``resources: actionability``."""
    return [f"{folder}/actionable.tsv", *[f"{folder}/patients/{p}.actionable.tsv" for p in patients]]
