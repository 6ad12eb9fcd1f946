"""One exception type for problems in a user's input.

Every check that rejects input raises :class:`InputError`, so that the workflow can print one
line that names the file, the place in it (row, column, line, key) and what was expected.
"""

from __future__ import annotations

import errno
import os
import re
from os import PathLike


class InputError(Exception):
    """Bad input: ``<file>: <where>: expected <what>[, found <what>]``."""

    def __init__(
        self,
        path: str | PathLike[str],
        where: str,
        expected: str,
        found: str | None = None,
    ) -> None:
        self.path = str(path)
        self.where = where
        self.expected = expected
        self.found = found
        super().__init__(str(self))

    def __str__(self) -> str:
        message = f"{self.path}: {self.where}: expected {self.expected}"
        if self.found is not None:
            message += f", found {self.found}"
        return message


def shorten(values: object, limit: int = 5) -> str:
    """A short, quoted list of values for an error message (the first few, then a count)."""
    items = [str(v) for v in values]  # type: ignore[attr-defined]
    shown = ", ".join(repr(v) for v in items[:limit])
    if len(items) > limit:
        shown += f" and {len(items) - limit} more"
    return shown


# Faults of the file system a step writes to: what the step needed, by errno.
_FAULTS = {
    "ENOSPC": "free space on its file system",
    "EDQUOT": "disk quota left",
    "EROFS": "a writable file system",
    "EACCES": "permission to write there",
    "EPERM": "permission to write there",
    "ENOTDIR": "a folder at every level of the path",
    "EISDIR": "a file, not a folder",
}
# atomic_path's temporary name beside an output: ``.<name>.<8 chars>.tmp``
_TEMPORARY = re.compile(r"(^|/)\.([^/]+)\.[a-z0-9_]{8}\.tmp$")
_HDF5_FILENAME = re.compile(r"filename = '([^']+)'|name = '([^']+)'")


def fault_line(error: OSError, fallback: str = "an output") -> str | None:
    """``<path>: expected <what the step needed>, found <the system's words> (<errno name>)`` for a
    file-system fault (disk full, read-only, no permission, a file where a folder should be), or None
    for any other OSError. HDF5 (h5py) reports the file inside its message; a temporary output is
    named as the output it stands for; ``fallback`` names the outputs when the error names no file."""
    name = errno.errorcode.get(error.errno or 0, "")
    if name not in _FAULTS:
        return None
    path = error.filename
    if path is None:
        match = _HDF5_FILENAME.search(str(error))
        path = next((g for g in match.groups() if g), None) if match else None
    path = _TEMPORARY.sub(r"\1\2", str(path)) if path is not None else fallback
    return f"{path}: expected {_FAULTS[name]}, found {os.strerror(error.errno)} ({name})"
