"""The working folder must take the run's outputs: checked when the workflow is parsed, before
Snakemake writes its own records there (it would stop with a traceback instead of one line)."""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from precisionflow.errors import InputError
from precisionflow.workflow import paths

# Folders the workflow writes (Snakemake's own records, then results by step, logs, benchmarks)
OUTPUT_FOLDERS = (".snakemake", paths.RESULTS, *paths.STEP_FOLDERS, "logs", "benchmarks")


def check_working_folder(folder: str | os.PathLike[str] = ".", outputs: Iterable[str] = OUTPUT_FOLDERS) -> None:
    """Each output folder is a folder where it exists, and the working folder takes a new file.

    Writing is tried (a temporary file, removed at once) rather than judged from permission bits:
    root passes every permission check yet cannot write to a read-only file system.
    """
    base = Path(folder).resolve()
    for name in outputs:
        path = base / name
        if path.exists() and not path.is_dir():
            raise InputError(path, "working folder", "a folder for the workflow's outputs", "a file (move it away)")
    try:
        handle, probe = tempfile.mkstemp(prefix=".precisionflow-write-test.", dir=base)
    except OSError as error:
        reason = errno.errorcode.get(error.errno or 0, "")
        raise InputError(
            base, "working folder", "a folder the workflow can write to", f"{os.strerror(error.errno or 0)} ({reason})"
        ) from None
    os.close(handle)
    with contextlib.suppress(OSError):
        os.unlink(probe)
