"""Patient identifiers: with ``pseudonymize: true`` no output names a patient by the sheet's id, no
output holds an identifying sheet value (record numbers, dates of birth), and the key is written
nowhere.

The demo cohort runs once with a key file outside the project, then its Snakemake report is built.
Every file under results/ (the report's zip unpacked, gzip decompressed, and the HDF5 files —
h5ad, h5mu — read object by object: names, attributes and string data), logs/ and benchmarks/ is
searched, by path and by content, for the raw ids (also as VCF sample names, which carry them), the
identifying values and the key.
"""

from __future__ import annotations

import gzip
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import h5py
import pandas as pd
import pytest
import yaml

from precisionflow.privacy import pseudonym
from tests.conftest import make_project, run_snakemake

pytestmark = pytest.mark.workflow

KEY = b"precisionflow test key: not a secret anywhere else"
OUTPUT_FOLDERS = ("results", "logs", "benchmarks")


def hdf5_text(data: bytes) -> str:
    """Every name, attribute and string value of an HDF5 file (h5ad, h5mu), one per line."""
    parts: list[str] = []

    def visit(name: str, item: h5py.HLObject) -> None:
        parts.append(name)
        for key, value in item.attrs.items():
            parts.extend([key, str(value.tolist() if hasattr(value, "tolist") else value)])
        if isinstance(item, h5py.Dataset) and item.dtype.kind in "OSU":
            value = item[()]
            parts.append(str(value.tolist() if hasattr(value, "tolist") else value))

    with h5py.File(io.BytesIO(data), "r") as handle:
        for key, value in handle.attrs.items():
            parts.extend([key, str(value)])
        handle.visititems(visit)
    return "\n".join(parts)


def texts(name: str, data: bytes) -> Iterator[tuple[str, str]]:
    """(where, text) pairs of a file: its name, then its readable content (archives opened)."""
    yield name, name
    if data[:8] == b"\x89HDF\r\n\x1a\n":
        yield name, hdf5_text(data)
    elif data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for member in archive.namelist():
                yield from texts(f"{name}!{member}", archive.read(member))
        return
    elif data[:2] == b"\x1f\x8b":
        yield from texts(name.removesuffix(".gz"), gzip.decompress(data))
        return
    yield name, data.decode("latin-1")


def output_texts(project: Path, folders=OUTPUT_FOLDERS) -> Iterator[tuple[str, str]]:
    for folder in folders:
        for path in sorted((project / folder).rglob("*")):
            if path.is_file():
                yield from texts(str(path.relative_to(project)), path.read_bytes())


def find(project: Path, needles: set[str], folders=OUTPUT_FOLDERS) -> dict[str, list[str]]:
    """Which needles occur where (file paths and contents)."""
    found: dict[str, list[str]] = {}
    for where, text in output_texts(project, folders):
        hits = sorted(n for n in needles if n in text)
        if hits:
            found[where] = hits
    return found


def sheet(project: Path) -> pd.DataFrame:
    return pd.read_csv(project / "config/samples.tsv", sep="\t", dtype=str)


def identifying_values(project: Path) -> set[str]:
    config = yaml.safe_load((project / "config/config.yaml").read_text())
    frame = sheet(project)
    return {v for column in config["identifying"] for v in frame[column].dropna()}


def raw_ids(project: Path) -> set[str]:
    frame = sheet(project)
    return set(frame["patient"]) | set(frame["tumor_sample"].dropna()) | set(frame["normal_sample"].dropna())


def build_report(project: Path) -> Path:
    report = project / "results/report/report.zip"
    report.parent.mkdir(parents=True, exist_ok=True)
    run_snakemake(project, "--report", str(report), check=True, timeout=900)
    return report


