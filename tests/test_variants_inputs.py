"""Variant inputs as users have them (issue #15): MAF dialects, missing depth/VAF kept and counted, impossible
records as one-line errors, builds, header-only files, shared and split files, and the accounting of every record."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from precisionflow.errors import InputError
from precisionflow.settings import defaults
from precisionflow.sheet import check_files, check_shared_variant_files, split_paths
from precisionflow.variants.cohort import ACCOUNTING_COLUMNS, counts_table, input_summary, tmb_table
from precisionflow.variants.filters import FilterSettings
from precisionflow.variants.lookup import References
from precisionflow.variants.maf import variants_to_maf
from precisionflow.variants.maf_input import maf_to_maf
from precisionflow.variants.maf_reading import MAF_CLASSES
from precisionflow.variants.maf_rows import read_maf
from precisionflow.variants.vcf_header import choose_tumor_sample, normal_of, read_vcf_header
from precisionflow.variants.vcf_input import vcf_to_maf
from tests.conftest import ROOT

DEFAULTS = FilterSettings.from_config(defaults("variants")["filters"])  # the schema's defaults
DROPPED = [c for c in ACCOUNTING_COLUMNS if c.startswith("dropped_")]


def balanced(accounting: dict[str, int]) -> bool:
    return accounting["records"] == accounting["kept"] + sum(accounting[c] for c in DROPPED)


@pytest.fixture(scope="module")
def refs() -> References:
    genes = pa.table(
        {
            "chrom": ["17", "X", "MT"],
            "start": [999, 99, 0],
            "end": [3000, 5000, 16000],
            "symbol": ["GENEA", "GENEX", "MT-ND1"],
            "ensembl_id": ["E1", "E2", "E3"],
            "strand": ["+", "+", "+"],
            "biotype": ["protein_coding"] * 3,
        }
    )
    hotspots = pa.table(
        {
            "chrom": ["17"],
            "pos": [1500],
            "ref": ["T"],
            "alt": ["A"],
            "gene": ["GENEA"],
            "class": ["Missense_Mutation"],
            "protein_change": ["V12D"],
            "maf_start": [1500],
            "maf_ref": ["T"],
            "maf_alt": ["A"],
        }
    )
    return References(genes, {"GENEA": "Act"}, hotspots)


def write_maf(path: Path, header: list[str], rows: list[list[str]], comments: str = "#version 2.4\n") -> Path:
    path.write_text(comments + "\n".join("\t".join(map(str, r)) for r in [header, *rows]) + "\n")
    return path


MAF_HEADER = ["Hugo_Symbol", "Chromosome", "Start_Position", "End_Position", "Reference_Allele", "Tumor_Seq_Allele2",
              "Variant_Classification", "Tumor_Sample_Barcode", "t_depth", "t_alt_count"]  # fmt: skip


def maf_row(chrom="17", pos=1600, ref="C", alt="T", vc="Missense_Mutation", barcode="P1", depth="100", alt_count="40"):
    return ["GENEA", chrom, pos, pos, ref, alt, vc, barcode, depth, alt_count]


VCF_HEADER = """##fileformat=VCFv4.2
##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">
##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">
"""


def write_vcf(path: Path, samples: list[str], records: list[str], meta: str = "") -> Path:
    columns = ["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT", *samples]
    path.write_text(VCF_HEADER + meta + "\t".join(columns) + "\n" + "".join(r + "\n" for r in records))
    return path


# --- real data: a Broad-style MAF of the vcf2maf test data -----------------------------------------


@pytest.fixture(scope="module")
def grch38(shared_data: Path) -> References:
    r = shared_data / "resources"
    return References.load(
        r / "genes.grch38.bed.gz", r / "intogen_drivers_2020.tsv", r / "cancerhotspots_v2.grch38.noheader.tsv"
    )


def test_broad_style_maf_keeps_every_record(shared_data: Path, grch38: References, tmp_path: Path) -> None:
    """vcf2maf's test MAF as Broad/TCGA-legacy tools write it: no t_depth, legacy position names, Protein_Change.
    Before: every row was dropped as low_vaf. Now each is kept or counted, with VAF alt / (alt + ref)."""
    reference = pd.read_csv(shared_data / "variants/vcf2maf_test.grch38.vep.maf", sep="\t", comment="#", dtype=str)
    broad = reference.drop(columns=["t_depth", "HGVSp", "HGVSp_Short"]).rename(
        columns={"Start_Position": "Start_position", "End_Position": "End_position"}
    )
    broad["Protein_Change"] = reference["HGVSp_Short"]
    broad.loc[0, ["t_alt_count", "t_ref_count"]] = ""  # a row without counts: kept, min_vaf not applied
    broad.to_csv(tmp_path / "broad.maf", sep="\t", index=False)
    summary = maf_to_maf(
        tmp_path / "broad.maf", tmp_path / "out.maf.tsv", patient="T", references=grch38, filters=DEFAULTS
    )
    maf = read_maf(tmp_path / "out.maf.tsv")
    accounting = summary.accounting
    assert accounting["records"] == len(reference) == 25 and balanced(accounting)
    assert accounting["kept"] == len(maf) > 0
    alt = pd.to_numeric(broad["t_alt_count"], errors="coerce")  # '.' (vcf2maf's unknown) and '' as NaN
    ref = pd.to_numeric(broad["t_ref_count"], errors="coerce")
    unknown = alt.isna() | ref.isna()
    assert unknown.sum() == 2  # the row blanked here and SIK1, whose t_ref_count is '.'
    assert accounting["not_applied_min_vaf"] == accounting["not_applied_min_depth"] == 2
    vaf = (alt / (alt + ref)).round(4)
    dropped = ~unknown & ((alt + ref < DEFAULTS.min_depth) | (vaf < DEFAULTS.min_vaf))
    assert accounting["dropped_low_depth"] + accounting["dropped_low_vaf"] == dropped.sum()
    expected = broad.assign(vaf=vaf)[~dropped].set_index("Start_position")
    maf = maf.set_index(maf["Start_Position"].astype(str))
    assert maf.index.tolist() == expected.index.tolist()
    assert maf["t_vaf"].fillna(-1).tolist() == pytest.approx(expected["vaf"].fillna(-1).tolist())
    assert maf["HGVSp_Short"].fillna("").tolist() == expected["Protein_Change"].fillna("").tolist()
    assert maf["Hugo_Symbol"].tolist() == expected["Hugo_Symbol"].tolist()


# --- MAF dialects ---------------------------------------------------------------------------------


def test_maf_vaf_sources_and_numbered_chromosomes(tmp_path: Path, refs: References) -> None:
    maf = write_maf(
        tmp_path / "laml.maf",
        [
            "Hugo_Symbol",
            "Chromosome",
            "Start_position",
            "End_position",
            "Reference_Allele",
            "Tumor_Seq_Allele1",
            "Tumor_Seq_Allele2",
            "Variant_Classification",
            "Tumor_Sample_Barcode",
            "i_TumorVAF_WU",
            "NCBI_Build",
        ],
        [
            ["GENEA", "17", 1600, 1600, "C", "C", "T", "Missense_Mutation", "TCGA-AB-2802-03B-01W", "45.5", "37"],
            ["GENEA", "17", 1700, 1701, "-", "-", "GA", "Frame_Shift_Ins", "TCGA-AB-2802-03B-01W", "", "37"],  # no VAF
            [
                "GENEX",
                "23",
                200,
                200,
                "G",
                "A",
                "G",
                "Missense_Mutation",
                "TCGA-AB-2802-03B-01W",
                "2.0",
                "37",
            ],  # X; alt in Allele1
            ["GENEX", "23", 300, 300, "G", "A", "G", "Nonsense_Mutation", "TCGA-AB-2803-03B-01W", "50", "37"],
        ],
    )
    summary = maf_to_maf(
        maf,
        tmp_path / "p.maf.tsv",
        patient="P",
        references=refs,
        raw_patient="TCGA-AB-2802",
        genome_build="GRCh37",
        filters=DEFAULTS,
    )
    out = read_maf(tmp_path / "p.maf.tsv")
    assert out["Start_Position"].tolist() == [1600, 1700]
    assert out["t_vaf"].iloc[0] == pytest.approx(0.455) and pd.isna(out["t_vaf"].iloc[1])  # WashU VAF is in percent
    assert summary.accounting["dropped_low_vaf"] == 1 and summary.accounting["not_applied_min_vaf"] == 1
    assert summary.accounting["not_applied_min_depth"] == 3  # no depth in the file: counted for each row it reached
    # The patient whose only variant is on chromosome 23 (X): kept, on X, alternate allele taken from Allele1.
    maf_to_maf(
        maf,
        tmp_path / "q.maf.tsv",
        patient="Q",
        references=refs,
        raw_patient="TCGA-AB-2803",
        genome_build="GRCh37",
        filters=DEFAULTS,
    )
    only_x = read_maf(tmp_path / "q.maf.tsv")
    assert only_x[["Chromosome", "Reference_Allele", "Tumor_Seq_Allele2", "vcf_chrom"]].values.tolist() == [
        ["X", "G", "A", "23"]
    ]


def test_cohort_maf_patient_without_rows_is_an_empty_maf(tmp_path: Path, refs: References, caplog) -> None:
    maf = write_maf(tmp_path / "cohort.maf", MAF_HEADER, [maf_row(barcode="P1"), maf_row(barcode="P2", pos=1700)])
    with caplog.at_level(logging.WARNING, logger="precisionflow.variants"):
        summary = maf_to_maf(
            maf, tmp_path / "p3.maf.tsv", patient="P3", references=refs, raw_patient="P3", filters=DEFAULTS
        )
    assert summary.rows == 0 and summary.accounting["records"] == 0 and read_maf(tmp_path / "p3.maf.tsv").empty
    assert "no row of patient P3" in caplog.text
    # A sheet tumor_sample absent from a cohort MAF is the same: no mutations.
    assert (
        maf_to_maf(
            maf, tmp_path / "p4.maf.tsv", patient="P4", references=refs, tumor_sample="P4_T", filters=DEFAULTS
        ).rows
        == 0
    )
    assert (
        maf_to_maf(maf, tmp_path / "p1.maf.tsv", patient="P1", references=refs, raw_patient="P1", filters=DEFAULTS).rows
        == 1
    )


def test_full_maf_class_vocabulary_is_accepted(tmp_path: Path, refs: References) -> None:
    gdc = ["Translation_Start_Site", "Nonstop_Mutation", "IGR", "RNA", "lincRNA", "De_novo_Start_InFrame",
           "De_novo_Start_OutOfFrame", "3'UTR", "5'Flank", "Splice_Region", "Targeted_Region", "Intron",
           "Silent"]  # fmt: skip
    assert set(gdc) <= MAF_CLASSES
    rows = [maf_row(pos=1100 + 10 * i, vc=vc) for i, vc in enumerate(gdc)]
    summary = maf_to_maf(
        write_maf(tmp_path / "v.maf", MAF_HEADER, rows),
        tmp_path / "o.maf.tsv",
        patient="P",
        references=refs,
        filters=DEFAULTS,
    )
    assert summary.rows == len(gdc)
    assert read_maf(tmp_path / "o.maf.tsv")["Variant_Classification"].tolist() == gdc


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (
            maf_row(depth="20", alt_count="100"),
            r"row 3, column 't_alt_count': expected at most t_depth reads, found 100 of t_depth 20",
        ),
        (
            maf_row(ref="C", alt="C"),
            r"row 3, column 'Tumor_Seq_Allele2': expected an allele that differs from Reference_Allele, found 'C' = "
            r"Reference_Allele",
        ),
        (
            maf_row(vc="Banana_Mutation"),
            r"row 3, column 'Variant_Classification': expected a MAF class .*, found 'Banana_Mutation'",
        ),
        (maf_row(pos=0), r"row 3, column 'Start_Position': expected a 1-based position \(1 or more\), found 0"),
    ],
    ids=["alt_count_above_depth", "ref_equals_alt", "unknown_class", "position_zero"],
)
def test_impossible_maf_rows_name_file_and_row(tmp_path: Path, refs: References, row: list, expected: str) -> None:
    maf = write_maf(tmp_path / "bad.maf", MAF_HEADER, [maf_row(pos=1200), row])
    with pytest.raises(InputError, match=r"bad.maf: " + expected):
        maf_to_maf(maf, tmp_path / "o.maf.tsv", patient="P", references=refs, filters=DEFAULTS)
    assert not (tmp_path / "o.maf.tsv").exists()


def test_maf_of_the_other_build_is_an_error(tmp_path: Path, refs: References) -> None:
    maf = write_maf(tmp_path / "b.maf", [*MAF_HEADER, "NCBI_Build"], [[*maf_row(), "GRCh37"]])
    with pytest.raises(
        InputError, match=r"b.maf: row 2, column 'NCBI_Build': expected GRCh38 \(config genome_build\), found 'GRCh37'"
    ):
        maf_to_maf(maf, tmp_path / "o.maf.tsv", patient="P", references=refs, genome_build="GRCh38", filters=DEFAULTS)
    for value in ("hg19", "37"):
        write_maf(tmp_path / "b.maf", [*MAF_HEADER, "NCBI_Build"], [[*maf_row(), value]])
        with pytest.raises(InputError, match=f"found '{value}'"):
            maf_to_maf(
                maf, tmp_path / "o.maf.tsv", patient="P", references=refs, genome_build="GRCh38", filters=DEFAULTS
            )
    assert (
        maf_to_maf(
            maf, tmp_path / "o.maf.tsv", patient="P", references=refs, genome_build="GRCh37", filters=DEFAULTS
        ).rows
        == 1
    )


def test_header_only_files_give_an_empty_maf(tmp_path: Path, refs: References) -> None:
    maf = write_maf(tmp_path / "h.maf", MAF_HEADER, [])
    summary = maf_to_maf(maf, tmp_path / "m.maf.tsv", patient="P", references=refs, filters=DEFAULTS)
    assert summary.rows == 0 and summary.accounting["records"] == 0 and read_maf(tmp_path / "m.maf.tsv").empty
    vcf = write_vcf(tmp_path / "h.vcf", ["NORMAL", "TUMOR"], [])
    summary = vcf_to_maf(vcf, tmp_path / "v.maf.tsv", patient="P", references=refs, filters=DEFAULTS)
    assert summary.rows == 0 and summary.accounting["records"] == 0 and read_maf(tmp_path / "v.maf.tsv").empty


# --- VCF ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        (
            "chr17\t0\t.\tT\tA\t.\tPASS\t.\tGT:AD:DP\t0/0:50,0:50\t0/1:60,40:100",
            r"line 6, column POS: expected a 1-based position \(1 or more\), found 0",
        ),
        (
            "chr17\t1500\t.\tT\tT\t.\tPASS\t.\tGT:AD:DP\t0/0:50,0:50\t0/1:60,40:100",
            r"line 6, column ALT: expected an allele that differs from REF, found ALT 'T' = REF",
        ),
        (
            "chr17\t1500\t.\tT\tA\t.\tPASS\t.\tGT:AD:DP\t0/0:50,0:50\t0/1:10,500:20",
            r"line 6, sample 'TUMOR': expected an alternate read count \(FORMAT/AD\) within 2 x the depth "
            r"\(FORMAT/DP\) \+ 5, found 500 alternate reads of 20",
        ),
    ],
    ids=["pos_zero", "alt_equals_ref", "alt_reads_above_depth"],
)
def test_impossible_vcf_records_name_file_and_line(
    tmp_path: Path, refs: References, record: str, expected: str
) -> None:
    vcf = write_vcf(tmp_path / "bad.vcf", ["NORMAL", "TUMOR"], [record])
    with pytest.raises(InputError, match=r"bad.vcf: " + expected):
        vcf_to_maf(vcf, tmp_path / "o.maf.tsv", patient="P", references=refs, filters=DEFAULTS)
    assert not (tmp_path / "o.maf.tsv").exists()


def test_vcf_of_the_other_build_is_an_error(tmp_path: Path, refs: References) -> None:
    record = ["chr17\t1500\t.\tT\tA\t.\tPASS\t.\tGT:AD:DP\t0/0:50,0:50\t0/1:60,40:100"]
    named = write_vcf(tmp_path / "r.vcf", ["NORMAL", "TUMOR"], record, "##reference=file:///refs/human_g1k_v37.fasta\n")
    with pytest.raises(
        InputError,
        match=r"r.vcf: header, ##reference: expected a GRCh38 reference \(config genome_build\), found .*g1k_v37.* "
        r"\(GRCh37\)",
    ):
        vcf_to_maf(named, tmp_path / "o.maf.tsv", patient="P", references=refs, genome_build="GRCh38", filters=DEFAULTS)
    lengths = write_vcf(
        tmp_path / "c.vcf",
        ["NORMAL", "TUMOR"],
        record,
        "##contig=<ID=chr1,length=249250621>\n##contig=<ID=chr17,length=81195210>\n",
    )
    with pytest.raises(
        InputError,
        match=r"c.vcf: header, ##contig=<ID=chr1>: expected GRCh38 contig lengths \(config genome_build\), found "
        r"length 249250621, as in GRCh37",
    ):
        vcf_to_maf(
            lengths, tmp_path / "o.maf.tsv", patient="P", references=refs, genome_build="GRCh38", filters=DEFAULTS
        )
    assert (
        vcf_to_maf(
            lengths, tmp_path / "o.maf.tsv", patient="P", references=refs, genome_build="GRCh37", filters=DEFAULTS
        ).rows
        == 1
    )


def test_vcf_without_depth_or_fraction_keeps_records(tmp_path: Path, refs: References) -> None:
    records = [
        "chr17\t1500\t.\tT\tA\t.\tPASS\t.\tGT:AD:DP\t0/0:50,0:50\t0/1:.:.",  # neither AD nor DP known
        "chr17\t1600\t.\tC\tT\t.\tPASS\t.\tGT:AD:DP\t0/0:50,0:50\t0/1:60,40:.",  # depth from AD
        "chr17\t1700\t.\tC\tT\t.\tPASS\t.\tGT:AD:DP\t0/0:50,0:50\t0/1:99,1:100",  # low VAF: dropped
    ]
    summary = vcf_to_maf(
        write_vcf(tmp_path / "n.vcf", ["NORMAL", "TUMOR"], records),
        tmp_path / "o.maf.tsv",
        patient="P",
        references=refs,
        filters=DEFAULTS,
    )
    assert read_maf(tmp_path / "o.maf.tsv")["Start_Position"].tolist() == [1500, 1600]
    assert balanced(summary.accounting)
    assert (
        summary.accounting["not_applied_min_depth"],
        summary.accounting["not_applied_min_vaf"],
        summary.accounting["dropped_low_vaf"],
    ) == (1, 1, 1)
    bare = tmp_path / "bare.vcf"
    bare.write_text(
        "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\nchr17\t1500\t.\tT\tA\t.\tPASS\t.\n"
    )
    summary = vcf_to_maf(bare, tmp_path / "b.maf.tsv", patient="P", references=refs, filters=DEFAULTS)
    assert (
        summary.rows == 1
        and summary.accounting["not_applied_min_vaf"] == 1
        and summary.accounting["not_applied_min_depth"] == 1
    )
    assert (
        "#filter.min_vaf 0.05 (not applied: no allele-fraction field in the input)"
        in (tmp_path / "b.maf.tsv").read_text()
    )


def test_mutect2_header_names_the_tumour_and_normal(tmp_path: Path) -> None:
    vcf = write_vcf(
        tmp_path / "m2.vcf", ["S1-blood", "S1-biopsy"], [], "##normal_sample=S1-blood\n##tumor_sample=S1-biopsy\n"
    )
    header = read_vcf_header(vcf)
    assert choose_tumor_sample(header, None, None) == "S1-biopsy" and normal_of(header, "S1-biopsy", None) == "S1-blood"
    assert choose_tumor_sample(header, "S1-blood", None) == "S1-blood"  # the sheet wins


def test_swapped_tumour_and_normal_are_warned(tmp_path: Path, refs: References, caplog) -> None:
    records = [
        f"chr17\t{1100 + 100 * i}\t.\tC\tT\t.\tPASS\t.\tGT:AD:DP\t0/1:60,40:100\t0/0:100,0:100" for i in range(4)
    ]
    vcf = write_vcf(tmp_path / "s.vcf", ["TUMOR", "NORMAL"], records)
    with caplog.at_level(logging.WARNING, logger="precisionflow.variants"):
        summary = vcf_to_maf(
            vcf,
            tmp_path / "o.maf.tsv",
            patient="PX",
            references=refs,
            tumor_sample="NORMAL",
            normal_sample="TUMOR",
            filters=DEFAULTS,
        )
    assert summary.rows == 0 and summary.accounting["dropped_absent_in_sample"] == 4  # GT 0/0 in the "tumour"
    assert "PX: tumour and normal columns look swapped" in caplog.text and "4 of 4" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="precisionflow.variants"):
        vcf_to_maf(
            vcf,
            tmp_path / "o.maf.tsv",
            patient="PX",
            references=refs,
            tumor_sample="TUMOR",
            normal_sample="NORMAL",
            filters=DEFAULTS,
        )
    assert "swapped" not in caplog.text


def test_unknown_contigs_counted_and_warned(tmp_path: Path, refs: References, caplog) -> None:
    records = ["chrUn_KI270742v1\t10\t.\tG\tT\t.\tPASS\t.\tGT:AD:DP\t0/0:50,0:50\t0/1:60,40:100",
               "chr17_KI270729v1_random\t10\t.\tG\tT\t.\tPASS\t.\tGT:AD:DP\t0/0:50,0:50\t0/1:60,40:100"]  # fmt: skip
    with caplog.at_level(logging.WARNING, logger="precisionflow.variants"):
        summary = vcf_to_maf(
            write_vcf(tmp_path / "u.vcf", ["NORMAL", "TUMOR"], records),
            tmp_path / "o.maf.tsv",
            patient="P",
            references=refs,
            filters=DEFAULTS,
        )
    assert summary.rows == 0 and summary.accounting["dropped_unknown_contig"] == 2 and balanced(summary.accounting)
    assert "2 record(s) on contigs absent from the genes reference dropped" in caplog.text


def test_unannotated_hotspot_gets_its_protein_change(tmp_path: Path, refs: References) -> None:
    records = ["chr17\t1500\t.\tT\tA\t.\tPASS\t.\tGT:AD:DP\t0/0:50,0:50\t0/1:60,40:100",
               "chr17\t1600\t.\tC\tT\t.\tPASS\t.\tGT:AD:DP\t0/0:50,0:50\t0/1:60,40:100"]  # fmt: skip
    vcf_to_maf(
        write_vcf(tmp_path / "h.vcf", ["NORMAL", "TUMOR"], records),
        tmp_path / "o.maf.tsv",
        patient="P",
        references=refs,
        filters=DEFAULTS,
    )
    maf = read_maf(tmp_path / "o.maf.tsv")
    assert maf["HGVSp_Short"].fillna("").tolist() == ["p.V12D", ""] and maf["is_hotspot"].tolist() == [True, False]
    assert maf["Variant_Classification"].tolist() == [
        "Unknown",
        "Unknown",
    ]  # no transcript model: the class is not guessed
    tmb = tmb_table({"P": tmp_path / "o.maf.tsv"})
    assert tmb.loc[0, "tmb_status"].startswith("not computable: no transcript annotation") and pd.isna(
        tmb.loc[0, "tmb_per_mb"]
    )
    assert list(tmb.columns[:3]) == ["patient", "coding_mutations", "tmb_per_mb"]


def test_a04w_hotspots_get_protein_changes(shared_data: Path, grch38: References, tmp_path: Path) -> None:
    vcf_to_maf(
        shared_data / "variants/TCGA-A2-A04W.somatic.grch38.vcf.gz",
        tmp_path / "a.maf.tsv",
        patient="A04W",
        references=grch38,
        filters=DEFAULTS,
    )
    maf = read_maf(tmp_path / "a.maf.tsv")
    hot = maf[maf["is_hotspot"]]
    assert len(hot) and (hot["HGVSp_Short"].str.startswith("p.")).all()
    assert [f"{g} {p.removeprefix('p.')}" for g, p in zip(hot["Hugo_Symbol"], hot["HGVSp_Short"])] == hot[
        "hotspot"
    ].tolist()
    assert maf.loc[~maf["is_hotspot"], "HGVSp_Short"].isna().all()


# --- several files per patient, shared files, accounting ---------------------------------------------


def test_snvs_and_indels_in_two_files(tmp_path: Path, refs: References) -> None:
    snvs = write_vcf(tmp_path / "snv.vcf", ["NORMAL", "TUMOR"], [
        "chr17\t1500\t.\tT\tA\t.\tPASS\t.\tGT:AD:DP\t0/0:50,0:50\t0/1:60,40:100",
        "chr17\t1600\t.\tC\tT\t.\tLowQual\t.\tGT:AD:DP\t0/0:50,0:50\t0/1:60,40:100",
    ])  # fmt: skip
    indels = write_vcf(tmp_path / "indel.vcf", ["NORMAL", "TUMOR"], [
        "chr17\t1500\t.\tT\tA\t.\tPASS\t.\tGT:AD:DP\t0/0:50,0:50\t0/1:60,40:100",  # also in the SNV file
        "chr17\t2000\t.\tCAGT\tC\t.\tPASS\t.\tGT:AD:DP\t0/0:50,0:50\t0/1:60,40:100",
    ])  # fmt: skip
    results = variants_to_maf(
        [("vcf", snvs), ("vcf", indels)], tmp_path / "p.maf.tsv", patient="P", references=refs, filters=DEFAULTS
    )
    maf = read_maf(tmp_path / "p.maf.tsv")
    assert maf["Start_Position"].tolist() == [1500, 2001] and maf["Variant_Type"].tolist() == ["SNP", "DEL"]
    table = counts_table("P", results)
    assert table["input"].tolist() == ["vcf:1", "vcf:2"]
    assert table[["records", "kept", "dropped_failed_filter", "dropped_duplicate"]].values.tolist() == [
        [2, 1, 1, 0],
        [2, 1, 0, 1],
    ]
    assert (tmp_path / "p.maf.tsv").read_text().count("#filter.min_depth") == 1
    assert not [p.name for p in tmp_path.iterdir() if "part" in p.name or p.name.endswith(".tmp")]
    # One file: the same bytes as the single-input converter.
    variants_to_maf([("vcf", snvs)], tmp_path / "one.maf.tsv", patient="P", references=refs, filters=DEFAULTS)
    vcf_to_maf(snvs, tmp_path / "direct.maf.tsv", patient="P", references=refs, filters=DEFAULTS)
    assert (tmp_path / "one.maf.tsv").read_bytes() == (tmp_path / "direct.maf.tsv").read_bytes()
    # The cohort summary: every patient's rows, sorted, the same columns.
    table.to_csv(tmp_path / "p.counts.tsv", sep="\t", index=False)
    counts_table(
        "A",
        [
            (
                "maf",
                maf_to_maf(
                    write_maf(tmp_path / "a.maf", MAF_HEADER, [maf_row()]),
                    tmp_path / "a.maf.tsv",
                    patient="A",
                    references=refs,
                    filters=DEFAULTS,
                ),
            )
        ],
    ).to_csv(tmp_path / "a.counts.tsv", sep="\t", index=False)
    summary = input_summary([tmp_path / "p.counts.tsv", tmp_path / "a.counts.tsv"])
    assert list(summary.columns) == ACCOUNTING_COLUMNS and summary["patient"].tolist() == ["A", "P", "P"]
    assert (summary["records"] == summary["kept"] + summary[DROPPED].sum(axis=1)).all()
    # the copy-number inputs join the same table; their own reasons sit beside the variant ones
    (tmp_path / "cn.tsv").write_text(
        "patient\tinput\tformat\trecords\tkept\tdropped_no_copy_number\nA\tcna\tsegments\t5\t4\t1\n"
    )
    both = input_summary([tmp_path / "p.counts.tsv", tmp_path / "a.counts.tsv"], tmp_path / "cn.tsv")
    assert both["patient"].tolist() == ["A", "A", "P", "P"] and both["input"].tolist()[:2] == ["cna", "maf"]
    assert "dropped_no_copy_number" in both.columns and both.columns[-1] == ACCOUNTING_COLUMNS[-1]
    assert (both["records"] == both["kept"] + both.filter(like="dropped_").sum(axis=1)).all()


def test_sheet_multi_file_cells_and_shared_columns(tmp_path: Path) -> None:
    assert split_paths(" a.vcf.gz ; b.vcf.gz;") == ["a.vcf.gz", "b.vcf.gz"]
    (tmp_path / "a.vcf").write_text("x")
    sheet = pd.DataFrame({"patient": ["P1", "P2"], "vcf": [f"{tmp_path}/a.vcf;{tmp_path}/b.vcf", pd.NA]}).set_index(
        "patient", drop=False
    )
    with pytest.raises(
        InputError,
        match=r"row 2 \(patient 'P1'\), column 'vcf': expected a file that exists, found no file at '.*/b.vcf'",
    ):
        check_files(sheet, "samples.tsv")
    shared = pd.DataFrame(
        {"patient": ["P1", "P2", "P3"], "vcf": ["c.vcf", "c.vcf", "c.vcf"], "tumor_sample": ["P1_T", "P2_T", "P1_T"]}
    ).set_index("patient", drop=False)
    with pytest.raises(
        InputError,
        match=r"samples.tsv: rows 2 and 4 \(patients 'P1', 'P3'\), column 'vcf': expected a different tumour sample "
        r"per patient "
        r"in a shared file \(column tumor_sample\), found 'c.vcf' with sample 'P1_T' twice",
    ):
        check_shared_variant_files(shared, "samples.tsv")
    cohort_maf = pd.DataFrame(
        {"patient": ["P1", "P2"], "maf": ["m.maf", "m.maf"], "tumor_sample": [pd.NA, pd.NA]}
    ).set_index("patient", drop=False)
    check_shared_variant_files(cohort_maf, "samples.tsv")  # a cohort MAF: patients found by id


@pytest.mark.parametrize(
    ("name", "build"),
    [("mutect_tumor_normal.grch37.vcf", "GRCh37"), ("strelka_tumor_normal.grch37.vcf", "GRCh37"),
     ("brca_somatic.vep_csq.grch37.vcf.gz", "GRCh37"), ("TCGA-A2-A04W.somatic.grch38.vcf.gz", "GRCh38"),
     ("vcf2maf_test.grch38.vcf", "GRCh38")],
)  # fmt: skip
def test_real_vcfs_account_for_every_allele(shared_data: Path, name: str, build: str, tmp_path: Path) -> None:
    """Every ALT allele of the real VCFs (counted here with pysam) is kept or dropped for a reason, under the default
    filters."""
    import pysam

    r = shared_data / "resources"
    suffix = build.lower()
    refs = References.load(
        r / f"genes.{suffix}.bed.gz", r / "intogen_drivers_2020.tsv", r / f"cancerhotspots_v2.{suffix}.noheader.tsv"
    )
    path = shared_data / "variants" / name
    with pysam.VariantFile(str(path)) as vcf:
        alleles = sum(len(record.alts or (".",)) for record in vcf)
    summary = vcf_to_maf(
        path, tmp_path / "o.maf.tsv", patient="P", references=refs, genome_build=build, filters=DEFAULTS
    )
    assert summary.accounting["records"] == alleles and balanced(summary.accounting)
    assert summary.accounting["kept"] == len(read_maf(tmp_path / "o.maf.tsv"))


@pytest.mark.parametrize("name", ["mutect_tumor_normal.grch37.vcf", "strelka_tumor_normal.grch37.vcf"])
def test_real_tumour_normal_swap_is_warned(shared_data: Path, name: str, tmp_path: Path, caplog) -> None:
    refs = References.load(shared_data / "resources/genes.grch37.bed.gz")
    path = shared_data / "variants" / name
    with caplog.at_level(logging.WARNING, logger="precisionflow.variants"):
        vcf_to_maf(path, tmp_path / "o.maf.tsv", patient="PT", references=refs, genome_build="GRCh37", filters=DEFAULTS)
    assert "swapped" not in caplog.text
    with caplog.at_level(logging.WARNING, logger="precisionflow.variants"):
        vcf_to_maf(
            path,
            tmp_path / "o.maf.tsv",
            patient="PT",
            references=refs,
            genome_build="GRCh37",
            tumor_sample="NORMAL",
            normal_sample="TUMOR",
            filters=DEFAULTS,
        )
    assert "PT: tumour and normal columns look swapped" in caplog.text


def test_cohort_maf_barcodes_no_patient_claims(tmp_path: Path, refs: References, caplog) -> None:
    rows = [maf_row(barcode="TCGA-AB-2802-03B"), maf_row(barcode="P2", pos=1700), maf_row(barcode="X9", pos=1800)]
    maf = write_maf(tmp_path / "cohort.maf", MAF_HEADER, rows)
    claims = ["TCGA-AB-2802", "P2"]
    with pytest.raises(
        InputError,
        match=r"cohort.maf: column 'Tumor_Sample_Barcode': expected only barcodes of the sheet's patients .*, found "
        r"1 other barcode\(s\) 'X9'",
    ):
        maf_to_maf(
            maf,
            tmp_path / "o.maf.tsv",
            patient="P",
            references=refs,
            raw_patient="TCGA-AB-2802",
            claimed_barcodes=claims,
            filters=DEFAULTS,
        )
    with caplog.at_level(logging.WARNING, logger="precisionflow.variants"):
        summary = maf_to_maf(
            maf,
            tmp_path / "o.maf.tsv",
            patient="P",
            references=refs,
            raw_patient="TCGA-AB-2802",
            claimed_barcodes=claims,
            unknown_samples="drop",
            filters=DEFAULTS,
        )
    assert summary.rows == 1 and "rows of 1 barcode(s) no sheet patient names are not read" in caplog.text
    single = write_maf(tmp_path / "single.maf", MAF_HEADER, [maf_row(barcode="TUMOR")])
    assert (
        maf_to_maf(
            single,
            tmp_path / "s.maf.tsv",
            patient="P",
            references=refs,
            raw_patient="P1",
            claimed_barcodes=["P1"],
            filters=DEFAULTS,
        ).rows
        == 1
    )


def test_command_line_reads_several_inputs_and_writes_counts(tmp_path: Path, capsys) -> None:
    from precisionflow.variants.__main__ import main

    genes = tmp_path / "genes.bed"
    genes.write_text("17\t999\t3000\tGENEA\tE1\t+\tprotein_coding\n")
    snvs = write_vcf(
        tmp_path / "a.vcf",
        ["NORMAL", "TUMOR"],
        ["chr17\t1500\t.\tT\tA\t.\tPASS\t.\tGT:AD:DP\t0/0:50,0:50\t0/1:60,40:100"],
    )
    indels = write_vcf(
        tmp_path / "b.vcf",
        ["NORMAL", "TUMOR"],
        ["chr17\t2000\t.\tCAGT\tC\t.\tPASS\t.\tGT:AD:DP\t0/0:50,0:50\t0/1:60,40:100"],
    )
    out, counts = tmp_path / "p.maf.tsv", tmp_path / "p.counts.tsv"
    assert (
        main(["maf", f"{snvs};{indels}", str(out), "--genes", str(genes), "--patient", "P", "--counts", str(counts)])
        == 0
    )
    assert read_maf(out)["Variant_Type"].tolist() == ["SNP", "DEL"]
    assert pd.read_csv(counts, sep="\t")[["input", "records", "kept"]].values.tolist() == [
        ["vcf:1", 1, 1],
        ["vcf:2", 1, 1],
    ]
    bad = write_vcf(
        tmp_path / "bad.vcf",
        ["NORMAL", "TUMOR"],
        ["chr17\t0\t.\tT\tA\t.\tPASS\t.\tGT:AD:DP\t0/0:50,0:50\t0/1:60,40:100"],
    )
    assert main(["maf", str(bad), str(tmp_path / "x.maf.tsv"), "--genes", str(genes)]) == 1
    assert "precisionflow error: " in capsys.readouterr().err and not (tmp_path / "x.maf.tsv").exists()


def test_command_line_converts_a_vcf_without_pandas(shared_data: Path, grch38: References, tmp_path: Path) -> None:
    """The command (the bench's step) never imports pandas for a VCF (pyarrow would, at its first conversion: a fifth
    of a million-record run) and writes the bytes the library call writes; with --counts pandas comes after the MAF."""
    import subprocess
    import sys

    vcf = shared_data / "variants/TCGA-A2-A04W.somatic.grch38.vcf.gz"
    resources = shared_data / "resources"
    out = tmp_path / "cli.maf.tsv"
    arguments = ["maf", str(vcf), str(out), "--genes", str(resources / "genes.grch38.bed.gz"), "--patient", "A04W"]
    arguments += ["--drivers", str(resources / "intogen_drivers_2020.tsv")]
    arguments += ["--hotspots", str(resources / "cancerhotspots_v2.grch38.noheader.tsv")]

    def pandas_imported(extra: list[str]) -> bool:
        code = "import sys\nfrom precisionflow.variants.__main__ import main\nassert main(sys.argv[1:]) == 0\n"
        code += "print('pandas' in sys.modules, 'pyarrow' in sys.modules)"
        run = subprocess.run([sys.executable, "-c", code, *arguments, *extra], capture_output=True, text=True, cwd=ROOT)
        assert run.returncode == 0, run.stderr
        loaded = dict(zip(("pandas", "pyarrow"), run.stdout.split(), strict=True))
        assert loaded["pyarrow"] == "True"
        return loaded["pandas"] == "True"

    assert not pandas_imported([])
    library = tmp_path / "library.maf.tsv"
    variants_to_maf([("vcf", vcf)], library, patient="A04W", references=grch38, filters=DEFAULTS)
    assert out.read_bytes() == library.read_bytes()
    counts = tmp_path / "cli.counts.tsv"
    assert pandas_imported(["--counts", str(counts)])  # after the MAF, for the counts table
    assert pd.read_csv(counts, sep="\t").loc[0, "kept"] == len(read_maf(out)) > 0


def test_pandas_import_inside_the_vcf_block_fails_loudly() -> None:
    import subprocess
    import sys

    code = (
        "from precisionflow.variants.__main__ import pandas_hidden\n"
        "with pandas_hidden():\n"
        "    try:\n        import pandas\n    except ModuleNotFoundError as e:\n        print('refused', e.name)\n"
        "import pandas\nprint('after', pandas.__name__)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert run.stdout.split("\n")[:2] == ["refused pandas", "after pandas"]
