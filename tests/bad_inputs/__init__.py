"""The bad-input corpus: malformed copies of the demo cohort's files, built at test time.

Each :class:`Case` breaks one thing in a fresh copy of the project (``config/`` and ``demo/``),
names what the run has to build (nothing: the whole workflow's dry run, for what is checked when
the workflow is parsed; else the output of the one step that reads the broken file), the line the
run must print (file, row or column, what was expected: regular expressions that must all match in
one line) and the outputs of the failing step that must not exist afterwards.

A case with ``works=True`` is a file that looks odd but is fine (a UTF-8 byte-order mark, CRLF line
ends): the run must succeed.
"""

from __future__ import annotations

import gzip
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

SHEET = "config/samples.tsv"
CONFIG = "config/config.yaml"
RNA = "demo/rna/salmon.merged.gene_counts.tsv"
PROTEIN = "demo/proteomics/proteinGroups.txt"
MIRNA = "demo/mirna/mirna_log_expression.csv"
GENES = "demo/resources/genes.grch38.bed.gz"
DRIVERS = "demo/resources/intogen_drivers.tsv"
HOTSPOTS = "demo/resources/hotspots.grch38.tsv"
DRUG_GENE = "demo/resources/dgidb_interactions.tsv.gz"
DRUG_CATEGORIES = "demo/resources/dgidb_categories.tsv.gz"
KNOWLEDGE_BASE = "demo/resources/moalmanac.json"
VCF = "demo/vcf/DEMO-001.vcf.gz"
CNA = "demo/cna/DEMO-002.cna.tsv"
MAF = "demo/maf/DEMO-001.maf.tsv"  # written by use_maf(): the demo has VCFs only

MAF_TARGET = ("results/variants/DEMO-001.maf.tsv",)
CNA_TARGET = ("results/variants/copy_number.tsv",)
TARGETS_TARGET = ("results/targets/cohort_targets.tsv",)


def layer_target(layer: str) -> tuple[str, ...]:
    return (f"results/omics/{layer}.h5ad",)


def layer_outputs(layer: str) -> tuple[str, ...]:
    return (f"results/omics/{layer}.h5ad", f"results/omics/qc/{layer}.*")


@dataclass(frozen=True)
class Case:
    name: str
    breaks: Callable[[Path], None]
    expect: tuple[str, ...]  # regular expressions, all matching one line of the run's output
    target: tuple[str, ...] = ()  # () = dry run of the whole workflow (a parse-time check)
    outputs: tuple[str, ...] = ()  # globs (relative to the project) of the failing step's outputs
    works: bool = False
    finished: bool = False  # start from a copy of a finished run (only the broken step reruns)

    def __str__(self) -> str:
        return self.name


# --- editing helpers --------------------------------------------------------------------------


def read(project: Path, rel: str) -> str:
    raw = (project / rel).read_bytes()
    return (gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw).decode("utf-8")


def write(project: Path, rel: str, text: str, *, compress: bool | None = None) -> None:
    """Write ``text`` to ``rel`` (gzipped when the name ends in .gz, unless told otherwise)."""
    path = project / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8")
    if compress if compress is not None else rel.endswith(".gz"):
        data = gzip.compress(data, mtime=0)
    path.write_bytes(data)
    if rel.endswith(".vcf.gz"):
        Path(str(path) + ".tbi").unlink(missing_ok=True)  # the index no longer matches


def edit(project: Path, rel: str, change: Callable[[str], str]) -> None:
    before = read(project, rel)
    after = change(before)
    assert after != before, f"the edit of {rel} changed nothing"
    write(project, rel, after)


def edit_lines(project: Path, rel: str, change: Callable[[list[str]], list[str]]) -> None:
    edit(project, rel, lambda text: "\n".join(change(text.split("\n"))))


def set_cell(rel: str, line: int, column: int, value: str, sep: str = "\t") -> Callable[[Path], None]:
    """Replace field ``column`` (0-based) of line ``line`` (1-based, header = 1) of a table."""

    def change(lines: list[str]) -> list[str]:
        fields = lines[line - 1].split(sep)
        fields[column] = value
        lines[line - 1] = sep.join(fields)
        return lines

    return lambda project: edit_lines(project, rel, change)


def data_line(project: Path, rel: str, prefix: str) -> int:
    """The 1-based number of the first line of ``rel`` that starts with ``prefix``."""
    return next(i for i, line in enumerate(read(project, rel).split("\n"), start=1) if line.startswith(prefix))


def edit_config(change: Callable[[dict], None]) -> Callable[[Path], None]:
    def apply(project: Path) -> None:
        path = project / CONFIG
        config = yaml.safe_load(path.read_text())
        change(config)
        path.write_text(yaml.safe_dump(config, sort_keys=False))

    return apply


def sheet_frame(project: Path) -> pd.DataFrame:
    return pd.read_csv(project / SHEET, sep="\t", dtype=str, keep_default_na=False)


def edit_sheet(change: Callable[[pd.DataFrame], pd.DataFrame | None]) -> Callable[[Path], None]:
    def apply(project: Path) -> None:
        frame = sheet_frame(project)
        changed = change(frame)
        frame = frame if changed is None else changed
        frame.to_csv(project / SHEET, sep="\t", index=False, lineterminator="\n")

    return apply


def set_sheet(patient: str, column: str, value: str) -> Callable[[Path], None]:
    def change(frame: pd.DataFrame) -> pd.DataFrame:
        frame.loc[frame["patient"] == patient, column] = value
        return frame

    return edit_sheet(change)


def truncate(rel: str, keep: float = 0.5) -> Callable[[Path], None]:
    """Cut a gzipped file in the middle of its compressed stream."""

    def apply(project: Path) -> None:
        path = project / rel
        raw = path.read_bytes()
        if raw[:2] != b"\x1f\x8b":
            raw = gzip.compress(raw, mtime=0)
        path.write_bytes(raw[: max(20, int(len(raw) * keep))])
        if rel.endswith(".vcf.gz"):
            Path(str(path) + ".tbi").unlink(missing_ok=True)

    return apply


