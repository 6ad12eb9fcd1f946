"""The sheet and config rules of issue #15: only empty cells are missing, ids that differ only in case,
spreadsheet trailing tabs, a YAML key given twice, driver_cancer_types against the IntOGen file."""

from __future__ import annotations

from pathlib import Path

import pytest

from precisionflow.cohort import overview
from precisionflow.errors import InputError
from precisionflow.references import check_driver_cancer_types
from precisionflow.sheet import load_sheet
from precisionflow.workflow.configuration import check_unique_keys


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_only_empty_cells_are_missing(tmp_path: Path) -> None:
    """A group called NA (or N/A, null, nan: pandas' default missing markers) is a value, not a blank."""
    sheet = load_sheet(write(tmp_path / "s.tsv", "patient\tgroup\tsex\nP1\tNA\tF\nP2\tN/A\tM\nP3\tnull\t\nP4\t\tF\n"))
    assert sheet["group"].tolist()[:3] == ["NA", "N/A", "null"]
    assert sheet["group"].isna().tolist() == [False, False, False, True]
    assert sheet["sex"].isna().tolist() == [False, False, True, False]
    table = overview(sheet, {p: p for p in sheet.index}, ["group"], {})
    assert table.set_index("patient").loc["P1", "group"] == "NA"


def test_ids_that_differ_only_in_case_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "s.tsv", "patient\tsex\nDEMO-004\tF\nDEMO-005\tM\ndemo-004\tM\n")
    with pytest.raises(InputError) as error:
        load_sheet(path)
    assert str(error.value) == (
        f"{path}: rows 2, 4, column 'patient': expected patient ids that differ in more than letter case, found "
        f"'DEMO-004', 'demo-004'"
    )


def test_trailing_tabs_of_a_spreadsheet_export_are_ignored(tmp_path: Path) -> None:
    # was: the ids taken for an index and the sex column for the ids ("duplicates 'F', 'M'")
    sheet = load_sheet(write(tmp_path / "s.tsv", "patient\tsex\t\nP1\tF\t\t\nP2\tM\t\nP3\tF\t\nP4\tM\t\t\t\n"))
    assert list(sheet.columns) == ["patient", "sex"]
    assert sheet["sex"].tolist() == ["F", "M", "F", "M"]


def test_a_value_after_the_last_column_is_still_an_error(tmp_path: Path) -> None:
    path = write(tmp_path / "s.tsv", "patient\tsex\nP1\tF\t\nP2\tM\textra\n")
    with pytest.raises(
        InputError, match=r"layout: expected a tab-separated sample sheet with the same number of fields on every line"
    ):
        load_sheet(path)


def test_a_yaml_key_given_twice_is_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path / "c.yaml",
        "cohort: x\nomics:\n  rna: {type: rna}\n  protein:\n    type: protein\n    type: matrix\nlabel: null\n",
    )
    with pytest.raises(InputError) as error:
        check_unique_keys(path)
    assert (
        str(error.value)
        == f"{path}: line 6: expected each key once in its mapping, found 'type' again (first at line 5)"
    )
    check_unique_keys(write(tmp_path / "ok.yaml", "a: 1\nb: {a: 2}\nc: [{a: 1}, {a: 2}]\n"))
    check_unique_keys(write(tmp_path / "broken.yaml", "a: [1\n"))  # a syntax error is Snakemake's to report


def test_driver_cancer_types_are_intogen_codes(shared_data: Path) -> None:
    drivers = shared_data / "resources" / "intogen_drivers_2020.tsv"
    check_driver_cancer_types(drivers, ["BRCA", "cm"])
    with pytest.raises(InputError) as error:
        check_driver_cancer_types(drivers, ["BRCA", "SKCM"], "config.yaml")
    message = str(error.value)
    assert message.startswith(
        f"config.yaml: key variants/driver_cancer_types: expected CANCER_TYPE codes of {drivers} ('ACC', "
    )
    assert message.endswith("found 'SKCM' (cohort 'CBIOP_WXS_SKCM_BROAD' is 'CM'; cohort 'TCGA_WXS_SKCM' is 'CM')")


def test_driver_cancer_types_need_a_cancer_type_column(tmp_path: Path) -> None:
    drivers = write(tmp_path / "cgc.tsv", "Gene Symbol\tRole in Cancer\nBRAF\toncogene\n")
    with pytest.raises(
        InputError, match=r"expected a drivers file with CANCER_TYPE codes \(.*cgc.tsv has none\), found 'BRCA'"
    ):
        check_driver_cancer_types(drivers, ["BRCA"])
