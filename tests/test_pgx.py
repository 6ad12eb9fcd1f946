"""Pharmacogenomics: the matcher against PharmCAT's own output, CPIC phenotypes of no-function alleles
built from the definition files, ties, missing positions and bad germline VCFs."""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path

import pandas as pd
import pytest

from precisionflow.errors import InputError
from precisionflow.pgx.calls import add_outside_calls, sample_table
from precisionflow.pgx.definitions import GeneDefinition, NamedAllele, load_definitions, load_phenotypes
from precisionflow.pgx.genotypes import read_genotypes
from precisionflow.pgx.matcher import match_gene
from precisionflow.pgx.recommendations import recommend


@pytest.fixture(scope="module")
def pgx(shared_data: Path):
    folder = shared_data / "pgx"
    return folder, load_definitions(folder / "definitions"), load_phenotypes(folder / "phenotypes")


def _base(allele: NamedAllele, index: int) -> str:
    return sorted(allele.accepts[index])[0]


def genotypes_of(definition: GeneDefinition, first: str, second: str) -> tuple[tuple[str, str], ...]:
    """The unphased genotypes a carrier of ``first`` and ``second`` has at every position (from the definitions)."""
    alleles = {a.name: a for a in definition.alleles}
    return tuple((_base(alleles[first], i), _base(alleles[second], i)) for i in range(len(definition.positions)))


def reference_name(definition: GeneDefinition) -> str:
    return next(a.name for a in definition.alleles if a.reference)


def test_example_vcf_equals_pharmcat_report(pgx):
    """Every gene PharmCAT called on its example VCF: same diplotype, phenotype and activity score."""
    folder, definitions, phenotypes = pgx
    genotypes = read_genotypes(folder / "example" / "pharmcat.example.vcf", definitions, [None])
    ours = sample_table(definitions, phenotypes, genotypes, 0, 0.5).set_index("gene")
    lines = (folder / "example" / "pharmcat.example.report.tsv").read_text().splitlines()
    report = list(csv.DictReader(lines[1:], delimiter="\t"))  # line 1 names the PharmCAT version
    compared = 0
    for row in report:
        if row["Gene"] not in ours.index:
            continue  # RYR1, G6PD, CFTR, CYP2D6 (outside call): no definition file here
        compared += 1
        assert ours.at[row["Gene"], "diplotype"] == row["Source Diplotype"], row["Gene"]
        assert ours.at[row["Gene"], "phenotype"] == row["Phenotype"].strip(), row["Gene"]
        assert ours.at[row["Gene"], "activity_score"] == row["Activity Score"], row["Gene"]
        assert ours.at[row["Gene"], "missing_positions"] == "" and row["Missing positions"] == "no"
    assert compared == len(definitions) == 16


NO_FUNCTION = {  # gene -> (no-function or PM-defining allele, CPIC phenotype het, hom)
    "DPYD": ("c.1905+1G>A (*2A)", "Intermediate Metabolizer", "Poor Metabolizer"),
    "TPMT": ("*2", "Intermediate Metabolizer", "Poor Metabolizer"),
    "NUDT15": ("*3", "Intermediate Metabolizer", "Poor Metabolizer"),
    "UGT1A1": ("*28", "Intermediate Metabolizer", "Poor Metabolizer"),  # decreased function: *28/*28 is PM
    "CYP2C19": ("*2", "Intermediate Metabolizer", "Poor Metabolizer"),
    "CYP2C9": ("*3", "Intermediate Metabolizer", "Poor Metabolizer"),
    "SLCO1B1": ("*5", "Decreased Function", "Poor Function"),
}


@pytest.mark.parametrize("gene", sorted(NO_FUNCTION))
def test_no_function_allele_het_and_hom_give_cpic_phenotype(pgx, gene):
    _, definitions, phenotypes = pgx
    definition = definitions[gene]
    allele, het_phenotype, hom_phenotype = NO_FUNCTION[gene]
    reference = reference_name(definition)
    for first, expected in ((reference, het_phenotype), (allele, hom_phenotype)):
        genotypes = genotypes_of(definition, first, allele)
        call = match_gene(definition, genotypes, 0.5, phenotypes[gene])
        assert len(call.diplotypes) == 1 and set(call.diplotypes[0]) == {first, allele}, call
        table = sample_table({gene: definition}, phenotypes, _Single(gene, genotypes), 0, 0.5)
        assert table.at[0, "phenotype"] == expected
    if gene in ("DPYD", "CYP2C9"):  # activity-score genes: 1 + 0 and 0 + 0 (DPYD *2A, CYP2C9 *3: activity 0)
        het = sample_table(
            {gene: definition}, phenotypes, _Single(gene, genotypes_of(definition, reference, allele)), 0, 0.5
        )
        assert het.at[0, "activity_score"] == "1.0"