def gzipped_copy(rel: str, new_rel: str, config_change: Callable[[dict, str], None]) -> Callable[[Path], None]:
    """Gzip ``rel`` to ``new_rel`` and point the config at it (to break the gzip stream next)."""

    def apply(project: Path) -> None:
        (project / new_rel).write_bytes(gzip.compress((project / rel).read_bytes(), mtime=0))
        edit_config(lambda c: config_change(c, new_rel))(project)

    return apply


def empty(rel: str) -> Callable[[Path], None]:
    return lambda project: (project / rel).write_bytes(b"")


def binary(rel: str) -> Callable[[Path], None]:
    """A PNG where a table should be (what a mis-clicked file picker gives)."""
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde" * 4
    return lambda project: (project / rel).write_bytes(png)


def resave(rel: str, sep: str) -> Callable[[Path], None]:
    """The same table with another delimiter (a spreadsheet's 'save as')."""
    return lambda project: edit(
        project, rel, lambda text: text.replace("\t", sep) if "\t" in text else text.replace(",", sep)
    )


def then(*steps: Callable[[Path], None]) -> Callable[[Path], None]:
    def apply(project: Path) -> None:
        for step in steps:
            step(project)

    return apply


# --- a MAF for DEMO-001 (the demo ships VCFs): rows taken from its VCF ------------------------------

MAF_COLUMNS = [
    "Hugo_Symbol", "Chromosome", "Start_Position", "End_Position", "Reference_Allele", "Tumor_Seq_Allele2",
    "Variant_Classification", "Tumor_Sample_Barcode", "t_depth", "t_alt_count",
]  # fmt: skip
CONSEQUENCE_CLASS = {
    "missense_variant": "Missense_Mutation",
    "synonymous_variant": "Silent",
    "stop_gained": "Nonsense_Mutation",
}


def use_maf(project: Path) -> None:
    """Give DEMO-001 a MAF (from its VCF's PASS SNVs) instead of the VCF."""
    rows = []
    for line in read(project, VCF).split("\n"):
        if not line or line.startswith("#"):
            continue
        chrom, pos, _, ref, alt, _, flt, info, _, tumour = line.split("\t")[:10]
        if flt != "PASS" or len(ref) != 1 or len(alt) != 1:
            continue
        csq = info.split("CSQ=", 1)[1].split(",")[0].split("|")
        depth = tumour.split(":")[2]
        alt_count = tumour.split(":")[1].split(",")[1]
        rows.append(
            [
                csq[3],
                chrom,
                pos,
                pos,
                ref,
                alt,
                CONSEQUENCE_CLASS.get(csq[1], "Missense_Mutation"),
                "DEMO-001_T",
                depth,
                alt_count,
            ]
        )
    assert len(rows) >= 3
    write(project, MAF, "\n".join("\t".join(r) for r in [MAF_COLUMNS, *rows]) + "\n")
    set_sheet("DEMO-001", "vcf", "")(project)
    set_sheet("DEMO-001", "maf", MAF)(project)


def maf_break(change: Callable[[str], str]) -> Callable[[Path], None]:
    return then(use_maf, lambda project: edit(project, MAF, change))


def maf_cell(column: str, value: str, line: int = 3) -> Callable[[Path], None]:
    return then(use_maf, lambda project: set_cell(MAF, line, MAF_COLUMNS.index(column), value)(project))


# --- VCF helpers ------------------------------------------------------------------------------------


def vcf_record(change: Callable[[list[str]], list[str]], record: int = 2) -> Callable[[Path], None]:
    """Change the fields of the ``record``-th record (1-based) of DEMO-001's VCF."""

    def lines(all_lines: list[str]) -> list[str]:
        body = [i for i, line in enumerate(all_lines) if line and not line.startswith("#")]
        i = body[record - 1]
        all_lines[i] = "\t".join(change(all_lines[i].split("\t")))
        return all_lines

    return lambda project: edit_lines(project, VCF, lines)


def vcf_record_line(project: Path, record: int = 2) -> int:
    lines = read(project, VCF).split("\n")
    return [i for i, line in enumerate(lines, start=1) if line and not line.startswith("#")][record - 1]


def set_field(index: int, value: str) -> Callable[[list[str]], list[str]]:
    def change(fields: list[str]) -> list[str]:
        fields[index] = value
        return fields

    return change


def set_format(key: str, value: str) -> Callable[[list[str]], list[str]]:
    def change(fields: list[str]) -> list[str]:
        keys = fields[8].split(":")
        values = fields[9].split(":")
        values[keys.index(key)] = value
        fields[9] = ":".join(values)
        return fields

    return change


def rename_contigs(text: str) -> str:
    """GenBank accessions instead of chr1 / 1 (a reference the genes table does not use)."""
    return re.sub(
        r"(?m)^(chr)?([0-9XY]+)\t", lambda m: f"CM0006{int(m.group(2)) if m.group(2).isdigit() else 23}.2\t", text
    ).replace("##contig=<ID=chr", "##contig=<ID=CM0006")


# --- the corpus -----------------------------------------------------------------------------------

FILE = r"precisionflow error: "


