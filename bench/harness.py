"""Measuring commands side by side: wall seconds and peak memory of each run, repeated.

Each run is its own child process, so its peak resident memory is the child's own ``ru_maxrss``
(read with ``os.wait4``). Step modules (``bench/<step>.py``) expose ``rows(cache, repeats)``
returning :class:`Row` objects; ``bench/run.py`` collects them into ``bench/results.md``.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
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


def measure(argv: list[str], repeats: int = 3, env: dict[str, str] | None = None, cwd: Path | None = None) -> Measurement:
    """Run ``argv`` ``repeats`` times; raise if a run fails (a failed run is not a measurement)."""
    seconds: list[float] = []
    peaks: list[float] = []
    for _ in range(repeats):
        start = time.perf_counter()
        process = subprocess.Popen(argv, env={**os.environ, **(env or {})}, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
        if status != 0:
            raise RuntimeError(f"benchmark command failed ({status}): {' '.join(argv)}\n{stderr[-2000:]}")
        seconds.append(elapsed)
        peaks.append(usage.ru_maxrss / 1024)  # kilobytes on Linux
    return Measurement(seconds, peaks)


def measure_python(code: str, repeats: int = 3) -> Measurement:
    """Measure a snippet of Python run in a fresh interpreter with the project on ``sys.path``."""
    return measure([PYTHON, "-c", code], repeats, env={"PYTHONPATH": str(ROOT)})
