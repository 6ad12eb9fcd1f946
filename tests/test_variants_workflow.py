"""The variant rules on the demo cohort: the output contract against the planted truth, same bytes on a
rerun, a bad sheet entry stopping with one line, and public ids under pseudonyms."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import anndata as ad
import pandas as pd
import pytest

from precisionflow.privacy import pseudonym
from precisionflow.settings import defaults
from tests.conftest import make_project, run_snakemake
from tests.test_config import edit_config

pytestmark = pytest.mark.workflow

TARGETS = [
    "results/variants/tmb.tsv",
    "results/variants/copy_number.tsv",
    "results/variants/mutations.h5ad",
    "results/variants/oncoplot.png",
    "results/cohort/input_summary.tsv",
]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = make_project(tmp_path_factory.mktemp("variants_demo"))
    run_snakemake(project, *TARGETS, check=True)
    return project


def test_demo_outputs_follow_the_contract(demo: Path, truth: dict) -> None:
    with_variants = sorted(p for p, facts in truth["patients"].items() if facts["has_variants"])
    for patient in with_variants:
        lines = (demo / f"results/variants/{patient}.maf.tsv").read_text().splitlines()
        assert "#filter.min_depth 10" in lines and "#filter.pass_filters PASS" in lines
        maf = pd.read_csv(demo / f"results/variants/{patient}.maf.tsv", sep="\t", comment="#", dtype=str)
        assert set(maf["Tumor_Sample_Barcode"]) == {patient}
        kept = [
            f"{c}:{p}:{r}>{a}" for c, p, r, a in zip(maf["vcf_chrom"], maf["vcf_pos"], maf["vcf_ref"], maf["vcf_alt"])
        ]
        assert kept == truth["patients"][patient]["kept_variants"], patient
    # one job per shard of patients (variants/shard_size), one log per shard naming each of its patients
    logs = sorted((demo / "logs/variants/maf").glob("shard_*.log"))
    assert len(logs) == -(-len(with_variants) // defaults("variants")["shard_size"])
    named = [m for log in logs for m in re.findall(r"patient (\S+) \(\d+ of \d+\)", log.read_text())]
    assert named == with_variants
    tmb = pd.read_csv(demo / "results/variants/tmb.tsv", sep="\t").set_index("patient")
    assert sorted(tmb.index) == with_variants
    for patient in with_variants:
        assert tmb.at[patient, "coding_mutations"] == truth["patients"][patient]["coding_mutations"]
        assert tmb.at[patient, "tmb_per_mb"] == pytest.approx(truth["patients"][patient]["coding_mutations"] / 50)
    calls = pd.read_csv(demo / "results/variants/copy_number.tsv", sep="\t", dtype={"chrom": str}).set_index(
        ["patient", "gene"]
    )["call"]
    assert set(calls) <= {"amp", "gain", "neutral", "loss", "deep_loss"}
    for patient, facts in truth["patients"].items():
        for gene, call in facts["copy_number_calls"].items():
            assert calls[(patient, gene)] == call
    matrix = ad.read_h5ad(demo / "results/variants/mutations.h5ad")
    assert matrix.obs_names.tolist() == with_variants
    assert matrix.X.sum(axis=1).A1.tolist() == [truth["patients"][p]["coding_mutations"] for p in with_variants]
    assert matrix.uns["variants"]["filters"]["min_vaf"] == 0.05 and matrix.uns["variants"]["tmb_capture_mb"] == 50
    assert (demo / "results/variants/oncoplot.png").read_bytes()[:4] == b"\x89PNG"


def test_every_record_is_kept_or_counted(demo: Path, truth: dict) -> None:
    table = pd.read_csv(demo / "results/cohort/input_summary.tsv", sep="\t")
    dropped = table.filter(like="dropped_").sum(axis=1)
    assert (table["records"] == table["kept"] + dropped).all()
    with_variants = sorted(p for p, facts in truth["patients"].items() if facts["has_variants"])
    # the copy-number step's segments are accounted for in the same table (input "cna")
    cna = table[table["input"] == "cna"]
    assert cna["patient"].tolist() == with_variants and (cna["records"] == cna["kept"]).all()
    summary = table[table["input"] != "cna"]
    assert summary["patient"].tolist() == with_variants and set(summary["input"]) == {"vcf"}
    for row in summary.itertuples():
        records = sum(
            1 for line in gzip.open(demo / f"demo/vcf/{row.patient}.vcf.gz", "rt") if not line.startswith("#")
        )
        assert row.records >= records  # ALT alleles: a multi-allelic record counts once per ALT
        assert row.kept == len(truth["patients"][row.patient]["kept_variants"])
    tmb = pd.read_csv(demo / "results/variants/tmb.tsv", sep="\t")
    assert list(tmb.columns[:3]) == ["patient", "coding_mutations", "tmb_per_mb"] and set(tmb["tmb_status"]) == {
        "computed"
    }


def test_rerun_gives_the_same_bytes(demo: Path) -> None:
    target = demo / "results/variants/DEMO-001.maf.tsv"
    before = target.read_bytes()
    target.unlink()
    run_snakemake(demo, "results/variants/DEMO-001.maf.tsv", check=True)
    assert target.read_bytes() == before


def test_missing_tumour_column_stops_with_one_line(tmp_path: Path) -> None:
    project = make_project(tmp_path / "bad")
    sheet_path = project / "config/samples.tsv"
    sheet = pd.read_csv(sheet_path, sep="\t", dtype=str, keep_default_na=False)
    sheet.loc[sheet["patient"] == "DEMO-001", "tumor_sample"] = "DEMO-001_TUMOUR"
    sheet.to_csv(sheet_path, sep="\t", index=False)
    result = run_snakemake(project, "results/variants/DEMO-001.maf.tsv")
    text = result.stdout + result.stderr
    assert result.returncode != 0
    assert re.search(
        r"precisionflow error: demo/vcf/DEMO-001.vcf.gz: line \d+ \(#CHROM\), sample columns: "
        r"expected a sample column "
        r"'DEMO-001_TUMOUR' \(sheet column tumor_sample\), found samples 'DEMO-001_T', 'DEMO-001_N'",
        text,
    ), text
    assert re.search(r"patient DEMO-001 \(1 of \d+\)", text), text  # the shard's log, shown on failure
    assert not (project / "results/variants/DEMO-001.maf.tsv").exists()


def test_pseudonymized_barcodes(tmp_path: Path) -> None:
    project = make_project(tmp_path / "pseudo")
    key = b"a secret key of more than sixteen bytes"
    (project / "key.txt").write_bytes(key + b"\n")
    edit_config(project, lambda c: c.update(pseudonymize=True, pseudonym_key="key.txt"))
    public = pseudonym("DEMO-002", key)
    run_snakemake(project, f"results/variants/{public}.maf.tsv", check=True)
    text = (project / f"results/variants/{public}.maf.tsv").read_text()
    maf = pd.read_csv(project / f"results/variants/{public}.maf.tsv", sep="\t", comment="#", dtype=str)
    assert set(maf["Tumor_Sample_Barcode"]) == {public} and len(maf) > 0
    assert "DEMO-" not in text
    logs = [log.read_text() for log in (project / "logs/variants/maf").glob("shard_*.log")]
    assert any(f"patient {public} " in log for log in logs) and not any("DEMO-" in log for log in logs)


def test_copy_number_inputs_counted(demo: Path, truth: dict) -> None:
    """Every patient's cna file is accounted for: records read, kept, and none dropped in the demo."""
    counts = pd.read_csv(demo / "results/variants/copy_number_inputs.tsv", sep="\t")
    with_cna = sorted(p for p, facts in truth["patients"].items() if (demo / f"demo/cna/{p}.cna.tsv").is_file())
    assert (
        counts["patient"].tolist() == with_cna
        and set(counts["input"]) == {"cna"}
        and set(counts["format"]) == {"segments"}
    )
    assert (counts["records"] == counts["kept"]).all() and (counts["records"] > 20).all()
    log = (demo / "logs/variants/copy_number.log").read_text()
    assert "DEMO-001 (cna): segments" in log and "genes called" in log  # the public id, not the path


def test_vep_annotation_is_planned_when_enabled(tmp_path: Path) -> None:
    """VEP cannot run here (its cache is ~20 GB): a dry run shows the cache download and the annotation feeding the
    MAF."""
    project = make_project(tmp_path / "vep")
    edit_config(project, lambda c: c.setdefault("variants", {}).update(vep={"enabled": True, "fasta": None}))
    result = run_snakemake(project, "-n", "-p", "results/variants/DEMO-001.maf.tsv")
    text = result.stdout + result.stderr
    assert result.returncode == 0, text[-3000:]
    assert re.search(
        r"vep_install --AUTO c --SPECIES homo_sapiens --ASSEMBLY GRCh38 --CACHE_VERSION 114 .*--CACHEDIR "
        r"resources/vep/cache",
        text,
    )
    assert re.search(
        r"vep --input_file demo/vcf/DEMO-001\.vcf\.gz .*--offline --cache --dir_cache resources/vep/cache .*"
        r"\| bgzip -c > results/variants/vep/DEMO-001\.1\.vcf\.gz",
        text,
    )
    assert "--hgvs" not in text  # no FASTA configured