def cases() -> dict[str, list[Case]]:
    """The corpus by input kind."""
    vcf_line = r"line \d+"
    return {
        "config": [
            Case(
                "layer_without_path",
                edit_config(lambda c: c["omics"]["mirna"].pop("path")),
                (r"config\.yaml: key omics/mirna: 'path' is a required property",),
            ),
            Case(
                "samples_is_a_directory",
                edit_config(lambda c: c.update(samples="demo")),
                (FILE + r"demo: path: expected a tab-separated sample sheet, not a directory",),
            ),
            Case(
                "layer_path_is_a_directory",
                edit_config(lambda c: c["omics"]["rna"].update(path="demo/rna")),
                (r"config\.yaml: key omics/rna/path: expected a file, found a directory at 'demo/rna'",),
            ),
            Case(
                "resource_is_a_directory",
                edit_config(lambda c: c["resources"].update(genes="demo/resources")),
                (r"config\.yaml: key resources/genes: expected a file, found a directory at 'demo/resources'",),
            ),
            Case(
                "layer_values_not_allowed",
                edit_config(lambda c: c["omics"]["rna"].update(values="count")),
                (r"config\.yaml: key omics/rna/values: 'count' is not one of",),
            ),
            Case(
                "number_given_as_text",
                edit_config(lambda c: c.update(integration={"n_factors": "ten"})),
                (r"config\.yaml: key integration/n_factors: 'ten' is not of type 'integer'",),
            ),
            Case(
                "pseudonymize_without_key",
                edit_config(lambda c: c.update(pseudonymize=True)),
                (r"config\.yaml: key pseudonym_key: expected a key file when pseudonymize is true, found none",),
            ),
            Case(
                "pseudonym_key_too_short",
                then(
                    lambda p: (p / "key.txt").write_text("short\n"),
                    edit_config(lambda c: c.update(pseudonymize=True, pseudonym_key="key.txt")),
                ),
                (FILE + r"key\.txt: content: expected a secret key of at least 16 bytes, found 5 bytes",),
            ),
            Case(
                "pseudonym_key_among_outputs",
                then(
                    lambda p: (p / "logs").mkdir(),
                    lambda p: (p / "logs/key.txt").write_text("a secret key of more than sixteen bytes\n"),
                    edit_config(lambda c: c.update(pseudonymize=True, pseudonym_key="logs/key.txt")),
                ),
                (
                    r"config\.yaml: key pseudonym_key: expected a key file outside results/, logs/ and "
                    r"benchmarks/, found 'logs/key.txt'",
                ),
            ),
            Case(
                "unknown_oncotree_code",
                edit_config(lambda c: c.update(tumor_type="BRCX")),
                (
                    FILE
                    + r"config/config\.yaml: key tumor_type: expected an OncoTree code \(close: 'BRCA'\), found 'BRCX'",
                ),
            ),
            Case(
                "knowledge_base_not_moalmanac",
                lambda p: (p / KNOWLEDGE_BASE).write_text('{"drugs": [{"name": "trastuzumab"}]}\n'),
                (
                    FILE + r"demo/resources/moalmanac\.json: content: expected a MOAlmanac knowledge-base JSON .*found "
                    r"a JSON dict with keys 'drugs'",
                ),
            ),
            Case(
                "knowledge_base_entry_without_fields",
                lambda p: (p / KNOWLEDGE_BASE).write_text('[{"gene": "ERBB2", "therapy": "trastuzumab"}]\n'),
                (
                    FILE + r"demo/resources/moalmanac\.json: entry 1: expected a MOAlmanac knowledge-base JSON .*found "
                    r"field\(s\) assertion_id, feature_type",
                ),
            ),
            Case(
                "label_is_an_identifying_column",
                edit_config(lambda c: c.update(label="mrn")),
                (r"config\.yaml: key label: expected a sheet column that is not identifying, found 'mrn'",),
            ),
            Case(
                "key_given_twice",
                lambda p: (p / CONFIG).write_text((p / CONFIG).read_text() + "omics:\n  mirna:\n    type: matrix\n"),
                (
                    FILE + r"config/config\.yaml: line \d+: expected each key once in its mapping, found 'omics' again "
                    r"\(first at line 8\)",
                ),
            ),
            Case(
                "driver_cancer_type_not_in_drivers",
                edit_config(lambda c: c.update(variants={"driver_cancer_types": ["MEL"]})),
                (
                    FILE + r"config/config\.yaml: key variants/driver_cancer_types: expected CANCER_TYPE codes of "
                    r"demo/resources/intogen_drivers\.tsv",
                    r"found 'MEL'$",
                ),
            ),
        ],
        "sheet": [
            Case(
                "empty_file",
                empty(SHEET),
                (
                    FILE
                    + r"config/samples\.tsv: content: expected a tab-separated sample sheet with content, found an "
                    r"empty file",
                ),
            ),
            Case(
                "comma_delimited",
                resave(SHEET, ","),
                (
                    FILE + r"config/samples\.tsv: header \(read as tab-separated\): expected column\(s\) 'patient', "
                    r"found columns 'patient,sex,age",
                ),
            ),
            Case(
                "no_patient_column",
                lambda p: edit(p, SHEET, lambda t: t.replace("patient\t", "case_id\t", 1)),
                (
                    FILE + r"config/samples\.tsv: header \(read as tab-separated\): expected column\(s\) 'patient', "
                    r"found columns 'case_id'",
                ),
            ),
            Case(
                "blank_patient_id",
                set_sheet("DEMO-004", "patient", ""),
                (
                    FILE
                    + r"config/samples\.tsv: row\(s\) 5, column 'patient': expected a patient id, found a blank cell",
                ),
            ),
            Case(
                "patient_id_with_a_space",
                set_sheet("DEMO-004", "patient", "DEMO 004"),
                (r"config/samples\.tsv: row 5, column patient: 'DEMO 004' does not match",),
            ),
            # a value after the last column (empty trailing fields are a spreadsheet's artefact, ignored)
            Case(
                "row_with_extra_fields",
                lambda p: edit(p, SHEET, lambda t: re.sub(r"(?m)^(DEMO-007\t.*)$", r"\1\textra", t, count=1)),
                (
                    FILE
                    + r"config/samples\.tsv: layout: expected a tab-separated sample sheet with the same number of "
                    r"fields on every line",
                    r"line 8",
                ),
            ),
            Case(
                "unknown_tumor_type_of_a_patient",
                set_sheet("DEMO-004", "tumor_type", "BRAEST"),
                (
                    FILE + r"config/samples\.tsv: patient 'DEMO-004', column 'tumor_type': expected an OncoTree "
                    r"code.*found 'BRAEST'",
                ),
            ),
            Case(
                "msi_status_not_a_status",
                set_sheet("DEMO-004", "msi_status", "high"),
                (
                    FILE + r"config/samples\.tsv: row 5 \(patient 'DEMO-004'\), column 'msi_status': expected MSI-H, "
                    r"MSI-L, MSS or a blank cell, found 'high'",
                ),
            ),
            Case(
                "vcf_path_is_a_directory",
                set_sheet("DEMO-003", "vcf", "demo/vcf"),
                (
                    FILE + r"config/samples\.tsv: row 4 \(patient 'DEMO-003'\), column 'vcf': expected a file, not a "
                    r"directory, found the directory 'demo/vcf'",
                ),
            ),
            Case(
                "binary_file",
                binary(SHEET),
                (FILE + r"config/samples\.tsv: content: expected a tab-separated sample sheet, found binary data",),
            ),
            Case(
                "truncated_gzip",
                then(
                    gzipped_copy(SHEET, "config/samples.tsv.gz", lambda c, rel: c.update(samples=rel)),
                    truncate("config/samples.tsv.gz"),
                ),
                (
                    FILE + r"config/samples\.tsv\.gz: gzip stream: expected a complete gzip file, found a damaged or "
                    r"truncated one",
                ),
            ),
            Case(
                "outcome_time_negative",
                set_sheet("DEMO-004", "os_days", "-5"),
                (
                    FILE
                    + r"config/samples\.tsv: row 5, column 'os_days': expected a non-negative number \(survival or "
                    r"follow-up time\), found '-5'",
                ),
            ),
            Case(
                "outcome_time_not_a_number",
                set_sheet("DEMO-004", "os_days", "ten"),
                (
                    FILE
                    + r"config/samples\.tsv: row 5, column 'os_days': expected a non-negative number \(survival or "
                    r"follow-up time\), found 'ten'",
                ),
            ),
            Case(
                "outcome_event_not_0_or_1",
                set_sheet("DEMO-004", "os_event", "2"),
                (
                    FILE + r"config/samples\.tsv: row 5, column 'os_event': expected 0 \(censored\) or 1 \(event\), "
                    r"found '2'",
                ),
            ),
            Case(
                "outcome_all_censored",
                edit_sheet(lambda f: f.assign(os_event=f["os_event"].where(f["os_event"] == "", "0"))),
                (
                    FILE + r"config/samples\.tsv: column 'os_event': expected at least one event \(1\), found all \d+ "
                    r"patients with an outcome censored \(0\)",
                ),
            ),
            Case(
                "outcome_constant_covariate",
                edit_sheet(lambda f: f.assign(age="50")),
                (
                    FILE
                    + r"config/samples\.tsv: column 'age' \(config outcome/covariates\): expected a covariate that "
                    r"varies between patients, found the single value '50'",
                ),
            ),
            Case(
                "bom_and_crlf",
                lambda p: (p / SHEET).write_bytes(b"\xef\xbb\xbf" + (p / SHEET).read_bytes().replace(b"\n", b"\r\n")),
                (),
                target=("results/cohort/overview.tsv", "results/variants/DEMO-001.maf.tsv"),
                works=True,
            ),
            Case(
                "ids_differ_only_in_case",
                set_sheet("DEMO-004", "patient", "demo-003"),
                (
                    FILE
                    + r"config/samples\.tsv: rows 4, 5, column 'patient': expected patient ids that differ in more "
                    r"than letter case, "
                    r"found 'DEMO-003', 'demo-003'$",
                ),
            ),
            # a spreadsheet's export: an empty field after the last column on every data row (was read
            # with the ids as an index: "duplicates 'F', 'M'")
            Case(
                "trailing_tabs_on_data_rows",
                lambda p: edit_lines(
                    p, SHEET, lambda ls: [ls[0]] + [line + "\t\t" if line else line for line in ls[1:]]
                ),
                (),
                target=("results/cohort/overview.tsv",),
                works=True,
            ),
        ],
        "vcf": [
            Case(
                "truncated_bgzip",
                truncate(VCF),
                (FILE + r"demo/vcf/DEMO-001\.vcf\.gz: " + vcf_line, r"expected a complete gzip/bgzip stream"),
                MAF_TARGET,
                MAF_TARGET,
            ),
            Case(
                "empty_file",
                empty(VCF),
                (
                    FILE + r"config/samples\.tsv: row 2 \(patient 'DEMO-001'\), column 'vcf': expected a file with "
                    r"content, found an empty file at 'demo/vcf/DEMO-001\.vcf\.gz'",
                ),
            ),
            Case(
                "contigs_match_no_reference",
                lambda p: edit(p, VCF, rename_contigs),
                (FILE + r"demo/vcf/DEMO-001\.vcf\.gz: ", r"expected contigs of the genes reference", r"CM0006"),
                MAF_TARGET,
                MAF_TARGET,
            ),
            Case(
                "position_not_a_number",
                vcf_record(set_field(1, "12x45")),
                (
                    FILE
                    + r"demo/vcf/DEMO-001\.vcf\.gz: line \d+, column POS: expected a 1-based position, found '12x45'",
                ),
                MAF_TARGET,
                MAF_TARGET,
            ),
            Case(
                "spaces_instead_of_tabs",
                lambda p: edit(p, VCF, lambda t: re.sub(r"(?m)^(chr\S+)\t(\d+)\t", r"\1 \2 ", t)),
                (
                    FILE + r"demo/vcf/DEMO-001\.vcf\.gz: line \d+: expected 11 tab-separated fields \(as the #CHROM "
                    r"line\), found \d",
                ),
                MAF_TARGET,
                MAF_TARGET,
            ),
            Case(
                "binary_file",
                binary(VCF),
                (
                    FILE + r"demo/vcf/DEMO-001\.vcf\.gz: line 1: expected (VCF|UTF-8) text, found (binary data|bytes "
                    r"that are not UTF-8)",
                ),
                MAF_TARGET,
                MAF_TARGET,
            ),
            Case(
                "no_chrom_header_line",
                lambda p: edit_lines(p, VCF, lambda ls: [line for line in ls if not line.startswith("#CHROM")]),
                (
                    FILE
                    + r"demo/vcf/DEMO-001\.vcf\.gz: line \d+: expected the '#CHROM POS ID REF ALT QUAL FILTER INFO "
                    r"\.\.\.' header line",
                ),
                MAF_TARGET,
                MAF_TARGET,
            ),
            Case(
                "depth_not_a_number",
                vcf_record(set_format("DP", "deep")),
                (FILE + r"demo/vcf/DEMO-001\.vcf\.gz: line \d+, ", r"DP", r"expected a number, found 'deep'"),
                MAF_TARGET,
                MAF_TARGET,
            ),
            Case(
                "reference_allele_not_bases",
                vcf_record(set_field(3, "Q")),
                (
                    FILE
                    + r"demo/vcf/DEMO-001\.vcf\.gz: line \d+, column REF: expected bases A, C, G, T or N, found 'Q'",
                ),
                MAF_TARGET,
                MAF_TARGET,
            ),
            *variant_record_cases()["vcf"],
        ],
        "maf": [
            Case(
                "missing_allele_column",
                maf_break(lambda t: t.replace("Reference_Allele", "Ref_Allele", 1)),
                (FILE + r"demo/maf/DEMO-001\.maf\.tsv: header: expected MAF column\(s\) 'Reference_Allele'",),
                MAF_TARGET,
                MAF_TARGET,
            ),
            Case(
                "position_not_a_number",
                maf_cell("Start_Position", "12,345"),
                (
                    FILE
                    + r"demo/maf/DEMO-001\.maf\.tsv: row 3, column 'Start_Position': expected a number, found '12,345'",
                ),
                MAF_TARGET,
                MAF_TARGET,
            ),
            Case(
                "barcode_matches_no_sheet_row",
                maf_break(lambda t: t.replace("DEMO-001_T", "DEMO-099_T")),
                (
                    FILE + r"demo/maf/DEMO-001\.maf\.tsv: column 'Tumor_Sample_Barcode': expected barcode 'DEMO-001_T' "
                    r"\(sheet column tumor_sample\), found barcodes 'DEMO-099_T'",
                ),
                MAF_TARGET,
                MAF_TARGET,
            ),
            Case(
                "contigs_match_no_reference",
                maf_break(lambda t: re.sub(r"\tchr(\w+)\t", r"\tCM0006\1.2\t", t)),
                (
                    FILE + r"demo/maf/DEMO-001\.maf\.tsv: row 2, column 'Chromosome': expected contigs of the genes "
                    r"reference",
                ),
                MAF_TARGET,
                MAF_TARGET,
            ),
            Case(
                "depth_is_nan_text",
                maf_cell("t_depth", "NaN"),
                (FILE + r"demo/maf/DEMO-001\.maf\.tsv: row 3, column 't_depth': expected a number, found 'NaN'",),
                MAF_TARGET,
                MAF_TARGET,
            ),
            Case(
                "comma_delimited",
                maf_break(lambda t: t.replace("\t", ",")),
                (FILE + r"demo/maf/DEMO-001\.maf\.tsv: header: expected MAF column\(s\) 'Chromosome'",),
                MAF_TARGET,
                MAF_TARGET,
            ),
            *variant_record_cases()["maf"],
        ],
        "cna": [
            Case(
                "no_copy_number_column",
                lambda p: edit(p, CNA, lambda t: t.replace("\tnMajor\tnMinor", "\tmajor_allele\tminor_allele", 1)),
                (
                    FILE + r"demo/cna/DEMO-002\.cna\.tsv: header: expected columns for chromosome, start, end",
                    r"found columns 'Chromosome', 'Start'",
                ),
                CNA_TARGET,
                CNA_TARGET,
            ),
            Case(
                "start_not_a_number",
                set_cell(CNA, 4, 1, "1e"),
                (FILE + r"demo/cna/DEMO-002\.cna\.tsv: row 4, column 'Start': expected a number, found '1e'",),
                CNA_TARGET,
                CNA_TARGET,
            ),
            Case(
                "negative_copy_number",
                set_cell(CNA, 3, 4, "-1"),
                (
                    FILE
                    + r"demo/cna/DEMO-002\.cna\.tsv: row 3, column 'nMinor': expected a copy number >= 0, found '-1'",
                ),
                CNA_TARGET,
                CNA_TARGET,
            ),
            Case(
                "infinite_copy_number",
                set_cell(CNA, 5, 3, "inf"),
                (
                    FILE
                    + r"demo/cna/DEMO-002\.cna\.tsv: row 5, column 'nMajor': expected a copy number >= 0, found 'inf'",
                ),
                CNA_TARGET,
                CNA_TARGET,
            ),
            Case(
                "contigs_match_no_reference",
                lambda p: edit(p, CNA, rename_contigs),
                (
                    FILE + r"demo/cna/DEMO-002\.cna\.tsv: row 2, column 'Chromosome': expected contigs of the genes "
                    r"reference",
                    r"CM0006",
                ),
                CNA_TARGET,
                CNA_TARGET,
            ),
            Case(
                "end_before_start",
                set_cell(CNA, 3, 2, "5"),
                (FILE + r"demo/cna/DEMO-002\.cna\.tsv: row 3: expected 'End' >= 'Start'",),
                CNA_TARGET,
                CNA_TARGET,
            ),
            Case(
                "overlapping_segments",
                set_cell(CNA, 3, 1, "1000"),
                (FILE + r"demo/cna/DEMO-002\.cna\.tsv: row 3: expected segments that do not overlap",),
                CNA_TARGET,
                CNA_TARGET,
            ),
            Case(
                "empty_file",
                empty(CNA),
                (
                    FILE + r"config/samples\.tsv: row 3 \(patient 'DEMO-002'\), column 'cna': expected a file with "
                    r"content, found an empty file",
                ),
            ),
            Case(
                "neither_segments_nor_calls",
                lambda p: write(p, CNA, "Chromosome\tPosition\tRatio\n1\t100\t0.5\n"),
                (
                    FILE + r"demo/cna/DEMO-002\.cna\.tsv: header: expected columns for chromosome, start, end",
                    r"or gene-level calls",
                    r"found columns 'Chromosome', 'Position', 'Ratio'",
                ),
                CNA_TARGET,
                CNA_TARGET,
            ),
            Case(
                "gene_call_unknown",
                lambda p: write(p, CNA, "gene\tcall\nERBB2\tAmplification\nTP53\tBanana\n"),
                (
                    FILE + r"demo/cna/DEMO-002\.cna\.tsv: row 3, column 'call': expected a call: Amplification, Gain",
                    r"found 'Banana'",
                ),
                CNA_TARGET,
                CNA_TARGET,
            ),
            Case(
                "cbioportal_without_the_patients_column",
                lambda p: write(p, CNA, "Hugo_Symbol\tS1\tS2\nERBB2\t2\t0\n"),
                (
                    FILE
                    + r"demo/cna/DEMO-002\.cna\.tsv: header: expected a 'call' column or the patient's sample column",
                    r"found sample columns 'S1', 'S2'",
                ),
                CNA_TARGET,
                CNA_TARGET,
            ),
            Case(
                "purity_as_percent",
                set_sheet("DEMO-002", "purity", "60"),
                (
                    FILE + r"config/samples\.tsv: row 3 \(patient 'DEMO-002'\), column 'purity': expected a purity in "
                    r"\(0, 1\] or a blank cell, found '60'",
                ),
            ),
            Case(
                "sex_not_m_or_f",
                set_sheet("DEMO-002", "sex", "X"),
                (
                    FILE + r"config/samples\.tsv: row 3 \(patient 'DEMO-002'\), column 'sex': expected M, F, male, "
                    r"female, U, unknown",
                ),
            ),
            Case(
                "nan_copy_number_and_unknown_contig_counted",
                then(
                    set_cell(CNA, 3, 3, "NaN"),
                    lambda p: edit(p, CNA, lambda t: t + "chrUn_KI270302v1\t1\t2000\t1\t1\n"),
                ),
                (),
                CNA_TARGET,
                works=True,
            ),
        ],
        "counts": [
            Case(
                "text_in_a_count",
                set_cell(RNA, 6, 5, "12O"),
                (FILE + RNA + r": row 6 \(feature '\w+'\), column 'DEMO-004': expected a number, found '12O'",),
                layer_target("rna"),
                layer_outputs("rna"),
            ),
            Case(
                "nan_text",
                set_cell(RNA, 7, 3, "NaN"),
                (
                    FILE
                    + RNA
                    + r": row 7 \(feature '\w+'\), column 'DEMO-002': expected a count, found a missing value \(a "
                    r"blank cell, NA or NaN\)",
                ),
                layer_target("rna"),
                layer_outputs("rna"),
            ),
            Case(
                "fractional_count",
                set_cell(RNA, 4, 2, "17.5"),
                (
                    FILE
                    + RNA
                    + r": row 4 \(feature '\w+'\), column 'DEMO-001': expected a count \(a whole number; set "
                    r"round_counts: true",
                    r"found 17\.5",
                ),
                layer_target("rna"),
                layer_outputs("rna"),
            ),
            Case(
                "duplicate_gene_id",
                lambda p: edit_lines(p, RNA, lambda ls: ls[:5] + [ls[2]] + ls[5:]),
                (FILE + RNA + r": rows 3, 6, column 'gene_id': expected unique feature ids, found duplicates",),
                layer_target("rna"),
                layer_outputs("rna"),
            ),
            Case(
                "duplicate_sample_column",
                lambda p: edit(p, RNA, lambda t: t.replace("\tDEMO-003\t", "\tDEMO-002\t", 1)),
                (FILE + RNA + r": sample ids: expected each sample once, found duplicates 'DEMO-002'",),
            ),
            Case(
                "semicolon_delimited",
                resave(RNA, ";"),
                (
                    FILE
                    + RNA
                    + r": header \(read as tab-separated\): expected an id column and at least one more column, "
                    r"found one field 'gene_id;gene_name;DEMO-001",
                ),
            ),
            Case(
                "truncated_gzip",
                then(
                    gzipped_copy(RNA, RNA + ".gz", lambda c, rel: c["omics"]["rna"].update(path=rel)),
                    truncate(RNA + ".gz"),
                ),
                (FILE + RNA + r"\.gz: gzip stream: expected a complete gzip file, found a damaged or truncated one",),
            ),
            Case("binary_file", binary(RNA), (FILE + RNA + r": content: expected a matrix, found binary data",)),
            Case(
                "ragged_row",
                set_cell(RNA, 9, 2, "5\t6"),
                (FILE + RNA + r": layout: expected", r"fields on every line"),
                layer_target("rna"),
                layer_outputs("rna"),
            ),
            # one sample: PyDESeq2's ValueError "no replicates to estimate the dispersion" before
            Case(
                "one_sample_with_vst",
                then(
                    lambda p: edit_lines(
                        p, RNA, lambda ls: ["\t".join(line.split("\t")[:3]) if line else line for line in ls]
                    ),
                    edit_config(lambda c: c.update(unknown_samples="drop")),
                ),
                (
                    FILE + RNA + r": sample ids: expected at least 2 samples for the VST \(each gene's dispersion is "
                    r"estimated across samples\), "
                    r"or transform: log2 under omics/rna, found 1 sample$",
                ),
                layer_target("rna"),
                layer_outputs("rna"),
            ),
            Case(
                "bom_and_crlf",
                lambda p: (p / RNA).write_bytes(b"\xef\xbb\xbf" + (p / RNA).read_bytes().replace(b"\n", b"\r\n")),
                (),
                layer_target("rna"),
                works=True,
            ),
        ],
        "maxquant": [
            Case(
                "no_protein_ids_column",
                lambda p: edit(p, PROTEIN, lambda t: t.replace("Protein IDs\t", "Protein\t", 1)),
                (FILE + PROTEIN + r": header: expected MaxQuant column 'Protein IDs' \(or 'Protein\.IDs'\)",),
                layer_target("protein"),
                layer_outputs("protein"),
            ),
            Case(
                "intensity_not_a_number",
                lambda p: set_cell(PROTEIN, 5, maxquant_column(p, "LFQ intensity DEMO-003"), "1.2e+5x")(p),
                (
                    FILE
                    + PROTEIN
                    + r": row 5 \(protein group '[\w-]+'\), column 'LFQ intensity DEMO-003': expected a number, "
                    r"found '1\.2e\+5x'",
                ),
                layer_target("protein"),
                layer_outputs("protein"),
            ),
            Case(
                "negative_intensity",
                lambda p: set_cell(PROTEIN, 6, maxquant_column(p, "LFQ intensity DEMO-005"), "-120000")(p),
                (
                    FILE
                    + PROTEIN
                    + r": row 6 \(protein group '[\w-]+'\), column 'LFQ intensity DEMO-005': expected an intensity ≥ 0",
                ),
                layer_target("protein"),
                layer_outputs("protein"),
            ),
            Case(
                "no_intensity_columns",
                lambda p: edit(
                    p,
                    PROTEIN,
                    lambda t: (
                        t.split("\n", 1)[0]
                        .replace("Intensity ", "Abundance ")
                        .replace("LFQ intensity ", "LFQ abundance ")
                        + "\n"
                        + t.split("\n", 1)[1]
                    ),
                ),
                (FILE + PROTEIN + r": header: expected MaxQuant intensity columns",),
            ),
            Case(
                "duplicate_protein_group",
                lambda p: edit_lines(p, PROTEIN, lambda ls: ls[:4] + [ls[1]] + ls[4:]),
                (FILE + PROTEIN + r": rows 2, 5, column 'Protein IDs': expected unique protein groups",),
                layer_target("protein"),
                layer_outputs("protein"),
            ),
            # was: DEMO-006 silently left the layer (LFQ columns are used when present)
            Case(
                "sample_without_lfq_column",
                lambda p: edit(
                    p, PROTEIN, lambda t: t.replace("LFQ intensity DEMO-006\t", "LFQ_intensity_old DEMO-006\t", 1)
                ),
                (
                    FILE
                    + PROTEIN
                    + r": header: expected an 'LFQ intensity <sample>' column for every 'Intensity <sample>' column "
                    r"\(LFQ is used when present\), found none for 'DEMO-006'$",
                ),
            ),
            Case(
                "sample_matches_no_sheet_row",
                lambda p: edit(
                    p,
                    PROTEIN,
                    lambda t: t.replace("Intensity DEMO-004\t", "Intensity DEMO-404\t").replace(
                        "LFQ intensity DEMO-004\t", "LFQ intensity DEMO-404\t"
                    ),
                ),
                (FILE + PROTEIN + r": sample ids: expected every sample to be a patient of the sheet", r"'DEMO-404'"),
            ),
        ],
        "matrix": [
            Case(
                "duplicate_sample_row",
                lambda p: edit_lines(p, MIRNA, lambda ls: ls[:3] + [ls[1]] + ls[3:]),
                (FILE + MIRNA + r": sample ids: expected each sample once, found duplicates 'DEMO-001'",),
            ),
            Case(
                "text_in_a_value",
                set_cell(MIRNA, 4, 3, "high", sep=","),
                (
                    FILE
                    + MIRNA
                    + r": row 4 \(sample 'DEMO-\d+'\), column 'hsa-mir-10b': expected a number, found 'high'",
                ),
                layer_target("mirna"),
                layer_outputs("mirna"),
            ),
            Case(
                "infinite_value",
                set_cell(MIRNA, 5, 2, "inf", sep=","),
                (
                    FILE
                    + MIRNA
                    + r": row 5 \(sample 'DEMO-\d+'\), column 'hsa-mir-155': expected a finite number, found inf",
                ),
                layer_target("mirna"),
                layer_outputs("mirna"),
            ),
            Case(
                "tab_delimited_csv",
                resave(MIRNA, "\t"),
                (
                    FILE
                    + MIRNA
                    + r": header \(read as comma-separated\): expected an id column and at least one more column, "
                    r"found one field 'sample\\thsa-mir-21",
                ),
            ),
            Case(
                "empty_file",
                empty(MIRNA),
                (FILE + MIRNA + r": content: expected a matrix with content, found an empty file",),
            ),
        ],
        "reference": [
            Case(
                "genes_start_not_a_number",
                lambda p: edit_lines(
                    p,
                    GENES,
                    lambda ls: [ls[0], "\t".join([ls[1].split("\t")[0], "1O0", *ls[1].split("\t")[2:]]), *ls[2:]],
                ),
                (FILE + GENES + r": line 2, column 2 \(start\): expected a whole number >= 0, found '1O0'",),
                MAF_TARGET,
                MAF_TARGET,
            ),
            Case(
                "genes_truncated_gzip",
                truncate(GENES),
                (FILE + GENES + r": gzip stream: expected a complete gzip file, found a damaged or truncated one",),
                MAF_TARGET,
                MAF_TARGET,
            ),
            Case(
                "drivers_without_gene_column",
                lambda p: edit(p, DRIVERS, lambda t: t.replace("SYMBOL", "NAME", 1)),
                (FILE + DRIVERS + r": header: expected a gene column",),
                MAF_TARGET,
                MAF_TARGET,
            ),
            Case(
                "hotspot_allele_not_bases",
                lambda p: edit_lines(
                    p,
                    HOTSPOTS,
                    lambda ls: [
                        ls[0].replace("\tA\t", "\tJ\t", 1) if "\tA\t" in ls[0] else ls[0].replace("\tC\t", "\tJ\t", 1),
                        *ls[1:],
                    ],
                ),
                (FILE + HOTSPOTS + r": line 1, columns 3-4 \(ref, alt\): expected alleles of A, C, G, T, N or '-'",),
                MAF_TARGET,
                MAF_TARGET,
            ),
            Case(
                "drug_table_missing_columns",
                lambda p: edit_lines(
                    p,
                    DRUG_GENE,
                    lambda ls: [ls[0].replace("Gene\t", "Target\t").replace("drug_", "compound_"), *ls[1:]],
                ),
                (FILE + DRUG_GENE + r": header: expected",),
                TARGETS_TARGET,
                ("results/targets/cohort_targets.tsv", "results/targets/patients/DEMO-???.tsv"),
                finished=True,
            ),
        ],
    }