@pytest.fixture(scope="module")
def pseudonymized(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("pseudonymized")
    project = make_project(base / "project")
    key_file = base / "secrets" / "pseudonym.key"  # outside the project
    key_file.parent.mkdir()
    key_file.write_bytes(KEY + b"\n")
    config_path = project / "config/config.yaml"
    config = yaml.safe_load(config_path.read_text())
    config.update(pseudonymize=True, pseudonym_key=str(key_file))
    config_path.write_text(yaml.safe_dump(config, sort_keys=False))
    run_snakemake(project, check=True, timeout=1800)
    build_report(project)
    return project


def test_outputs_name_patients_by_keyed_hashes(pseudonymized: Path) -> None:
    expected = sorted(pseudonym(p, KEY) for p in sheet(pseudonymized)["patient"])
    tables = [
        p for p in (pseudonymized / "results/targets/patients").glob("*.tsv") if not p.name.endswith(".actionable.tsv")
    ]
    assert sorted(p.stem for p in tables) == expected
    actionable = pd.read_csv(pseudonymized / "results/targets/actionable.tsv", sep="\t", dtype=str)
    assert set(actionable["patient"]) <= set(expected)
    overview = pd.read_csv(pseudonymized / "results/cohort/overview.tsv", sep="\t", dtype=str)
    assert sorted(overview["patient"]) == expected
    mafs = sorted(p.name.removesuffix(".maf.tsv") for p in (pseudonymized / "results/variants").glob("*.maf.tsv"))
    assert mafs and set(mafs) <= set(expected)
    with zipfile.ZipFile(pseudonymized / "results/report/report.zip") as archive:
        html = next(archive.read(n) for n in archive.namelist() if n.endswith("report.html")).decode()
    assert all(p in html for p in expected)  # the report's patient sections carry the pseudonyms


def test_no_raw_id_identifying_value_or_key_in_any_output(pseudonymized: Path) -> None:
    needles = raw_ids(pseudonymized) | identifying_values(pseudonymized) | {KEY.decode()}
    assert "DEMO-001" in needles and len(needles) > 150
    leaks = find(pseudonymized, needles)
    assert not leaks, {where: hits[:3] for where, hits in list(leaks.items())[:10]}


def test_the_search_reads_hdf5_contents_and_the_default_run_keeps_identifying_values_out(demo_run: Path) -> None:
    """Without pseudonyms the raw ids are the public ids: the same search finds them inside the h5ad
    and h5mu files (so it reads them), while identifying values still reach no output."""
    found = find(demo_run, {"DEMO-001", "DEMO-002"}, folders=("results/omics", "results/integration"))
    hdf5 = [where for where in found if where.endswith((".h5ad", ".h5mu"))]
    assert "results/omics/rna.h5ad" in hdf5 and "results/integration/cohort.h5mu" in hdf5, sorted(found)
    leaks = find(demo_run, identifying_values(demo_run))
    assert not leaks, {where: hits[:3] for where, hits in list(leaks.items())[:10]}


def test_the_id_map_prints_without_raw_ids() -> None:
    """Rules pass the map raw id -> public id as a param; Snakemake prints params into the report."""
    import pickle

    from precisionflow.privacy import public_ids

    ids = public_ids(["DEMO-001", "DEMO-002"], KEY)
    assert dict(ids) == {"DEMO-001": pseudonym("DEMO-001", KEY), "DEMO-002": pseudonym("DEMO-002", KEY)}
    for text in (repr(ids), str(ids), f"{ids}", repr({"public_ids": ids})):
        assert "DEMO" not in text and "2 patients" in text
    assert pickle.loads(pickle.dumps(ids, protocol=4)) == ids  # how Snakemake hands params to a script
    assert repr(public_ids(["DEMO-001", "DEMO-003"], KEY)) != repr(ids)  # a changed map reruns its jobs


def test_dossiers_and_fhir_bundles_carry_only_pseudonyms(pseudonymized: Path) -> None:
    """The patient dossiers and FHIR bundles are named and filled by pseudonym (the search of every output
    above reads them too); the bundle's Patient is known only by the pseudonym, and the Snakemake report
    holds each dossier."""
    import json

    expected = sorted(pseudonym(p, KEY) for p in sheet(pseudonymized)["patient"])
    folder = pseudonymized / "results/report/patients"
    assert sorted(p.name.removesuffix(".fhir.json") for p in folder.glob("*.fhir.json")) == expected
    assert sorted(p.stem for p in folder.glob("*.html") if p.stem != "index") == expected
    bundle = json.loads((folder / f"{expected[0]}.fhir.json").read_text())
    patient = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")
    assert [i["value"] for i in patient["identifier"]] == [expected[0]] and set(patient) == {
        "resourceType",
        "id",
        "identifier",
    }
    page = (folder / f"{expected[0]}.html").read_text()
    assert f"Patient dossier: {expected[0]}" in page
    leaks = find(
        pseudonymized, raw_ids(pseudonymized) | identifying_values(pseudonymized), folders=("results/report/patients",)
    )
    assert not leaks, leaks
    with zipfile.ZipFile(pseudonymized / "results/report/report.zip") as archive:
        assert any(
            n.endswith(f"/{expected[0]}.html") and archive.getinfo(n).file_size > 100_000 for n in archive.namelist()
        )
