"""Gene-level copy number (precisionflow/variants/copy_number.py, gene_calls.py): PURPLE's rules on the
real A04W segments of ../shared/data, purity-corrected log2 ratios, sex chromosomes, LOH, gene-level
call tables (MOAlmanac, cBioPortal) and what is dropped or refused."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from precisionflow.errors import InputError
from precisionflow.references import contig_matcher, read_genes
from precisionflow.settings import defaults
from precisionflow.variants.copy_number import (
    CopyNumberSettings,
    InputCount,
    TumourFacts,
    absolute_copies,
    gene_copy_number,
    input_summary,
    read_segments,
    tumour_facts,
)
from precisionflow.variants.gene_calls import patient_copy_number, read_gene_calls

# Genes of a small reference (BED: 0-based start, exclusive end): a tumour suppressor of 10 kb on 9, an
# oncogene of 10 kb on 17, one gene on X and one on Y.
GENES = pd.DataFrame(
    {
        "chrom": ["9", "17", "X", "Y"],
        "start": [100_000, 200_000, 300_000, 400_000],
        "end": [110_000, 210_000, 310_000, 410_000],
        "symbol": ["TSG", "ONC", "XGENE", "YGENE"],
        "ensembl_id": ["E1", "E2", "E3", "E4"],
        "strand": ["+"] * 4,
        "biotype": ["protein_coding"] * 4,
    }
)
MATCH = contig_matcher(GENES["chrom"].unique())
COPY_NUMBER = defaults("variants")["copy_number"]
DIPLOID = CopyNumberSettings.from_config(COPY_NUMBER | {"ploidy": 2})


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


NO_FACTS = TumourFacts()


def calls_of(tmp_path: Path, text: str, facts: TumourFacts = NO_FACTS, settings: CopyNumberSettings = DIPLOID, **kw):
    table, count = patient_copy_number(write(tmp_path / "cna.tsv", text), GENES, MATCH, "P", settings, facts, **kw)
    return table.set_index("gene"), count


# --- real data ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def a04w(shared_data: Path):
    genes = read_genes(shared_data / "resources/genes.grch38.bed.gz")
    match = contig_matcher(genes["chrom"].unique())
    segments = read_segments(shared_data / "variants/TCGA-A2-A04W.cna_segments.grch38.tsv", match)
    return genes, segments


def test_a04w_purple_amplifications(a04w, caplog: pytest.LogCaptureFixture) -> None:
    genes, segments = a04w
    with caplog.at_level(logging.WARNING, logger="precisionflow.variants"):
        calls = gene_copy_number(
            segments, genes, "A04W", CopyNumberSettings.from_config(COPY_NUMBER)
        )  # no sex given: X and Y not called
    ploidy = calls["ploidy"].iloc[0]
    assert ploidy == pytest.approx(1.862, abs=1e-3)  # length-weighted mean of the autosomes' nMajor + nMinor
    by_gene = calls.set_index("gene")
    # ERBB2 sits in the focal 17q12 amplicon (8 + 1 copies, > 3 x 1.862).
    assert by_gene.loc["ERBB2", "call"] == "amp" and by_gene.loc["ERBB2", "total_cn"] == 9
    assert by_gene.loc["CDKN2A", "call"] == "loss" and by_gene.loc["CDKN2A", "loh"]
    # Oracle: a plain loop over the protein-coding autosomal genes, min copy number of the segments
    # overlapping each, against PURPLE's amplification level (integer copies, so no tolerance needed).
    coding = genes[(genes["biotype"] == "protein_coding") & genes["chrom"].str.fullmatch(r"\d+")]
    expected = set()
    for chrom, start, end, symbol in coding[["chrom", "start", "end", "symbol"]].itertuples(index=False):
        on = segments[(segments["chrom"] == chrom) & (segments["start"] <= end) & (segments["end"] >= start + 1)]
        if len(on) and on["total_cn"].min() > 3 * ploidy:
            expected.add(symbol)
    amplified = set(calls.loc[calls["call"] == "amp", "gene"])
    assert amplified == expected
    # The old rule (>= 2 x ploidy from the majority segment) called 728; PURPLE's keeps a few hundred.
    assert 150 <= len(amplified) <= 400, len(amplified)
    assert (calls.loc[calls["call"] == "amp", "min_cn"] > 3 * ploidy).all()
    # No sex: no X/Y row, none deep_loss, and the log says how many genes were left uncalled.
    assert not calls["chrom"].isin(["X", "Y"]).any()
    assert any("sex unknown" in r.getMessage() and "not called" in r.getMessage() for r in caplog.records)
    female = gene_copy_number(segments, genes, "A04W", CopyNumberSettings.from_config(COPY_NUMBER), sex="F")
    assert female["chrom"].eq("X").sum() > 500


# --- rules on small inputs ----------------------------------------------------------------------


def test_partially_deleted_tumour_suppressor_is_deep_loss(tmp_path: Path) -> None:
    # TSG spans 100,001-110,000: 40 % of it (100,001-104,000) at 0 copies, the rest at 2.
    # ONC spans 200,001-210,000: 15 % of it (208,501-210,000) in a 20-copy amplicon.
    calls, count = calls_of(
        tmp_path,
        "Chromosome\tStart\tEnd\tnMajor\tnMinor\n"
        "9\t1\t104000\t0\t0\n9\t104001\t500000\t1\t1\n"
        "17\t1\t208500\t1\t1\n17\t208501\t300000\t20\t0\n",
    )
    tsg, onc = calls.loc["TSG"], calls.loc["ONC"]
    assert tsg["call"] == "deep_loss" and tsg["total_cn"] == 0 and tsg["max_cn"] == 2
    assert tsg["deleted_fraction"] == pytest.approx(0.4) and tsg["covered_fraction"] == 1
    assert onc["call"] == "neutral" and onc["max_cn"] == 20 and onc["amplified_fraction"] == pytest.approx(0.15)
    assert count.records == count.kept == 4


def test_amplification_relative_to_ploidy(tmp_path: Path) -> None:
    text = "Chromosome\tStart\tEnd\ttotal_cn\n9\t1\t500000\t7\n17\t1\t500000\t6\n"
    calls, _ = calls_of(tmp_path, text)
    assert calls.loc["TSG", "call"] == "amp" and calls.loc["ONC", "call"] == "gain"  # > 6 strictly (PURPLE)
    tetraploid, _ = calls_of(tmp_path, text, TumourFacts(ploidy=4.0), CopyNumberSettings.from_config(COPY_NUMBER))
    assert set(tetraploid["call"]) == {"gain"} and (tetraploid["ploidy"] == 4).all()  # the sheet's ploidy wins


def test_log2_corrected_for_purity(tmp_path: Path) -> None:
    # At 50 % purity a homozygous deletion leaves the normal cells' 2 copies in half the cells: bulk 1 copy,
    # log2(1/2) = -1. A one-copy gain: bulk 0.5 x 3 + 0.5 x 2 = 2.5, log2(2.5 / 2).
    text = f"chromosome\tstart\tend\tlog2\nchr9\t1\t500000\t-1\nchr17\t1\t500000\t{np.log2(2.5 / 2)}\n"
    pure, _ = calls_of(tmp_path, text)
    assert pure.loc["TSG", "call"] == "loss" and pure.loc["TSG", "total_cn"] == pytest.approx(1)
    half, _ = calls_of(tmp_path, text, TumourFacts(purity=0.5))
    assert half.loc["TSG", "call"] == "deep_loss" and half.loc["TSG", "total_cn"] == pytest.approx(0, abs=1e-12)
    assert half.loc["ONC", "call"] == "gain" and half.loc["ONC", "total_cn"] == pytest.approx(3)
    # A tetraploid tumour at 50 %: the centred ratio is relative to 0.5 x 4 + 0.5 x 2 = 3 copies in bulk;
    # 8 tumour copies give a bulk 5, log2(5/3), and read back as 8 (PureCN's relation).
    segments = pd.DataFrame(
        {
            "chrom": ["17"],
            "start": [1],
            "end": [500_000],
            "total_cn": [np.nan],
            "minor_cn": [np.nan],
            "log2": [np.log2(5 / 3)],
        }
    )
    assert absolute_copies(segments, 0.5, 4.0, None)["total_cn"].iloc[0] == pytest.approx(8)
    # Noise below zero copies (a deletion at low purity) is 0, not negative.
    deeper = segments.assign(log2=[-3.0])
    assert absolute_copies(deeper, 0.5, 2.0, None)["total_cn"].iloc[0] == 0


def test_sex_chromosomes_and_loh(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    text = (
        "Chromosome\tStart\tEnd\tnMajor\tnMinor\n"
        "9\t1\t500000\t2\t0\n17\t1\t500000\t1\t1\nX\t1\t500000\t1\t0\nY\t1\t500000\t1\t0\n"
    )
    with caplog.at_level(logging.WARNING, logger="precisionflow.variants"):
        unknown, _ = calls_of(tmp_path, text)
    assert set(unknown.index) == {"TSG", "ONC"}  # X and Y not called without a sex
    assert any("2 gene(s) on X/Y not called" in r.getMessage() for r in caplog.records)
    male, _ = calls_of(tmp_path, text, TumourFacts(sex="M"))
    assert male.loc["XGENE", "call"] == "neutral" and male.loc["YGENE", "call"] == "neutral"
    assert pd.isna(male.loc["XGENE", "loh"])  # a male's X is not heterozygous in the normal
    female, _ = calls_of(tmp_path, text.replace("Y\t1\t500000\t1\t0", "Y\t1\t500000\t0\t0"), TumourFacts(sex="F"))
    assert female.loc["XGENE", "call"] == "loss" and female.loc["XGENE", "loh"]
    assert female.loc["YGENE", "call"] == "neutral"  # no Y expected, none there: not deep_loss
    # LOH: copy-neutral (2 + 0) on 9, none on 17; from allele-specific input only.
    assert male.loc["TSG", "loh"] and male.loc["TSG", "call"] == "neutral" and not male.loc["ONC", "loh"]
    total_only, _ = calls_of(tmp_path, "Chromosome\tStart\tEnd\ttotal_cn\n9\t1\t500000\t2\n")
    assert pd.isna(total_only.loc["TSG", "loh"])


def test_dropped_segments_counted_and_warned(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    text = (
        "Chromosome\tStart\tEnd\tnMajor\tnMinor\n9\t1\t500000\t1\t1\n17\t1\t100000\tNaN\t1\n17\t100001\t500000\t1\tNA\n"
        "chrUn_KI270302v1\t1\t2000\t1\t1\n23\t1\t500000\t1\t0\n"
    )
    with caplog.at_level(logging.INFO, logger="precisionflow.variants"):
        calls, count = calls_of(tmp_path, text, TumourFacts(sex="M"))
    assert count.records == 5 and count.kept == 2 and count.dropped == {"no_copy_number": 2, "unknown_contig": 1}
    assert calls.loc["XGENE", "call"] == "neutral"  # TCGA's 23 is X
    messages = " ".join(r.getMessage() for r in caplog.records)
    assert "2 segment(s) without a copy number dropped (rows 3, 4)" in messages
    assert "1 segment(s) on contigs absent from the genes reference dropped: 'chrUn_KI270302v1 (1)'" in messages
    assert "read as 'X' (TCGA numbering)" in messages
    summary = input_summary([count, InputCount("Q", "q.tsv", "gene calls", records=3)])
    assert summary.columns.tolist() == [
        "patient",
        "input",
        "format",
        "records",
        "kept",
        "dropped_no_copy_number",
        "dropped_unknown_contig",
    ]
    assert summary.to_dict("records")[1] == {
        "patient": "Q",
        "input": "cna",
        "format": "gene calls",
        "records": 3,
        "kept": 3,
        "dropped_no_copy_number": 0,
        "dropped_unknown_contig": 0,
    }
    for bad, message in (
        ("-1", "expected a copy number >= 0, found '-1'"),
        ("inf", "expected a copy number >= 0, found 'inf'"),
    ):
        with pytest.raises(InputError, match=message):
            calls_of(tmp_path, text.replace("NaN", bad))


# --- gene-level call tables -----------------------------------------------------------------------


def test_moalmanac_gene_calls(tmp_path: Path) -> None:
    calls, count = calls_of(
        tmp_path,
        "Gene\tCall\nTSG\tDeletion\nONC\tAmplification\nXGENE\tWild type\nYGENE\tBaseline\n"
        "NOTINREF\tGain\nTP53\tLoss\nONC\tGain\nKRAS\t\n",
    )
    assert calls["call"].to_dict() == {
        "TSG": "deep_loss",
        "ONC": "amp",
        "XGENE": "neutral",
        "YGENE": "neutral",
        "NOTINREF": "gain",
        "TP53": "loss",
    }
    assert calls.loc["ONC", "chrom"] == "17" and pd.isna(calls.loc["NOTINREF", "chrom"])  # kept, without a position
    assert calls["total_cn"].isna().all()
    assert (count.kind, count.records, count.kept, count.dropped) == (
        "gene calls",
        8,
        6,
        {"duplicate_gene": 1, "no_call": 1},
    )
    with pytest.raises(
        InputError, match=r"cna.tsv: row 3, column 'Call': expected a call: Amplification, .*found 'Banana'"
    ):
        calls_of(tmp_path, "Gene\tCall\nTSG\tDeletion\nONC\tBanana\n")


def test_cbioportal_discrete_cna(tmp_path: Path) -> None:
    text = "Hugo_Symbol\tEntrez_Gene_Id\tS-01\tS-02\nTSG\t1\t-2\t0\nONC\t2\t2\t1\nXGENE\t3\t-1\tNA\nYGENE\t4\t1\t-1.5\n"
    calls, _ = calls_of(tmp_path, text, sample="S-01")
    assert calls["call"].to_dict() == {"TSG": "deep_loss", "ONC": "amp", "XGENE": "loss", "YGENE": "gain"}
    other, count = calls_of(tmp_path, text, sheet_id="S-02")  # no tumor_sample: the sheet's patient id
    assert other["call"].to_dict() == {"TSG": "neutral", "ONC": "gain", "YGENE": "deep_loss"} and count.dropped == {
        "no_call": 1
    }
    single = read_gene_calls(write(tmp_path / "one.tsv", "Hugo_Symbol\tS-01\nONC\t2\n"), GENES, "P", keep_neutral=True)
    assert single["call"].tolist() == ["amp"]  # the only sample column
    with pytest.raises(
        InputError,
        match=r"header: expected a 'call' column or the patient's sample column .*found sample columns 'S-01', 'S-02'",
    ):
        calls_of(tmp_path, text)
    with pytest.raises(InputError, match=r"row 2, column 'S-01': expected a call.*found '3'"):
        calls_of(tmp_path, text.replace("\t-2\t", "\t3\t"), sample="S-01")


def test_cna_file_neither_segments_nor_calls(tmp_path: Path) -> None:
    with pytest.raises(InputError) as error:
        calls_of(tmp_path, "Chromosome\tPosition\tRatio\n9\t100\t0.5\n")
    assert str(error.value) == (
        f"{tmp_path / 'cna.tsv'}: header: expected columns for chromosome, start, end (e.g. 'Chromosome Start End') "
        "and copy number ('nMajor'+'nMinor', 'total_cn' or 'log2'/'Segment_Mean'), "
        "or gene-level calls ('gene'/'Hugo_Symbol' with 'call', "
        "or cBioPortal's -2..2 in a sample column), found columns 'Chromosome', 'Position', 'Ratio'"
    )


def test_sheet_sex_purity_ploidy() -> None:
    sheet = pd.DataFrame(
        {
            "sex": ["F", "male", pd.NA, "unknown"],
            "purity": ["0.6", pd.NA, "1", pd.NA],
            "ploidy": [pd.NA, "3.1", pd.NA, pd.NA],
        },
        index=pd.Index(["A", "B", "C", "D"], name="patient"),
    )
    facts = tumour_facts(sheet, "samples.tsv")
    assert facts == {
        "A": TumourFacts("F", 0.6, None),
        "B": TumourFacts("M", None, 3.1),
        "C": TumourFacts(purity=1.0),
        "D": TumourFacts(),
    }
    for column, value, message in (
        (
            "purity",
            "60",
            r"row 2 \(patient 'A'\), column 'purity': expected a purity in \(0, 1\] or a blank cell, found '60'",
        ),
        (
            "ploidy",
            "two",
            r"row 2 \(patient 'A'\), column 'ploidy': expected a ploidy between 0 and 20 or a blank cell, found 'two'",
        ),
        (
            "sex",
            "X",
            r"row 2 \(patient 'A'\), column 'sex': expected M, F, male, female, U, unknown or a blank cell, found 'X'",
        ),
    ):
        bad = sheet.copy()
        bad.loc["A", column] = value
        with pytest.raises(InputError, match="samples.tsv: " + message):
            tumour_facts(bad, "samples.tsv")
        assert tumour_facts(bad, "samples.tsv", patients=["B"])["B"] == facts["B"]  # only the cna patients are read
