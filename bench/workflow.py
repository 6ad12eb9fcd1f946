"""Whole-workflow rows: dry-run DAG building for 100 / 1,000 / 5,000 patients, and the demo end to end."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from bench.harness import PYTHON, ROOT, Row, measure

SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))
SIZES = (100, 1000, 5000)


def cohort(cache: Path, n: int) -> Path:
    folder = cache / f"cohort_{n}"
    if not (folder / "config.yaml").is_file():
        shutil.rmtree(folder, ignore_errors=True)
        measure([PYTHON, "-m", "demo.generator", "--out", str(folder), "--patients", str(n)], repeats=1, cwd=ROOT)
    return folder


def rows(cache: Path, repeats: int) -> list[Row]:
    cache.mkdir(parents=True, exist_ok=True)
    out: list[Row] = []
    for n in SIZES:
        folder = cohort(cache, n)
        argv = [
            SNAKEMAKE,
            "-s",
            str(ROOT / "Snakefile"),
            "-d",
            str(folder),
            "--configfile",
            str(folder / "config.yaml"),
            "-n",
            "--quiet",
            "all",
            "--cores",
            "2",
        ]
        out.append(Row("workflow", f"dry run (DAG), {n:,} patients", "precisionflow", measure(argv, repeats)))
    # The demo cohort end to end, from a clean folder each time (environment already built).
    demo = cache / "demo_run"
    script = (
        "import shutil, subprocess, sys; from pathlib import Path\n"
        f"d = Path({str(demo)!r}); shutil.rmtree(d, ignore_errors=True); d.mkdir(parents=True)\n"
        f"shutil.copytree({str(ROOT / 'config')!r}, d / 'config'); "
        f"shutil.copytree({str(ROOT / 'demo')!r}, d / 'demo')\n"
        f"subprocess.run([{SNAKEMAKE!r}, '-s', {str(ROOT / 'Snakefile')!r}, '-d', str(d), "
        "'--cores', '2', '--quiet', 'all'], check=True)\n"
    )
    out.append(
        Row(
            "workflow",
            "demo cohort end to end (60 patients, 2 cores)",
            "precisionflow",
            measure([PYTHON, "-c", script], repeats),
            note="peak MB: largest single process",
        )
    )
    return out
