"""Whole-workflow rows: dry-run DAG building for 100 / 1,000 / 5,000 / 10,000 patients, the demo end to end, and a
1,000-patient cohort end to end (once: it takes minutes)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from bench.harness import PYTHON, ROOT, Row, measure

SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))
SIZES = (100, 1000, 5000, 10000)
END_TO_END = 1000  # patients of the generated cohort run end to end


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
    out.append(end_to_end(cohort(cache, END_TO_END), cache / f"run_{END_TO_END}"))
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


def end_to_end(folder: Path, run: Path) -> Row:
    """A generated cohort run to the end on 2 cores from a fresh copy (results/ empty), measured once."""
    script = (
        "import shutil, subprocess; from pathlib import Path\n"
        f"d = Path({str(run)!r}); shutil.rmtree(d, ignore_errors=True)\n"
        f"shutil.copytree({str(folder)!r}, d)\n"
        f"subprocess.run([{SNAKEMAKE!r}, '-s', {str(ROOT / 'Snakefile')!r}, '-d', str(d), '--configfile', "
        "str(d / 'config.yaml'), '--cores', '2', '--quiet', 'all'], check=True)\n"
    )
    return Row(
        "workflow",
        f"{END_TO_END:,}-patient cohort end to end (2 cores)",
        "precisionflow",
        measure([PYTHON, "-c", script], 1),
        note="measured once; peak MB: largest single process",
    )
