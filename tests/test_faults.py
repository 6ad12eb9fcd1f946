"""File-system faults end in one line naming the path: a full disk (a small tmpfs as the working
folder, when the tests run as root), `results` that is a file, a read-only working folder.

The inputs stay in a normal folder (absolute paths in the config); only the outputs go to the
faulty one, so that the fault is met where a user meets it: writing results.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import yaml

from precisionflow.errors import InputError, fault_line
from precisionflow.workflow.workdir import check_working_folder
from tests.conftest import make_project, run_snakemake

ROOT_USER = hasattr(os, "geteuid") and os.geteuid() == 0


@contextlib.contextmanager
def tmpfs(folder: Path, options: str) -> Iterator[Path]:
    """A tmpfs mounted at ``folder`` (root only); unmounted afterwards."""
    if not ROOT_USER:
        pytest.skip("mounting a tmpfs needs root")
    folder.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True, text=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's inputs, and a config and sheet that name them by absolute path (usable from any folder)."""
    project = make_project(tmp_path_factory.mktemp("fault_inputs"))
    sheet = pd.read_csv(project / "config/samples.tsv", sep="\t", dtype=str, keep_default_na=False)
    for column in ("vcf", "cna", "germline_vcf", "pgx_outside_calls"):
        sheet[column] = [str(project / value) if value else "" for value in sheet[column]]
    sheet.to_csv(project / "samples.tsv", sep="\t", index=False)
    config = yaml.safe_load((project / "config/config.yaml").read_text())
    config["samples"] = str(project / "samples.tsv")
    for layer in config["omics"].values():
        layer["path"] = str(project / layer["path"])
    config["resources"] = {name: str(project / path) for name, path in config["resources"].items()}
    config["pgx"] = {key: str(project / path) for key, path in config["pgx"].items()}
    (project / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    return project


def run_in(folder: Path, inputs: Path, *targets: str):
    result = run_snakemake(folder, "--configfile", str(inputs / "config.yaml"), *targets, timeout=600)
    return result, result.stdout + result.stderr


def one_line(text: str, pattern: str) -> str:
    lines = [line for line in text.splitlines() if re.search(pattern, line)]
    assert lines, f"no line matches {pattern!r}:\n{text[-5000:]}"
    assert "Traceback" not in text and "Segmentation fault" not in text, text[-5000:]
    return lines[0]


def test_disk_full_is_one_line_naming_the_output(tmp_path: Path, inputs: Path) -> None:
    # 400 kB: Snakemake's records and the log fit, the RNA layer's HDF5 file (about 600 kB) does not
    with tmpfs(tmp_path / "full", "size=400k") as folder:
        result, text = run_in(folder, inputs, "--", "results/omics/rna.h5ad")
        assert result.returncode != 0
        one_line(
            text,
            r"^precisionflow error: \S*results/omics/(qc/)?rna\.(h5ad|samples\.png|pca\.png): expected free "
            r"space on its file "
            r"system, found No space left on device \(ENOSPC\)$",
        )
        assert not list((folder / "results").rglob("*.h5ad")) and not list((folder / "results").rglob(".*.tmp"))


def test_results_that_is_a_file_stops_before_any_job(tmp_path: Path, inputs: Path) -> None:
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / "results").write_text("not a folder\n")
    result, text = run_in(folder, inputs, "-n")
    assert result.returncode != 0
    line = one_line(text, r"precisionflow error: ")
    assert (
        line == f"precisionflow error: {folder.resolve() / 'results'}: working folder: "
        "expected a folder for the workflow's outputs, found a file (move it away)"
    )
    assert not (folder / ".snakemake").exists()


def test_read_only_working_folder_stops_before_any_job(tmp_path: Path, inputs: Path) -> None:
    with tmpfs(tmp_path / "read_only", "size=1m,ro") as folder:
        result, text = run_in(folder, inputs, "-n")
        assert result.returncode != 0
        line = one_line(text, r"precisionflow error: ")
        assert (
            line == f"precisionflow error: {folder.resolve()}: working folder: "
            "expected a folder the workflow can write to, found Read-only file system (EROFS)"
        )


def test_check_working_folder_names_a_file_deeper_down(tmp_path: Path) -> None:
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "omics").write_text("")
    with pytest.raises(
        InputError, match=r"results/omics: working folder: expected a folder for the workflow's outputs, found a file"
    ):
        check_working_folder(tmp_path)
    (tmp_path / "results" / "omics").unlink()
    check_working_folder(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["results"]  # the write test leaves nothing


def test_fault_line_by_errno() -> None:
    h5py_style = OSError(
        errno.ENOSPC,
        "Can't synchronously write data (file write failed: filename = "
        "'/w/results/omics/.rna.h5ad.hwynjyl6.tmp', errno = 28)",
    )
    assert (
        fault_line(h5py_style)
        == "/w/results/omics/rna.h5ad: expected free space on its file system, found No space left on device (ENOSPC)"
    )
    named = OSError(errno.EACCES, "Permission denied", "results/targets/x.tsv")
    assert (
        fault_line(named)
        == "results/targets/x.tsv: expected permission to write there, found Permission denied (EACCES)"
    )
    assert fault_line(OSError(errno.ENOTDIR, "x"), "results/a.tsv").startswith(
        "results/a.tsv: expected a folder at every level"
    )
    assert fault_line(OSError(errno.ENOENT, "missing", "x")) is None  # not a fault of the output file system