class _Single:
    """SampleGenotypes-like holder of one sample's genotypes for one gene."""

    def __init__(self, gene, genotypes):
        self.calls = {gene: [[g] for g in genotypes]}
        self.ref_mismatches = {}

    def of(self, index, gene):
        return tuple(per_sample[index] for per_sample in self.calls[gene])


def test_genotype_fitting_two_diplotypes_reports_both(pgx):
    """SLCO1B1 *4/*15 and *5/*14 explain the same unphased genotypes with the same score: both are reported."""
    _, definitions, phenotypes = pgx
    definition = definitions["SLCO1B1"]
    call = match_gene(definition, genotypes_of(definition, "*4", "*15"), 0.5, phenotypes["SLCO1B1"])
    assert call.diplotypes == (("*4", "*15"), ("*5", "*14")), call
    assert "ambiguous: 2 diplotypes" in call.note
    table = sample_table(
        {"SLCO1B1": definition}, phenotypes, _Single("SLCO1B1", genotypes_of(definition, "*4", "*15")), 0, 0.5
    )
    assert table.at[0, "diplotype"] == "*4/*15 or *5/*14"
    # the tied diplotypes differ in phenotype: PharmCAT looks SLCO1B1 up by rs4149056 (het: decreased)
    assert table.at[0, "phenotype"] == "Possible Decreased Function or Decreased Function"
    assert table.at[0, "lookup_phenotype"] == "Decreased Function"
    simvastatin = recommend("P1", table).set_index("drug").loc["simvastatin"]
    assert simvastatin["phenotypes"] == "SLCO1B1: Decreased Function"
    assert simvastatin["recommendation"].startswith("Prescribe an alternative statin")
    assert "ambiguous: 2 diplotypes" in simvastatin["recommendation"]


def test_nat2_tie_resolved_by_pharmcat_priority(pgx):
    _, definitions, phenotypes = pgx
    definition = definitions["NAT2"]
    genotypes = genotypes_of(definition, "*4", "*15")
    call = match_gene(definition, genotypes, 0.5, phenotypes["NAT2"])
    # *4/*15 and *6/*14 tie at the same score; PharmCAT's exemptions.json picks *6/*14
    assert call.diplotypes == (("*6", "*14"),) and "tie of 2 resolved by PharmCAT's priority list" in call.note
    assert (frozenset({"*4/*15", "*6/*14"}), "*6/*14") in definition.tie_priorities
    # without the priority list the same tie is reported in full, never one of the two silently
    bare = dataclasses.replace(definition, tie_priorities=())
    tied = match_gene(bare, genotypes, 0.5, phenotypes["NAT2"])
    assert tied.diplotypes == (("*4", "*15"), ("*6", "*14")) and tied.score == call.score
    assert tied.note == f"ambiguous: 2 diplotypes tied at score {call.score}"


def test_dpyd_three_variants_lowest_function_pair(pgx):
    """Three DPYD variants fit no diplotype: CPIC's rule keeps the two of lowest activity."""
    _, definitions, phenotypes = pgx
    definition = definitions["DPYD"]
    hom_ref = genotypes_of(definition, "Reference", "Reference")
    carriers = {}
    for name in ("c.1905+1G>A (*2A)", "c.2846A>T", "c.1679T>G (*13)"):
        carriers[name] = genotypes_of(definition, "Reference", name)
    genotypes = tuple(
        next((c[i] for c in carriers.values() if c[i] != hom_ref[i]), hom_ref[i]) for i in range(len(hom_ref))
    )
    call = match_gene(definition, genotypes, 0.5, phenotypes["DPYD"])
    assert set(call.diplotypes[0]) == {"c.1905+1G>A (*2A)", "c.1679T>G (*13)"}  # activity 0 and 0, c.2846A>T is 0.5
    assert "lowest-function" in call.note


