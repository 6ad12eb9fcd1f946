"""Count layers: median-of-ratios against PyDESeq2, TMM against edgeR and conorm, VST, filters, genes.

Real data: ``rnaseq/airway_counts.csv.gz`` (64,102 genes × 8 samples, 4 cell lines × dexamethasone).
edgeR values come from R when ``Rscript`` with edgeR is on the machine (Debian: r-bioc-edger);
otherwise from the numbers edgeR 3.40.2 printed for the same file (kept below).
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from precisionflow.errors import InputError
from precisionflow.omics import counts as C
from precisionflow.omics.layer import build_layer

# edgeR 3.40.2:
# sprintf("%.10f", calcNormFactors(as.matrix(read.csv(airway_counts.csv.gz, row.names = 1)), method = "TMM"))
EDGER_AIRWAY_TMM = [
    1.0553567112,
    1.0291947404,
    0.9832690496,
    0.9490081349,
    1.0255871017,
    0.9729021961,
    1.0308785116,
    0.9592054560,
]


def run_r(code: str, packages: list[str]) -> str:
    """Output of an R snippet, or a skip when R or a package is missing."""
    if shutil.which("Rscript") is None:
        pytest.skip("Rscript is not installed (Debian: r-base-core)")
    check = subprocess.run(
        [
            "Rscript",
            "-e",
            f"quit(status = !all(sapply(c({', '.join(repr(p) for p in packages)}), requireNamespace, quietly = TRUE)))",
        ],
        capture_output=True,
    )
    if check.returncode != 0:
        pytest.skip(f"R package(s) {packages} not installed")
    result = subprocess.run(["Rscript", "-e", code], capture_output=True, text=True, check=True, timeout=300)
    return result.stdout


@pytest.fixture(scope="module")
def airway(shared_data: Path) -> tuple[Path, pd.DataFrame]:
    path = shared_data / "rnaseq" / "airway_counts.csv.gz"
    coldata = pd.read_csv(shared_data / "rnaseq" / "airway_coldata.csv", index_col=0)
    return path, coldata


@pytest.fixture(scope="module")
def airway_counts(airway: tuple[Path, pd.DataFrame]) -> pd.DataFrame:
    """samples × genes"""
    return pd.read_csv(airway[0], index_col=0).T


@pytest.fixture(scope="module")
def airway_layer(airway: tuple[Path, pd.DataFrame], shared_data: Path):
    path, coldata = airway
    config = {"type": "rna", "path": str(path), "filters": {"min_count": 0, "min_samples_fraction": 0}}
    return build_layer(
        "rna", config, public_ids={s: s for s in coldata.index}, genes=shared_data / "resources" / "genes.grch38.bed.gz"
    )


def test_airway_size_factors_match_pydeseq2_and_pcs_show_dex_and_cell_line(airway_layer, airway, airway_counts) -> None:
    from pydeseq2.dds import DeseqDataSet

    _, coldata = airway
    counts = airway_counts.loc[airway_layer.obs_names]
    dds = DeseqDataSet(counts=counts, metadata=coldata.loc[counts.index, ["dex"]], design="~dex", quiet=True)
    dds.fit_size_factors()
    np.testing.assert_allclose(
        airway_layer.obs["size_factor"].to_numpy(), dds.obs["size_factors"].to_numpy(), rtol=0, atol=1e-6
    )
    # every gene with a read is kept (filter off), ids unchanged, raw counts as read
    assert airway_layer.n_vars == int((counts.sum(axis=0) > 0).sum())
    np.testing.assert_array_equal(airway_layer.layers["raw"], counts.loc[:, airway_layer.var_names].to_numpy())

    # PCA of the VST values: the treatment and the donor cell line on the first components
    coords = np.asarray(airway_layer.uns["pca"]["coords"])
    assert coords.shape == (8, 2)
    info = coldata.loc[airway_layer.obs_names]
    dex = (info["dex"] == "trt").to_numpy()
    separated = [x[dex].max() < x[~dex].min() or x[~dex].max() < x[dex].min() for x in coords.T]
    assert any(separated), "treated and untreated samples should be apart on PC1 or PC2"
    # on the other component, the two samples of a cell line sit together, the cell lines apart
    other = coords[:, 1] if separated[0] else coords[:, 0]
    pairs = info.assign(x=other).groupby("cell")["x"]
    within = (pairs.max() - pairs.min()).mean()
    between = pairs.mean().std()
    assert within < between, (within, between)


def test_vst_matches_pydeseq2_vst(airway_counts: pd.DataFrame) -> None:
    from pydeseq2.dds import DeseqDataSet

    keep, _ = C.low_count_filter(airway_counts.to_numpy(), 10, 0.2)
    sub = airway_counts.loc[:, keep].iloc[:, ::20]  # ~860 genes: fast
    dds = DeseqDataSet(
        counts=sub,
        metadata=pd.DataFrame({"all": ["all"] * len(sub)}, index=sub.index),
        design="~1",
        quiet=True,
        n_cpus=1,
    )
    dds.vst()
    x = sub.to_numpy()
    factors = C.median_of_ratios(x)
    normed = C.normalized(x, factors)
    fit = C.vst_fit(x, factors, normed, C.vst_subset(normed.mean(axis=0), None))
    ours = C.vst_apply(normed.copy(), fit)
    theirs = dds.layers["vst_counts"]
    peer_fit = {"fit": "parametric", **dict(zip(("a0", "a1"), map(float, dds.uns["vst_trend_coeffs"])))}
    # Same coefficients: the transform is the same closed formula, equal to the last bits
    np.testing.assert_allclose(C.vst_apply(normed.copy(), peer_fit), theirs, rtol=0, atol=1e-12)
    # PyDESeq2 iterates its trend fit until sum(log(c / c_old) ** 2) < 1e-6, so it determines each coefficient
    # only to a log step of 1e-3: one iteration more or less (its per-gene L-BFGS-B dispersion fits may stop
    # elsewhere when the size factors differ in the last bit, as PyDESeq2's memory order makes them) moves
    # a coefficient by up to that much. The trend-fit bound is therefore 1e-3 in log.
    trend_log_step = 1e-3
    log_ratios = np.log([fit["a0"] / peer_fit["a0"], fit["a1"] / peer_fit["a1"]])
    np.testing.assert_array_less(np.abs(log_ratios), trend_log_step)
    # The transformed values may then differ by what such coefficients change in the formula, value by value:
    # the largest change over the corners of the coefficient box (the formula is monotone in each coefficient)
    bound = np.zeros_like(theirs)
    for step0, step1 in [(-1, -1), (-1, 1), (1, -1), (1, 1)]:
        a0, a1 = (peer_fit[k] * np.exp(step * trend_log_step) for k, step in (("a0", step0), ("a1", step1)))
        corner = dict(peer_fit, a0=a0, a1=a1)
        bound = np.maximum(bound, np.abs(C.vst_apply(normed.copy(), corner) - theirs))
    assert (np.abs(ours - theirs) <= bound + 1e-12).all()


def test_vst_subset_is_spread_over_expression_like_deseq2() -> None:
    mean = np.concatenate([np.linspace(0, 4.9, 50), np.linspace(6, 1000, 2000)])
    picked = C.vst_subset(mean, 100)
    assert picked.size == 100 and (mean[picked] > 5).all()
    assert mean[picked].min() == mean[mean > 5].min() and mean[picked].max() == mean.max()
    assert C.vst_subset(mean, 5000).size == mean.size  # too few genes above 5: all genes
    assert C.vst_subset(mean, None).size == mean.size


def test_tmm_matches_edger(airway_counts: pd.DataFrame, airway: tuple[Path, pd.DataFrame], tmp_path: Path) -> None:
    factors, reference = C.tmm_factors(airway_counts.to_numpy())
    assert reference == 2  # SRR1039512: upper quartile / library size closest to the mean
    np.testing.assert_allclose(factors, EDGER_AIRWAY_TMM, rtol=0, atol=1e-6)
    assert abs(np.exp(np.log(factors).mean()) - 1) < 1e-12


def test_tmm_matches_live_edger_on_many_samples(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    mu = rng.lognormal(2.5, 2, 3000)
    counts = rng.negative_binomial(3, 3 / (3 + np.outer(rng.lognormal(0, 0.4, 25), mu)))
    counts[:, :40] = 0  # genes zero everywhere are dropped, as edgeR does
    pd.DataFrame(counts.T).to_csv(tmp_path / "counts.csv", index=False)
    out = run_r(
        f"suppressMessages(library(edgeR)); x <- as.matrix(read.csv('{tmp_path / 'counts.csv'}'));"
        " cat(sprintf('%.12f', calcNormFactors(x, method = 'TMM')), sep = '\\n')",
        ["edgeR"],
    )
    expected = np.array([float(v) for v in out.split()])
    np.testing.assert_allclose(C.tmm_factors(counts)[0], expected, rtol=0, atol=1e-9)


@pytest.fixture
def conorm(monkeypatch: pytest.MonkeyPatch):
    """conorm 1.2.0 calls numpy's removed ``interpolation=`` keyword; pass it on as ``method=``."""
    import conorm as peer

    original = np.nanquantile

    def nanquantile(*args, interpolation=None, **kwargs):
        return original(*args, method=interpolation, **kwargs) if interpolation else original(*args, **kwargs)

    monkeypatch.setattr(np, "nanquantile", nanquantile)
    return peer


