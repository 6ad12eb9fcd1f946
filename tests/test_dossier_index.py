"""The cohort index of the dossiers names each patient's resistance (tumour-board review: the index listed the tier
I–II therapies but not what a patient's alterations resist, so an anti-EGFR resistance read nowhere on it)."""

from __future__ import annotations

import re

import pandas as pd

from precisionflow.dossier.pipeline import build_all
from precisionflow.dossier.synthetic import patient_ids, write_sources
from tests.test_dossier import HEADER, with_actionability_columns


def index_cells(index: str) -> dict[str, list[str]]:
    """patient -> the texts of their row's cells in the index page."""
    rows = re.findall(r"<tr><td><a href=\"([^\"]+)\.html\">.*?</tr>", index, flags=re.DOTALL)
    cells = {}
    for patient in rows:
        row = re.search(rf"<tr><td><a href=\"{re.escape(patient)}\.html\">.*?</tr>", index, flags=re.DOTALL).group(0)
        cells[patient] = [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.DOTALL)]
    return cells


def resistance_column(index: str) -> dict[str, str]:
    head = re.search(r"<thead><tr>(.*?)</tr></thead>", index).group(1)
    names = re.findall(r"<th>(.*?)</th>", head)
    position = names.index("resistance (tier I–II) and withdrawn therapies")
    return {patient: cells[position] for patient, cells in index_cells(index).items()}


def test_the_index_names_resistance_and_withdrawn_therapies_or_none(tmp_path) -> None:
    """S0000: alpelisib withdrawn (its indication excludes HER2-positive disease), a tier II-D (preclinical)
    lapatinib resistance that is no warning; S0001: KRAS p.G12D resistance to cetuximab and panitumumab (tier I-A,
    two assertions of cetuximab, listed once); S0002: none."""
    patients = patient_ids(3)
    sources = write_sources(tmp_path / "results", patients)
    table = with_actionability_columns(sources)
    kras = table.iloc[0].copy()
    kras[["gene", "alteration_type", "alteration", "match", "tier", "effect", "suggested", "note"]] = [
        "KRAS", "mutation", "p.G12D", "gene_class", "I-A", "resistance", "no", ""
    ]  # fmt: skip
    extra = [
        {**kras.to_dict(), "patient": "S0001", "therapy": therapy, "source_id": source}
        for therapy, source in (("Cetuximab", "MOAlmanac:1"), ("Cetuximab", "MOAlmanac:2"), ("Panitumumab", "M:3"))
    ]
    rest = table[table["patient"] != "S0002"]  # S0002 without any row: nothing to resist
    pd.concat([rest, pd.DataFrame(extra)]).to_csv(sources.paths["actionable"], sep="\t", index=False)
    build_all(patients, sources, HEADER, tmp_path / "dossiers")
    column = resistance_column((tmp_path / "dossiers" / "index.html").read_text())
    assert column == {
        "S0000": "withdrawn: Alpelisib (PIK3CA p.E545K)",
        "S0001": "KRAS p.G12D (I-A): Cetuximab, Panitumumab",
        "S0002": "none",
    }
