"""Every setting's default is written once, in its JSON schema (precisionflow/schemas): the library and the
adapters get it from precisionflow.settings, never from a literal of their own (issue 20)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from precisionflow.settings import SCHEMAS, defaults, with_defaults

ROOT = Path(__file__).resolve().parents[1]
# The library, its adapters and the demo generator: where a copied default would hide.
SOURCES = [
    *sorted((ROOT / "precisionflow").rglob("*.py")),
    *sorted((ROOT / "scripts").glob("*.py")),
    *sorted((ROOT / "demo" / "generator").glob("*.py")),
]
# Settings whose names say what they are (a generic name such as ``seed`` or ``alpha`` also names
# function arguments that are no config setting); min_depth, z_high and n_factors are the three.
CHECKED = (
    "min_depth",
    "min_vaf",
    "max_population_af",
    "tmb_capture_mb",
    "amp_ratio",
    "gain_ratio",
    "loss_ratio",
    "deep_loss_cn",
    "min_count",
    "min_samples_fraction",
    "min_observed_fraction",
    "vst_nsub",
    "z_high",
    "z_low",
    "high_level_ratio",
    "n_factors",
    "n_top_features",
    "subsample_fraction",
    "max_missing_share",
    "min_altered_fraction",
    "n_alphas",
    "alpha_min_ratio",
)


def schema_defaults() -> dict[str, set[float]]:
    """Setting name -> its numeric defaults in every schema (one name can be a setting of two steps)."""
    found: dict[str, set[float]] = {}

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, prop in (node.get("properties") or {}).items():
                value = prop.get("default") if isinstance(prop, dict) else None
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    found.setdefault(key, set()).add(value)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for path in sorted(SCHEMAS.glob("*.schema.yaml")):
        walk(yaml.safe_load(path.read_text()))
    return found


def literal_pattern(name: str, values: set[float]) -> re.Pattern:
    """``name = v``, ``name: float = v`` (assignments, keyword arguments, dataclass fields),
    ``"name": v`` (dict literals) and ``.get("name", v)``, for every way of writing each value."""
    spelled = set()
    for value in values:
        spelled |= {repr(value), repr(float(value))}
        if float(value).is_integer():
            spelled.add(str(int(value)))
    alternatives = "|".join(sorted(re.escape(s) for s in spelled))
    return re.compile(
        rf"(?:\b{name}\b\s*(?::\s*[^=\n]+?)?\s*=\s*|[\"']{name}[\"']\s*[:,]\s*)(?:{alternatives})(?![\w.])"
    )


def test_every_schema_loads_and_gives_its_defaults() -> None:
    names = sorted(p.name.removesuffix(".schema.yaml") for p in SCHEMAS.glob("*.schema.yaml"))
    assert {"config", "samples", "variants", "omics", "integration", "targets", "pgx", "outcome"} <= set(names)
    for name in names:
        assert isinstance(defaults(name), dict)
    # the three settings, read from their schemas
    assert defaults("variants")["filters"]["min_depth"] == 10
    assert defaults("targets")["expression"]["z_high"] == 3.0
    assert defaults("integration")["n_factors"] == 10
    # nested sections merge key by key
    merged = with_defaults("variants", {"filters": {"min_depth": 20}})
    assert (
        merged["filters"]["min_depth"] == 20
        and merged["filters"]["min_vaf"] == defaults("variants")["filters"]["min_vaf"]
    )


@pytest.mark.parametrize("name", CHECKED)
def test_no_default_literal_outside_the_schemas(name: str) -> None:
    found = schema_defaults()
    assert name in found, f"{name} has no numeric default in precisionflow/schemas"
    pattern = literal_pattern(name, found[name])
    hits = []
    for path in SOURCES:
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if pattern.search(line):
                hits.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not hits, f"default of {name} ({sorted(found[name])}) written outside its schema:\n" + "\n".join(hits)


def test_the_pattern_finds_the_ways_a_default_is_copied() -> None:
    pattern = literal_pattern("min_depth", {10})
    for copied in ("min_depth: float = 10", "min_depth=10", '"min_depth": 10', 'get("min_depth", 10.0)'):
        assert pattern.search(copied), copied
    for other in ("min_depth: float = 100", "min_depth=10.5", 'settings["min_depth"]', "min_depth_x = 10"):
        assert not pattern.search(other), other


# Text settings that library functions take as optional arguments (their None means the schema's default).
TEXT_SETTINGS = (("config", "genome_build"), ("config", "unknown_samples"), ("variants", "annotation"))


@pytest.mark.parametrize(("schema", "name"), TEXT_SETTINGS)
def test_no_text_default_outside_the_schemas(schema: str, name: str) -> None:
    value = defaults(schema)[name]
    quoted = rf"[\"']{re.escape(value)}[\"']"
    pattern = re.compile(rf"\b{name}\b\s*(?::\s*[^=\n]+?)?\s*=\s*{quoted}|[\"']{name}[\"']\s*[:,]\s*{quoted}")
    hits = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in SOURCES
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if pattern.search(line)
    ]
    assert not hits, f"default of {name} ({value!r}) written outside its schema:\n" + "\n".join(hits)
