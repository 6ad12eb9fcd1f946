"""A run killed outright resumes with the same command to the same bytes; runs are deterministic.

The session's demo run (tests/conftest.py: ``demo_run``) is the uninterrupted reference. The same
cohort is run again in another folder and killed with SIGKILL — the whole process group, and any
job process outside it, as when a machine dies — while the integration step's MOFA+ job is running,
after the variant step has written patients' MAFs. The same command is then run again, without
``--unlock``. It must finish, and ``results/`` (the report aside) must hold exactly the reference's
files, byte for byte. That is also the determinism check: each file of the second folder was
computed again, at another time, in another folder, by other processes, so no timestamp, absolute
path or unseeded randomness can hide in a result file (a search for the folder's path confirms it).
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import time
from pathlib import Path

import psutil
import pytest

from tests.conftest import ROOT, SNAKEMAKE, make_project
from tests.test_privacy import find

pytestmark = pytest.mark.workflow

KILL_WHILE = "logs/integration/clusters.log"  # the clusters job (UMAP, figures: ~10 s) has started
KILL_BEFORE = "results/integration/cohort.h5mu"  # ... and not finished


def command(project: Path) -> list[str]:
    return [SNAKEMAKE, "-s", str(ROOT / "Snakefile"), "-d", str(project), "--cores", "2"]


def checksums(project: Path) -> dict[str, str]:
    """sha256 of every file under results/ (hidden ones included), the report aside."""
    results = project / "results"
    return {
        str(p.relative_to(results)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(results.rglob("*"))
        if p.is_file() and p.relative_to(results).parts[0] != "report"
    }


def kill_everything(process: subprocess.Popen) -> None:
    """SIGKILL the run's process group and every process it started (jobs may sit in other groups)."""
    family = psutil.Process(process.pid).children(recursive=True)
    os.killpg(process.pid, signal.SIGKILL)
    for child in family:
        try:
            child.kill()
        except psutil.NoSuchProcess:
            pass
    process.wait(timeout=60)
    psutil.wait_procs(family, timeout=60)


