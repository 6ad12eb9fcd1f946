"""Resuming after a killed run: Snakemake's stale locks and the owner of a run.

Snakemake locks the working directory while it runs (``.snakemake/locks/``) and removes the locks
when it ends, but not when it is killed (SIGKILL, the out-of-memory killer, a lost node, a power
cut). The next run of the same command then refuses to start ("Directory cannot be locked") until
someone runs ``snakemake --unlock``. Snakemake's lock files do not say who holds them, so the
workflow records the owner of each run (host, process id and start time, written when the run
starts) and, when the workflow is parsed again, clears the locks only if that owner is on this
host and no longer running. A live run, a run on another host, or locks without a recorded owner
are left alone (Snakemake's own message then applies).

What an interrupted job left behind is handled elsewhere: Snakemake's ``incomplete`` markers make
it rerun the job (``rerun-incomplete`` in ``profiles/default``), and outputs are written through
:func:`precisionflow.io.atomic_path`, which also clears the temporary files a killed job left.
"""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import psutil

STATE = Path(".snakemake")
OWNER = STATE / "precisionflow-run.json"
LOCKS = STATE / "locks"  # Snakemake's file-based persistence (its default)


def _started(pid: int) -> float | None:
    try:
        return psutil.Process(pid).create_time()
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return None


def record_owner(workdir: str | os.PathLike[str] = ".") -> None:
    """Note this process as the owner of the run in ``workdir`` (called when the run starts)."""
    path = Path(workdir) / OWNER
    path.parent.mkdir(parents=True, exist_ok=True)
    pid = os.getpid()
    owner = {"host": socket.gethostname(), "pid": pid, "started": _started(pid)}
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(owner) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def forget_owner(workdir: str | os.PathLike[str] = ".") -> None:
    """The run ended normally (Snakemake removed its locks itself)."""
    (Path(workdir) / OWNER).unlink(missing_ok=True)


def owner_is_gone(owner: dict) -> bool:
    """True only when the recorded owner ran on this host and that process no longer exists."""
    if owner.get("host") != socket.gethostname() or not isinstance(owner.get("pid"), int):
        return False
    started = _started(owner["pid"])
    if started is None:
        return True
    # the pid is in use: by the owner itself, or reused by a later process
    return owner.get("started") is not None and abs(started - owner["started"]) > 1.0


def clear_stale_locks(workdir: str | os.PathLike[str] = ".") -> str | None:
    """Remove Snakemake's locks when their run was killed; returns a note for the log, or None."""
    locks_dir = Path(workdir) / LOCKS
    owner_path = Path(workdir) / OWNER
    locks = sorted(locks_dir.glob("*.lock")) if locks_dir.is_dir() else []
    if not locks or not owner_path.is_file():
        return None
    try:
        owner = json.loads(owner_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(owner, dict) or not owner_is_gone(owner):
        return None
    for lock in locks:
        lock.unlink(missing_ok=True)
    owner_path.unlink(missing_ok=True)
    return (
        f"removed the locks of an earlier run that was killed (process {owner['pid']} on this host is gone); resuming"
    )
