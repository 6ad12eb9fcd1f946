"""Bad input to a layer: one InputError naming the file and the row and/or column, nothing written."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from precisionflow.errors import InputError
from precisionflow.omics.genes import read_feature_map
from precisionflow.omics.layer import Settings, build_layer
from precisionflow.omics.sample_columns import layer_sample_ids

GOOD = "gene_id\tgene_name\tA\tB\tC\ng1\tG1\t10\t20\t30\ng2\tG2\t5\t0\t7\ng3\tG3\t100\t90\t80\n"
PATIENTS = {"A": "A", "B": "B", "C": "C"}


def rna(tmp_path: Path, text: str, **settings):
    path = tmp_path / "counts.tsv"
    path.write_text(text)
    return path, lambda **more: build_layer(
        "rna", {"type": "rna", "path": str(path), **settings}, public_ids=more.pop("public_ids", PATIENTS), **more
    )


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        (
            GOOD.replace("5\t0\t7", "5\t-3\t7"),
            "row 3 (feature 'g2'), column 'B'",
            "expected a count (a whole number ≥ 0), found -3",
        ),
        (
            GOOD.replace("5\t0\t7", "5\t2.5\t7"),
            "row 3 (feature 'g2'), column 'B'",
            "expected a count (a whole number; set round_counts: true",
        ),
        (
            GOOD.replace("5\t0\t7", "5\t\t7"),
            "row 3 (feature 'g2'), column 'B'",
            "expected a count, found a missing value (a blank cell, NA or NaN)",
        ),
        (GOOD.replace("5\t0\t7", "5\tabc\t7"), "row 3 (feature 'g2'), column 'B'", "expected a number, found 'abc'"),
        (
            GOOD.replace("g3\tG3", "g1\tG3"),
            "rows 2, 4, column 'gene_id'",
            "expected unique feature ids, found duplicates 'g1'",
        ),
        (GOOD.replace("\tC\n", "\tA\n"), "header", "expected each sample column once, found duplicates 'A'"),
        (
            GOOD.replace("30\n", "0\n").replace("7\n", "0\n").replace("80\n", "0\n"),
            "column 'C'",
            "expected a sample with at least one non-zero value, found an all-zero sample 'C'",
        ),
        (GOOD + "g4\tG4\t1\t2\t3\t4\n", "layout", "expected a matrix with the same number of fields on every line"),
    ],
)
def test_bad_counts(tmp_path: Path, text: str, where: str, message: str) -> None:
    path, build = rna(tmp_path, text)
    with pytest.raises(InputError) as error:
        build()
    assert str(error.value).startswith(f"{path}: {where}: {message}"), str(error.value)


def test_sample_not_in_the_sheet_unless_dropped(tmp_path: Path) -> None:
    path, build = rna(tmp_path, GOOD.replace("\tC\n", "\tZ\n"))
    with pytest.raises(InputError) as error:
        build()
    assert str(error.value) == (
        f"{path}: sample ids: expected every sample to be a patient of the sheet (or `unknown_samples: drop` in "
        f"the config), found 1 unknown: 'Z'"
    )
    layer = build(drop_unknown=True)
    assert list(layer.obs_names) == ["A", "B"] and layer.uns["read"]["unknown_samples_dropped"] == 1
    # the parse-time check reads the same columns as samples
    assert layer_sample_ids(path, "rna", "matrix", "features_by_samples") == ["A", "B", "Z"]


def test_public_ids_replace_raw_ids_right_after_reading(tmp_path: Path) -> None:
    _, build = rna(tmp_path, GOOD)
    layer = build(public_ids={"A": "P3", "B": "P1", "C": "P2"}, sheet_columns={})
    assert list(layer.obs_names) == ["P1", "P2", "P3"]  # sorted public ids
    np.testing.assert_array_equal(layer.layers["raw"][:, 0], [20, 30, 10])


def test_samples_by_features_duplicate_sample_and_bad_cell(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text("sample,f1,f2\nA,1.5,2\nB,2.5,x\nA,1,1\n")
    with pytest.raises(
        InputError, match=r"m.csv: rows 2, 4, column 'sample': expected unique sample ids, found duplicates 'A'"
    ):
        build_layer(
            "m", {"type": "matrix", "path": str(path), "orientation": "samples_by_features"}, public_ids=PATIENTS
        )
    path.write_text("sample,f1,f2\nA,1.5,2\nB,2.5,x\n")
    with pytest.raises(InputError, match=r"m.csv: row 3 \(sample 'B'\), column 'f2': expected a number, found 'x'"):
        build_layer(
            "m", {"type": "matrix", "path": str(path), "orientation": "samples_by_features"}, public_ids=PATIENTS
        )
    path.write_text("sample,f1,f2\nA,1.5,2\nB,2.5,inf\n")
    with pytest.raises(
        InputError, match=r"m.csv: row 3 \(sample 'B'\), column 'f2': expected a finite number, found inf"
    ):
        build_layer(
            "m", {"type": "matrix", "path": str(path), "orientation": "samples_by_features"}, public_ids=PATIENTS
        )


MAXQUANT = (
    "Protein IDs\tGene names\tLFQ intensity A\tLFQ intensity B\tLFQ intensity C\tReverse\tPotential "
    "contaminant\tOnly identified by site\n"
    "P1\tG1\t100\t200\t300\t\t\t\n"
    "P2;P2-2\tG2;G2B\t1000\t0\t3000\t\t\t\n"
    "CON__P3\t\t50\t60\t70\t\t+\t\n"
    "REV__P4\t\t1\t2\t3\t+\t\t\n"
    "P5\tG5\t400\t500\t600\t\t\t\n"
)


def maxquant(tmp_path: Path, text: str, **settings):
    path = tmp_path / "proteinGroups.txt"
    path.write_text(text)
    return path, lambda: build_layer(
        "protein", {"type": "protein", "format": "maxquant", "path": str(path), **settings}, public_ids=PATIENTS
    )


def test_maxquant_file_without_intensity_columns(tmp_path: Path) -> None:
    path, build = maxquant(tmp_path, MAXQUANT.replace("LFQ intensity ", "iBAQ "))
    with pytest.raises(InputError) as error:
        build()
    assert (
        str(error.value) == f"{path}: header: "
        "expected MaxQuant intensity columns ('LFQ intensity <sample>' or 'Intensity <sample>'), found none"
    )


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "\t1000\t0\t",
            "\t1000\t1e5x\t",
            "row 3 (protein group 'P2'), column 'LFQ intensity B': expected a number, found '1e5x'",
        ),
        (
            "\t1000\t0\t",
            "\t1000\t-5\t",
            "row 3 (protein group 'P2'), column 'LFQ intensity B': expected an intensity ≥ 0",
        ),
        ("P5\tG5", "P1\tG5", "rows 2, 6, column 'Protein IDs': expected unique protein groups, found duplicates 'P1'"),
        ("Protein IDs", "Majority protein IDs", "header: expected MaxQuant column 'Protein IDs'"),
        ("\t300\t", "\t0\t", None),  # C then has one value left: fine
    ],
)
def test_bad_maxquant(tmp_path: Path, old: str, new: str, message: str | None) -> None:
    path, build = maxquant(tmp_path, MAXQUANT.replace(old, new, 1), filters={"min_observed_fraction": 0.5})
    if message is None:
        build()
        return
    with pytest.raises(InputError) as error:
        build()
    assert str(error.value).startswith(f"{path}: {message}"), str(error.value)


def test_maxquant_all_zero_sample(tmp_path: Path) -> None:
    text = MAXQUANT.replace("\t300\t", "\t0\t").replace("\t3000\t", "\t0\t").replace("\t600\t", "\t0\t")
    path, build = maxquant(tmp_path, text)
    with pytest.raises(InputError) as error:
        build()
    assert (
        str(error.value) == f"{path}: column 'LFQ intensity C': "
        "expected a sample with at least one non-zero value, found an all-zero sample 'C'"
    )


def test_maxquant_small_example_end_to_end(tmp_path: Path) -> None:
    _, build = maxquant(tmp_path, MAXQUANT, filters={"min_observed_fraction": 0.5}, imputation="none")
    layer = build()
    assert list(layer.var_names) == ["P1", "P2", "P5"]
    assert layer.var["gene"].astype(str).tolist() == ["G1", "G2", "G5"]
    assert layer.uns["read"]["removed_contaminant"] == 1 and layer.uns["read"]["removed_reverse"] == 1
    assert np.isnan(np.asarray(layer.X)[1, 1]) and bool(layer.layers["missing"][1, 1])


def test_config_combinations_checked_by_the_library() -> None:
    with pytest.raises(
        InputError,
        match=(
            r"key omics/x/normalization: expected one of median_of_ratios, tmm, cpm, none for values: counts, found "
            r"'median'"
        ),
    ):
        Settings.from_config("x", {"type": "rna", "path": "p", "normalization": "median"})
    with pytest.raises(InputError, match=r"key omics/x/transform: expected log2 or none with this normalization"):
        Settings.from_config("x", {"type": "rna", "path": "p", "normalization": "tmm", "transform": "vst"})
    with pytest.raises(InputError, match=r"key omics/x/values: expected intensity for a MaxQuant file"):
        Settings.from_config("x", {"type": "protein", "path": "p", "format": "maxquant", "values": "log"})
    s = Settings.from_config("x", {"type": "protein", "path": "p"})
    assert (s.values, s.normalization, s.imputation, s.transform) == ("intensity", "median", "minprob", "none")
    s = Settings.from_config("x", {"type": "rna", "path": "p", "normalization": "tmm"})
    assert (s.values, s.transform, s.filters["min_count"]) == ("counts", "log2", 10)


def test_feature_map_errors(tmp_path: Path) -> None:
    path = tmp_path / "map.tsv"
    path.write_text("feature\tgene\nHER2\tERBB2\nHER2\tERBB3\n")
    with pytest.raises(
        InputError, match=r"map.tsv: rows 2, 3, column 'feature': expected each feature once, found duplicates 'HER2'"
    ):
        read_feature_map(path)
    path.write_text("antibody\tgene\nHER2\tERBB2\n")
    with pytest.raises(InputError, match=r"map.tsv: header .*: expected column\(s\) 'feature'"):
        read_feature_map(path)
