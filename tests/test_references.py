"""Readers of the reference tables (precisionflow/references.py): the shared real tables, and bad files."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from precisionflow.dgidb import read_drug_categories, read_drug_gene
from precisionflow.errors import InputError
from precisionflow.references import (
    contig_matcher,
    driver_roles,
    ensembl_symbols,
    maf_alleles,
    read_drivers,
    read_genes,
    read_hotspots,
)


@pytest.fixture(scope="module")
def resources(shared_data: Path) -> Path:
    return shared_data / "resources"


def test_genes_grch38(resources: Path) -> None:
    genes = read_genes(resources / "genes.grch38.bed.gz")
    assert list(genes.columns) == ["chrom", "start", "end", "symbol", "ensembl_id", "strand", "biotype"]
    assert len(genes) > 60_000 and (genes["end"] >= genes["start"]).all()
    assert not genes["chrom"].str.startswith("chr").any()
    erbb2 = genes[genes["symbol"] == "ERBB2"].iloc[0]
    assert (erbb2["chrom"], erbb2["start"], erbb2["end"], erbb2["biotype"]) == (
        "17",
        39687913,
        39730426,
        "protein_coding",
    )


def test_genes_bad_rows(tmp_path: Path) -> None:
    path = tmp_path / "genes.bed"
    path.write_text("1\t100\t200\tA\tENSG1\t+\tprotein_coding\n1\tabc\t300\tB\tENSG2\t+\tprotein_coding\n")
    with pytest.raises(InputError, match=r"genes.bed: line 2, column 2 \(start\): expected a whole number"):
        read_genes(path)
    path.write_text("1\t100\t50\tA\n")
    with pytest.raises(InputError, match="line 1: expected end >= start"):
        read_genes(path)
    path.write_text("1\t100\n")
    with pytest.raises(InputError, match="at least 4 tab-separated columns"):
        read_genes(path)
    path.write_text("# a comment\n1\t100\t200\tA\n")  # comments and four columns are fine
    genes = read_genes(path)
    assert genes["symbol"].tolist() == ["A"] and genes["biotype"].isna().all()


def test_one_reader_of_the_genes_bed_for_variants_and_omics(resources: Path, tmp_path: Path) -> None:
    """The omics layers map Ensembl ids through read_genes too: same table, same errors."""
    from precisionflow.omics.genes import GeneReference

    reference = GeneReference.read(resources / "genes.grch38.bed.gz")
    assert reference.by_ensembl["ENSG00000141736"] == "ERBB2" and "TP53" in reference.symbols
    by_ensembl, symbols = ensembl_symbols(read_genes(resources / "genes.grch38.bed.gz"))
    assert by_ensembl == reference.by_ensembl and symbols == reference.symbols
    path = tmp_path / "genes.bed"
    path.write_text("1\t10\t20\tTP53\tENSG00000141510.17\t-\tprotein_coding\n1\t30\t40\tNOID\t\t+\tlncRNA\n")
    assert ensembl_symbols(read_genes(path)) == ({"ENSG00000141510": "TP53"}, {"TP53", "NOID"})
    path.write_text("1\tabc\t20\tTP53\tENSG00000141510\n")
    with pytest.raises(InputError, match=r"genes.bed: line 1, column 2 \(start\): expected a whole number"):
        GeneReference.read(path)


def test_contig_matcher_namings() -> None:
    plain = contig_matcher(["1", "17", "X", "MT"])
    assert [plain(c) for c in ("chr17", "Chr17", "17", "chrX", "chrM", "chrUn_gl000220", "GL000220.1")] == [
        "17",
        "17",
        "17",
        "X",
        "MT",
        None,
        None,
    ]
    prefixed = contig_matcher(["chr1", "chr17", "chrM"])
    assert [prefixed(c) for c in ("17", "chr17", "MT")] == ["chr17", "chr17", "chrM"]


def test_drivers_intogen(resources: Path) -> None:
    drivers = read_drivers(resources / "intogen_drivers_2020.tsv")
    roles = driver_roles(drivers)
    assert drivers["symbol"].nunique() == len(roles) == 568
    assert set(roles) <= {"Act", "LoF", "ambiguous"}
    assert (roles["TP53"], roles["PIK3CA"], roles["ERBB2"]) == ("LoF", "Act", "Act")
    breast = driver_roles(drivers, ["BRCA"])
    assert "PIK3CA" in breast.index and len(breast) < len(roles)


def test_drivers_other_layouts(tmp_path: Path) -> None:
    path = tmp_path / "cgc.tsv"
    path.write_text("Gene Symbol\tRole in Cancer\nKRAS\toncogene\nTP53\toncogene, TSG\nRB1\tTSG\nXYZ\t\n")
    roles = driver_roles(read_drivers(path))
    assert roles.to_dict() == {"KRAS": "Act", "RB1": "LoF", "TP53": "ambiguous", "XYZ": "ambiguous"}
    path.write_text("name\tkind\nKRAS\toncogene\n")
    with pytest.raises(InputError, match="cgc.tsv: header: expected a gene column"):
        read_drivers(path)


def test_hotspots_cancerhotspots(resources: Path) -> None:
    hotspots = read_hotspots(resources / "cancerhotspots_v2.grch38.noheader.tsv")
    assert len(hotspots) == 3181
    h1047r = hotspots[(hotspots["gene"] == "PIK3CA") & (hotspots["protein_change"] == "H1047R")].iloc[0]
    assert (h1047r["chrom"], h1047r["maf_start"], h1047r["maf_ref"], h1047r["maf_alt"]) == ("3", 179234297, "A", "G")
    deletions = hotspots[hotspots["alt"] == "-"]
    assert len(deletions) > 100 and (deletions["maf_start"] == deletions["pos"]).all()


def test_hotspots_vcf_style_and_bad(tmp_path: Path) -> None:
    path = tmp_path / "hot.tsv"
    path.write_text(
        "chrom\tpos\tref\talt\tgene\tclass\tprotein_change\n7\t100\tCA\tC\tG1\tDEL\tX1del\n7\t200\tC\tCTT\tG2\tINS\tX2ins\n"
    )
    hotspots = read_hotspots(path)  # the header line is skipped, anchored alleles become MAF alleles
    assert hotspots[["maf_start", "maf_ref", "maf_alt"]].values.tolist() == [[101, "A", "-"], [200, "-", "TT"]]
    path.write_text("7\t100\tC\tT\tG1\tMissense_Mutation\tA1T\n7\tpos?\tC\tT\tG1\tMissense_Mutation\tA1T\n")
    with pytest.raises(InputError, match=r"hot.tsv: line 2, column 2 \(pos\): expected a 1-based position"):
        read_hotspots(path)
    path.write_text("7\t100\tC\tT\tG1\n")
    with pytest.raises(InputError, match="at least 7 tab-separated columns"):
        read_hotspots(path)


def test_maf_alleles() -> None:
    assert maf_alleles(100, "CAGT", "CGT") == (101, "A", "-")
    assert maf_alleles(100, "C", "CTT") == (100, "-", "TT")
    assert maf_alleles(100, "AT", "T") == (100, "A", "-")
    assert maf_alleles(100, "CC", "AA") == (100, "CC", "AA")
    assert maf_alleles(100, "-", "TT") == (100, "-", "TT")


def test_drug_tables(resources: Path, tmp_path: Path) -> None:
    interactions = read_drug_gene(resources / "dgidb_interactions.tsv.gz")
    assert list(interactions.columns) == ["gene", "drug", "interaction_types", "source", "drug_chembl_id", "pmids"]
    assert interactions["gene"].nunique() > 2500 and interactions["drug"].notna().all()
    assert "LAPATINIB" in set(interactions.loc[interactions["gene"] == "ERBB2", "drug"].str.upper())
    categories = read_drug_categories(resources / "dgidb_categories.tsv.gz")
    assert {"gene", "category", "sources"} == set(categories.columns) and len(categories) > 10_000
    bad = tmp_path / "drugs.tsv.gz"
    with gzip.open(bad, "wt") as handle:
        handle.write("gene_id\tcompound\nERBB2\tlapatinib\n")
    with pytest.raises(InputError, match="drugs.tsv.gz: header: expected a gene column"):
        read_drug_gene(bad)


def test_text_table_reader_reads_as_the_pandas_reader(tmp_path: Path) -> None:
    """read_text_table (pyarrow, for the variant step) and read_table (pandas) agree on cells, missing values,
    comments, quotes and short lines; a long line is an error naming it."""
    from pandas._libs.parsers import STR_NA_VALUES

    from precisionflow.io import NA_STRINGS, read_table, read_text_table

    assert sorted(NA_STRINGS) == sorted(STR_NA_VALUES)
    path = tmp_path / "t.tsv"
    path.write_text('# made by hand\ngene\trole\tnote\nKRAS\tAct\t"a\tquoted"\nTP53\tNA\t\n\nRB1\tLoF\n')
    table = read_text_table(path, comment="#")
    frame = read_table(path, comment="#", dtype=str)
    assert table.column_names == list(frame.columns) == ["gene", "role", "note"]
    assert table.to_pylist() == frame.astype(object).where(frame.notna(), None).to_dict("records")
    assert table.column("note").to_pylist() == ["a\tquoted", None, None]
    assert read_text_table(path, comment="#", header=False).column_names == ["0", "1", "2"]
    path.write_text("gene\trole\nKRAS\tAct\nTP53\tLoF\textra\n")
    with pytest.raises(InputError, match=r"t.tsv: line 3: expected a table with the same number of fields .* found 3"):
        read_text_table(path)


def test_genes_table_blank_contig_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "genes.bed"
    path.write_text("1\t100\t200\tA\n\t300\t400\tB\n")
    with pytest.raises(InputError, match=r"genes.bed: line 2, column 1 \(chrom\): expected a contig name"):
        read_genes(path)
    path.write_text("1\t100\t200.0\tA\n1\t1e3\t2000\tB\n")  # whole numbers as pandas read them
    assert read_genes(path)[["start", "end"]].values.tolist() == [[100, 200], [1000, 2000]]
    path.write_text("1\t-5\t200\tA\n")
    with pytest.raises(InputError, match=r"line 1, column 2 \(start\): expected a whole number >= 0, found '-5'"):
        read_genes(path)


def test_text_table_reader_skips_leading_blank_lines(tmp_path: Path) -> None:
    from precisionflow.io import read_table, read_text_table

    path = tmp_path / "t.tsv"
    path.write_text("\n\ngene\trole\nKRAS\tAct\n")
    assert (
        read_text_table(path).to_pylist()
        == read_table(path, dtype=str).to_dict("records")
        == [{"gene": "KRAS", "role": "Act"}]
    )
