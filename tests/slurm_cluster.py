"""A real one-node SLURM cluster for the tests: Debian's packages, a slurm.conf, munge, three daemons.

``start_cluster()`` installs ``slurmctld slurmd slurm-client munge`` when they are missing (as root,
``apt-get update`` first), writes ``/etc/slurm/slurm.conf`` for this machine (state, spool, logs and
pid files in a temporary folder), creates a munge key when there is none, and starts ``munged``,
``slurmctld`` and ``slurmd`` as daemons. ``Cluster.stop()`` cancels what is left in the queue and
stops the daemons it started by the pids in their pid files. Anything that makes a cluster
impossible here (not root, apt cannot install, a real SLURM config already present) raises
:class:`SlurmUnavailable` with the reason, which the tests turn into a skip.

Facts behind the choices (``/work/shared/notes/slurm.md``): the config must be at
``/etc/slurm/slurm.conf`` because the executor's job step clears ``SLURM_CONF`` before its inner
``srun``; accounting is off (no slurmdbd), so proctrack/linuxproc, task/none and
jobacct_gather/none keep slurmd free of cgroups, which a container does not offer.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

PACKAGES = ("slurmctld", "slurmd", "slurm-client", "munge")
COMMANDS = ("slurmctld", "slurmd", "sbatch", "squeue", "sinfo", "scancel", "munged", "munge", "unmunge")
SLURM_CONF = Path("/etc/slurm/slurm.conf")
MUNGE_KEY = Path("/etc/munge/munge.key")
MUNGE_RUN = Path("/run/munge")
MUNGE_PID = MUNGE_RUN / "munged.pid"
# Written on the first line of our slurm.conf: a config without it belongs to a real cluster.
MARKER = "# precisionflow test cluster (tests/slurm_cluster.py)"
# One test cluster per machine at a time: concurrent sessions wait for this lock.
LOCK_PATH = Path(tempfile.gettempdir()) / "precisionflow-slurm.lock"


class SlurmUnavailable(RuntimeError):
    """No cluster can be started here; the message says why (the tests skip with it)."""


def _run(command: list[str], timeout: float = 60, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise SlurmUnavailable(
            f"{' '.join(command)} failed ({result.returncode}): {(result.stderr or result.stdout).strip()[-800:]}"
        )
    return result


def missing_commands() -> list[str]:
    return [c for c in COMMANDS if shutil.which(c) is None]


def ensure_packages() -> None:
    """Install Debian's SLURM and munge packages when a command is missing (root only)."""
    if not missing_commands():
        return
    if os.geteuid() != 0:
        raise SlurmUnavailable(f"SLURM commands {missing_commands()} are missing and installing them needs root")
    if shutil.which("apt-get") is None:
        raise SlurmUnavailable("SLURM is not installed and apt-get is not available to install it")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for command in (
        ["apt-get", "update", "-qq"],
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *PACKAGES],
    ):
        result = subprocess.run(command, capture_output=True, text=True, timeout=600, env=env)
        if result.returncode != 0:
            raise SlurmUnavailable(f"{' '.join(command)} failed ({result.returncode}): {result.stderr.strip()[-800:]}")
    if missing_commands():
        raise SlurmUnavailable(f"installed {PACKAGES} but {missing_commands()} are still missing")


def node_memory_mb() -> int:
    """RealMemory for the node: three quarters of the machine's memory (slurmd refuses more)."""
    total_kb = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal:")
    )
    return int(total_kb / 1024 * 0.75)


