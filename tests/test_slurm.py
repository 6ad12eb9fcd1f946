"""The SLURM profile: planned on any machine, and run for real on a one-node SLURM cluster.

The cluster (tests/slurm_cluster.py) needs root; Debian's packages are installed when missing. The
demo cohort run through ``profiles/slurm`` must give the same bytes under ``results/`` as the local
run (the report aside), submit per-patient work as group jobs, and leave the queue empty.
"""

from __future__ import annotations

import hashlib
import math
import re
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from precisionflow.settings import defaults
from tests.conftest import ROOT, SNAKEMAKE, make_project
from tests.slurm_cluster import Cluster, SlurmUnavailable, start_cluster

WORKFLOW_PROFILE = ROOT / "profiles" / "slurm"
TEST_PROFILE = ROOT / "tests" / "profiles" / "slurm-onenode"
# Seconds a SLURM run of the demo may take before it is stopped (a stuck snakemake ignores SIGTERM,
# hence `timeout -k`): the local run takes a few minutes; SLURM adds seconds per job and status check.
RUN_TIMEOUT = 1500


def digest(results: Path) -> dict[str, str]:
    """sha256 of every file under results/, the Snakemake report excepted (it records times and hosts)."""
    return {
        str(p.relative_to(results)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(results.rglob("*"))
        if p.is_file() and p.relative_to(results).parts[0] != "report"
    }


def slurm_command(workdir: Path, *args: str, cores: int = 2) -> list[str]:
    return [
        SNAKEMAKE, "-s", str(ROOT / "Snakefile"), "-d", str(workdir),
        "--workflow-profile", str(WORKFLOW_PROFILE), "--profile", str(TEST_PROFILE),
        # the node's cores: a submission asks for no more than the node has (see the test profile)
        "--cores", str(cores),
        *args,
    ]  # fmt: skip


def printed_jobs(output: str) -> tuple[int, dict[str, int]]:
    """Jobs snakemake printed as sent to the cluster: ungrouped `rule X:` (local ones print
    `localrule X:`) and group jobs, by group name (their member rules are printed indented)."""
    groups: dict[str, int] = {}
    for name in re.findall(r"^\[[^\]]+\] Group job (\S+) ", output, flags=re.M):
        groups[name] = groups.get(name, 0) + 1
    single = len(re.findall(r"^rule \w+:$", output, flags=re.M))
    return single + sum(groups.values()), groups


def per_patient_rules(dry_run_output: str) -> dict[str, bool]:
    """Rules with a patient wildcard in the dry run -> whether each of their jobs sat in a group."""
    found: dict[str, bool] = {}
    for block in re.split(r"\n(?=\s*\[[^\]]+\]\n)", dry_run_output):
        match = re.search(r"^(\s*)(?:local)?rule (\w+):$", block, flags=re.M)
        if match and re.search(r"^\s*wildcards:.*\bpatient=", block, flags=re.M):
            grouped = bool(match.group(1))  # group members are printed indented under "Group job"
            found[match.group(2)] = found.get(match.group(2), True) and grouped
    return found


def test_every_profile_entry_is_commented() -> None:
    for profile in (
        WORKFLOW_PROFILE / "config.yaml",
        TEST_PROFILE / "config.yaml",
        ROOT / "profiles/default/config.yaml",
    ):
        lines = profile.read_text().splitlines()
        keys = yaml.safe_load("\n".join(lines))
        for index, line in enumerate(lines):
            if re.match(r"^[a-z][\w-]*:", line):
                previous = lines[index - 1].strip() if index else ""
                assert previous.startswith("#") or "#" in line, f"{profile.name}: {line!r} has no comment"
        assert keys, profile


def test_workflow_profile_keeps_site_names_out() -> None:
    profile = yaml.safe_load((WORKFLOW_PROFILE / "config.yaml").read_text())
    assert profile["executor"] == "slurm"
    assert {"jobs", "retries", "latency-wait", "rerun-incomplete", "default-resources"} <= profile.keys()
    assert not {"slurm_account", "slurm_partition"} & set(profile["default-resources"])
    for rule_file in (ROOT / "rules").glob("*.smk"):
        text = rule_file.read_text()
        assert not re.search(r"slurm_(account|partition)|\bpartition\s*=", text), rule_file


@pytest.fixture(scope="module")
def dry_run(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The demo planned through the SLURM profile (no cluster needed; threads must not be <TBD>)."""
    project = make_project(tmp_path_factory.mktemp("slurm_plan"))
    result = subprocess.run(slurm_command(project, "-n"), capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-6000:]
    return result.stdout + result.stderr


def test_per_patient_work_is_submitted_in_shards(dry_run: str) -> None:
    rules = per_patient_rules(dry_run)
    ungrouped = sorted(rule for rule, grouped in rules.items() if not grouped)
    assert not ungrouped, f"per-patient rules submitted one job per patient: {ungrouped} (shard them, or group them)"
    truth = yaml.safe_load((ROOT / "demo" / "truth.yaml").read_text())["patients"]
    with_variants = sorted(p for p, facts in truth.items() if facts["has_variants"])
    shard_size = defaults("variants")["shard_size"]
    shards = re.findall(r"^rule (variants_maf_\d+):$", dry_run, flags=re.M)
    assert len(shards) == math.ceil(len(with_variants) / shard_size) == len(set(shards)), shards
    made = sorted(re.findall(r"results/variants/([^/,\s]+)\.maf\.tsv", " ".join(re.findall(r"output: (.*)", dry_run))))
    assert made == with_variants  # every patient's MAF, each in exactly one shard
    profile = yaml.safe_load((WORKFLOW_PROFILE / "config.yaml").read_text())
    limits = dict(entry.split("=") for entry in profile.get("group-components", []))
    _, groups = printed_jobs(dry_run)
    for name in groups:
        assert name in limits, f"group {name} has no group-components entry in profiles/slurm"


# --- a real cluster -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def slurm() -> Cluster:
    """A one-node cluster for the session; its daemons are stopped even when a test fails."""
    try:
        cluster = start_cluster()
    except SlurmUnavailable as reason:
        pytest.skip(f"no SLURM test cluster: {reason}")
    try:
        yield cluster
    finally:
        cluster.stop()


def wait_for_empty_queue(cluster: Cluster, timeout: float = 90) -> list[str]:
    deadline = time.monotonic() + timeout
    queue = cluster.queue()
    while queue and time.monotonic() < deadline:
        time.sleep(1)
        queue = cluster.queue()
    return queue


@pytest.mark.slurm
@pytest.mark.workflow
def test_demo_on_slurm_matches_local_run(slurm: Cluster, demo_run: Path, tmp_path: Path) -> None:
    project = make_project(tmp_path / "slurm_run")
    cores = min(2, slurm.cpus)  # the local run's --cores: same threads, same bytes
    command = slurm_command(project, cores=cores)
    started = time.monotonic()
    try:
        result = subprocess.run(
            ["timeout", "-k", "30", str(RUN_TIMEOUT), *command],
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT + 60,
        )
    finally:
        leftover = wait_for_empty_queue(slurm)
    elapsed = time.monotonic() - started
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"SLURM run failed ({result.returncode}):\n{output[-8000:]}"
    assert not leftover, f"jobs left in the queue: {leftover}"

    submitted = re.findall(r"has been submitted with SLURM jobid (\d+)", output)
    sent, groups = printed_jobs(output)
    assert len(submitted) == sent, (len(submitted), sent)
    ungrouped = sorted(rule for rule, grouped in per_patient_rules(output).items() if not grouped)
    assert not ungrouped, ungrouped
    print(f"\nSLURM run of the demo: {elapsed:.0f} s, {len(submitted)} SLURM jobs, group jobs {groups}")

    local, remote = digest(demo_run / "results"), digest(project / "results")
    assert local, "the local run wrote nothing under results/"
    assert sorted(remote) == sorted(local)
    differing = sorted(path for path in local if remote[path] != local[path])
    assert not differing, f"results differ between the local and the SLURM run: {differing}"
