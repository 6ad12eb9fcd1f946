"""Load: the demo generator makes a large cohort and the workflow plans it (a dry run builds the DAG).

CI plans 1,000 patients (about 25 s to generate, 15 s to plan on 2 cores). Measured once by hand
on the project's 2-core machine (2026-11-28, shared with other work):

- 1,000 patients run to the end (`/usr/bin/time -v snakemake -d c1000 --configfile c1000/config.yaml
  --cores 2`): 964 jobs, 19 min 43 s wall, largest process 558 MB RSS; largest job peaks (benchmarks/):
  variants_copy_number 435 MB (127 s), integration_factors 432 MB (26 s), targets_prioritize 419 MB;
  the 950 per-patient variants_maf jobs take 1.8 s each (1,717 s in all), most of the wall time.
- 5,000 patients, dry run (`-n --quiet all`): 4,764 jobs planned in 91 s, 467 MB (generation: 116 s),
  beyond CI's budget. Most of it is Snakemake matching files against the two targets rules' lists of
  5,000 per-patient outputs (rules.is_producer) and updating the DAG.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from precisionflow.settings import defaults
from tests.conftest import ROOT, SNAKEMAKE

pytestmark = pytest.mark.workflow

PATIENTS = 1000
PLAN_SECONDS = 120  # generous for a busy 2-core machine; about 15 s when idle


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("load") / f"cohort_{PATIENTS}"
    subprocess.run(
        [sys.executable, "-m", "demo.generator", "--out", str(folder), "--patients", str(PATIENTS)],
        cwd=ROOT, check=True, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    return folder


def job_counts(text: str) -> dict[str, int]:
    table = text.split("Job stats:", 1)[1].split("\n\n", 1)[0]
    return {m[1]: int(m[2]) for m in re.finditer(r"^(\w+)\s+(\d+)$", table, flags=re.MULTILINE)}


def test_dry_run_plans_every_patient(cohort: Path) -> None:
    started = time.monotonic()
    result = subprocess.run(
        [SNAKEMAKE, "-s", str(ROOT / "Snakefile"), "-d", str(cohort), "--configfile", str(cohort / "config.yaml"),
         "-n", "--quiet", "rules", "--cores", "2"],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    elapsed = time.monotonic() - started
    text = result.stdout + result.stderr
    assert result.returncode == 0, text[-4000:]
    sheet = pd.read_csv(cohort / "samples.tsv", sep="\t", dtype=str)
    assert len(sheet) == PATIENTS
    counts = job_counts(text)
    with_variants = sheet["vcf"].notna() | (sheet["maf"].notna() if "maf" in sheet else False)
    assert int(with_variants.sum()) > 0.8 * PATIENTS
    shards = [rule for rule in counts if re.fullmatch(r"variants_maf_\d+", rule)]  # one job per shard of patients
    assert len(shards) == -(-int(with_variants.sum()) // defaults("variants")["shard_size"])
    assert all(counts[rule] == 1 for rule in shards)
    assert counts["omics_layer"] == 3 and counts["targets_prioritize"] == 1 and counts["targets_report"] == 1
    assert elapsed < PLAN_SECONDS, f"planning {PATIENTS} patients took {elapsed:.0f} s"
