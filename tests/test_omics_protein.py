"""Intensity layers on MaxQuant data: UbiLength (DEP's example, R-dotted column names), real names.

Real data: ``proteomics/UbiLength_maxquant_lfq.csv`` (3,006 protein groups × 12 LFQ intensities,
4 conditions × 3, zeros = not measured).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from precisionflow.omics import intensity as I
from precisionflow.omics.layer import build_layer
from tests.test_omics_rna import run_r


@pytest.fixture(scope="module")
def ubi(shared_data: Path) -> tuple[Path, pd.DataFrame, pd.DataFrame]:
    path = shared_data / "proteomics" / "UbiLength_maxquant_lfq.csv"
    design = pd.read_csv(shared_data / "proteomics" / "UbiLength_design.csv")
    return path, pd.read_csv(path, dtype=str), design


def ubi_layer(path: Path, design: pd.DataFrame, **settings):
    config = {"type": "protein", "path": str(path), "format": "maxquant", **settings}
    return build_layer(
        "protein",
        config,
        public_ids={s: s for s in design["label"]},
        sheet_columns={"condition": dict(zip(design["label"], design["condition"]))},
    )


@pytest.fixture(scope="module")
def layer(ubi):
    path, _, design = ubi
    return ubi_layer(path, design, filters={"group_column": "condition"})


def test_contaminants_reverse_and_site_only_removed_and_counted(layer, ubi) -> None:
    _, table, _ = ubi
    flags = {
        k: table[c].fillna("").eq("+")
        for k, c in (
            ("contaminant", "Potential.contaminant"),
            ("reverse", "Reverse"),
            ("only_identified_by_site", "Only.identified.by.site"),
        )
    }
    read = layer.uns["read"]
    for kind, flagged in flags.items():
        assert read[f"removed_{kind}"] == int(flagged.sum()) > 0
    removed = flags["contaminant"] | flags["reverse"] | flags["only_identified_by_site"]
    assert read["removed_total"] == int(removed.sum())
    assert read["intensity_columns"] == "LFQ intensity"
    removed_ids = set(table.loc[removed, "Protein.IDs"].str.split(";").str[0])
    assert not removed_ids & set(layer.var_names)
    assert not any(f.startswith(("CON__", "REV__")) for f in layer.var["protein_ids"])
    # gene symbol = first entry of "Gene names"
    kept = table.set_index(table["Protein.IDs"].str.split(";").str[0]).loc[layer.var_names, "Gene.names"]
    expected = kept.fillna("").str.split(";").str[0].replace("", None)
    assert layer.var["gene"].astype(object).where(layer.var["gene"].notna(), None).tolist() == expected.tolist()


def test_medians_equal_after_centering_and_imputed_only_where_missing(layer, ubi) -> None:
    _, table, design = ubi
    X = np.asarray(layer.X)
    missing = np.asarray(layer.layers["missing"])
    raw = np.asarray(layer.layers["raw"])
    # raw = the LFQ intensities as read (sample columns renamed), for the proteins kept
    rows = table.set_index(table["Protein.IDs"].str.split(";").str[0]).loc[layer.var_names]
    expected = rows[[f"LFQ.intensity.{s}" for s in layer.obs_names]].astype(float).to_numpy().T
    np.testing.assert_array_equal(raw, expected)
    np.testing.assert_array_equal(missing, raw == 0)
    assert missing.any() and not np.isnan(X).any()
    medians = np.array([np.median(X[i][~missing[i]]) for i in range(layer.n_obs)])
    np.testing.assert_allclose(medians, medians[0], atol=1e-9)
    # measured values only shifted per sample: log2(raw) - X is one constant per sample
    shift = np.where(missing, np.nan, np.log2(np.where(raw > 0, raw, 1)) - X)
    np.testing.assert_allclose(np.nanmax(shift, axis=1) - np.nanmin(shift, axis=1), 0, atol=1e-9)
    # imputed values sit in the low tail of their sample (MinProb around the 1 % quantile)
    for i in range(layer.n_obs):
        assert np.median(X[i][missing[i]]) < np.quantile(X[i][~missing[i]], 0.1)
    # valid-value filter by condition: every kept protein has ≥ 70 % measured in some condition
    groups = design.set_index("label").loc[layer.obs_names, "condition"].to_numpy()
    observed = pd.DataFrame(~missing).groupby(groups).mean()
    assert (observed.max(axis=0) >= 0.7 - 1e-9).all()
    assert layer.uns["filter"]["features_kept"] == layer.n_vars < layer.uns["filter"]["features_read"]


def test_real_maxquant_names_give_the_same_layer(layer, ubi, tmp_path: Path) -> None:
    path, table, design = ubi
    real = {
        "Protein.IDs": "Protein IDs",
        "Majority.protein.IDs": "Majority protein IDs",
        "Protein.names": "Protein names",
        "Gene.names": "Gene names",
        "Razor...unique.peptides": "Razor + unique peptides",
        "Unique.peptides": "Unique peptides",
        "Fasta.headers": "Fasta headers",
        "Only.identified.by.site": "Only identified by site",
        "Potential.contaminant": "Potential contaminant",
    }
    renamed = table.rename(columns=real).rename(columns=lambda c: c.replace("LFQ.intensity.", "LFQ intensity "))
    # a MaxQuant-style tab-separated file, raw intensities beside the LFQ ones (LFQ must win)
    for s in design["label"]:
        renamed[f"Intensity {s}"] = "1"
    out = tmp_path / "proteinGroups.txt"
    renamed.to_csv(out, sep="\t", index=False)
    again = ubi_layer(out, design, filters={"group_column": "condition"})
    np.testing.assert_array_equal(np.asarray(again.X), np.asarray(layer.X))
    assert list(again.var_names) == list(layer.var_names)


def test_quantile_normalization_is_limmas(ubi, tmp_path: Path) -> None:
    path, _, design = ubi
    qlayer = ubi_layer(path, design, normalization="quantile", imputation="none")
    values = np.asarray(qlayer.X)
    # log2 intensities before normalization, NaN where not measured
    raw = np.asarray(qlayer.layers["raw"])
    logged = np.where(raw > 0, np.log2(np.where(raw > 0, raw, 1)), np.nan)
    pd.DataFrame(logged.T).to_csv(tmp_path / "log.csv", index=False, na_rep="NA")
    out = run_r(
        f"x <- as.matrix(read.csv('{tmp_path / 'log.csv'}')); y <- limma::normalizeQuantiles(x);"
        f" write.csv(y, '{tmp_path / 'limma.csv'}', row.names = FALSE, na = 'NA'); cat('ok')",
        ["limma"],
    )
    assert out.strip() == "ok"
    expected = pd.read_csv(tmp_path / "limma.csv").to_numpy().T
    np.testing.assert_allclose(values, expected, rtol=0, atol=1e-9, equal_nan=True)


def test_quantile_normalization_without_gaps_gives_identical_distributions() -> None:
    rng = np.random.default_rng(0)
    values = rng.normal(20, 2, (5, 400)) + rng.normal(0, 1, (5, 1))
    normalized = I.quantile_normalize(values)
    reference = np.sort(values, axis=1).mean(axis=0)
    for row, original in zip(normalized, values):
        np.testing.assert_allclose(np.sort(row), reference)
        np.testing.assert_array_equal(np.argsort(row), np.argsort(original))  # ranks kept: not a rank transform
    # with gaps, measured values keep their order and gaps stay gaps
    values[0, :50] = np.nan
    normalized = I.quantile_normalize(values)
    assert np.isnan(normalized[0, :50]).all() and not np.isnan(normalized[1:]).any()
    np.testing.assert_array_equal(np.argsort(normalized[0, 50:]), np.argsort(values[0, 50:]))


def test_minprob_follows_imputelcmd() -> None:
    rng = np.random.default_rng(1)
    values = rng.normal(25, 1.5, (20, 3000))
    values[rng.random(values.shape) < 0.3] = np.nan
    values[:, :200] = np.nan  # never measured: not used for the SD
    imputed, info = I.minprob(values, q=0.01, tune_sigma=1.0, seed=11)
    missing = np.isnan(values)
    np.testing.assert_array_equal(imputed[~missing], values[~missing])
    assert not np.isnan(imputed).any()
    np.testing.assert_allclose(info["sample_means"], np.nanquantile(values, 0.01, axis=1))
    well = values[:, (~missing).mean(axis=0) > 0.5]
    assert info["sd"] == pytest.approx(np.median(np.nanstd(well, axis=0, ddof=1)))
    for i in range(values.shape[0]):
        draws = imputed[i][missing[i]]
        assert abs(draws.mean() - info["sample_means"][i]) < 4 * info["sd"] / np.sqrt(draws.size)
        assert abs(draws.std(ddof=1) / info["sd"] - 1) < 0.1
    again, _ = I.minprob(values, q=0.01, tune_sigma=1.0, seed=11)
    np.testing.assert_array_equal(again, imputed)  # seeded
    other, _ = I.minprob(values, q=0.01, tune_sigma=1.0, seed=12)
    assert not np.array_equal(other, imputed)
    half, _ = I.minprob(values, q=0.01, tune_sigma=0.5, seed=11)
    assert np.std(half[missing]) < np.std(imputed[missing])
