"""Each setting's default, written once: in the step's JSON Schema (``precisionflow/schemas/``).

The workflow validates the config against these schemas (defaults filled in) before any job runs
(``rules/common.smk``); library users (tests, benchmarks, the command-line tools) get the same defaults
from :func:`defaults` / :func:`with_defaults`. Typed settings objects carry no defaults of their own.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from functools import cache
from pathlib import Path

import yaml

SCHEMAS = Path(__file__).resolve().parent / "schemas"


def schema_path(name: str) -> Path:
    """The schema file of ``name`` (``config``, ``samples``, ``variants``, ``omics``, ``integration``, ...)."""
    path = SCHEMAS / f"{name}.schema.yaml"
    if not path.is_file():
        raise ValueError(f"no schema named {name!r} in {SCHEMAS}")
    return path


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
def _cached_defaults(name: str) -> dict:
    return _defaults(yaml.safe_load(schema_path(name).read_text()))


def defaults(name: str) -> dict:
    """Every default of the schema ``name``, nested sections included (a fresh copy)."""
    return copy.deepcopy(_cached_defaults(name))


def _merge(base: dict, update: Mapping, whole: frozenset[str]) -> dict:
    for key, value in update.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), dict) and key not in whole:
            _merge(base[key], value, whole)
        else:
            base[key] = copy.deepcopy(dict(value)) if isinstance(value, Mapping) else copy.deepcopy(value)
    return base


def with_defaults(name: str, settings: Mapping | None, replace_whole: frozenset[str] = frozenset()) -> dict:
    """``settings`` over the defaults of schema ``name``: nested sections merged key by key, except the
    keys in ``replace_whole`` (maps the config gives whole, such as the targets' ``categories``)."""
    return _merge(defaults(name), settings or {}, replace_whole)


def or_default(value: object, name: str, key: str) -> object:
    """``value``, or when it is None the default of ``key`` in schema ``name`` (a library function's optional
    argument that mirrors a config setting takes None, so that its default stays written once)."""
    return defaults(name)[key] if value is None else value
