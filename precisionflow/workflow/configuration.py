"""One-line messages for config and sheet errors found by JSON Schema validation; duplicate YAML keys."""

from __future__ import annotations

import os
import re

import jsonschema

from precisionflow.errors import InputError


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


def check_unique_keys(path: str | os.PathLike[str]) -> None:
    """A key given twice in one mapping of a YAML file is an error naming both lines.

    YAML loaders (PyYAML, as Snakemake uses it) keep the last value silently: a second ``omics:``
    would drop the layers of the first. PyYAML has no switch for this, hence this small loader.
    """
    import yaml

    class UniqueKeyLoader(yaml.SafeLoader):
        pass

    def construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: dict[object, int] = {}
        for key_node, _ in node.value:
            key = loader.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if key in seen:
                found = f"{key!r} again (first at line {seen[key]})"
                raise InputError(path, f"line {line}", "each key once in its mapping", found)
            seen[key] = line
        return loader.construct_mapping(node, deep=deep)

    UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
    try:
        with open(path, encoding="utf-8") as handle:
            yaml.load(handle, Loader=UniqueKeyLoader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.YAMLError:
        return  # syntax errors: Snakemake has already reported them while loading the file
