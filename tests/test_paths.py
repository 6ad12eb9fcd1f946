"""Every output path is spelled once, in precisionflow/workflow/paths.py: the rules, the scripts and the
library name outputs through it, and the lists ``rule all`` asks for agree with the dossier's sources."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from precisionflow.dossier.sources import SOURCES
from precisionflow.workflow import paths

ROOT = Path(__file__).resolve().parents[1]
RESULTS_LITERAL = re.compile(r"""["']results(/|["'])""")


def code_strings(path: Path) -> Iterator[tuple[int, str]]:
    """String constants of a Python file, docstrings aside (they may name the outputs they describe)."""
    tree = ast.parse(path.read_text())
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node.lineno, node.value


def test_no_results_path_outside_the_paths_module() -> None:
    found = []
    for path in sorted([*ROOT.glob("precisionflow/**/*.py"), *ROOT.glob("scripts/*.py")]):
        if path == ROOT / "precisionflow/workflow/paths.py":
            continue
        found += [
            f"{path.relative_to(ROOT)}:{line}: {text!r}"
            for line, text in code_strings(path)
            if text == "results" or text.startswith("results/") or "/results/" in text
        ]
    for path in sorted([ROOT / "Snakefile", *ROOT.glob("rules/*.smk")]):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if not line.lstrip().startswith("#") and RESULTS_LITERAL.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found, "output paths spelled outside precisionflow/workflow/paths.py:\n" + "\n".join(found)


def test_every_output_lies_in_its_step_folder() -> None:
    patients, layers = ["P1", "P2"], ["rna", "protein"]
    lists = {
        paths.COHORT: [paths.COHORT_OVERVIEW, paths.COHORT_STEPS, paths.COHORT_PATIENTS],
        paths.VARIANTS: [o for o in paths.variant_outputs() if o != paths.INPUT_SUMMARY],
        paths.OMICS: paths.omics_outputs(layers),
        paths.INTEGRATION: paths.integration_outputs("subtype"),
        paths.TARGETS: paths.targets_outputs(patients) + paths.actionability_outputs(patients),
        paths.PGX: paths.pgx_outputs(patients),
        paths.OUTCOME: paths.outcome_outputs({"time": "os_days"}),
        paths.DOSSIERS: paths.dossier_outputs(patients),
    }
    assert sorted(lists) == sorted(paths.STEP_FOLDERS)
    for folder, outputs in lists.items():
        assert outputs and all(o.startswith(folder + "/") for o in outputs), folder
        assert len(set(outputs)) == len(outputs), folder
    # per-patient outputs: one each, named by the patient
    assert sum("/P2." in o for o in paths.dossier_outputs(patients)) == 2
    assert paths.patient_maf("{patient}") == "results/variants/{patient}.maf.tsv"


def test_optional_outputs_follow_the_config() -> None:
    without = paths.integration_outputs(None)
    assert paths.PREDICTIONS not in without and paths.COHORT_H5MU in without
    assert set(without) < set(paths.integration_outputs("subtype"))
    assert paths.outcome_outputs(None) == [] and paths.outcome_outputs({}) == []
    assert paths.pgx_outputs([]) == []


def test_dossier_sources_are_outputs_of_their_steps() -> None:
    """Each source the dossier reads is a path some step's ``rule all`` list holds (per-patient ones for a
    patient), or an intermediate output named here."""
    patients = ["P1"]
    made = {
        *paths.variant_outputs(),
        *[paths.patient_maf(p) for p in patients],
        *paths.integration_outputs("subtype"),
        *paths.targets_outputs(patients),
        *paths.actionability_outputs(patients),
        *paths.pgx_outputs(patients),
        *paths.outcome_outputs({"time": "os_days"}),
        paths.COHORT_STEPS,
    }
    for source in SOURCES.values():
        path = source.path.format(patient="P1")
        assert path in made, source.name
