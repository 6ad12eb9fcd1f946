"""The cohort's patients table (precisionflow/workflow/patients.py): written, read back, checked; and the jobs that
write one file per patient take no per-patient params or inputs (Snakemake copies both into every output's
metadata record: N outputs x N entries)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from precisionflow.errors import InputError
from precisionflow.workflow import paths
from precisionflow.workflow.patients import COLUMNS, patients_with, read_patients, texts, write_patients


def rows() -> list[dict]:
    return [
        {"patient": "P1", "variants": True, "copy_number": False, "fusions": False, "germline_maf": True,
         "germline_vcf": True, "msi_status": "MSI-H", "tumor_type": "COAD", "oncotree_code": "COAD", "label": "CMS1"},
        {"patient": "P2", "variants": False, "copy_number": True, "fusions": True, "germline_maf": False,
         "germline_vcf": False, "msi_status": None, "tumor_type": "", "oncotree_code": None, "label": None},
    ]  # fmt: skip


def test_written_and_read_back(tmp_path) -> None:
    path = tmp_path / "patients.tsv"
    write_patients(rows(), path)
    assert path.read_text().splitlines()[0].split("\t") == list(COLUMNS)
    table = read_patients(path)
    assert table["patient"].tolist() == ["P1", "P2"]
    assert patients_with(table, "variants") == ["P1"] and patients_with(table, "fusions") == ["P2"]
    assert texts(table, "msi_status") == {"P1": "MSI-H", "P2": None}
    assert texts(table, "oncotree_code") == {"P1": "COAD", "P2": None}
    assert texts(table, "label") == {"P1": "CMS1", "P2": None}


def test_a_patient_named_like_a_missing_value_stays_a_patient(tmp_path) -> None:
    path = tmp_path / "patients.tsv"
    write_patients([rows()[0] | {"patient": "NA"}], path)
    assert read_patients(path)["patient"].tolist() == ["NA"]


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda text: text.replace("\tyes\t", "\tmaybe\t", 1), r"line 2, column variants.*yes or no.*'maybe'"),
        (lambda text: text + text.splitlines()[1] + "\n", r"line 4, column patient.*each patient once.*'P1'"),
        (lambda text: text.replace("oncotree_code", "oncotree"), r"oncotree_code"),
    ],
)
def test_a_damaged_table_is_one_clear_error(tmp_path, edit, expected) -> None:
    path = tmp_path / "patients.tsv"
    write_patients(rows(), path)
    path.write_text(edit(path.read_text()))
    with pytest.raises(InputError, match=expected) as caught:
        read_patients(path)
    assert str(path) in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.workflow
def test_a_per_patient_output_records_no_other_patient(demo_run: Path) -> None:
    """Snakemake writes a job's params, inputs and input checksums into the metadata record of each output. A
    cohort-level job writing one file per patient must therefore not list the patients in them (N records of size
    N: 1.1 GB of .snakemake/metadata and 70 s of bookkeeping for 1,000 patients before the patients table)."""
    table = read_patients(demo_run / paths.COHORT_PATIENTS)
    everyone, germline = table["patient"].tolist(), patients_with(table, "germline_vcf")
    assert len(everyone) > 10 and len(germline) > 1

    def record(output: str) -> dict:  # Snakemake's record of an output: its path, url-safe base64, as file name
        name = base64.urlsafe_b64encode(output.encode()).decode()
        return json.loads((demo_run / ".snakemake" / "metadata" / name).read_text())

    per_patient = {
        "targets_prioritize": (paths.patient_targets, everyone),
        "targets_actionability": (paths.patient_actionable, everyone),
        "targets_report": (paths.patient_targets_page, everyone),
        "report_dossiers": (paths.patient_dossier, everyone),
        "pgx_patient_tables": (paths.patient_pgx, germline),
    }
    for rule, (path_of, patients) in per_patient.items():
        made = record(path_of(patients[0]))
        assert made["rule"] == rule
        listed = json.dumps({key: made.get(key) for key in ("input", "params", "input_checksums")})
        assert patients[-1] not in listed, f"{rule}: another patient's id in the metadata of {path_of(patients[0])}"
        assert len(listed) < 20_000, f"{rule}: {len(listed)} characters of inputs and params per output"
