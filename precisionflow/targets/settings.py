"""The ``targets:`` settings with their defaults, read from the step's JSON Schema (one source of truth,
:mod:`precisionflow.settings`)."""

from __future__ import annotations

from collections.abc import Mapping

from precisionflow import settings as schema_settings


def defaults() -> dict:
    return schema_settings.defaults("targets")


def with_defaults(settings: Mapping | None) -> dict:
    """``settings`` over the schema's defaults (nested sections merged key by key; ``categories`` and
    ``layers`` replaced whole, as the config gives them)."""
    return schema_settings.with_defaults("targets", settings, frozenset({"categories", "layers"}))
