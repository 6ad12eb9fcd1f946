"""The omics rule on the demo cohort: the output contract, same bytes twice, bad input, batch + pseudonyms."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd
import pytest
import yaml

from tests.conftest import make_project, run_snakemake

pytestmark = pytest.mark.workflow

LAYERS = ("rna", "protein", "mirna")
TARGETS = [f"results/omics/{layer}.h5ad" for layer in LAYERS]


def edit_config(project: Path, change) -> None:
    path = project / "config" / "config.yaml"
    config = yaml.safe_load(path.read_text())
    change(config)
    path.write_text(yaml.safe_dump(config))


def digest(project: Path) -> dict[str, str]:
    files = sorted((project / "results" / "omics").rglob("*"))
    return {str(p.relative_to(project)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files if p.is_file()}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = make_project(tmp_path_factory.mktemp("omics_demo"))
    run_snakemake(project, *TARGETS, check=True)
    return project


def test_demo_layers_follow_the_contract(demo: Path, truth: dict) -> None:
    for layer in LAYERS:
        adata = ad.read_h5ad(demo / f"results/omics/{layer}.h5ad")
        with_layer = sorted(p for p, facts in truth["patients"].items() if layer in facts["layers"])
        assert list(adata.obs_names) == with_layer, layer
        assert adata.layers["raw"].shape == adata.shape and "gene" in adata.var
        assert (
            adata.uns["settings"]["path"]
            == Path(yaml.safe_load((demo / "config/config.yaml").read_text())["omics"][layer]["path"]).name
        )
        for figure in ("samples", "pca"):
            assert (demo / f"results/omics/qc/{layer}.{figure}.png").read_bytes()[:4] == b"\x89PNG"
        assert (demo / f"logs/omics/{layer}.log").is_file()

    rna = ad.read_h5ad(demo / "results/omics/rna.h5ad")
    counts = pd.read_csv(demo / "demo/rna/salmon.merged.gene_counts.tsv", sep="\t", index_col=0)
    np.testing.assert_array_equal(rna.layers["raw"], counts.loc[rna.var_names, rna.obs_names].to_numpy().T)
    assert (rna.obs["size_factor"] > 0).all()
    bed = pd.read_csv(demo / "demo/resources/genes.grch38.bed.gz", sep="\t", header=None)
    not_in_reference = sorted(set(counts.index) - set(bed[4]))
    assert len(not_in_reference) == 5
    assert sorted(rna.var_names[rna.var["gene"].isna()]) == not_in_reference  # kept, not dropped, no symbol
    assert rna.var.loc[rna.var["gene"].notna(), "gene"].astype(str).isin(["ERBB2", "EGFR", "ESR1"]).sum() == 3
    # the planted subtypes are what the first components show
    subtype = pd.Series({p: f["subtype"] for p, f in truth["patients"].items()})
    from sklearn.metrics import silhouette_score

    assert silhouette_score(np.asarray(rna.uns["pca"]["coords"]), subtype.loc[rna.obs_names]) > 0.5

    protein = ad.read_h5ad(demo / "results/omics/protein.h5ad")
    read = protein.uns["read"]
    assert (read["removed_contaminant"], read["removed_reverse"], read["removed_only_identified_by_site"]) == (8, 6, 4)
    assert read["intensity_columns"] == "LFQ intensity"
    missing = np.asarray(protein.layers["missing"])
    assert missing.any() and not np.isnan(np.asarray(protein.X)).any()
    np.testing.assert_array_equal(missing, np.asarray(protein.layers["raw"]) == 0)
    assert protein.var.loc["P04626", "gene"] == "ERBB2"

    mirna = ad.read_h5ad(demo / "results/omics/mirna.h5ad")
    table = pd.read_csv(demo / "demo/mirna/mirna_log_expression.csv", index_col=0)
    np.testing.assert_array_equal(np.asarray(mirna.X), table.loc[mirna.obs_names, mirna.var_names].to_numpy())


def test_same_bytes_twice(demo: Path) -> None:
    first = digest(demo)
    again = make_project(demo.parent / "again")
    run_snakemake(again, *TARGETS, check=True)
    assert digest(again) == first


def test_bad_count_fails_with_one_line_and_leaves_nothing(tmp_path: Path) -> None:
    project = make_project(tmp_path / "bad")
    path = project / "demo/rna/salmon.merged.gene_counts.tsv"
    lines = path.read_text().split("\n")
    fields = lines[4].split("\t")
    fields[4] = "-4"  # third sample column of the fifth line
    lines[4] = "\t".join(fields)
    path.write_text("\n".join(lines))
    result = run_snakemake(project, "results/omics/rna.h5ad")
    assert result.returncode != 0
    sample = lines[0].split("\t")[4]
    expected = (
        f"precisionflow error: demo/rna/salmon.merged.gene_counts.tsv: row 5 (feature {fields[0]!r}), column "
        f"{sample!r}: expected a count (a whole number ≥ 0), found -4"
    )
    assert expected in result.stderr
    assert expected in (project / "logs/omics/rna.log").read_text()
    assert not (project / "results/omics/rna.h5ad").exists()
    assert not list((project / "results/omics").glob("qc/rna.*"))


def test_unknown_sample_and_identifying_batch_stop_before_any_job(tmp_path: Path) -> None:
    project = make_project(tmp_path / "parse")
    path = project / "demo/mirna/mirna_log_expression.csv"
    path.write_text(path.read_text().replace("\nDEMO-001,", "\nNOT-A-PATIENT,", 1))
    result = run_snakemake(project, "-n", *TARGETS)
    text = result.stdout + result.stderr
    assert result.returncode != 0 and "Job stats" not in text
    assert "demo/mirna/mirna_log_expression.csv: sample ids: expected every sample to be a patient of the sheet" in text
    assert "'NOT-A-PATIENT'" in text

    edit_config(project, lambda c: c.__setitem__("unknown_samples", "drop"))
    edit_config(project, lambda c: c["omics"]["rna"].__setitem__("batch", "mrn"))  # an identifying column
    result = run_snakemake(project, "-n", *TARGETS)
    text = result.stdout + result.stderr
    assert result.returncode != 0 and "Job stats" not in text
    assert re.search(r"key omics/rna: expected a column of the sheet .* that is not identifying, found 'mrn'", text), (
        text
    )


def test_batch_correction_and_pseudonyms(tmp_path: Path) -> None:
    project = make_project(tmp_path / "batch")
    sheet_path = project / "config/samples.tsv"
    sheet = pd.read_csv(sheet_path, sep="\t", dtype=str, keep_default_na=False)
    sheet.insert(1, "run", ["run1" if i % 2 else "run2" for i in range(len(sheet))])
    sheet.to_csv(sheet_path, sep="\t", index=False)
    (project / "key.txt").write_text("a secret key of more than sixteen bytes\n")
    edit_config(project, lambda c: c.update(pseudonymize=True, pseudonym_key="key.txt"))
    edit_config(project, lambda c: c["omics"]["rna"].update(batch="run", normalization="tmm"))
    run_snakemake(project, "results/omics/rna.h5ad", check=True)
    rna = ad.read_h5ad(project / "results/omics/rna.h5ad")
    assert all(re.fullmatch(r"P[0-9a-f]{12}", p) for p in rna.obs_names)
    assert not any("DEMO" in str(v) for v in rna.obs.to_numpy().ravel())
    info = rna.uns["batch_correction"]
    assert info["column"] == "run" and list(info["batches"]) == ["run1", "run2"]
    assert np.asarray(info["pca_before"]).shape == np.asarray(info["pca_after"]).shape == (rna.n_obs, 2)
    assert set(rna.obs["batch"].astype(str)) == {"run1", "run2"}
    assert rna.uns["size_factors"]["method"] == "tmm" and "tmm_factor" in rna.obs
    assert (project / "results/omics/qc/rna.pca.png").stat().st_size > 0
    log = (project / "logs/omics/rna.log").read_text()
    assert "ComBat: 2 batches" in log and "DEMO-" not in log
