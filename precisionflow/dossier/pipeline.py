"""Write every patient's dossier and FHIR bundle, and the cohort index (what the rule's script calls).

Patients are independent: with ``processes`` > 1 they are written by forked workers sharing the cohort
(read once, copy-on-write); each file's bytes do not depend on the number of workers.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from precisionflow.dossier.build import Cohort, Header, cohort_overview, load_cohort
from precisionflow.dossier.fhir import bundle_json, patient_bundle
from precisionflow.dossier.gather import Sources
from precisionflow.dossier.render import datatables_bundle, render_dossier, render_index, umap_background
from precisionflow.dossier.sections import index_row, patient_dossier
from precisionflow.io import write_text

# What forked workers read (set before the fork; a Pool cannot take the cohort as an argument cheaply).
_JOB: dict = {}


def _write_patient(patient: str) -> dict:
    cohort, html_paths, fhir_paths, background = _JOB["cohort"], _JOB["html"], _JOB["fhir"], _JOB["background"]
    dossier = patient_dossier(cohort, patient)
    write_text(render_dossier(dossier, cohort.header.cohort, background), html_paths[patient])
    write_text(bundle_json(patient_bundle(dossier)), fhir_paths[patient])
    return index_row(dossier)


def write_dossiers(
    cohort: Cohort,
    html_paths: Mapping[str, str | os.PathLike[str]],
    fhir_paths: Mapping[str, str | os.PathLike[str]],
    index_path: str | os.PathLike[str],
    processes: int = 1,
) -> list[dict]:
    """Render each patient's page and bundle, then the index; returns the index rows."""
    datatables_bundle()  # encoded once, before any fork
    _JOB.update(cohort=cohort, html=html_paths, fhir=fhir_paths, background=umap_background(cohort.scatter))
    try:
        if processes > 1 and len(cohort.patients) > 1:
            with multiprocessing.get_context("fork").Pool(min(processes, len(cohort.patients))) as pool:
                rows = pool.map(
                    _write_patient, cohort.patients, chunksize=max(1, len(cohort.patients) // (4 * processes))
                )
        else:
            rows = [_write_patient(patient) for patient in cohort.patients]
    finally:
        _JOB.clear()
    # the figures' lines name what ("Oncoplot: …"): the cause alone; the fairness line is the whole reason
    reasons = {name: cohort.sources.cause(name) for name in ("mafs", "tmb", "cohort_h5mu")}
    reasons["fairness"] = cohort.sources.reason("fairness")
    write_text(render_index(cohort.header, rows, cohort_overview(cohort), cohort.fairness, reasons), index_path)
    return rows


def build_all(
    patients: Sequence[str], sources: Sources, header: Header, folder: str | os.PathLike[str], processes: int = 1
) -> list[dict]:
    """Read the sources; write ``folder/{patient}.html``, ``folder/{patient}.fhir.json`` and ``folder/index.html``."""
    folder = Path(folder)
    cohort = load_cohort(patients, sources, header)
    return write_dossiers(
        cohort,
        {p: folder / f"{p}.html" for p in patients},
        {p: folder / f"{p}.fhir.json" for p in patients},
        folder / "index.html",
        processes,
    )
