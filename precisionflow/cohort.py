"""The cohort as given: clinical columns and which inputs each patient has."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd


def overview(
    sheet: pd.DataFrame,
    public_ids: Mapping[str, str],
    clinical_columns: Sequence[str],
    layer_samples: Mapping[str, Sequence[str]],
) -> pd.DataFrame:
    """One row per patient (public id, sorted): clinical columns, ``has_variants``,
    ``has_copy_number``, ``has_germline`` (a germline VCF for pharmacogenomics) and ``has_<layer>`` for each
    matrix layer."""
    table = pd.DataFrame(index=pd.Index([public_ids[p] for p in sheet.index], name="patient"))
    for column in clinical_columns:
        table[column] = sheet[column].to_numpy()
    has_vcf = sheet["vcf"].notna() if "vcf" in sheet else pd.Series(False, index=sheet.index)
    has_maf = sheet["maf"].notna() if "maf" in sheet else pd.Series(False, index=sheet.index)
    table["has_variants"] = (has_vcf | has_maf).to_numpy()
    table["has_copy_number"] = (
        sheet["cna"].notna() if "cna" in sheet else pd.Series(False, index=sheet.index)
    ).to_numpy()
    has_germline = sheet["germline_vcf"].notna() if "germline_vcf" in sheet else pd.Series(False, index=sheet.index)
    table["has_germline"] = has_germline.to_numpy()
    for layer, samples in sorted(layer_samples.items()):
        present = set(samples)
        table[f"has_{layer}"] = [p in present for p in sheet.index]
    return table.sort_index().reset_index()