def test_tmm_matches_conorm_where_both_define_the_same_trim(conorm) -> None:
    # 1,001 positive, tie-free values per sample: conorm's "nearest" quantiles then cut exactly where
    # edgeR's rank rule floor(n × trim) + 1 does; with the same reference both are TMM to the digit
    rng = np.random.default_rng(3)
    x = rng.lognormal(4, 1.5, 1001)[None, :] * rng.lognormal(0, 0.3, (12, 1)) * rng.lognormal(0, 0.2, (12, 1001))
    ours, reference = C.tmm_factors(x)
    peer = conorm.tmm_norm_factors(x.T, index_ref=reference).ravel()
    np.testing.assert_allclose(ours, peer, rtol=0, atol=1e-6)


def test_tmm_differs_from_conorm_on_real_counts_as_documented(conorm, airway_counts: pd.DataFrame) -> None:
    # On integer counts conorm departs from edgeR in two ways: it picks the reference by the upper
    # quartile of raw counts (edgeR: of counts / library size), and it trims by quantile, which
    # keeps or drops whole groups of tied log-ratios where edgeR's average ranks cut through them.
    x = airway_counts.to_numpy()
    ours, reference = C.tmm_factors(x)
    default_peer = conorm.tmm_norm_factors(x.T).ravel()
    same_reference = conorm.tmm_norm_factors(x.T, index_ref=reference).ravel()
    assert np.abs(default_peer - EDGER_AIRWAY_TMM).max() > 1e-3  # another reference column
    assert 1e-6 < np.abs(same_reference - ours).max() < 1e-3  # trimming of ties only