def _write_vcf(path: Path, rows: list[str], samples=("S1",), header_extra: str = "", fmt_gt: bool = True) -> Path:
    header = [
        "##fileformat=VCFv4.2",
        "##contig=<ID=chr1>",
        "##contig=<ID=chr2>",
        "##contig=<ID=chr6>",
        "##contig=<ID=chr10>",
        "##contig=<ID=chr12>",
        "##contig=<ID=chr13>",
    ]
    if fmt_gt:
        header.append('##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">')
    header.append('##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">')
    header.append('##INFO=<ID=END,Number=1,Type=Integer,Description="End">')
    if header_extra:
        header.append(header_extra)
    header.append("\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT", *samples]))
    path.write_text("\n".join(header + rows) + "\n")
    return path


def _example_rows(pgx, genes=None, fmt="GT", value="0/0"):
    folder, definitions, _ = pgx
    rows = []
    for line in (folder / "example" / "pharmcat.example.vcf").read_text().splitlines():
        if line.startswith("#"):
            continue
        fields = line.split("\t")
        rows.append("\t".join([*fields[:8], fmt, value]))
    return rows


def test_wrong_build_is_one_clear_line(pgx, tmp_path):
    _, definitions, _ = pgx
    rows = []
    for row in _example_rows(pgx):
        fields = row.split("\t")
        if len(fields[3]) == 1:  # a GRCh37 file at these coordinates has other bases there
            fields[3] = {"A": "C", "C": "G", "G": "T", "T": "A"}[fields[3]]
        rows.append("\t".join(fields))
    vcf = _write_vcf(tmp_path / "b37.vcf", rows)
    with pytest.raises(
        InputError, match=r"b37.vcf: REF alleles at the pharmacogene positions: expected GRCh38 reference alleles"
    ):
        read_genotypes(vcf, definitions, [None])
    header = _write_vcf(tmp_path / "len37.vcf", [], header_extra="##contig=<ID=chr19,length=59128983>")
    with pytest.raises(InputError, match=r"GRCh38 contig lengths .* found the GRCh37 length 59128983"):
        read_genotypes(header, definitions, [None])


def test_sample_not_in_vcf_and_vcf_without_gt(pgx, tmp_path):
    _, definitions, _ = pgx
    vcf = _write_vcf(tmp_path / "two.vcf", [], samples=("A", "B"))
    with pytest.raises(
        InputError, match=r"two.vcf: header: expected a sample column 'C' \(germline_sample\), found samples 'A', 'B'"
    ):
        read_genotypes(vcf, definitions, ["C"])
    with pytest.raises(InputError, match=r"expected one sample column, or a germline_sample naming one"):
        read_genotypes(vcf, definitions, [None])
    no_gt = _write_vcf(
        tmp_path / "nogt.vcf", [r.replace("\tGT\t0/0", "\tDP\t30") for r in _example_rows(pgx)], fmt_gt=False
    )
    with pytest.raises(
        InputError, match=r"nogt.vcf: header: expected a FORMAT GT field \(genotypes\), found FORMAT fields 'DP'"
    ):
        read_genotypes(no_gt, definitions, [None])


def test_missing_positions_reported_not_called_wrong(pgx, tmp_path):
    """Without the TPMT *3A/*3C position, a carrier is not called *1/*1: the position is listed as missing and
    the allele it defines cannot be called; a gene with all positions absent is 'not called'."""
    folder, definitions, phenotypes = pgx
    tpmt = definitions["TPMT"]
    drop = next(i for i, p in enumerate(tpmt.positions) if p.rsid == "rs1142345")  # *3C (and *3A) position
    rows = [r for r in _example_rows(pgx) if f"\t{tpmt.positions[drop].pos}\t" not in r and "PX=DPYD" not in r]
    vcf = _write_vcf(tmp_path / "partial.vcf", rows)
    table = sample_table(definitions, phenotypes, read_genotypes(vcf, definitions, [None]), 0, 0.5).set_index("gene")
    assert table.at["TPMT", "missing_positions"] == "rs1142345"
    # PharmCAT's call on the positions present is kept, but the untested no-function alleles make the
    # phenotype and the lookup Indeterminate, never Normal (DEMO-046)
    assert table.at["TPMT", "diplotype"] == "*1/*1"
    assert table.at["TPMT", "call_quality"] == (
        f"1 of {len(tpmt.positions)} positions missing; phenotype not determinable: rs1142345 not genotyped, so "
        "*3A (no function), *3C (no function), *41 (no function) could not be tested"
    )
    assert table.at["TPMT", "phenotype"] == table.at["TPMT", "lookup_phenotype"] == "Indeterminate"
    assert table.at["DPYD", "diplotype"] == "not called" and table.at["DPYD", "phenotype"] == "Indeterminate"
    assert table.at["DPYD", "missing_positions"].count(",") == len(definitions["DPYD"].positions) - 1


