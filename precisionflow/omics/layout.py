"""Where the samples are in a layer's file, read from its header alone.

Used at parse time (rules/common.smk) to check the matrices' sample ids against the sheet before
any job runs, and by the readers of this package so that both agree on the layout.
"""

from __future__ import annotations

import re
from pathlib import Path

from precisionflow.errors import InputError
from precisionflow.io import guess_separator, read_text

# Leading annotation columns of a features-by-samples table (nf-core/rnaseq merged counts,
# featureCounts, plain matrices): they are not samples.
ANNOTATION_COLUMNS = ("gene_id", "gene_name", "Geneid", "gene", "symbol", "feature", "Chr", "Start", "End", "Strand", "Length")

MAXQUANT_INTENSITY = (
    re.compile(r"^LFQ[ .]intensity[ .](?P<sample>.+)$"),
    re.compile(r"^Intensity[ .](?P<sample>.+)$"),
)


def header_fields(path: str | Path) -> tuple[list[str], str]:
    """The header's fields and the table's separator."""
    text = read_text(path, "a matrix")
    header = text.split("\n", 1)[0]
    separator = guess_separator(path, header)
    return [field.strip().strip('"') for field in header.split(separator)], separator


def maxquant_sample_columns(columns: list[str], path: str | Path) -> tuple[str, dict[str, str]]:
    """The intensity kind used (LFQ when present) and its columns, sample id -> column name."""
    for pattern in MAXQUANT_INTENSITY:
        found = {m["sample"]: c for c in columns if (m := pattern.match(c))}
        if found:
            return pattern.pattern, found
    raise InputError(path, "header", "MaxQuant intensity columns ('LFQ intensity <sample>' or 'Intensity <sample>')", "none")


def matrix_sample_columns(columns: list[str]) -> list[str]:
    """Sample columns of a features-by-samples table: all but the id and annotation columns."""
    samples = columns[1:]
    return [c for c in samples if c not in ANNOTATION_COLUMNS]


def layer_sample_ids(path: str | Path, layer_type: str, file_format: str, orientation: str) -> list[str]:
    """The sample ids of a layer's file, in file order."""
    columns, separator = header_fields(path)
    if file_format == "maxquant":
        return list(maxquant_sample_columns(columns, path)[1])
    if orientation == "samples_by_features":
        text = read_text(path, "a matrix")
        rows = [line for line in text.split("\n")[1:] if line.strip()]
        return [row.split(separator, 1)[0].strip().strip('"') for row in rows]
    return matrix_sample_columns(columns)
