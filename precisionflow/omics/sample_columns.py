"""Where the samples are in a layer's file, read from its header alone.

Used at parse time (rules/common.smk) to check the matrices' sample ids against the sheet before
any job runs, and by the readers of this package (:mod:`precisionflow.omics.read`) so that both
agree on the layout: the readers call :func:`split_columns` and :func:`maxquant_sample_columns`
on the same header fields.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

from precisionflow.errors import InputError, shorten
from precisionflow.io import guess_separator, read_text

# Leading annotation columns of a features-by-samples table (nf-core/rnaseq merged counts,
# featureCounts, plain matrices): they are not samples.
ANNOTATION_COLUMNS = (
    "gene_id",
    "gene_name",
    "Geneid",
    "gene",
    "symbol",
    "feature",
    "Chr",
    "Start",
    "End",
    "Strand",
    "Length",
)

# MaxQuant intensity columns, real (`LFQ intensity X`) or R-dotted (`LFQ.intensity.X`) names; LFQ
# is used when the table has it.
MAXQUANT_INTENSITY = (
    re.compile(r"^LFQ[ .]intensity[ .](?P<sample>.+)$"),
    re.compile(r"^Intensity[ .](?P<sample>.+)$"),
)

SILAC_CHANNEL = re.compile(r"^[LMH]$|^[LMH][ .]")


class Columns(NamedTuple):
    """A features-by-samples header: the feature id column, annotation columns, sample columns."""

    feature: str
    annotations: list[str]
    samples: list[str]


def header_fields(path: str | Path) -> tuple[list[str], str]:
    """The header's fields and the table's separator."""
    text = read_text(path, "a matrix")
    header = text.split("\n", 1)[0]
    separator = guess_separator(path, header)
    fields = [field.strip().strip('"') for field in header.split(separator)]
    if len(fields) < 2:  # a matrix has an id column and more: the file uses another delimiter
        delimiter = "tab" if separator == "\t" else "comma"
        raise InputError(
            path,
            f"header (read as {delimiter}-separated)",
            "an id column and at least one more column",
            f"one field {header[:60]!r}",
        )
    return fields, separator


def maxquant_sample_columns(columns: list[str], path: str | Path) -> tuple[str, dict[str, str]]:
    """The intensity kind used (LFQ when present) and its columns, sample id -> column name."""
    lfq, raw = ({m["sample"]: c for c in columns if (m := pattern.match(c))} for pattern in MAXQUANT_INTENSITY)
    if lfq:
        # a sample with an Intensity column but no LFQ column would silently leave the layer (SILAC
        # channel totals, 'Intensity L' / 'Intensity H ...', are not samples)
        without_lfq = [sample for sample in raw if sample not in lfq and not SILAC_CHANNEL.match(sample)]
        if without_lfq:
            raise InputError(
                path,
                "header",
                "an 'LFQ intensity <sample>' column for every 'Intensity <sample>' column (LFQ is used when present)",
                f"none for {shorten(without_lfq)}",
            )
        return MAXQUANT_INTENSITY[0].pattern, lfq
    if raw:
        return MAXQUANT_INTENSITY[1].pattern, raw
    raise InputError(
        path, "header", "MaxQuant intensity columns ('LFQ intensity <sample>' or 'Intensity <sample>')", "none"
    )


def split_columns(columns: list[str]) -> Columns:
    """A features-by-samples header: the first column holds feature ids; the known annotation
    columns after it (``gene_name`` of nf-core/rnaseq, featureCounts' ``Chr`` … ``Length``) are not
    samples; every other column is a sample."""
    rest = columns[1:]
    return Columns(
        columns[0], [c for c in rest if c in ANNOTATION_COLUMNS], [c for c in rest if c not in ANNOTATION_COLUMNS]
    )


def matrix_sample_columns(columns: list[str]) -> list[str]:
    """Sample columns of a features-by-samples table: all but the id and annotation columns."""
    return split_columns(columns).samples


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
