"""One-line messages for config and sheet errors found by JSON Schema validation."""

from __future__ import annotations

import re

import jsonschema


def schema_error_line(error: Exception, source: str, key_prefix: str = "", row_offset: int = 2) -> str | None:
    """``<source>: key <a/b/c>: <message>`` (or ``row N, column X`` for a sheet) from the
    WorkflowError that ``snakemake.utils.validate`` raises while handling a schema error; None when
    it was raised for another reason.

    ``row_offset`` turns the data frame's 0-based row into the file's line (header = line 1).
    """
    cause = error.__context__
    if not isinstance(cause, jsonschema.ValidationError):
        return None
    key = key_prefix + "/".join(str(p) for p in cause.absolute_path)
    row = re.search(r"Error validating row (\d+)", str(error))
    if row:
        where = f"row {int(row.group(1)) + row_offset}, column {key or '(row)'}"
    else:
        where = f"key {key.rstrip('/') or '(top level)'}"
    return f"{source}: {where}: {cause.message}"
