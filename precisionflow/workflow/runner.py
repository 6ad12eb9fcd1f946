"""What every ``scripts/*.py`` adapter shares: logging to the rule's log and clean failure.

A script calls ``run_script(main, snakemake)``. Log records go to the rule's ``log:`` file; an
:class:`~precisionflow.errors.InputError` becomes one line (``precisionflow error: <file>: <where>:
expected ...``) on stderr and in the log, the step's outputs are removed, and the process exits
with status 1 (no traceback: the message is the explanation). A file-system fault (disk full, a
read-only or unwritable folder, a file where a folder should be) ends the same way, naming the path.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from precisionflow.errors import InputError, fault_line

LOG_FORMAT = "%(levelname)s %(name)s: %(message)s"


def configure_logging(log_path: str | None) -> logging.Logger:
    """Send the library's log records to the rule's log file (no timestamps: logs are compared)."""
    root = logging.getLogger("precisionflow")
    root.setLevel(logging.INFO)
    root.handlers.clear()
    if log_path:
        Path(log_path).parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.FileHandler(log_path, mode="w", encoding="utf-8")
    else:
        handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root.addHandler(handler)
    logging.captureWarnings(True)
    warnings_logger = logging.getLogger("py.warnings")
    warnings_logger.handlers.clear()
    warnings_logger.addHandler(handler)
    return root


def remove_outputs(paths: list[str]) -> None:
    for path in paths:
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
        elif os.path.lexists(path):
            os.unlink(path)


def run_script(main: Callable[[Any], None], smk: Any) -> None:
    """Run ``main(snakemake)`` with logging; turn an InputError into one clear line and exit 1."""
    log_path = smk.log[0] if len(smk.log) else None
    logger = configure_logging(log_path)
    warnings.filterwarnings("ignore", category=FutureWarning)
    try:
        main(smk)
    except InputError as error:
        message = f"precisionflow error: {error}"
        logger.error(message)
        print(message, file=sys.stderr)
        remove_outputs([str(p) for p in smk.output])
        sys.exit(1)
    except OSError as error:
        line = fault_line(error, ", ".join(str(p) for p in smk.output))
        if line is None:
            raise
        stop_on_fault(f"precisionflow error: {line}", logger, [str(p) for p in smk.output])


def stop_on_fault(message: str, logger: logging.Logger, outputs: list[str]) -> None:
    """One line for a file-system fault (disk full, read-only ...), outputs removed, exit status 1.

    The log may sit on the same full disk: logging's own failure is not reported again. The process
    ends with os._exit, so that no library finaliser (HDF5 closing a half-written file) touches the
    failing file system again: that is where a full disk ended in a segmentation fault.
    """
    logging.raiseExceptions = False
    print(message, file=sys.stderr, flush=True)
    logger.error(message)
    for handler in logger.handlers:
        with contextlib.suppress(Exception):
            handler.flush()
    with contextlib.suppress(OSError):
        remove_outputs(outputs)
    os._exit(1)