@pytest.fixture(scope="module")
def killed_and_resumed(tmp_path_factory: pytest.TempPathFactory) -> dict:
    project = make_project(tmp_path_factory.mktemp("killed_run"))
    with open(project.parent / "first.log", "w") as log:
        run = subprocess.Popen(command(project), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 1500
        while not ((project / KILL_WHILE).exists() and not (project / KILL_BEFORE).exists()):
            assert run.poll() is None, (
                "the run ended before it could be killed:\n" + (project.parent / "first.log").read_text()[-4000:]
            )
            assert time.monotonic() < deadline, "the integration step never started"
            time.sleep(0.2)
        time.sleep(2)  # well inside the clusters job (its imports alone take seconds)
        mafs = sorted(p.name for p in (project / "results/variants").glob("*.maf.tsv"))
        kill_everything(run)
    state = {
        "mafs": mafs,
        "locks": sorted(p.name for p in (project / ".snakemake/locks").glob("*")),
        "finished_clusters": (project / KILL_BEFORE).exists(),
    }
    rerun = subprocess.run(command(project), capture_output=True, text=True, timeout=1800)
    return {"project": project, "killed": state, "rerun": rerun}


def test_the_kill_hit_a_running_step(killed_and_resumed: dict) -> None:
    killed = killed_and_resumed["killed"]
    assert killed["mafs"], "no MAF had been written yet"
    assert not killed["finished_clusters"]
    assert killed["locks"], "Snakemake's locks should outlive a SIGKILL"


def test_the_same_command_resumes_without_unlock(killed_and_resumed: dict) -> None:
    rerun = killed_and_resumed["rerun"]
    text = rerun.stdout + rerun.stderr
    assert rerun.returncode == 0, text[-6000:]
    assert "removed the locks of an earlier run that was killed" in text
    assert "integration_clusters" in text  # the killed job ran again
    project = killed_and_resumed["project"]
    assert not list((project / ".snakemake/locks").glob("*"))


def test_resumed_results_equal_the_uninterrupted_run(killed_and_resumed: dict, demo_run: Path) -> None:
    resumed, reference = checksums(killed_and_resumed["project"]), checksums(demo_run)
    assert len(reference) > 100
    assert sorted(resumed) == sorted(reference)  # no leftover temporary file, nothing missing
    differing = [name for name in reference if resumed[name] != reference[name]]
    assert not differing, differing


def test_results_hold_no_absolute_path(killed_and_resumed: dict, demo_run: Path) -> None:
    for project in (killed_and_resumed["project"], demo_run):
        leaks = find(project, {str(project), str(project.resolve()), str(ROOT)}, folders=("results",))
        leaks = {where: hits for where, hits in leaks.items() if "results/report" not in where}
        assert not leaks, leaks


def test_stale_locks_are_cleared_only_when_their_run_is_gone(tmp_path: Path) -> None:
    import json
    import socket
    import sys

    from precisionflow.workflow.runstate import LOCKS, OWNER, clear_stale_locks, record_owner

    def locked() -> None:
        (tmp_path / LOCKS).mkdir(parents=True, exist_ok=True)
        (tmp_path / LOCKS / "0.input.lock").write_text("results/x\n")

    def owner(**fields) -> None:
        (tmp_path / OWNER).write_text(json.dumps({"host": socket.gethostname(), "started": 0.0} | fields))

    locked()
    assert clear_stale_locks(tmp_path) is None  # no recorded owner: left to snakemake --unlock
    record_owner(tmp_path)  # this process: alive
    assert clear_stale_locks(tmp_path) is None and list((tmp_path / LOCKS).glob("*"))
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    ).stdout
    owner(pid=int(gone), host="another-host")
    assert clear_stale_locks(tmp_path) is None  # another host: cannot tell
    owner(pid=os.getpid(), started=1.0)  # the pid now belongs to a later process
    assert clear_stale_locks(tmp_path) is not None
    assert not list((tmp_path / LOCKS).glob("*")) and not (tmp_path / OWNER).exists()
    locked()
    owner(pid=int(gone))
    assert "killed" in clear_stale_locks(tmp_path)
    assert not list((tmp_path / LOCKS).glob("*"))


def test_a_killed_writers_temporary_file_is_removed_on_the_next_write(tmp_path: Path) -> None:
    from precisionflow.io import write_text

    left = tmp_path / ".table.tsv.k1ll3d_x.tmp"  # what atomic_path's mkstemp names look like
    other = tmp_path / ".table.tsv.gz.k1ll3d_x.tmp"  # another output's: kept
    left.write_text("half")
    other.write_text("half")
    write_text("done\n", tmp_path / "table.tsv")
    assert sorted(p.name for p in tmp_path.iterdir()) == [other.name, "table.tsv"]


def test_atomic_path_hands_the_writer_a_new_file(tmp_path: Path) -> None:
    """The temporary path does not exist yet: the writer creates the file (re-opening an existing one truncates it,
    and ext4 then writes it back on close: auto_da_alloc); a block that writes nothing leaves an empty output; a
    failed block leaves neither the output nor a temporary file."""
    from precisionflow.io import CURRENT_UMASK, atomic_path

    target = tmp_path / "big.maf.tsv"
    with atomic_path(target) as tmp:
        assert not tmp.exists() and tmp.parent == tmp_path and tmp.name.startswith(".big.maf.tsv.")
        with open(tmp, "wb") as handle:
            handle.write(b"rows\n")
    assert target.read_bytes() == b"rows\n" and target.stat().st_mode & 0o777 == 0o666 & ~CURRENT_UMASK
    with atomic_path(tmp_path / "empty.tsv"):
        pass
    assert (tmp_path / "empty.tsv").read_bytes() == b""
    with pytest.raises(RuntimeError), atomic_path(tmp_path / "failed.tsv") as tmp:
        tmp.write_text("half")
        raise RuntimeError("the step failed")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.maf.tsv", "empty.tsv"]
