"""The ``targets:`` settings with their defaults, read from the step's JSON Schema (one source of truth).

The workflow validates the config against ``config/schemas/targets.schema.yaml`` (defaults filled in)
before any job runs; library users (tests, the benchmark) get the same defaults from :func:`with_defaults`.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from functools import cache
from pathlib import Path

import yaml

SCHEMA = Path(__file__).resolve().parents[2] / "config" / "schemas" / "targets.schema.yaml"


def _defaults(schema: Mapping) -> dict:
    out: dict = {}
    for key, prop in schema.get("properties", {}).items():
        nested = _defaults(prop) if prop.get("type") == "object" and "properties" in prop else None
        if "default" in prop:
            value = copy.deepcopy(prop["default"])
            out[key] = {**nested, **value} if nested is not None and isinstance(value, dict) else value
        elif nested:
            out[key] = nested
    return out


@cache
def defaults() -> dict:
    return _defaults(yaml.safe_load(SCHEMA.read_text()))


def _merge(base: dict, update: Mapping) -> dict:
    for key, value in update.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), dict) and key not in {"categories", "layers"}:
            _merge(base[key], value)
        else:
            base[key] = copy.deepcopy(dict(value)) if isinstance(value, Mapping) else copy.deepcopy(value)
    return base


def with_defaults(settings: Mapping | None) -> dict:
    """``settings`` over the schema's defaults (nested sections merged key by key; ``categories`` and
    ``layers`` replaced whole, as the config gives them)."""
    return _merge(copy.deepcopy(defaults()), settings or {})