def test_cpm_and_tmm_size_factors_are_library_sizes_in_millions(airway_counts: pd.DataFrame) -> None:
    x = airway_counts.to_numpy()
    cpm, _ = C.size_factors(x, "cpm")
    np.testing.assert_allclose(cpm, x.sum(axis=1) / 1e6)
    tmm, info = C.size_factors(x, "tmm")
    np.testing.assert_allclose(tmm, x.sum(axis=1) * np.array(EDGER_AIRWAY_TMM) / 1e6, rtol=1e-8)
    normalized = C.log2_apply(C.normalized(x, cpm))
    np.testing.assert_allclose(normalized[:, 0], np.log2(x[:, 0] / x.sum(axis=1) * 1e6 + 1))


def test_every_gene_with_a_zero_falls_back_to_poscounts_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from pydeseq2.dds import DeseqDataSet

    rng = np.random.default_rng(5)
    counts = rng.negative_binomial(5, 5 / (5 + np.outer(rng.lognormal(0, 0.3, 6), rng.lognormal(3, 1, 300))))
    counts[np.arange(300) % 6, np.arange(300)] = 0  # each gene has a zero somewhere
    frame = pd.DataFrame(counts.T, index=[f"g{i}" for i in range(300)], columns=[f"S{j}" for j in range(6)])
    frame.index.name = "gene_id"
    path = tmp_path / "counts.tsv"
    frame.to_csv(path, sep="\t")
    with caplog.at_level(logging.WARNING, logger="precisionflow"):
        layer = build_layer(
            "rna",
            {"type": "rna", "path": str(path), "filters": {"min_count": 0}},
            public_ids={s: s for s in frame.columns},
        )
    assert "every gene has a zero" in caplog.text and "poscounts" in caplog.text
    assert layer.uns["size_factors"]["fallback"] == "poscounts"
    dds = DeseqDataSet(
        counts=frame.T, metadata=pd.DataFrame({"a": ["a"] * 6}, index=frame.columns), design="~1", quiet=True
    )
    dds.fit_size_factors(fit_type="poscounts")
    np.testing.assert_allclose(layer.obs["size_factor"].to_numpy(), dds.obs["size_factors"].to_numpy(), atol=1e-6)


