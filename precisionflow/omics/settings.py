"""A layer's settings under ``omics:``: the schema's defaults (precisionflow/schemas/omics.schema.yaml),
then the defaults implied by the layer's type and values, and the rules between keys."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from precisionflow.errors import InputError
from precisionflow.settings import with_defaults

VALUES_BY_TYPE = {"rna": "counts", "protein": "intensity", "matrix": "log"}
NORMALIZATIONS = {
    "counts": ("median_of_ratios", "tmm", "cpm", "none"),
    "intensity": ("median", "quantile", "none"),
    "log": ("median", "quantile", "none"),
}
DEFAULT_NORMALIZATION = {"counts": "median_of_ratios", "intensity": "median", "log": "none"}


@dataclass
class Settings:
    """A layer's config with every default filled in: the defaults of precisionflow/schemas/omics.schema.yaml
    (through :func:`precisionflow.settings.with_defaults`), then the ones that depend on the layer's type and
    values (``values``, ``normalization``, ``transform``, ``imputation``), which a schema cannot express."""

    type: str
    path: str
    format: str
    values: str | None
    orientation: str
    feature_map: str | None
    normalization: str | None
    transform: str | None
    imputation: str | None
    scale: bool
    batch: str | None
    round_counts: bool
    size_factor_fallback: str
    vst_nsub: int | None
    filters: dict[str, Any]
    minprob: dict[str, Any]

    @classmethod
    def from_config(cls, layer: str, config: Mapping[str, Any], source: str = "the config") -> Settings:
        """The settings of layer ``layer``; the key names and value types are the schema's to check (the
        workflow validates each layer against it before any job runs); the rules between keys that
        depend on the implied defaults are checked here."""
        given = with_defaults("omics", config)
        s = cls(**{k: given.get(k) for k in cls.__dataclass_fields__})
        s.values = s.values or VALUES_BY_TYPE[s.type]
        s.normalization = s.normalization or DEFAULT_NORMALIZATION[s.values]
        if s.transform is None:
            s.transform = (
                ("vst" if s.normalization == "median_of_ratios" else "log2") if s.values == "counts" else "none"
            )
        if s.imputation is None:
            s.imputation = "minprob" if s.values == "intensity" else "none"
        s.check(layer, source)
        return s

    def check(self, layer: str, source: str) -> None:
        """The rules between keys, with the defaults implied by type and values filled in."""

        def bad(key: str, expected: str, found: object) -> InputError:
            return InputError(source, f"key omics/{layer}/{key}", expected, repr(found))

        s = self
        if s.format == "maxquant" and s.values != "intensity":
            raise bad("values", "intensity for a MaxQuant file (format: maxquant)", s.values)
        if s.normalization not in NORMALIZATIONS[s.values]:
            expected = f"one of {', '.join(NORMALIZATIONS[s.values])} for values: {s.values}"
            raise bad("normalization", expected, s.normalization)
        if s.values != "counts" and s.transform != "none":
            raise bad("transform", f"none for values: {s.values} (vst and log2 transform counts)", s.transform)
        if s.transform == "vst" and s.normalization != "median_of_ratios":
            expected = "log2 or none with this normalization (vst goes with median_of_ratios size factors)"
            raise bad("transform", expected, s.transform)
        if s.values == "counts" and s.imputation != "none":
            raise bad("imputation", "none for values: counts", s.imputation)


def sheet_columns_needed(config: Mapping[str, Any]) -> list[str]:
    """The sheet columns a layer's config names (``batch``, ``filters/group_column``): the only
    ones its rule passes to the script."""
    filters = config.get("filters") or {}
    return sorted({c for c in (config.get("batch"), filters.get("group_column")) if c})