def test_missing_positions_of_no_lower_function_allele_keep_the_phenotype(pgx):
    """A missing position that defines only alleles of unknown function, or a call whose alleles already have
    no function, keeps the phenotype (the call quality lists the missing positions, as before)."""
    _, definitions, phenotypes = pgx
    tpmt, table = definitions["TPMT"], phenotypes["TPMT"]
    reduced = {a.name for a in tpmt.alleles if table.function.get(a.name) in ("No function", "Decreased function")}
    free = next(
        i for i in range(len(tpmt.positions)) if not any(a.defined[i] for a in tpmt.alleles if a.name in reduced)
    )
    for alleles, phenotype in ((("*1", "*1"), "Normal Metabolizer"), (("*3A", "*3A"), "Poor Metabolizer")):
        genotypes = list(genotypes_of(tpmt, *alleles))
        genotypes[free] = None
        row = sample_table({"TPMT": tpmt}, phenotypes, _Single("TPMT", genotypes), 0, 0.5).iloc[0]
        assert row["phenotype"] == row["lookup_phenotype"] == phenotype, alleles
        assert row["call_quality"] == f"1 of {len(tpmt.positions)} positions missing"
    genotypes = list(genotypes_of(tpmt, "*3A", "*3A"))  # the *3A/*3C position missing from a *3A homozygote
    genotypes[next(i for i, p in enumerate(tpmt.positions) if p.rsid == "rs1142345")] = None
    row = sample_table({"TPMT": tpmt}, phenotypes, _Single("TPMT", genotypes), 0, 0.5).iloc[0]
    assert row["phenotype"] != "Normal Metabolizer"


def test_gvcf_reference_block_counts_as_hom_ref(pgx, tmp_path):
    """A gVCF block over the UGT1A1 positions gives *1/*1; a bgzipped, indexed, chr-less file reads the same."""
    folder, definitions, phenotypes = pgx
    ugt = definitions["UGT1A1"]
    first, last = ugt.positions[0].pos, ugt.positions[-1].pos
    rows = [f"chr2\t{first - 10}\t.\tA\t<NON_REF>\t.\tPASS\tEND={last + 10}\tGT\t0/0"]
    vcf = _write_vcf(tmp_path / "block.vcf", rows)
    table = sample_table({"UGT1A1": ugt}, phenotypes, read_genotypes(vcf, {"UGT1A1": ugt}, [None]), 0, 0.5)
    assert table.at[0, "diplotype"] == "*1/*1" and table.at[0, "missing_positions"] == ""
    import pysam

    plain = _write_vcf(tmp_path / "nochr.vcf", [r.removeprefix("chr") for r in _example_rows(pgx)])
    plain.write_text(plain.read_text().replace("<ID=chr", "<ID="))
    pysam.tabix_index(str(plain), preset="vcf", force=True)
    indexed = sample_table(definitions, phenotypes, read_genotypes(str(plain) + ".gz", definitions, [None]), 0, 0.5)
    assert (indexed["diplotype"] != "not called").all()


