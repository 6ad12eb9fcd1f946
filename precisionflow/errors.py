"""One exception type for problems in a user's input.

Every check that rejects input raises :class:`InputError`, so that the workflow can print one
line that names the file, the place in it (row, column, line, key) and what was expected.
"""

from __future__ import annotations

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