# --- variant records (issue #15): impossible records, other builds, shared columns; header-only files are valid -----

VCF_FILE = FILE + r"demo/vcf/DEMO-001\.vcf\.gz: "
MAF_FILE = FILE + r"demo/maf/DEMO-001\.maf\.tsv: "


def vcf_header_line(line: str) -> Callable[[Path], None]:
    """Put a ``##key=value`` line before the #CHROM line of DEMO-001's VCF (instead of the file's own for that key)."""
    key = line.split("=", 1)[0] + "="

    def change(lines: list[str]) -> list[str]:
        kept = [x for x in lines if not x.startswith(key)]
        at = next(i for i, x in enumerate(kept) if x.startswith("#CHROM"))
        return kept[:at] + [line] + kept[at:]

    return lambda project: edit_lines(project, VCF, change)


def add_column(text: str, name: str, value: str) -> str:
    """A table's text with one more column (``value`` on every data row)."""
    lines = text.rstrip("\n").split("\n")
    return "\n".join([lines[0] + "\t" + name, *[line + "\t" + value for line in lines[1:]]]) + "\n"


def header_only_vcf(project: Path) -> None:
    edit_lines(project, VCF, lambda ls: [x for x in ls if x.startswith("#")] + [""])


def alt_equal_to_ref(fields: list[str]) -> list[str]:
    fields[4] = fields[3]
    return fields