def test_outside_calls_and_recommendations(pgx):
    _, definitions, phenotypes = pgx
    table = pd.DataFrame(
        [
            ["DPYD", "c.1905+1G>A (*2A)/c.1905+1G>A (*2A)", "Poor Metabolizer", "0.0", "", "ok", "v"],
            ["UGT1A1", "*28/*28", "Poor Metabolizer", "", "", "ok", "v"],
            ["TPMT", "not called", "Indeterminate", "", "rs1", "not called: 40 of 46 positions missing", "v"],
        ],
        columns=[
            "gene",
            "diplotype",
            "phenotype",
            "activity_score",
            "missing_positions",
            "call_quality",
            "definitions_version",
        ],
    )
    merged = add_outside_calls(table, pd.DataFrame({"gene": ["CYP2D6"], "diplotype": ["*1/*4"]}), phenotypes)
    assert list(merged["gene"]) == ["CYP2D6", "DPYD", "TPMT", "UGT1A1"]
    cyp2d6 = merged.set_index("gene").loc["CYP2D6"]
    assert cyp2d6["call_quality"] == "outside call"
    # no PharmCAT phenotype file for CYP2D6: pypgx's activity scores (*1 1, *4 0) and equation (0.25-1.25: IM)
    assert (cyp2d6["phenotype"], cyp2d6["activity_score"]) == ("Intermediate Metabolizer", "1.0")
    assert cyp2d6["definitions_version"].startswith("pypgx 0.27.0 allele-table.csv")
    recs = recommend("P1", merged).set_index("drug")
    # CPIC's text as pypgx 0.27.0 ships it (the curated wording was "Avoid 5-fluorouracil and ...")
    assert recs.at["capecitabine", "recommendation"] == (
        "Avoid use of 5-fluorouracil or 5-fluorouracil prodrug-based regimens."
    )
    assert recs.at["capecitabine", "classification"] == "CPIC level A"
    assert recs.at["tamoxifen", "phenotypes"] == "CYP2D6: Intermediate Metabolizer"
    assert recs.at["tamoxifen", "recommendation"].startswith("Consider hormonal therapy such as an aromatase inhibitor")
    assert recs.at["irinotecan", "recommendation"].startswith("Start with 70% of the standard dose")
    assert "DPWG" in recs.at["irinotecan", "source"] and "curated" in recs.at["irinotecan", "source"]
    # TPMT not called, NUDT15 not genotyped: CPIC's own row for that case, with the call's caveat
    assert recs.at["mercaptopurine", "phenotypes"] == "NUDT15: not genotyped; TPMT: Indeterminate"
    assert recs.at["mercaptopurine", "recommendation"].startswith("TPMT phenotype could not be assigned")
    assert recs.at["mercaptopurine", "recommendation"].endswith("(call: not called: 40 of 46 positions missing)")


def test_indel_representations_and_undocumented_alleles(pgx, tmp_path):
    """UGT1A1 *28 written as an insertion C>CAT (how indel callers anchor it) is the definition's CAT>CATAT;
    an allele outside the definitions is 'not called', never reference (DPYD included)."""
    _, definitions, phenotypes = pgx
    ugt, dpyd = definitions["UGT1A1"], definitions["DPYD"]
    tata = next(p for p in ugt.positions if p.rsid == "rs3064744")
    rows = [f"chr2\t{p.pos}\t.\t{p.ref}\t{p.alts[0]}\t.\tPASS\t.\tGT\t0/0" for p in ugt.positions if p is not tata]
    rows.append(f"chr2\t{tata.pos}\trs3064744\tC\tCAT\t.\tPASS\t.\tGT\t1/1")
    vcf = _write_vcf(tmp_path / "ins.vcf", sorted(rows, key=lambda r: int(r.split("\t")[1])))
    table = sample_table({"UGT1A1": ugt}, phenotypes, read_genotypes(vcf, {"UGT1A1": ugt}, [None]), 0, 0.5)
    assert table.at[0, "diplotype"] == "*28/*28" and table.at[0, "phenotype"] == "Poor Metabolizer"
    for gene, definition in (("UGT1A1", ugt), ("DPYD", dpyd)):
        genotypes = list(genotypes_of(definition, reference_name(definition), reference_name(definition)))
        first = definition.positions[0]
        odd = next(b for b in "ACGT" if b != first.ref and b not in first.alts)  # not in any definition
        genotypes[0] = (first.ref, odd)
        call = match_gene(definition, tuple(genotypes), 0.5, phenotypes[gene])
        assert not call.called and call.note.startswith("not called: no diplotype of the definitions fits"), gene


def test_multi_sample_vcf_read_once_in_sheet_order(pgx, tmp_path):
    from precisionflow.pgx.cohort import GermlineInput, call_patients, germline_inputs

    folder, definitions, _ = pgx
    rows = [r + "\t1/1" for r in _example_rows(pgx)]  # sample B: hom-alt at every position
    vcf = _write_vcf(tmp_path / "two.vcf", rows, samples=("A", "B"))
    sheet = pd.DataFrame({"germline_vcf": [str(vcf), str(vcf)], "germline_sample": ["B", "A"]})
    inputs = germline_inputs(sheet, [1, 0], ["P-A", "P-B"])
    assert inputs == [GermlineInput("P-A", str(vcf), "A", None), GermlineInput("P-B", str(vcf), "B", None)]
    tables = call_patients(
        inputs, {"definitions": str(folder / "definitions"), "phenotypes": str(folder / "phenotypes")}
    )
    assert list(tables) == ["P-A", "P-B"]
    assert tables["P-A"].set_index("gene").at["CYP2C9", "diplotype"] == "*1/*1"
    assert tables["P-B"].set_index("gene").at["CYP2C9", "diplotype"] != "*1/*1"


