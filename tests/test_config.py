"""Config and sheet validation: bad settings stop the run before any job, with one line naming them."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.conftest import make_project, run_snakemake


def error_lines(result) -> list[str]:
    return [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "project")


def edit_config(project: Path, change) -> None:
    path = project / "config" / "config.yaml"
    config = yaml.safe_load(path.read_text())
    change(config)
    path.write_text(yaml.safe_dump(config))


def test_default_config_dry_run(project: Path) -> None:
    result = run_snakemake(project, "-n")
    assert result.returncode == 0, result.stderr


def assert_stops_before_jobs(project: Path, *expected: str) -> str:
    result = run_snakemake(project, "-n")
    text = result.stdout + result.stderr
    assert result.returncode != 0
    assert "Job stats" not in text and not (project / "results").exists()
    matching = [line for line in error_lines(result) if all(e in line for e in expected)]
    assert matching, text
    return matching[0]


def test_typo_in_a_key(project: Path) -> None:
    edit_config(project, lambda c: c.__setitem__("protectd", c.pop("protected")))
    line = assert_stops_before_jobs(project, "config.yaml", "'protectd' was unexpected")
    assert len(line) < 300


def test_typo_in_a_nested_key(project: Path) -> None:
    edit_config(project, lambda c: c.__setitem__("variants", {"filters": {"min_dept": 5}}))
    assert_stops_before_jobs(project, "key variants/filters", "'min_dept' was unexpected")


def test_wrong_value(project: Path) -> None:
    edit_config(project, lambda c: c.__setitem__("genome_build", "hg19"))
    assert_stops_before_jobs(project, "key genome_build", "'hg19' is not one of")


def test_layer_with_missing_file(project: Path) -> None:
    edit_config(project, lambda c: c["omics"]["rna"].__setitem__("path", "demo/rna/nope.tsv"))
    assert_stops_before_jobs(project, "omics/rna/path", "demo/rna/nope.tsv")


def test_missing_resource(project: Path) -> None:
    edit_config(project, lambda c: c["resources"].__setitem__("genes", "missing.bed.gz"))
    assert_stops_before_jobs(project, "resources/genes", "missing.bed.gz")


def test_sheet_file_that_does_not_exist(project: Path) -> None:
    sheet = project / "config" / "samples.tsv"
    sheet.write_text(sheet.read_text().replace("demo/vcf/DEMO-003.vcf.gz", "demo/vcf/DEMO-999.vcf.gz"))
    assert_stops_before_jobs(project, "samples.tsv", "row 4", "'vcf'", "DEMO-999")


def test_sheet_with_duplicate_ids(project: Path) -> None:
    sheet = project / "config" / "samples.tsv"
    lines = sheet.read_text().splitlines()
    sheet.write_text("\n".join(lines + [lines[5]]) + "\n")
    assert_stops_before_jobs(project, "samples.tsv", "unique patient ids", "DEMO-005")


def test_label_column_missing_from_sheet(project: Path) -> None:
    edit_config(project, lambda c: c.__setitem__("label", "histology"))
    assert_stops_before_jobs(project, "samples.tsv", "'histology'", "label")


def test_matrix_sample_not_in_sheet(project: Path) -> None:
    sheet = project / "config" / "samples.tsv"
    sheet.write_text(
        "\n".join(line for line in sheet.read_text().splitlines() if not line.startswith("DEMO-010\t")) + "\n"
    )
    assert_stops_before_jobs(project, "DEMO-010", "unknown")


def test_unknown_samples_can_be_dropped(project: Path) -> None:
    sheet = project / "config" / "samples.tsv"
    sheet.write_text(
        "\n".join(line for line in sheet.read_text().splitlines() if not line.startswith("DEMO-010\t")) + "\n"
    )
    edit_config(project, lambda c: c.__setitem__("unknown_samples", "drop"))
    assert run_snakemake(project, "-n").returncode == 0


def test_sheet_with_bom_and_crlf_just_works(project: Path) -> None:
    sheet = project / "config" / "samples.tsv"
    sheet.write_bytes(b"\xef\xbb\xbf" + sheet.read_text().replace("\n", "\r\n").encode())
    result = run_snakemake(project, "-n")
    assert result.returncode == 0, result.stderr


def test_cohort_config_replaces_the_default(project: Path, tmp_path: Path) -> None:
    """--configfile gives a cohort's own layers, not the union with the demo's."""
    config = yaml.safe_load((project / "config" / "config.yaml").read_text())
    del config["omics"]["mirna"]
    other = tmp_path / "cohort.yaml"
    other.write_text(yaml.safe_dump(config))
    result = run_snakemake(project, "-n", "--configfile", str(other), "--forceall", "-p")
    assert result.returncode == 0, result.stderr
    assert "mirna_log_expression.csv" not in result.stdout + result.stderr