def variant_record_cases() -> dict[str, list[Case]]:
    return {
        "vcf": [
            Case(
                "position_zero",
                vcf_record(set_field(1, "0")),
                (VCF_FILE + r"line \d+, column POS: expected a 1-based position \(1 or more\), found 0",),
                MAF_TARGET,
                MAF_TARGET,
            ),
            Case(
                "alt_equal_to_ref",
                vcf_record(alt_equal_to_ref),
                (VCF_FILE + r"line \d+, column ALT: expected an allele that differs from REF, found ALT '\w+' = REF",),
                MAF_TARGET,
                MAF_TARGET,
            ),
            Case(
                "alt_reads_above_depth",
                vcf_record(lambda f: set_format("DP", "20")(set_format("AD", "10,500")(f))),
                (
                    VCF_FILE
                    + r"line \d+, sample 'DEMO-001_T': expected an alternate read count \(FORMAT/AD\) within 2 x "
                    r"the depth "
                    r"\(FORMAT/DP\) \+ 5, found 500 alternate reads of 20",
                ),
                MAF_TARGET,
                MAF_TARGET,
            ),
            Case(
                "reference_of_the_other_build",
                vcf_header_line("##reference=file:///refs/hs37d5.fa"),
                (
                    VCF_FILE
                    + r"header, ##reference: expected a GRCh38 reference \(config genome_build\), found .*hs37d5.* "
                    r"\(GRCh37\)",
                ),
                MAF_TARGET,
                MAF_TARGET,
            ),
            Case(
                "contig_lengths_of_the_other_build",
                lambda p: edit(
                    p,
                    VCF,
                    lambda t: t.replace("##contig=<ID=chr1,length=248956422", "##contig=<ID=chr1,length=249250621"),
                ),
                (
                    VCF_FILE
                    + r"header, ##contig=<ID=chr1>: expected GRCh38 contig lengths \(config genome_build\), found "
                    r"length 249250621, as in GRCh37",
                ),
                MAF_TARGET,
                MAF_TARGET,
            ),
            Case(
                "two_patients_one_tumour_column",
                then(
                    set_sheet("DEMO-002", "vcf", VCF),
                    set_sheet("DEMO-002", "tumor_sample", "DEMO-001_T"),
                    set_sheet("DEMO-002", "normal_sample", "DEMO-001_N"),
                ),
                (
                    FILE + r"config/samples\.tsv: rows 2 and 3 \(patients 'DEMO-001', 'DEMO-002'\), column 'vcf': "
                    r"expected a different tumour sample "
                    r"per patient in a shared file \(column tumor_sample\), found 'demo/vcf/DEMO-001\.vcf\.gz' "
                    r"with sample 'DEMO-001_T' twice",
                ),
            ),
            Case("header_only", header_only_vcf, (), MAF_TARGET, works=True),
        ],
        "maf": [
            Case(
                "alt_count_above_depth",
                maf_cell("t_alt_count", "500"),
                (MAF_FILE + r"row 3, column 't_alt_count': expected at most t_depth reads, found 500 of t_depth \d+",),
                MAF_TARGET,
                MAF_TARGET,
            ),
            Case(
                "ref_equal_to_alt",
                then(
                    maf_cell("Reference_Allele", "C"),
                    lambda p: set_cell(MAF, 3, MAF_COLUMNS.index("Tumor_Seq_Allele2"), "C")(p),
                ),
                (
                    MAF_FILE
                    + r"row 3, column 'Tumor_Seq_Allele2': expected an allele that differs from Reference_Allele, "
                    r"found 'C' = Reference_Allele",
                ),
                MAF_TARGET,
                MAF_TARGET,
            ),
            Case(
                "unknown_class",
                maf_cell("Variant_Classification", "Banana_Mutation"),
                (
                    MAF_FILE
                    + r"row 3, column 'Variant_Classification': expected a MAF class .*, found 'Banana_Mutation'",
                ),
                MAF_TARGET,
                MAF_TARGET,
            ),
            Case(
                "build_grch37",
                maf_break(lambda t: add_column(t, "NCBI_Build", "GRCh37")),
                (MAF_FILE + r"row 2, column 'NCBI_Build': expected GRCh38 \(config genome_build\), found 'GRCh37'",),
                MAF_TARGET,
                MAF_TARGET,
            ),
            Case("header_only", maf_break(lambda t: t.split("\n", 1)[0] + "\n"), (), MAF_TARGET, works=True),
        ],
    }


def maxquant_column(project: Path, name: str) -> int:
    return read(project, PROTEIN).split("\n", 1)[0].split("\t").index(name)


def all_cases() -> list[Case]:
    return [case for group in cases().values() for case in group]


def make_broken_project(source_root: Path, target: Path, case: Case, finished_run: Path | None = None) -> Path:
    """A fresh copy of the project (or of a finished run) with the case's break applied."""
    target.mkdir(parents=True)
    shutil.copytree(source_root / "config", target / "config")
    shutil.copytree(source_root / "demo", target / "demo")
    if finished_run is not None:
        shutil.copytree(finished_run / "results", target / "results", ignore=shutil.ignore_patterns("report"))
    case.breaks(target)
    return target
