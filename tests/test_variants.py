"""Variant post-processing (precisionflow/variants/): the real VCFs and MAF of ../shared/data, the demo
cohort against its truth file, and bad input."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pysam
import pytest

from precisionflow.errors import InputError
from precisionflow.references import contig_matcher, read_genes
from precisionflow.settings import defaults
from precisionflow.variants.cohort import mutation_matrix, oncoplot, tmb_table
from precisionflow.variants.consequences import NON_SYNONYMOUS, most_severe_term, variant_classification
from precisionflow.variants.copy_number import CopyNumberSettings, gene_copy_number, read_segments
from precisionflow.variants.filters import FilterSettings
from precisionflow.variants.lookup import References
from precisionflow.variants.maf_input import maf_to_maf
from precisionflow.variants.maf_rows import read_maf
from precisionflow.variants.vcf_header import choose_tumor_sample, read_vcf_header
from precisionflow.variants.vcf_input import vcf_to_maf

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "demo"
RELAXED = FilterSettings.from_config(  # FILTER = PASS only
    defaults("variants")["filters"] | {"min_depth": 0, "min_vaf": 0, "max_population_af": 1}
)
DEFAULTS = FilterSettings.from_config(defaults("variants")["filters"])  # the schema's defaults
COPY_NUMBER = defaults("variants")["copy_number"]


@pytest.fixture(scope="module")
def variants(shared_data: Path) -> Path:
    return shared_data / "variants"


@pytest.fixture(scope="module")
def grch38(shared_data: Path) -> References:
    r = shared_data / "resources"
    return References.load(
        r / "genes.grch38.bed.gz", r / "intogen_drivers_2020.tsv", r / "cancerhotspots_v2.grch38.noheader.tsv"
    )


@pytest.fixture(scope="module")
def grch37(shared_data: Path) -> References:
    r = shared_data / "resources"
    return References.load(
        r / "genes.grch37.bed.gz", r / "intogen_drivers_2020.tsv", r / "cancerhotspots_v2.grch37.noheader.tsv"
    )


def info_first(record: pysam.VariantRecord, key: str) -> str | None:
    value = record.info.get(key)
    return value[0] if isinstance(value, tuple) else value


# --- real data ------------------------------------------------------------------------------


def test_tcga_somatic_pass_only_and_erbb2_amp(variants: Path, grch38: References, tmp_path: Path) -> None:
    vcf = variants / "TCGA-A2-A04W.somatic.grch38.vcf.gz"
    assert read_vcf_header(vcf).contigs == []  # no ##contig lines: not an error
    summary = vcf_to_maf(vcf, tmp_path / "a04w.maf.tsv", patient="A04W", references=grch38, filters=RELAXED)
    maf = read_maf(tmp_path / "a04w.maf.tsv")
    assert summary.rows == len(maf) == 196 and (maf["FILTER"] == "PASS").all()
    assert (maf["Tumor_Sample_Barcode"] == "A04W").all()
    # Tumour depth and counts from FORMAT DPT/ADT of the combined column; VAF agrees with INFO TVAF.
    records = list(pysam.VariantFile(str(vcf)))
    tvaf = [r.info["TVAF"][0] for r in records]
    assert np.allclose(maf["t_vaf"], tvaf, atol=1e-3)
    assert maf["t_depth"].tolist() == [r.samples[0]["DPT"] for r in records]
    assert maf["t_alt_count"].tolist() == [int(r.samples[0]["ADT"][1]) for r in records]
    # Default filters drop the two calls below 5 % VAF, and say so in the header lines.
    vcf_to_maf(vcf, tmp_path / "default.maf.tsv", patient="A04W", references=grch38, filters=DEFAULTS)
    assert len(read_maf(tmp_path / "default.maf.tsv")) == int((np.array(tvaf) >= 0.05).sum())
    header = [line for line in (tmp_path / "default.maf.tsv").read_text().splitlines() if line.startswith("#")]
    assert "#filter.min_vaf 0.05" in header and "#filter.pass_filters PASS" in header
    # Copy number: ERBB2 sits in the focal 17q12 amplicon (8 + 1 copies).
    segments = read_segments(variants / "TCGA-A2-A04W.cna_segments.grch38.tsv", grch38.contig_match)
    calls = gene_copy_number(
        segments, grch38.genes.to_pandas(), "A04W", CopyNumberSettings.from_config(COPY_NUMBER)
    ).set_index("gene")
    assert calls.loc["ERBB2", "call"] == "amp" and calls.loc["ERBB2", "total_cn"] == 9
    assert calls.loc["TP53", "call"] == "neutral" and calls.loc["CDKN2A", "call"] == "loss"


def test_vep_csq_symbol_and_class_follow_the_chosen_transcript(
    variants: Path, grch37: References, tmp_path: Path
) -> None:
    vcf = variants / "brca_somatic.vep_csq.grch37.vcf.gz"
    vcf_to_maf(vcf, tmp_path / "brca.maf.tsv", patient="P", references=grch37, genome_build="GRCh37", filters=RELAXED)
    maf = read_maf(tmp_path / "brca.maf.tsv")
    records = list(pysam.VariantFile(str(vcf)))
    assert len(maf) == len(records) == 199 and (maf["annotation_source"] == "VEP CSQ").all()
    # The file also carries VEP's picked transcript as INFO fields: an independent reference.
    picked_symbol = [info_first(r, "SYMBOL") or "Unknown" for r in records]
    picked_consequence = [info_first(r, "Consequence") for r in records]
    assert maf["Hugo_Symbol"].tolist() == picked_symbol
    assert maf["Consequence"].tolist() == picked_consequence
    expected_class = [
        variant_classification(most_severe_term(c), t, True) for c, t in zip(picked_consequence, maf["Variant_Type"])
    ]
    assert maf["Variant_Classification"].tolist() == expected_class
    pik3ca = maf[maf["Hugo_Symbol"] == "PIK3CA"].iloc[0]
    assert pik3ca["HGVSp_Short"] == "p.H1047R" and pik3ca["is_hotspot"] and pik3ca["driver_role"] == "Act"


def carries(call: pysam.VariantRecordSample) -> bool:
    """The documented rule, through pysam: the genotype lists ALT 1; with no called allele, AD[1] > 0."""
    called = [a for a in (call["GT"] or ()) if a is not None]
    if called:
        return 1 in called
    depths = call.get("AD") or ()
    return len(depths) < 2 or depths[1] is None or depths[1] > 0


def test_csq_and_ann_per_sample_of_a_cohort_vcf(variants: Path, grch37: References, tmp_path: Path) -> None:
    vcf = variants / "cohort189.csq_ann.grch37.vcf.gz"
    header = read_vcf_header(vcf)
    assert len(header.samples) == 189
    records = list(pysam.VariantFile(str(vcf)))
    for sample in header.samples[:3]:
        carried = {
            (r.pos, r.alts[0]) for r in records if r.filter.keys() in ([], ["PASS"]) and carries(r.samples[sample])
        }
        tables = {}
        for annotation in ("CSQ", "ANN"):
            out = tmp_path / f"{sample}.{annotation}.maf.tsv"
            vcf_to_maf(
                vcf,
                out,
                patient=sample,
                references=grch37,
                genome_build="GRCh37",
                filters=RELAXED,
                tumor_sample=sample,
                annotation=annotation,
            )
            tables[annotation] = read_maf(out)
        csq, ann = tables["CSQ"], tables["ANN"]
        assert set(zip(csq["vcf_pos"], csq["vcf_alt"])) == carried  # the sample's own alleles (GT), nothing else
        assert (csq["annotation_source"] == "VEP CSQ").all() and (ann["annotation_source"] == "SnpEff ANN").all()
        assert len(csq) == len(ann) and (csq["Hugo_Symbol"] != "").all() and (ann["Hugo_Symbol"] != "").all()
        assert (csq["Hugo_Symbol"] == ann["Hugo_Symbol"]).mean() >= 0.8  # two annotators, mostly the same gene


def test_vcf2maf_reference_symbols(variants: Path, grch38: References, tmp_path: Path) -> None:
    vcf_to_maf(
        variants / "vcf2maf_test.grch38.vcf", tmp_path / "t.maf.tsv", patient="T", references=grch38, filters=RELAXED
    )
    ours = read_maf(tmp_path / "t.maf.tsv")
    reference = pd.read_csv(variants / "vcf2maf_test.grch38.vep.maf", sep="\t", comment="#", dtype=str)
    reference["Start_Position"] = reference["Start_Position"].astype(int)
    merged = ours.merge(
        reference, on=["Start_Position", "Reference_Allele", "Tumor_Seq_Allele2"], suffixes=("", "_ref")
    )
    assert len(merged) == len(ours) == len(reference) == 25  # MAF positions and alleles, indels included
    in_gene = merged["Hugo_Symbol"] != "Unknown"
    assert in_gene.sum() == 25 and (merged.loc[in_gene, "Hugo_Symbol"] == merged.loc[in_gene, "Hugo_Symbol_ref"]).all()
    assert (merged["Variant_Type"] == merged["Variant_Type_ref"]).all()
    assert (merged["End_Position"] == merged["End_Position_ref"].astype(int)).all()
    assert (merged["t_depth"] == merged["t_depth_ref"].astype(int)).all()
    assert (merged["t_alt_count"] == merged["t_alt_count_ref"].astype(int)).all()
    # Without a transcript model nothing is guessed: class Unknown inside a gene, no protein change.
    assert (ours["Variant_Classification"] == "Unknown").all() and ours["HGVSp_Short"].isna().all()
    assert (ours["annotation_source"] == "gene overlap (no transcript model)").all()


def test_reference_maf_as_input(variants: Path, grch38: References, tmp_path: Path) -> None:
    summary = maf_to_maf(
        variants / "vcf2maf_test.grch38.vep.maf",
        tmp_path / "m.maf.tsv",
        patient="T",
        references=grch38,
        filters=RELAXED,
    )
    maf = read_maf(tmp_path / "m.maf.tsv")
    reference = pd.read_csv(variants / "vcf2maf_test.grch38.vep.maf", sep="\t", comment="#", dtype=str)
    assert summary.rows == len(maf) == 25
    assert maf["Hugo_Symbol"].tolist() == reference["Hugo_Symbol"].tolist()
    assert maf["Variant_Classification"].tolist() == reference["Variant_Classification"].tolist()
    assert maf.loc[maf["Hugo_Symbol"] == "U2AF1", "is_driver_gene"].all()
    with pytest.raises(InputError, match="expected barcode 'OTHER'"):
        maf_to_maf(
            variants / "vcf2maf_test.grch38.vep.maf",
            tmp_path / "x.maf.tsv",
            patient="T",
            references=grch38,
            tumor_sample="OTHER",
            filters=DEFAULTS,
        )
    assert not (tmp_path / "x.maf.tsv").exists()


def test_mutect_reject_records_removed(variants: Path, grch37: References, tmp_path: Path) -> None:
    vcf = variants / "mutect_tumor_normal.grch37.vcf"
    summary = vcf_to_maf(
        vcf, tmp_path / "m.maf.tsv", patient="P", references=grch37, genome_build="GRCh37", filters=RELAXED
    )
    assert summary.counts["records"] == 500 and summary.counts["failed_filter"] == 495
    maf = read_maf(tmp_path / "m.maf.tsv")
    assert len(maf) <= 5 and (maf["FILTER"] == "PASS").all()
    assert choose_tumor_sample(read_vcf_header(vcf), None, None) == "TUMOR"  # blank tumor_sample: named TUMOR


def test_strelka_without_contig_lines_reads_tier1_counts(variants: Path, grch37: References, tmp_path: Path) -> None:
    vcf = variants / "strelka_tumor_normal.grch37.vcf"
    assert read_vcf_header(vcf).contigs == []
    summary = vcf_to_maf(
        vcf, tmp_path / "s.maf.tsv", patient="P", references=grch37, genome_build="GRCh37", filters=RELAXED
    )
    maf = read_maf(
        tmp_path / "s.maf.tsv",
        [
            "Chromosome",
            "Start_Position",
            "Reference_Allele",
            "vcf_pos",
            "t_ref_count",
            "t_alt_count",
            "t_vaf",
            "t_depth",
        ],
    )
    assert summary.rows == summary.counts["records"] == 240
    # Strelka2 has no AD: tier-1 counts as vcf2maf reads them, checked against pysam's reading of the file
    # (t_vaf is written to 4 decimals).
    expected = {}
    with pysam.VariantFile(str(vcf)) as handle:
        for record in handle:
            tumor = record.samples["TUMOR"]
            if len(record.ref) == 1 and len(record.alts[0]) == 1:
                counts = {base: tumor[f"{base}U"][0] for base in "ACGT"}
                ref, alt, total = counts[record.ref], counts[record.alts[0]], sum(counts.values())
            else:
                # TAR/TIR are not declared in this file's header: pysam reads them as text, ("tier1", "tier2")
                ref, alt = (int(tumor[key][0]) for key in ("TAR", "TIR"))
                total = ref + alt
            expected[(record.chrom, record.pos)] = (ref, alt, alt / total, tumor["DP"])
    observed = {
        (str(r.Chromosome), int(r.vcf_pos)): (r.t_ref_count, r.t_alt_count, r.t_vaf, r.t_depth)
        for r in maf.itertuples()
    }
    assert observed.keys() == expected.keys()
    for key, (ref, alt, vaf, depth) in expected.items():
        assert (
            observed[key][:2] == (ref, alt)
            and observed[key][2] == pytest.approx(vaf, abs=5e-5)
            and observed[key][3] == depth
        ), key
    # The default VAF filter now applies (it drops the low-fraction calls) and the output says so.
    default = vcf_to_maf(
        vcf, tmp_path / "d.maf.tsv", patient="P", references=grch37, genome_build="GRCh37", filters=DEFAULTS
    )
    assert "#filter.min_vaf 0.05\n" in (tmp_path / "d.maf.tsv").read_text()
    assert default.counts["low_vaf"] == sum(vaf < 0.05 for _, _, vaf, depth in expected.values() if depth >= 10)


def test_chr_naming_against_reference_without_chr(variants: Path, grch38: References, tmp_path: Path) -> None:
    vcf = variants / "NA12878.platinum.chr21.grch38.vcf.gz"
    summary = vcf_to_maf(vcf, tmp_path / "na.maf.tsv", patient="NA", references=grch38, filters=RELAXED)
    maf = read_maf(tmp_path / "na.maf.tsv", ["Chromosome", "vcf_chrom", "Hugo_Symbol", "FILTER"])
    assert summary.counts["records"] == 65_370 and len(maf) > 55_000
    assert set(maf["Chromosome"]) == {"21"} and set(maf["vcf_chrom"]) == {"chr21"} and set(maf["FILTER"]) == {"PASS"}
    assert (maf["Hugo_Symbol"] != "Unknown").mean() > 0.3  # genes found by position on the renamed contig
    assert "RUNX1" in set(maf["Hugo_Symbol"])
    # Blocks of any size give the same bytes (and the same bytes again).
    vcf_to_maf(vcf, tmp_path / "small.maf.tsv", patient="NA", references=grch38, filters=RELAXED, block_bytes=1 << 16)
    assert (tmp_path / "small.maf.tsv").read_bytes() == (tmp_path / "na.maf.tsv").read_bytes()
    # A genes reference without chromosome 21 leaves no record on a known contig: an error.
    chr1_only = References(grch38.genes.filter(pc.equal(grch38.genes["chrom"], "1")))
    with pytest.raises(
        InputError,
        match=r"NA12878.platinum.chr21.grch38.vcf.gz: line \d+, column CHROM: expected contigs of the genes "
        r"reference .* found only contigs 'chr21'",
    ):
        vcf_to_maf(vcf, tmp_path / "none.maf.tsv", patient="NA", references=chr1_only, filters=DEFAULTS)
    assert not (tmp_path / "none.maf.tsv").exists()


# --- the demo cohort ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_mafs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    references = References.load(
        DEMO / "resources/genes.grch38.bed.gz",
        DEMO / "resources/intogen_drivers.tsv",
        DEMO / "resources/hotspots.grch38.tsv",
    )
    sheet = pd.read_csv(ROOT / "config/samples.tsv", sep="\t", dtype=str)
    out = tmp_path_factory.mktemp("demo_mafs")
    mafs = {}
    for row in sheet.dropna(subset=["vcf"]).itertuples():
        mafs[row.patient] = out / f"{row.patient}.maf.tsv"
        vcf_to_maf(
            ROOT / row.vcf,
            mafs[row.patient],
            patient=row.patient,
            references=references,
            tumor_sample=row.tumor_sample,
            normal_sample=row.normal_sample,
            claimed_samples=[row.tumor_sample, row.normal_sample],
            filters=DEFAULTS,
        )
    return mafs


def test_demo_kept_variants_classes_and_hotspots(demo_mafs: dict[str, Path], truth: dict) -> None:
    assert demo_mafs
    for patient, path in demo_mafs.items():
        expected = truth["patients"][patient]
        maf = read_maf(path)
        kept = [
            f"{c}:{p}:{r}>{a}" for c, p, r, a in zip(maf["vcf_chrom"], maf["vcf_pos"], maf["vcf_ref"], maf["vcf_alt"])
        ]
        assert kept == expected["kept_variants"], patient  # filters, multi-allelic split, minimal indels
        assert int(maf["Variant_Classification"].isin(NON_SYNONYMOUS).sum()) == expected["coding_mutations"], patient
        assert sorted(maf.loc[maf["is_hotspot"], "hotspot"]) == sorted(expected["hotspots"]), patient
        assert set(maf["Chromosome"]) <= set(map(str, range(1, 23))) | {"X"}


def test_demo_tmb_matrix_and_oncoplot(demo_mafs: dict[str, Path], truth: dict, tmp_path: Path) -> None:
    tmb = tmb_table(demo_mafs, 50)
    expected = {p: truth["patients"][p]["coding_mutations"] for p in demo_mafs}
    assert dict(zip(tmb["patient"], tmb["coding_mutations"])) == expected
    assert np.allclose(tmb["tmb_per_mb"].astype(float), [expected[p] / 50 for p in tmb["patient"]])
    adata = mutation_matrix(demo_mafs, tmb, {"filters": {"min_depth": 10, "pass_filters": ["PASS"]}})
    assert adata.obs_names.tolist() == sorted(demo_mafs)
    assert np.asarray(adata.X.sum(axis=1)).ravel().tolist() == [expected[p] for p in adata.obs_names]
    assert adata.var.loc["PIK3CA", "is_driver_gene"] and adata.var.loc["PIK3CA", "driver_role"] == "Act"
    assert adata.uns["variants"]["filters"]["min_depth"] == 10
    luminal = [p for p in adata.obs_names if truth["patients"][p]["subtype"] == "Luminal"]
    assert (adata[luminal, "PIK3CA"].X.toarray() > 0).all()
    from precisionflow.plots import save_png

    save_png(oncoplot(demo_mafs, tmb, 15), tmp_path / "a.png")
    save_png(oncoplot(demo_mafs, tmb, 15), tmp_path / "b.png")
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()


def test_demo_copy_number_calls(truth: dict) -> None:
    genes = read_genes(DEMO / "resources/genes.grch38.bed.gz")
    match = contig_matcher(genes["chrom"].unique())
    sheet = pd.read_csv(ROOT / "config/samples.tsv", sep="\t", dtype=str).dropna(subset=["cna"])
    for row in sheet.itertuples():
        calls = gene_copy_number(
            read_segments(ROOT / row.cna, match),
            genes,
            row.patient,
            CopyNumberSettings.from_config(COPY_NUMBER),
            sex=row.sex,
        ).set_index("gene")
        for gene, call in truth["patients"][row.patient]["copy_number_calls"].items():
            assert calls.loc[gene, "call"] == call, (row.patient, gene)
        if row.sex == "M":  # one X in a male: what is expected, not a loss
            assert (calls.loc[calls["chrom"] == "X", "call"] == "neutral").mean() > 0.9


def test_tmb_unknown_without_annotation(variants: Path, grch38: References, tmp_path: Path) -> None:
    vcf_to_maf(
        variants / "vcf2maf_test.grch38.vcf", tmp_path / "t.maf.tsv", patient="T", references=grch38, filters=RELAXED
    )
    tmb = tmb_table({"T": tmp_path / "t.maf.tsv"})
    assert (
        pd.isna(tmb.loc[0, "coding_mutations"]) and pd.isna(tmb.loc[0, "tmb_per_mb"]) and tmb.loc[0, "variants"] == 25
    )
    assert "unknown" in tmb.loc[0, "annotation"]


# --- synthetic files: rules and bad input -------------------------------------------------------

HEADER = """##fileformat=VCFv4.2
##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">
##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">
"""


def write_vcf(path: Path, samples: list[str], records: list[str], bgzip: bool = False) -> Path:
    text = (
        HEADER + "\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT", *samples]) + "\n"
    )
    text += "".join(r + "\n" for r in records)
    if bgzip:
        plain = path.with_suffix("")
        plain.write_text(text)
        pysam.tabix_compress(str(plain), str(path), force=True)
    else:
        path.write_text(text)
    return path


@pytest.fixture(scope="module")
def small_refs() -> References:
    genes = pa.table(
        {
            "chrom": ["17", "17"],
            "start": [999, 4999],
            "end": [3000, 6000],
            "symbol": ["GENEA", "GENEB"],
            "ensembl_id": ["E1", "E2"],
            "strand": ["+", "-"],
            "biotype": ["protein_coding", "protein_coding"],
        }
    )
    return References(genes)


def test_tumour_column_rules(tmp_path: Path) -> None:
    def header(samples: list[str]):
        return read_vcf_header(write_vcf(tmp_path / "s.vcf", samples, []))

    assert choose_tumor_sample(header(["S1"]), None, None) == "S1"
    assert choose_tumor_sample(header(["NORMAL", "TUMOR"]), None, None) == "TUMOR"
    assert choose_tumor_sample(header(["P1_N", "P1_T"]), None, None) == "P1_T"
    assert choose_tumor_sample(header(["blood", "biopsy"]), None, "blood") == "biopsy"
    assert choose_tumor_sample(header(["A", "B", "C"]), "B", None) == "B"
    with pytest.raises(
        InputError, match=r"s.vcf: line 5 \(#CHROM\), sample columns: expected a tumor_sample in the sheet"
    ):
        choose_tumor_sample(header(["A", "B", "C"]), None, None)
    with pytest.raises(
        InputError,
        match=r"line 5 \(#CHROM\), sample columns: expected a sample column 'P9_T' \(sheet column tumor_sample\), "
        r"found samples 'P1_N', 'P1_T'",
    ):
        choose_tumor_sample(header(["P1_N", "P1_T"]), "P9_T", None)


def test_multiallelic_split_normalised_and_filtered(tmp_path: Path, small_refs: References) -> None:
    vcf = write_vcf(
        tmp_path / "m.vcf.gz",
        ["N", "T"],
        [
            "chr17\t1500\t.\tT\tA,C\t.\tPASS\t.\tGT:AD:DP\t0/0:50,0,0:50\t0/1/2:70,30,1:101",
            "chr17\t2000\t.\tCAGT\tCGT\t.\tPASS\t.\tGT:AD:DP\t0/0:50,0:50\t0/1:60,40:100",
            "chr17\t2500\t.\tA\tG\t.\tLowQual\t.\tGT:AD:DP\t0/0:50,0:50\t0/1:60,40:100",
            "chr17\t2600\t.\tA\tG\t.\tPASS\t.\tGT:AD:DP\t0/0:5,0:5\t0/1:5,3:8",
            "chr17\t5500\t.\tG\tGTT,<DEL>\t.\tPASS\t.\tGT:AD:DP\t0/0:50,0,0:50\t0/1:60,40,0:100",
            "chr17\t8000\t.\tG\tT\t.\tPASS\t.\tGT:AD:DP\t0/0:50,0:50\t0/1:60,40:100",
            "chrUn_1\t10\t.\tG\tT\t.\tPASS\t.\tGT:AD:DP\t0/0:50,0:50\t0/1:60,40:100",
        ],
        bgzip=True,
    )
    summary = vcf_to_maf(vcf, tmp_path / "m.maf.tsv", patient="P", references=small_refs, filters=DEFAULTS)
    maf = read_maf(tmp_path / "m.maf.tsv")
    columns = [
        "Hugo_Symbol",
        "Start_Position",
        "End_Position",
        "Reference_Allele",
        "Tumor_Seq_Allele2",
        "Variant_Type",
        "Variant_Classification",
        "vcf_pos",
        "vcf_ref",
        "vcf_alt",
    ]
    assert maf[columns].values.tolist() == [
        ["GENEA", 1500, 1500, "T", "A", "SNP", "Unknown", 1500, "T", "A"],  # the 1 % second ALT is dropped
        ["GENEA", 2001, 2001, "A", "-", "DEL", "Unknown", 2000, "CA", "C"],  # CAGT>CGT is the deletion of one A
        ["GENEB", 5500, 5501, "-", "TT", "INS", "Unknown", 5500, "G", "GTT"],
        ["Unknown", 8000, 8000, "G", "T", "SNP", "IGR", 8000, "G", "T"],
    ]
    assert maf["t_vaf"].tolist() == [round(30 / 101, 4), 0.4, 0.4, 0.4]
    assert (
        summary.counts["failed_filter"] == 1
        and summary.counts["low_depth"] == 1
        and summary.counts["symbolic_alt"] == 1
    )
    assert summary.counts["low_vaf"] == 1 and summary.unknown_contigs == ["chrUn_1"]


def test_bad_vcfs_name_file_and_line(tmp_path: Path, small_refs: References, variants: Path) -> None:
    out = tmp_path / "out.maf.tsv"
    # A truncated bgzip file.
    data = (variants / "NA12878.platinum.chr21.grch38.vcf.gz").read_bytes()
    truncated = tmp_path / "truncated.vcf.gz"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(
        InputError,
        match=r"truncated.vcf.gz: line \d+: expected a complete gzip/bgzip stream, found a damaged or truncated",
    ):
        vcf_to_maf(truncated, out, patient="P", references=small_refs, filters=DEFAULTS)
    assert not out.exists() and not list(tmp_path.glob(".out.maf.tsv*"))
    # No #CHROM line.
    no_chrom = tmp_path / "nochrom.vcf"
    no_chrom.write_text(HEADER + "chr17\t1500\t.\tT\tA\t.\tPASS\t.\n")
    with pytest.raises(
        InputError, match=r"nochrom.vcf: line 5: expected the '#CHROM POS ID REF ALT QUAL FILTER INFO ...' header line"
    ):
        vcf_to_maf(no_chrom, out, patient="P", references=small_refs, filters=DEFAULTS)
    # The sheet's tumour column is not in the file.
    vcf = write_vcf(
        tmp_path / "tn.vcf", ["N", "T"], ["chr17\t1500\t.\tT\tA\t.\tPASS\t.\tGT:AD:DP\t0/0:50,0:50\t0/1:60,40:100"]
    )
    with pytest.raises(
        InputError, match=r"tn.vcf: line 5 \(#CHROM\), sample columns: expected a sample column 'TUMOUR_X'"
    ):
        vcf_to_maf(vcf, out, patient="P", references=small_refs, tumor_sample="TUMOUR_X", filters=DEFAULTS)
    # Samples the sheet does not name, in a shared VCF.
    shared = write_vcf(tmp_path / "shared.vcf", ["A_T", "B_T", "C_T"], [])
    with pytest.raises(InputError, match="expected only samples the sheet names .* found other samples 'C_T'"):
        vcf_to_maf(
            shared,
            out,
            patient="A",
            references=small_refs,
            tumor_sample="A_T",
            claimed_samples=["A_T", "B_T"],
            filters=DEFAULTS,
        )
    # A record with a field missing, and a depth that is not a number.
    ragged = write_vcf(
        tmp_path / "ragged.vcf",
        ["N", "T"],
        [
            "chr17\t1500\t.\tT\tA\t.\tPASS\t.\tGT:AD:DP\t0/0:50,0:50\t0/1:60,40:100",
            "chr17\t1600\t.\tT\tA\t.\tPASS\t.\tGT:AD:DP\t0/1:60,40:100",
        ],
    )
    with pytest.raises(
        InputError, match=r"ragged.vcf: line 7: expected 11 tab-separated fields \(as the #CHROM line\), found 10"
    ):
        vcf_to_maf(ragged, out, patient="P", references=small_refs, filters=DEFAULTS)
    text_dp = write_vcf(
        tmp_path / "dp.vcf", ["N", "T"], ["chr17\t1500\t.\tT\tA\t.\tPASS\t.\tGT:AD:DP\t0/0:50,0:50\t0/1:60,40:many"]
    )
    with pytest.raises(InputError, match=r"dp.vcf: line 6, FORMAT/DP: expected a number, found 'many'"):
        vcf_to_maf(text_dp, out, patient="P", references=small_refs, filters=DEFAULTS)
    assert not out.exists()


def test_copy_number_layouts_and_bad_columns(tmp_path: Path, small_refs: References) -> None:
    match = small_refs.contig_match
    log2 = tmp_path / "cnvkit.cns"
    log2.write_text("chromosome\tstart\tend\tlog2\nchr17\t1\t4000\t2.0\nchr17\t4001\t9000\t-1.0\n")
    calls = gene_copy_number(
        read_segments(log2, match),
        small_refs.genes.to_pandas(),
        "P",
        CopyNumberSettings.from_config(COPY_NUMBER | {"ploidy": 2}),
    ).set_index("gene")
    assert calls.loc["GENEA", "call"] == "amp" and calls.loc["GENEB", "call"] == "loss"
    assert np.isclose(calls.loc["GENEA", "total_cn"], 2 * 2**2.0)  # 8 copies > 3 x ploidy 2
    total = tmp_path / "total.tsv"
    total.write_text("ID\tchrom\tloc.start\tloc.end\ttotal_cn\nP1\t17\t1\t9000\t0\nP2\t17\t1\t9000\t2\n")
    calls = gene_copy_number(
        read_segments(total, match, "P1"),
        small_refs.genes.to_pandas(),
        "P1",
        CopyNumberSettings.from_config(COPY_NUMBER | {"ploidy": 2}),
    )
    assert set(calls["call"]) == {"deep_loss"}
    with pytest.raises(InputError, match=r"total.tsv: column 'ID': expected the patient's sample"):
        read_segments(total, match, None)
    bad = tmp_path / "bad.tsv"
    bad.write_text("Chromosome\tStart\tStop\tcopies\n17\t1\t9000\t2\n")
    with pytest.raises(
        InputError,
        match=r"bad.tsv: header: expected columns for chromosome, start, end .* found columns 'Chromosome', 'Start', "
        r"'Stop', 'copies'",
    ):
        read_segments(bad, match)
    wrong_contigs = tmp_path / "contigs.tsv"
    wrong_contigs.write_text("Chromosome\tStart\tEnd\tnMajor\tnMinor\nchr5\t1\t9000\t1\t1\n")
    with pytest.raises(
        InputError, match="contigs.tsv: row 2, column 'Chromosome': expected contigs of the genes reference"
    ):
        read_segments(wrong_contigs, match)
    with pytest.raises(InputError, match="loss_ratio < 1 < gain_ratio <= amp_ratio"):
        CopyNumberSettings.from_config(COPY_NUMBER | {"gain_ratio": 3, "amp_ratio": 2})


def test_plain_gzip_and_uncompressed_read_alike(tmp_path: Path, small_refs: References) -> None:
    records = ["chr17\t1500\t.\tT\tA\t.\tPASS\t.\tGT:AD:DP\t0/0:50,0:50\t0/1:60,40:100"]
    plain = write_vcf(tmp_path / "p.vcf", ["N", "T"], records)
    with open(plain, "rb") as source, gzip.open(tmp_path / "g.vcf.gz", "wb") as target:
        shutil.copyfileobj(source, target)
    vcf_to_maf(plain, tmp_path / "a.maf.tsv", patient="P", references=small_refs, filters=DEFAULTS)
    vcf_to_maf(tmp_path / "g.vcf.gz", tmp_path / "b.maf.tsv", patient="P", references=small_refs, filters=DEFAULTS)
    assert (tmp_path / "a.maf.tsv").read_bytes() == (tmp_path / "b.maf.tsv").read_bytes()
