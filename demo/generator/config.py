"""The config of a generated cohort: the project's ``config/config.yaml`` (the demo's own config), its
paths moved under the cohort's folder, not a second copy."""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path
from typing import Any

import yaml

PROJECT_CONFIG = Path(__file__).resolve().parents[2] / "config" / "config.yaml"
PROJECT_PREFIX = "demo/"  # where config/config.yaml finds the demo's files


@cache
def _project_config() -> dict:
    return yaml.safe_load(PROJECT_CONFIG.read_text())


def project_config() -> dict:
    """config/config.yaml as read (a fresh copy)."""
    return copy.deepcopy(_project_config())


def _moved(value: Any, prefix: str) -> Any:
    if isinstance(value, dict):
        return {k: _moved(v, prefix) for k, v in value.items()}
    if isinstance(value, list):
        return [_moved(v, prefix) for v in value]
    if isinstance(value, str) and value.startswith(PROJECT_PREFIX):
        return prefix + value.removeprefix(PROJECT_PREFIX)
    return value


def cohort_config(prefix: str, sheet: str, cohort: str) -> dict:
    """config/config.yaml for a cohort whose files start with ``prefix`` and whose sheet is ``sheet``."""
    config = _moved(project_config(), prefix)
    config["cohort"] = cohort
    config["samples"] = sheet
    # the elastic-net Cox model only: the forest's nested CV grows fast with the cohort (config/README.md)
    config["outcome"] = {**config["outcome"], "models": ["coxnet"]}
    return config


def config_text(prefix: str, sheet: str, cohort: str) -> str:
    """The YAML of :func:`cohort_config`, keys in config/config.yaml's order."""
    header = (
        "# A generated demo cohort (python -m demo.generator), derived from the project's config/config.yaml;\n"
        "# keys are explained in config/README.md.\n"
    )
    return header + yaml.safe_dump(cohort_config(prefix, sheet, cohort), sort_keys=False, width=120)
