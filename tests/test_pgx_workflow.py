"""The pgx step in the workflow: the demo's planted diplotypes recovered, bad germline input stopped with
one clear line and nothing half-written."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import make_project, run_snakemake

TARGETS = ("results/pgx/cohort.tsv", "results/pgx/recommendations.tsv")


@pytest.fixture(scope="module")
def pgx_run(tmp_path_factory, truth) -> Path:
    """Only the pgx outputs of the demo (the calling job and the job writing each patient's table)."""
    project = make_project(tmp_path_factory.mktemp("pgx_run"))
    run_snakemake(project, *TARGETS, *[f"results/pgx/{p}.tsv" for p in truth["pgx"]], check=True, timeout=600)
    return project


def test_demo_planted_diplotypes_recovered(pgx_run, truth):
    cohort = pd.read_csv(pgx_run / "results/pgx/cohort.tsv", sep="\t", dtype=str, keep_default_na=False)
    planted = truth["pgx"]
    assert sorted(cohort["patient"].unique()) == sorted(planted)
    for patient, expected in planted.items():
        calls = cohort[cohort["patient"] == patient].set_index("gene")
        for gene, diplotype in expected["diplotypes"].items():
            assert calls.at[gene, "diplotype"] == diplotype, (patient, gene)
        for gene, diplotype in expected["outside_calls"].items():
            assert calls.at[gene, "diplotype"] == diplotype and calls.at[gene, "call_quality"] == "outside call"
        for gene, rsid in expected["missing_positions"].items():
            assert calls.at[gene, "missing_positions"] == rsid
        per_patient = pd.read_csv(pgx_run / f"results/pgx/{patient}.tsv", sep="\t", dtype=str, keep_default_na=False)
        assert list(per_patient.columns[:6]) == [
            "gene",
            "diplotype",
            "phenotype",
            "activity_score",
            "missing_positions",
            "call_quality",
        ]
    # the DPYD poor metabolizer and the UGT1A1 *28/*28 reach the recommendations
    recs = pd.read_csv(pgx_run / "results/pgx/recommendations.tsv", sep="\t", dtype=str, keep_default_na=False)
    dpyd_pm = next(p for p, t in planted.items() if t["diplotypes"]["DPYD"] == "c.1679T>G (*13)/c.1905+1G>A (*2A)")
    row = recs[(recs["patient"] == dpyd_pm) & (recs["drug"] == "capecitabine")].iloc[0]
    assert row["phenotypes"] == "DPYD: Poor Metabolizer" and row["recommendation"].startswith("Avoid")
    ugt_pm = next(p for p, t in planted.items() if t["diplotypes"]["UGT1A1"] == "*28/*28")
    row = recs[(recs["patient"] == ugt_pm) & (recs["drug"] == "irinotecan")].iloc[0]
    assert row["phenotypes"] == "UGT1A1: Poor Metabolizer" and "70%" in row["recommendation"]
    assert (recs["table_version"] != "").all() and (
        cohort.loc[cohort["call_quality"] != "outside call", "definitions_version"] != ""
    ).all()


def _sheet_with(project: Path, column: str, value: str) -> None:
    sheet = pd.read_csv(project / "config/samples.tsv", sep="\t", dtype=str, keep_default_na=False)
    sheet.loc[sheet["germline_vcf"] != "", column] = value
    sheet.to_csv(project / "config/samples.tsv", sep="\t", index=False)


def test_sample_not_in_germline_vcf_is_one_clear_line(tmp_path):
    project = make_project(tmp_path / "project")
    _sheet_with(project, "germline_sample", "NOBODY")
    result = run_snakemake(project, *TARGETS, timeout=300)
    assert result.returncode != 0
    assert (
        "precisionflow error: demo/germline/germline.vcf: header: expected a sample column 'NOBODY' (germline_sample)"
        in result.stdout + result.stderr
    )
    assert not (project / "results/pgx/cohort.tsv").exists()


def test_missing_definitions_folder_is_one_clear_line(tmp_path):
    project = make_project(tmp_path / "project")
    config = (
        (project / "config/config.yaml")
        .read_text()
        .replace("demo/resources/pgx/definitions", "demo/resources/pgx/nowhere")
    )
    (project / "config/config.yaml").write_text(config)
    result = run_snakemake(project, "-n", *TARGETS, timeout=300)
    assert result.returncode != 0
    assert (
        "key pgx/definitions: expected a folder of PharmCAT *_translation.json files" in result.stdout + result.stderr
    )
