"""One-line messages for config and sheet errors found by JSON Schema validation."""

from __future__ import annotations

import re

import jsonschema


def schema_error_line(error_args: tuple, source: str, key_prefix: str = "", row_offset: int = 2) -> str | None:
    """``<source>: key <a/b/c>: <message>`` (or ``row N, column X`` for a sheet) from the arguments
    of the WorkflowError that ``snakemake.utils.validate`` raises; None when it holds no schema error.

    ``row_offset`` turns the data frame's 0-based row into the file's line (header = line 1).
    """
    cause = next((a for a in error_args if isinstance(a, jsonschema.ValidationError)), None)
    if cause is None:
        return None
    key = key_prefix + "/".join(str(p) for p in cause.absolute_path)
    row = re.search(r"row (\d+)", str(error_args[0]))
    if row:
        where = f"row {int(row.group(1)) + row_offset}, column {key or '(row)'}"
    else:
        where = f"key {key.rstrip('/') or '(top level)'}"
    return f"{source}: {where}: {cause.message}"
