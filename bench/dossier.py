"""Patient dossiers at scale: the whole set for 1,000 patients (goal: under 2 minutes).

The inputs are synthetic step outputs in the SPEC layout (``precisionflow.dossier.synthetic``), written
once and cached: one MAF per patient (8–19 variants), gene-level copy number with positions, TMB,
clusters, predictions, fairness, a cohort h5mu (two layers and the UMAP), target tables, and every
optional source of the other steps (actionability, PGx, outcome, explanations, step table, input summary).
The measured command is the step's library call from files to files: reading every source, then
writing 1,000 HTML pages, 1,000 validated FHIR bundles and the index.
"""

from __future__ import annotations

import os
from pathlib import Path

from bench.harness import Row, measure_python

SIZES = (1000,)


def command(folder: Path, out: Path, n_patients: int, processes: int) -> str:
    return f"""
from pathlib import Path
from precisionflow.dossier.build import Header
from precisionflow.dossier.pipeline import build_all
from precisionflow.dossier.synthetic import patient_ids
import pickle
patients = patient_ids({n_patients})
sources = pickle.loads(Path({str(folder / "sources.pickle")!r}).read_bytes())
header = Header("bench", "2026-11-30", "0.1.0", "GRCh38", [])
build_all(patients, sources, header, Path({str(out)!r}), processes={processes})
"""


def rows(cache: Path, repeats: int) -> list[Row]:
    import pickle

    from precisionflow.dossier.synthetic import patient_ids, write_sources

    cache.mkdir(parents=True, exist_ok=True)
    out: list[Row] = []
    for n_patients in SIZES:
        folder = cache / f"cohort_{n_patients}"
        if not (folder / "sources.pickle").is_file():
            sources = write_sources(folder / "results", patient_ids(n_patients))
            (folder / "sources.pickle").write_bytes(pickle.dumps(sources))
        result = cache / f"out_{n_patients}"
        processes = len(os.sched_getaffinity(0))  # as the rule does with --cores (one worker per core)
        measurement = measure_python(command(folder, result, n_patients, processes), repeats)
        pages = sorted(result.glob("*.html"))
        largest = max(p.stat().st_size for p in pages) / 1e6
        out.append(
            Row(
                "dossier",
                f"{n_patients:,} patients, synthetic SPEC-layout sources (every optional step)",
                "precisionflow",
                measurement,
                note=f"goal < 120 s; {processes} worker processes; {len(pages) - 1:,} pages + "
                f"{len(list(result.glob('*.fhir.json'))):,} FHIR bundles + index; largest page {largest:.2f} MB",
                extra={"patients/s": n_patients / measurement.median_s},
            )
        )
    return out
