"""Shared fixtures: the real public data folder, the project root, the demo cohort."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("PRECISIONFLOW_SHARED_DATA", ROOT.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def truth() -> dict:
    """What a correct analysis of the demo cohort finds (``demo/truth.yaml``)."""
    import yaml

    return yaml.safe_load((ROOT / "demo" / "truth.yaml").read_text())


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` (or ``$PRECISIONFLOW_SHARED_DATA``); tests skip when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data folder {SHARED_DATA} is absent (set PRECISIONFLOW_SHARED_DATA)")
    return SHARED_DATA


SNAKEMAKE = str(Path(os.sys.executable).with_name("snakemake"))


def make_project(target: Path) -> Path:
    """A project folder like a user's: the default config and the demo cohort, nothing else."""
    import shutil

    target.mkdir(parents=True, exist_ok=True)
    shutil.copytree(ROOT / "config", target / "config", dirs_exist_ok=True)
    shutil.copytree(ROOT / "demo", target / "demo", dirs_exist_ok=True)
    return target


def run_snakemake(workdir: Path, *args: str, timeout: int = 900, check: bool = False):
    """Run the workflow of this repository in ``workdir``; returns the CompletedProcess."""
    import subprocess

    command = [SNAKEMAKE, "-s", str(ROOT / "Snakefile"), "-d", str(workdir), "--cores", "2", *args]
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(
            f"snakemake failed ({result.returncode}):\n{result.stdout[-4000:]}\n{result.stderr[-8000:]}"
        )
    return result


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default cohort run once to the end (shared by every test that checks its results)."""
    project = make_project(tmp_path_factory.mktemp("demo_run"))
    run_snakemake(project, check=True, timeout=1800)
    return project
