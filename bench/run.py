"""Run every step's benchmark and write ``bench/results.md``.

Usage: ``python -m bench.run [--repeats 3] [--only variants,omics,...]``. Inputs are generated
once and cached under ``bench/data/`` (git-ignored). Each row is measured ``repeats`` times; the
table shows the median with the min–max range, and the ratio to the peer measured in the same run.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import time
import traceback

from bench.harness import ROOT, Row

STEPS = ["variants", "omics", "integration", "targets", "actionability", "pgx", "outcome", "dossier", "workflow"]
RESULTS = ROOT / "bench" / "results.md"
CACHE = ROOT / "bench" / "data"


def fmt_range(values: list[float], digits: int = 2) -> str:
    return f"{sorted(values)[len(values) // 2]:.{digits}f} ({min(values):.{digits}f}–{max(values):.{digits}f})"


def table(rows: list[Row]) -> list[str]:
    by_tool = {(r.workload, r.tool): r for r in rows}
    columns = ["workload", "tool", "wall s, median (min–max)", "peak MB, median"]
    columns += ["time ratio to peer", "memory ratio to peer", "note"]
    lines = [f"| {' | '.join(columns)} |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        ratio_t = ratio_m = ""
        peer = by_tool.get((r.workload, r.peer)) if r.peer else None
        if peer is not None:
            ratio_t = f"{r.measurement.median_s / peer.measurement.median_s:.2f}× {r.peer}"
            ratio_m = f"{r.measurement.median_mb / peer.measurement.median_mb:.2f}× {r.peer}"
        extra = "; ".join(f"{k} {v:,.0f}" if v >= 100 else f"{k} {v:.3g}" for k, v in r.extra.items())
        note = "; ".join(x for x in (r.note, extra) if x)
        cells = [r.workload, r.tool, fmt_range(r.measurement.seconds), f"{r.measurement.median_mb:,.0f}"]
        lines.append(f"| {' | '.join([*cells, ratio_t, ratio_m, note])} |")
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", default=",".join(STEPS), help="comma-separated steps (default: all)")
    args = parser.parse_args(argv)
    CACHE.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    sections: list[str] = []
    for step in args.only.split(","):
        print(f"[bench] {step} ...", flush=True)
        t0 = time.perf_counter()
        try:
            module = importlib.import_module(f"bench.{step}")
            rows = module.rows(CACHE / step, args.repeats)
            body = table(rows)
        except Exception as error:  # a failed benchmark is reported, not hidden
            traceback.print_exc()
            body = [f"**failed**: `{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}`"]
        sections += [f"## {step}", "", *body, "", f"_{time.perf_counter() - t0:.0f} s for this section._", ""]
        print(f"[bench] {step} done in {time.perf_counter() - t0:.0f} s", flush=True)
    machine = f"{platform.machine()}, Python {platform.python_version()}, {len(os.sched_getaffinity(0))} cores"
    header = [
        "# Benchmark results",
        "",
        f"Written by `make bench` (`python -m bench.run --repeats {args.repeats}`) on "
        f"{platform.node() and 'this machine'}: {machine}. Whole harness: {time.perf_counter() - started:.0f} s. "
        "Goals and whether each row meets them: `bench/README.md`.",
        "",
    ]
    RESULTS.write_text("\n".join(header + sections))
    print(f"[bench] wrote {RESULTS}")


if __name__ == "__main__":
    main()