def test_low_count_filter_default_and_unmapped_ids_kept(tmp_path: Path, shared_data: Path) -> None:
    # nf-core layout: gene_id, gene_name, samples; one Ensembl id unknown to the reference
    text = (
        "gene_id\tgene_name\tA\tB\tC\tD\tE\n"
        "ENSG00000141736.14\tERBB2\t100\t200\t150\t90\t300\n"
        "ENSG00000091831\tESR1\t50\t0\t40\t30\t10\n"
        "ENSG99999999999\tENSG99999999999\t30\t30\t30\t30\t30\n"
        "ENSG00000000001\tLOWGENE\t0\t0\t0\t9\t3\n"
        "MYGENE\tMYGENE\t20\t25\t30\t35\t40\n"
    )
    path = tmp_path / "salmon.merged.gene_counts.tsv"
    path.write_text(text)
    layer = build_layer(
        "rna",
        {"type": "rna", "path": str(path), "transform": "log2", "normalization": "cpm"},
        public_ids={s: s for s in "ABCDE"},
        genes=shared_data / "resources" / "genes.grch38.bed.gz",
    )
    # default filter: ≥ 10 reads in ≥ 20 % of the samples (here 1 of 5): LOWGENE has at most 9
    assert list(layer.var_names) == ["ENSG00000141736.14", "ENSG00000091831", "ENSG99999999999", "MYGENE"]
    assert layer.uns["filter"] == {"features_read": 5, "features_kept": 4, "min_count": 10.0, "min_samples": 1}
    genes = layer.var["gene"].astype(object).where(layer.var["gene"].notna(), None).tolist()
    assert genes == ["ERBB2", "ESR1", None, "MYGENE"]
    assert layer.var["gene_source"].tolist() == ["genes_reference", "genes_reference", "none", "file"]
    assert list(layer.var["gene_name"]) == ["ERBB2", "ESR1", "ENSG99999999999", "MYGENE"]


def test_samples_by_features_counts_and_rounding(tmp_path: Path) -> None:
    path = tmp_path / "counts.csv"
    path.write_text("sample,g1,g2,g3\nA,10.4,20,30\nB,11,21.6,31\nC,12,22,32\n")
    with pytest.raises(InputError) as error:
        build_layer(
            "rna",
            {"type": "rna", "path": str(path), "orientation": "samples_by_features"},
            public_ids={s: s for s in "ABC"},
        )
    assert str(error.value).startswith(f"{path}: row 2 (sample 'A'), column 'g1': expected a count (a whole number")
    layer = build_layer(
        "rna",
        {
            "type": "rna",
            "path": str(path),
            "orientation": "samples_by_features",
            "round_counts": True,
            "normalization": "cpm",
        },
        public_ids={s: s for s in "ABC"},
    )
    np.testing.assert_array_equal(layer.layers["raw"], [[10, 20, 30], [11, 22, 31], [12, 22, 32]])