def slurm_conf(folder: Path, node: str, cpus: int, memory_mb: int) -> str:
    return f"""{MARKER}
ClusterName=precisionflow
SlurmctldHost={node}(127.0.0.1)
SlurmUser=root
AuthType=auth/munge
# no cgroups in a container: plain process tracking, no task binding, no accounting (no slurmdbd)
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/backfill
ReturnToService=2
# finished jobs stay visible to `squeue --states=all` this long (the executor's status check)
MinJobAge=300
StateSaveLocation={folder}/state
SlurmdSpoolDir={folder}/spool
SlurmctldPidFile={folder}/slurmctld.pid
SlurmdPidFile={folder}/slurmd.pid
SlurmctldLogFile={folder}/slurmctld.log
SlurmdLogFile={folder}/slurmd.log
NodeName={node} NodeAddr=127.0.0.1 CPUs={cpus} RealMemory={memory_mb} State=UNKNOWN
PartitionName=main Nodes={node} Default=YES MaxTime=INFINITE State=UP
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie child of ours counts as gone
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _wait_for(condition, timeout: float, what: str, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    tail = ""
    if log is not None and log.is_file():
        tail = "\n" + "\n".join(log.read_text(errors="replace").splitlines()[-20:])
    raise SlurmUnavailable(f"{what} within {timeout:.0f}s{tail}")


def _stop_pid(pid: int, timeout: float = 15) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.2)
    if _alive(pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@dataclass
class Cluster:
    """A running one-node cluster; ``stop()`` ends only the daemons this object started."""

    folder: Path
    node: str
    cpus: int
    memory_mb: int
    started: dict[str, Path] = field(default_factory=dict)  # daemon -> its pid file
    lock: object | None = None

    def queue(self) -> list[str]:
        """Jobs still pending or running (``squeue`` without finished ones)."""
        out = _run(["squeue", "--noheader", "--format=%i %T %j"], timeout=30).stdout
        return [line for line in out.splitlines() if line.strip()]

    def stop(self) -> None:
        try:
            if "slurmctld" in self.started:
                subprocess.run(["scancel", "--user", "root"], capture_output=True, timeout=30)
        except (OSError, subprocess.SubprocessError):
            pass
        for daemon in ("slurmd", "slurmctld", "munged"):
            pid_file = self.started.pop(daemon, None)
            pid = _read_pid(pid_file) if pid_file else None
            if pid:
                _stop_pid(pid)
        if SLURM_CONF.is_file() and SLURM_CONF.read_text().startswith(MARKER):
            SLURM_CONF.unlink()
        if self.lock is not None:
            fcntl.flock(self.lock, fcntl.LOCK_UN)
            self.lock.close()
            self.lock = None


def _acquire_lock(timeout: float):
    handle = open(LOCK_PATH, "w")
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return handle
        except BlockingIOError:
            if time.monotonic() > deadline:
                handle.close()
                raise SlurmUnavailable(f"another test cluster holds {LOCK_PATH} for more than {timeout:.0f}s") from None
            time.sleep(1)


def _start_munge(cluster: Cluster) -> None:
    if not MUNGE_KEY.is_file():
        MUNGE_KEY.parent.mkdir(parents=True, exist_ok=True)
        if shutil.which("mungekey"):
            _run(["mungekey", "--create", "--keyfile", str(MUNGE_KEY)])
        else:
            MUNGE_KEY.write_bytes(os.urandom(1024))
    shutil.chown(MUNGE_KEY, "munge", "munge")
    MUNGE_KEY.chmod(0o400)
    for folder in (MUNGE_RUN, Path("/var/log/munge"), Path("/var/lib/munge")):
        folder.mkdir(parents=True, exist_ok=True)
        shutil.chown(folder, "munge", "munge")
    pid = _read_pid(MUNGE_PID)
    if pid is None or not _alive(pid):
        # munged refuses to run as root: start it as its own user (it daemonizes itself)
        _run(["runuser", "-u", "munge", "--", "munged"], timeout=30)
        cluster.started["munged"] = MUNGE_PID
    _wait_for(
        lambda: subprocess.run("munge -n | unmunge", shell=True, capture_output=True).returncode == 0,
        15,
        "munge did not answer",
    )


def stop_stale_daemons() -> None:
    """Stop slurmctld/slurmd of an earlier test cluster whose session died before stopping them."""
    if not (SLURM_CONF.is_file() and SLURM_CONF.read_text().startswith(MARKER)):
        return
    for line in SLURM_CONF.read_text().splitlines():
        if line.startswith(("SlurmdPidFile=", "SlurmctldPidFile=")):
            pid = _read_pid(Path(line.split("=", 1)[1]))
            if pid and _alive(pid):
                _stop_pid(pid)


def start_cluster(folder: Path | None = None, lock_timeout: float = 1800) -> Cluster:
    """Start a one-node cluster (see the module docstring); raises SlurmUnavailable with the reason."""
    if os.geteuid() != 0:
        raise SlurmUnavailable("starting a SLURM cluster needs root (slurmd runs jobs as their user)")
    ensure_packages()
    lock = _acquire_lock(lock_timeout)
    if SLURM_CONF.exists() and not SLURM_CONF.read_text().startswith(MARKER):
        lock.close()
        raise SlurmUnavailable(f"{SLURM_CONF} exists and is not a test config: not overwriting a real cluster's config")
    stop_stale_daemons()
    folder = Path(folder or tempfile.mkdtemp(prefix="precisionflow-slurm-"))
    for sub in ("state", "spool"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    node = socket.gethostname().split(".")[0]
    cluster = Cluster(folder=folder, node=node, cpus=os.cpu_count() or 1, memory_mb=node_memory_mb(), lock=lock)
    try:
        SLURM_CONF.parent.mkdir(parents=True, exist_ok=True)
        SLURM_CONF.write_text(slurm_conf(folder, node, cluster.cpus, cluster.memory_mb))
        _start_munge(cluster)
        # -c: a clean start (no state from an earlier cluster); both daemonize and write their pid files
        _run(["slurmctld", "-c"], timeout=60)
        cluster.started["slurmctld"] = folder / "slurmctld.pid"
        _wait_for(
            lambda: _read_pid(folder / "slurmctld.pid") is not None,
            30,
            "slurmctld wrote no pid file",
            folder / "slurmctld.log",
        )
        _run(["slurmd"], timeout=60)
        cluster.started["slurmd"] = folder / "slurmd.pid"

        def node_idle() -> bool:
            state = subprocess.run(["sinfo", "--noheader", "--format=%t"], capture_output=True, text=True)
            return state.returncode == 0 and state.stdout.strip() == "idle"

        _wait_for(node_idle, 60, "the node did not become idle", folder / "slurmd.log")
    except BaseException:
        cluster.stop()
        raise
    return cluster
