"""Which evidence (rna, protein or none) each omics layer gives the target step (light: the rules import it at
parse time, to choose the layers rule targets_prioritize reads)."""

from __future__ import annotations

from collections.abc import Mapping

from precisionflow.errors import InputError, shorten


def layer_kinds(layers: Mapping[str, Mapping], overrides: Mapping[str, str]) -> dict[str, str]:
    """Evidence type of each layer: the ``targets: layers:`` override, else rna/protein by the layer's type."""
    unknown = sorted(set(overrides) - set(layers))
    if unknown:
        raise InputError(
            "config", "key targets/layers", f"names of layers under omics ({shorten(sorted(layers))})", shorten(unknown)
        )
    kinds = {}
    for name, cfg in layers.items():
        kind = overrides.get(name) or {"rna": "rna", "protein": "protein"}.get(cfg["type"], "none")
        if kind != "none":
            kinds[name] = kind
    return kinds
