"""Per-cohort configs: two cohorts, each with its own --configfile and --directory, run at the same
time from a third folder without touching each other's results (or anything outside their folders)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tests.conftest import ROOT, SNAKEMAKE

pytestmark = pytest.mark.workflow

# Two different cohorts: different sizes and seeds, so results that crossed over would show.
COHORTS = {"north": (20, 11), "south": (24, 23)}


def generate(folder: Path, patients: int, seed: int) -> Path:
    subprocess.run(
        [sys.executable, "-m", "demo.generator", "--out", str(folder),
         "--patients", str(patients), "--seed", str(seed)],
        check=True, cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    config = yaml.safe_load((folder / "config.yaml").read_text())
    config["cohort"] = folder.name
    (folder / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    return folder


@pytest.fixture(scope="module")
def cohorts(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Path], Path]:
    base = tmp_path_factory.mktemp("cohorts")
    folders = {name: generate(base / name, n, seed) for name, (n, seed) in COHORTS.items()}
    elsewhere = base / "launch"  # where both runs are started from: must stay empty
    elsewhere.mkdir()
    runs = {
        name: subprocess.Popen(
            [
                SNAKEMAKE,
                "-s",
                str(ROOT / "Snakefile"),
                "--configfile",
                str(folder / "config.yaml"),
                "--directory",
                str(folder),
                "--cores",
                "1",
            ],
            cwd=elsewhere,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )  # fmt: skip
        for name, folder in folders.items()
    }
    for name, run in runs.items():
        try:
            output, _ = run.communicate(timeout=1500)
        except subprocess.TimeoutExpired:
            run.kill()
            output, _ = run.communicate()
        assert run.returncode == 0, f"cohort {name} failed:\n{output[-6000:]}"
    return folders, elsewhere


def sheet(folder: Path) -> pd.DataFrame:
    return pd.read_csv(folder / "samples.tsv", sep="\t", dtype=str).set_index("patient")


def stems(files) -> list[str]:
    return sorted(f.name.split(".")[0] for f in files)


def test_runs_write_only_in_their_directories(cohorts) -> None:
    folders, elsewhere = cohorts
    assert not any(elsewhere.iterdir()), sorted(p.name for p in elsewhere.iterdir())
    for folder in folders.values():
        assert (folder / "results").is_dir() and (folder / ".snakemake").is_dir()


def test_each_cohort_has_its_own_results(cohorts) -> None:
    folders, _ = cohorts
    for name, folder in folders.items():
        patients = sheet(folder)
        overview = pd.read_csv(folder / "results/cohort/overview.tsv", sep="\t", dtype=str)
        assert sorted(overview["patient"]) == sorted(patients.index) and len(overview) == COHORTS[name][0], name
        # per-patient outputs: exactly this cohort's patients, none of the other cohort's
        targets = [
            f for f in (folder / "results/targets/patients").glob("*.tsv") if not f.name.endswith(".actionable.tsv")
        ]
        assert stems(targets) == sorted(patients.index), name
        assert stems((folder / "results/targets/patients").glob("*.actionable.tsv")) == sorted(patients.index), name
        with_variants = sorted(patients.index[patients["vcf"].notna()])
        assert stems((folder / "results/variants").glob("*.maf.tsv")) == with_variants, name


def test_cohort_name_reaches_its_own_outputs(cohorts) -> None:
    folders, _ = cohorts
    for name, folder in folders.items():
        metrics = json.loads((folder / "results/integration/model_metrics.json").read_text())
        assert name in json.dumps(metrics), name
        other = next(n for n in folders if n != name)
        assert other not in json.dumps(metrics), name
