"""The bad-input corpus (tests/bad_inputs/): every malformed input stops the run with one line naming
the file, the row or column and what was expected, and leaves no output of the failing step.

Most problems are caught when the workflow is parsed (a dry run fails in seconds, before any job);
the others when the one step that reads the file runs (only that step's output is asked for).
Cases already covered elsewhere are not repeated here: tests/test_config.py (a typo in a key, a
wrong value, a missing layer file or resource, a sheet path that does not exist, duplicate patient
ids, a label column missing from the sheet, a matrix sample that is not in the sheet, a sheet with
a BOM and CRLF in a dry run), tests/test_omics_workflow.py (a negative count),
tests/test_variants_workflow.py (a VCF without the sheet's tumour column) and
tests/test_integration_workflow.py (a layer with an unknown patient).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.bad_inputs import Case, cases, make_broken_project
from tests.conftest import ROOT, run_snakemake

CORPUS = cases()


def check(case: Case, project: Path) -> None:
    args = list(case.target) if case.target else ["-n"]
    result = run_snakemake(project, *args, timeout=600)
    text = result.stdout + result.stderr
    if case.works:
        assert result.returncode == 0, text[-6000:]
        for target in case.target:
            assert (project / target).is_file(), target
        return
    assert result.returncode != 0, text[-3000:]
    lines = [line for line in text.splitlines() if all(re.search(e, line) for e in case.expect)]
    assert lines, f"no line matches {case.expect}:\n{text[-6000:]}"
    assert "Traceback" not in text, text[-6000:]  # the message is the explanation
    if not case.target:  # stopped while parsing: no job ran
        assert "Job stats" not in text and not (project / "results").exists()
    for pattern in case.outputs:
        assert not list(project.glob(pattern)), f"{pattern} left behind"
    assert not [p for p in project.rglob(".*.tmp")], "temporary files left behind"


@pytest.fixture
def broken(tmp_path: Path, request: pytest.FixtureRequest):
    def build(case: Case) -> Path:
        finished = request.getfixturevalue("demo_run") if case.finished else None
        return make_broken_project(ROOT, tmp_path / "project", case, finished)

    return build


def parametrize(kind: str):
    return pytest.mark.parametrize("case", CORPUS[kind], ids=str)


def test_corpus_size() -> None:
    failing = [case for group in CORPUS.values() for case in group if not case.works]
    assert len(failing) >= 30 and len({(c.name, kind) for kind, group in CORPUS.items() for c in group}) == sum(
        map(len, CORPUS.values())
    )


@parametrize("config")
def test_bad_config(case: Case, broken) -> None:
    check(case, broken(case))


@parametrize("sheet")
def test_bad_sheet(case: Case, broken) -> None:
    check(case, broken(case))


@parametrize("vcf")
def test_bad_vcf(case: Case, broken) -> None:
    check(case, broken(case))


@parametrize("maf")
def test_bad_maf(case: Case, broken) -> None:
    check(case, broken(case))


@parametrize("cna")
def test_bad_copy_number_segments(case: Case, broken) -> None:
    check(case, broken(case))


@parametrize("counts")
def test_bad_count_matrix(case: Case, broken) -> None:
    check(case, broken(case))


@parametrize("maxquant")
def test_bad_maxquant(case: Case, broken) -> None:
    check(case, broken(case))


@parametrize("matrix")
def test_bad_other_matrix(case: Case, broken) -> None:
    check(case, broken(case))


@parametrize("reference")
def test_bad_reference_table(case: Case, broken) -> None:
    check(case, broken(case))


def test_a_good_maf_runs(tmp_path: Path) -> None:
    """The corpus's MAF (before it is broken) is a valid input: the MAF cases fail for their break only."""
    from tests.bad_inputs import MAF_TARGET, use_maf

    case = Case("valid_maf", use_maf, (), MAF_TARGET, works=True)
    project = make_broken_project(ROOT, tmp_path / "project", case)
    check(case, project)
    text = (project / MAF_TARGET[0]).read_text()
    assert "\tDEMO-001\t" in text or "DEMO-001" in text
