"""Write every patient's dossier and FHIR bundle, and the cohort index (what the rule's script calls)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from precisionflow.dossier.build import Cohort, Header, cohort_overview, index_row, load_cohort, patient_dossier
from precisionflow.dossier.fhir import bundle_json, patient_bundle
from precisionflow.dossier.gather import Sources
from precisionflow.dossier.render import render_dossier, render_index, umap_background
from precisionflow.io import write_text


def write_dossiers(
    cohort: Cohort,
    html_paths: Mapping[str, str | os.PathLike[str]],
    fhir_paths: Mapping[str, str | os.PathLike[str]],
    index_path: str | os.PathLike[str],
) -> list[dict]:
    """Render each patient's page and bundle, then the index; returns the index rows."""
    rows = []
    background = umap_background(cohort.scatter)
    for patient in cohort.patients:
        dossier = patient_dossier(cohort, patient)
        write_text(render_dossier(dossier, cohort.header.cohort, background), html_paths[patient])
        write_text(bundle_json(patient_bundle(dossier)), fhir_paths[patient])
        rows.append(index_row(dossier))
    fairness = cohort.fairness
    reasons = {name: cohort.sources.reason(name) for name in ("mafs", "tmb", "cohort_h5mu", "fairness")}
    write_text(render_index(cohort.header, rows, cohort_overview(cohort), fairness, reasons), index_path)
    return rows


def build_all(patients: Sequence[str], sources: Sources, header: Header, folder: str | os.PathLike[str]) -> list[dict]:
    """Read the sources and write ``folder/{patient}.html``, ``folder/{patient}.fhir.json`` and ``folder/index.html``."""
    folder = Path(folder)
    cohort = load_cohort(patients, sources, header)
    return write_dossiers(
        cohort,
        {p: folder / f"{p}.html" for p in patients},
        {p: folder / f"{p}.fhir.json" for p in patients},
        folder / "index.html",
    )
