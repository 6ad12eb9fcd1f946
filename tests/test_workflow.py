"""The default cohort run end to end; its results checked against the demo's planted truth."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.workflow


def test_overview_lists_every_patient_and_their_inputs(demo_run: Path, truth: dict) -> None:
    overview = pd.read_csv(demo_run / "results/cohort/overview.tsv", sep="\t").set_index("patient")
    assert sorted(overview.index) == sorted(truth["patients"])
    for patient, facts in truth["patients"].items():
        for layer in ("rna", "protein", "mirna"):
            assert overview.at[patient, f"has_{layer}"] == (layer in facts["layers"])
        assert overview.at[patient, "has_variants"] == facts["has_variants"]
    # identifying columns never reach an output
    assert "mrn" not in overview.columns and "date_of_birth" not in overview.columns


def test_every_step_ran_on_the_demo(demo_run: Path) -> None:
    steps = pd.read_csv(demo_run / "results/cohort/steps.tsv", sep="\t", keep_default_na=False)
    assert steps["step"].tolist() == [
        "variants",
        "copy_number",
        "omics",
        "integration",
        "classifier",
        "targets",
        "actionability",
        "pgx",
        "outcome",
        "dossiers",
    ]
    assert (steps["status"] == "ran").all(), steps
    assert steps.set_index("step").at["integration", "reason"] == "3 layer(s), 60 patients with a layer"
