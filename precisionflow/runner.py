"""What every ``scripts/*.py`` adapter shares: logging to the rule's log and clean failure.

A script calls ``run_script(main, snakemake)``. Log records go to the rule's ``log:`` file; an
:class:`~precisionflow.errors.InputError` becomes one line (``precisionflow error: <file>: <where>:
expected ...``) on stderr and in the log, the step's outputs are removed, and the process exits
with status 1 (no traceback: the message is the explanation).
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from precisionflow.errors import InputError

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