def _variant_genotypes(definition: GeneDefinition, variants: dict[int, tuple[int, int]]) -> tuple[tuple[str, str], ...]:
    """Genotypes from {position: (allele index, allele index)} (0 = REF, 1 = first ALT); reference elsewhere."""
    genotypes = []
    for position in definition.positions:
        codes = variants.get(position.pos, (0, 0))
        genotypes.append(tuple(position.ref if c == 0 else position.alts[c - 1] for c in codes))
    return tuple(genotypes)


def test_unphased_cases_pharmcat_maintainers_explained(pgx):
    """Two unphased samples from PharmCAT issue #152 (github.com/PharmGKB/PharmCAT/issues/152), where PharmCAT
    answered CYP2C19 *1/*2 (one non-reference allele + *1 outscores two non-reference alleles) and SLCO1B1
    '*37/*43 or *14/*44' (a tie, both reported)."""
    _, definitions, phenotypes = pgx
    cyp2c19 = {94775367: (0, 1), 94775507: (0, 1), 94781859: (0, 1), 94842866: (1, 1)}
    call = match_gene(
        definitions["CYP2C19"], _variant_genotypes(definitions["CYP2C19"], cyp2c19), 0.5, phenotypes["CYP2C19"]
    )
    assert call.diplotype_text() == "*1/*2"
    # the tie-break is the score: *1 is filled at every position like the reference *38, so *1/*2 (35 + 4)
    # outscores *2/*11 (4 + 2), which explains the same genotypes
    alleles = {a.name: a for a in definitions["CYP2C19"].alleles}
    assert sum(alleles["*1"].defined) == sum(alleles["*38"].defined) == len(definitions["CYP2C19"].positions) == 35
    assert call.score == 35 + sum(alleles["*2"].defined) > sum(alleles["*2"].defined) + sum(alleles["*11"].defined)
    assert definitions["CYP2C19"].tie_priorities == ()
    slco1b1 = {21176804: (1, 1), 21176879: (0, 1), 21196951: (0, 1), 21206031: (0, 1)}
    call = match_gene(
        definitions["SLCO1B1"], _variant_genotypes(definitions["SLCO1B1"], slco1b1), 0.5, phenotypes["SLCO1B1"]
    )
    assert set(call.diplotypes) == {("*37", "*43"), ("*14", "*44")} and "ambiguous" in call.note


GRCH37_CONTIGS = {"1": 249250621, "2": 243199373, "4": 191154276, "6": 171115067, "7": 159138663, "8": 146364022}
GRCH37_CONTIGS |= {"10": 135534747, "12": 133851895, "13": 115169878, "16": 90354753, "19": 59128983}


def _pypgx_grch37() -> dict[tuple[str, int], tuple[int, str, str]]:
    """Read here from pypgx's file directly (not through precisionflow.pgx.builds): (chrom, GRCh38 pos) ->
    (GRCh37 pos, GRCh37 REF, GRCh38 REF), positions whose variants agree on one GRCh37 position."""
    from precisionflow.pgx.builds import variant_table_path

    table = pd.read_csv(variant_table_path(), dtype=str)
    found: dict[tuple[str, int], set] = {}
    for row in table.itertuples():
        if str(row.GRCh37Position).isdigit() and str(row.GRCh38Position).isdigit():
            key = (row.Chromosome, int(row.GRCh38Position))
            found.setdefault(key, set()).add((int(row.GRCh37Position), row.GRCh37Allele[0], row.GRCh38Allele[0]))
    return {k: next(iter(v)) for k, v in found.items() if len({x[0] for x in v}) == 1}


