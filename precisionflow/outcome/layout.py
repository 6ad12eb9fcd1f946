"""Paths of the outcome step's outputs (light: imported by the rules at parse time)."""

from __future__ import annotations

FOLDER = "results/outcome"
FIGURES = ("km_clusters", "km_genes", "km_factors", "km_risk_groups")


def step_outputs(outcome: dict | None, folder: str = FOLDER) -> list[str]:
    """What ``rule all`` asks of the step: nothing unless the config has an ``outcome`` section."""
    if not outcome:
        return []
    tables = ["associations.tsv", "risk.tsv", "contributions.tsv", "features.tsv", "metrics.json"]
    return [f"{folder}/{name}" for name in tables] + [f"{folder}/figures/{name}.png" for name in FIGURES]
