"""Measuring commands side by side: wall seconds and peak memory of each run, repeated.

Each run is its own process, started by a small launcher, and its peak resident memory is its own
``ru_maxrss`` (with its descendants', read with ``os.wait4`` by the launcher). Why the launcher: on
Linux a process's ``ru_maxrss`` starts at the resident size of the process that spawned it (exec keeps
the larger high-water mark), so runs spawned straight from this harness, which holds generated
inputs in memory, would all report at least its size. Step modules (``bench/<step>.py``) expose ``rows(cache, repeats)``
returning :class:`Row` objects; ``bench/run.py`` collects them into ``bench/results.md``.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable


@dataclass
class Measurement:
    seconds: list[float]
    peak_mb: list[float]

    @property
    def median_s(self) -> float:
        return statistics.median(self.seconds)

    @property
    def median_mb(self) -> float:
        return statistics.median(self.peak_mb)


@dataclass
class Row:
    step: str
    workload: str
    tool: str  # "precisionflow" or the peer's name
    measurement: Measurement
    peer: str | None = None  # tool name of the peer row this one is compared with
    note: str = ""
    extra: dict[str, float] = field(default_factory=dict)  # e.g. records per second


# Started with ``python -S`` (a few MB): spawns the command, waits for it, times it and writes
# "seconds peak_kb" to the file named first; exits with the command's status.
_LAUNCHER = """
import os, sys, time
out, argv = sys.argv[1], sys.argv[2:]
start = time.perf_counter()
pid = os.posix_spawnp(argv[0], argv, os.environ)
_, status, usage = os.wait4(pid, 0)
elapsed = time.perf_counter() - start
with open(out, "w") as handle:
    handle.write(f"{elapsed} {usage.ru_maxrss}")
sys.exit(os.waitstatus_to_exitcode(status))
"""


def measure(
    argv: list[str], repeats: int = 3, env: dict[str, str] | None = None, cwd: Path | None = None
) -> Measurement:
    """Run ``argv`` ``repeats`` times; raise if a run fails (a failed run is not a measurement)."""
    seconds: list[float] = []
    peaks: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "usage"
        for _ in range(repeats):
            launched = subprocess.run(
                [PYTHON, "-S", "-c", _LAUNCHER, str(report), *argv],
                env={**os.environ, **(env or {})},
                cwd=cwd,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                check=False,
            )
            if launched.returncode != 0:
                stderr = launched.stderr.decode(errors="replace")
                raise RuntimeError(
                    f"benchmark command failed ({launched.returncode}): {' '.join(argv)}\n{stderr[-2000:]}"
                )
            elapsed, peak_kb = report.read_text().split()
            seconds.append(float(elapsed))
            peaks.append(float(peak_kb) / 1024)  # ru_maxrss is in kilobytes on Linux
    return Measurement(seconds, peaks)


def measure_python(code: str, repeats: int = 3) -> Measurement:
    """Measure a snippet of Python run in a fresh interpreter with the project on ``sys.path``."""
    return measure([PYTHON, "-c", code], repeats, env={"PYTHONPATH": str(ROOT)})