def _grch37_example(pgx, path: Path, contig_lengths: bool = True) -> tuple[Path, set[tuple[str, int]]]:
    """PharmCAT's example VCF moved to GRCh37 with pypgx's table: each record at its GRCh37 position, REF the
    GRCh37 reference base (alleles and GT recoded where the two builds' reference bases differ); records of
    positions pypgx does not place are left out. Returns the file and the GRCh38 sites left out."""
    folder, definitions, _ = pgx
    table = _pypgx_grch37()
    defined = {(p.chrom, p.pos): p for d in definitions.values() for p in d.positions}
    lines = (folder / "example" / "pharmcat.example.vcf").read_text().splitlines()
    header = [line for line in lines if line.startswith("#") and not line.startswith("##contig")]
    if contig_lengths:
        header[1:1] = [f"##contig=<ID=chr{c},length={n},assembly=GRCh37>" for c, n in GRCH37_CONTIGS.items()]
    records, dropped = [], set()
    for line in lines:
        if line.startswith("#"):
            continue
        fields = line.split("\t")
        key = (fields[0].removeprefix("chr"), int(fields[1]))
        if key not in defined:
            continue  # RYR1, CYP2D6 ... (no definition file here)
        site = table.get(key)
        if site is None or site[2] != fields[3][0]:
            dropped.add(key)
            continue
        pos37, ref37, _ = site
        alleles = [fields[3], *fields[4].split(",")] if fields[4] != "." else [fields[3]]
        if len(fields[3]) == 1 and ref37 != fields[3]:  # a SNV whose GRCh37 reference is another base
            new = [ref37, *[a for a in alleles if a != ref37]]
            codes = [str(new.index(alleles[int(c)])) for c in fields[9].split(":")[0].replace("|", "/").split("/")]
            fields[3], fields[4] = ref37, ",".join(new[1:])
            fields[9] = "/".join(codes)
        fields[1] = str(pos37)
        records.append((int(fields[0].removeprefix("chr").replace("X", "23")), pos37, "\t".join(fields)))
    path.write_text("\n".join(header + [r for _, _, r in sorted(records)]) + "\n")
    return path, dropped


def test_grch37_example_vcf_equals_pharmcat_report(pgx, tmp_path):
    """The example VCF on GRCh37 (through pypgx's variant table), read with genome_build GRCh37: the genes
    whose positions all have a GRCh37 coordinate give PharmCAT's report; the others list the unplaced
    positions as missing and give PharmCAT's diplotype or 'not called', never another call."""
    from precisionflow.pgx.builds import on_build, other_build_sites, pypgx_version

    folder, definitions, phenotypes = pgx
    vcf, dropped = _grch37_example(pgx, tmp_path / "example.b37.vcf")
    on37 = on_build(definitions, "GRCh37")
    genotypes = read_genotypes(vcf, on37, [None], "GRCh37", other_build_sites(definitions, "GRCh37"))
    ours = sample_table(on37, phenotypes, genotypes, 0, 0.5).set_index("gene")
    lines = (folder / "example" / "pharmcat.example.report.tsv").read_text().splitlines()
    report = {row["Gene"]: row for row in csv.DictReader(lines[1:], delimiter="\t")}
    unplaced = {g: sum((p.chrom, p.pos) in dropped for p in d.positions) for g, d in definitions.items()}
    complete = sorted(g for g, n in unplaced.items() if n == 0)
    assert complete == ["ABCG2", "CACNA1S", "CYP3A5", "DPYD", "IFNL3", "TPMT", "UGT1A1", "VKORC1"]
    for gene in complete:
        assert ours.at[gene, "diplotype"] == report[gene]["Source Diplotype"], gene
        assert ours.at[gene, "phenotype"] == report[gene]["Phenotype"].strip(), gene
        assert ours.at[gene, "activity_score"] == report[gene]["Activity Score"], gene
        assert ours.at[gene, "missing_positions"] == "" and ours.at[gene, "call_quality"] == "ok", gene
    partial = {g: ours.at[g, "diplotype"] for g in sorted(set(definitions) - set(complete))}
    assert partial == {
        "CYP2B6": "*1/*1",
        "CYP2C19": "*38/*38",
        "CYP2C9": "*1/*1",
        "CYP3A4": "*1/*1",
        "CYP4F2": "*1/*1",
        "NAT2": "not called",  # 35 of 47 positions not placed by pypgx 0.27.0
        "NUDT15": "*1/*1",
        "SLCO1B1": "*1/*1",
    }
    for gene, diplotype in partial.items():
        assert diplotype in (report[gene]["Source Diplotype"], "not called"), gene
        assert ours.at[gene, "missing_positions"].count(",") + 1 == unplaced[gene], gene
        assert (
            f"{unplaced[gene]} of them without a GRCh37 coordinate (GRCh37 via pypgx" in ours.at[gene, "call_quality"]
        )
    # unplaced positions defining decreased/no-function alleles: the phenotype is not determinable (config/README)
    indeterminate = sorted(g for g in partial if ours.at[g, "phenotype"] == "Indeterminate")
    assert indeterminate == ["CYP2B6", "CYP2C9", "NAT2"]
    assert "phenotype not determinable" in ours.at["CYP2C9", "call_quality"]
    # the SNVs whose GRCh37 reference base is GRCh38's alternate (CYP2C19, CYP3A5, DPYD) were written 1/1 and
    # still read as PharmCAT's reference allele (the calls above)
    recoded = [r.split("\t")[1] for r in vcf.read_text().splitlines() if r.endswith("\t1/1")]
    assert len(recoded) == 3
    assert (ours["positions_source"] == f"GRCh37 via pypgx {pypgx_version()} variant table").all()
    assert pypgx_version() == "0.27.0"


