"""Writing the target tables: millions of rows of numbers, formatted once, split by patient.

pandas formats floats in Python (about half a microsecond per value); a cohort of 1,000 patients ×
20,000 genes yields millions of rows, so the tables are formatted by Apache Arrow's CSV writer (C++)
instead: numbers in their shortest round-trip form (``0.79875``, ``1``, ``0``), ``NA`` for a missing
number, text as is. Same data, same bytes. Every file is written atomically.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from precisionflow.io import atomic_path

NEWLINE = 10


def clean_text(values):
    """Text cells without tabs and line breaks (they would break the table's layout); missing -> ''."""
    return pc.replace_substring_regex(pc.fill_null(values, ""), r"[\t\n\r]", " ")


def tsv_body(frame: pd.DataFrame) -> bytes:
    """The frame's rows as tab-separated lines (no header), each ending in ``\\n``."""
    if frame.empty:
        return b""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    columns = []
    for column in table.columns:
        if pa.types.is_dictionary(column.type):  # categories: clean the few distinct values, then expand
            column = pa.chunked_array(
                [
                    pa.DictionaryArray.from_arrays(chunk.indices, clean_text(pc.cast(chunk.dictionary, pa.string())))
                    for chunk in column.chunks
                ],
                type=pa.dictionary(column.type.index_type, pa.string()),
            )
            column = pc.cast(column, pa.string())
        elif pa.types.is_floating(column.type) or pa.types.is_integer(column.type) or pa.types.is_boolean(column.type):
            column = pc.fill_null(pc.cast(column, pa.string()), "NA")
        else:
            column = clean_text(column)
        columns.append(pc.fill_null(column, ""))
    buffer = pa.BufferOutputStream()
    pacsv.write_csv(
        pa.table(columns, names=table.column_names),
        buffer,
        pacsv.WriteOptions(include_header=False, delimiter="\t", quoting_style="none"),
    )
    return buffer.getvalue().to_pybytes()


def header(frame: pd.DataFrame) -> bytes:
    return ("\t".join(str(c) for c in frame.columns) + "\n").encode()


def write_table(frame: pd.DataFrame, path: str | os.PathLike[str]) -> None:
    with atomic_path(path) as tmp:
        tmp.write_bytes(header(frame) + tsv_body(frame))


def write_split(frame: pd.DataFrame, bounds: np.ndarray, paths: Sequence[str | os.PathLike[str]]) -> None:
    """Rows ``bounds[i]:bounds[i + 1]`` of ``frame`` into ``paths[i]``, each with the header."""
    body = tsv_body(frame)
    line_ends = np.flatnonzero(np.frombuffer(body, dtype=np.uint8) == NEWLINE) + 1
    offsets = np.r_[0, line_ends]
    if len(offsets) != len(frame) + 1:
        raise ValueError(f"{len(offsets) - 1} lines formatted for {len(frame)} rows")
    head = header(frame)
    for i, path in enumerate(paths):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp:
            tmp.write_bytes(head + body[offsets[bounds[i]] : offsets[bounds[i + 1]]])
