"""Paths of the integration step's outputs (light: imported by the rules at parse time)."""

from __future__ import annotations

FOLDER = "results/integration"


def step_outputs(label: str | None, folder: str = FOLDER) -> list[str]:
    """What ``rule all`` asks of the step: the classifier's outputs only when the config sets a label."""
    outputs = [
        f"{folder}/cohort.h5mu",
        f"{folder}/clusters.tsv",
        f"{folder}/factors.tsv",
        f"{folder}/factor_gene_weights.tsv",
        f"{folder}/model_metrics.json",
        f"{folder}/figures/variance_explained.png",
        f"{folder}/figures/umap.png",
    ]
    if label:
        outputs += [
            f"{folder}/predictions.tsv",
            f"{folder}/feature_importance.tsv",
            f"{folder}/fairness.tsv",
            f"{folder}/explanations.tsv",
            f"{folder}/figures/feature_importance.png",
        ]
    return outputs