def test_call_patients_on_grch37_writes_the_build_and_pypgx_version(pgx, tmp_path):
    """The step's entry (settings as the rule passes them): genome_build GRCh37 reads the GRCh37 file, every
    gene row and recommendation row names the position table and pypgx's version; the default build
    (GRCh38) refuses the same file in one line."""
    from precisionflow.pgx.cohort import GermlineInput, call_patients, cohort_recommendations

    folder, _, _ = pgx
    vcf, _ = _grch37_example(pgx, tmp_path / "example.b37.vcf")
    settings = {"definitions": str(folder / "definitions"), "phenotypes": str(folder / "phenotypes")}
    tables = call_patients([GermlineInput("P1", str(vcf), None)], {**settings, "genome_build": "GRCh37"})
    table = tables["P1"].set_index("gene")
    assert (table["positions_source"] == "GRCh37 via pypgx 0.27.0 variant table").all()
    assert table.at["TPMT", "diplotype"] == "*1/*1" and table.at["NAT2", "diplotype"] == "not called"
    recommendations = cohort_recommendations(tables)
    assert len(recommendations) and (recommendations["positions_source"] == table["positions_source"].iloc[0]).all()
    with pytest.raises(InputError, match=r"example.b37.vcf: header ##contig=chr1: expected GRCh38 contig lengths"):
        call_patients([GermlineInput("P1", str(vcf), None)], settings)
    on38 = call_patients([GermlineInput("P1", str(folder / "example" / "pharmcat.example.vcf"), None)], settings)
    assert (on38["P1"]["positions_source"] == "GRCh38 (PharmCAT definitions; GRCh37 check: pypgx 0.27.0)").all()


def test_grch37_file_given_as_grch38_and_back_is_one_clear_line(pgx, tmp_path):
    from precisionflow.pgx.builds import on_build, other_build_sites

    folder, definitions, _ = pgx
    on38, on37 = on_build(definitions, "GRCh38"), on_build(definitions, "GRCh37")
    to38, to37 = other_build_sites(definitions, "GRCh38"), other_build_sites(definitions, "GRCh37")
    b37, _ = _grch37_example(pgx, tmp_path / "b37.vcf")
    with pytest.raises(
        InputError,
        match=r"b37.vcf: header ##contig=chr1: expected GRCh38 contig lengths \(the config's germline build is GRCh38; "
        r"for a GRCh37 file set pgx genome_build: GRCh37, or lift it over\), found the GRCh37 length 249250621",
    ):
        read_genotypes(b37, on38, [None], "GRCh38", to38)
    for build, reference in (("GRCh38", "file:///ref/hs37d5.fa"), ("GRCh37", "GRCh38_full_analysis_set.fa")):
        named = _write_vcf(tmp_path / "named.vcf", [], header_extra=f"##reference={reference}")
        with pytest.raises(
            InputError, match=rf"named.vcf: header ##reference: expected a {build} VCF .*, found {reference}"
        ):
            read_genotypes(named, on38 if build == "GRCh38" else on37, [None], build)
    bare, _ = _grch37_example(pgx, tmp_path / "bare37.vcf", contig_lengths=False)  # no header tells the build
    with pytest.raises(
        InputError,
        match=r"bare37.vcf: record positions: expected records at the GRCh38 pharmacogene positions .*, "
        r"found \d+ records at GRCh37 positions with the GRCh37 reference base, 0 at GRCh38 ones",
    ):
        read_genotypes(bare, on38, [None], "GRCh38", to38)
    example = folder / "example" / "pharmcat.example.vcf"
    with pytest.raises(InputError, match=r"expected records at the GRCh37 pharmacogene positions .*0 at GRCh37 ones"):
        read_genotypes(example, on37, [None], "GRCh37", to37)
