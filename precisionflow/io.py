"""Reading users' tables safely and writing outputs atomically and deterministically.

Every table a user hands the workflow goes through :func:`read_table`, so that the common ways a
file can be wrong (a directory, empty, binary, a truncated gzip, the wrong delimiter, missing
columns) get the same one-line :class:`~precisionflow.errors.InputError`. A UTF-8 byte-order mark
and CRLF line ends are accepted silently.

pandas is imported by the functions that use it: the variant step's command-line path reads its
reference tables with :func:`read_text_table` (pyarrow) and never imports pandas, whose import alone
is a fifth of that step's run on a million-record VCF (``bench/variants.py``).
"""

from __future__ import annotations

import contextlib
import csv
import glob
import gzip
import io
import os
import re
import tempfile
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from precisionflow.errors import InputError, shorten

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

GZIP_MAGIC = b"\x1f\x8b"
CURRENT_UMASK = os.umask(0o022)
os.umask(CURRENT_UMASK)


def check_file(path: str | os.PathLike[str], what: str = "a file") -> Path:
    """Fail unless ``path`` is an existing, non-empty regular file."""
    p = Path(path)
    if not p.exists():
        raise InputError(p, "path", f"{what} that exists", "nothing at that path")
    if p.is_dir():
        raise InputError(p, "path", f"{what}, not a directory", "a directory")
    if p.stat().st_size == 0:
        raise InputError(p, "content", f"{what} with content", "an empty file")
    return p


def split_paths(cell: str) -> list[str]:
    """The paths of a sheet's ``vcf``/``maf`` cell (``a.vcf.gz;b.vcf.gz``), blanks around ``;`` ignored."""
    return [part.strip() for part in str(cell).split(";") if part.strip()]


def is_gzipped(path: str | os.PathLike[str]) -> bool:
    with open(path, "rb") as handle:
        return handle.read(2) == GZIP_MAGIC


def read_text(path: str | os.PathLike[str], what: str = "a text table") -> str:
    """The whole text of a plain or gzipped file, BOM and CRLF removed.

    Raises a clear error for truncated gzip streams and for binary content.
    """
    p = check_file(path, what)
    raw = p.read_bytes()
    if raw[:2] == GZIP_MAGIC:
        try:
            raw = gzip.decompress(raw)
        except (EOFError, OSError, zlib.error) as error:
            raise InputError(
                p, "gzip stream", "a complete gzip file", f"a damaged or truncated one ({error})"
            ) from None
    if b"\x00" in raw[:65536]:
        raise InputError(p, "content", what, "binary data (NUL bytes)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise InputError(p, f"line {line}", "UTF-8 text", "bytes that are not UTF-8") from None
    if not text.strip():
        raise InputError(p, "content", what, "only blank lines")
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def guess_separator(path: str | os.PathLike[str], header: str) -> str:
    """Tab unless the name says CSV, or the header has commas and no tabs."""
    name = str(path).lower().removesuffix(".gz")
    if name.endswith(".csv"):
        return ","
    if "\t" not in header and "," in header:
        return ","
    return "\t"


def read_table(
    path: str | os.PathLike[str],
    *,
    required: Sequence[str] = (),
    sep: str | None = None,
    what: str = "a table",
    comment: str | None = None,
    header: int | None = 0,
    names: Sequence[str] | None = None,
    dtype: object = None,
    keep_default_na: bool = True,
    trailing_empty_fields: bool = False,
) -> pd.DataFrame:
    """Read a delimited table (plain or gzipped) with checks that name the file.

    ``required`` lists columns that must be present; a missing one is reported together with the
    columns that were found, which also catches a wrong delimiter (everything in one column).
    ``keep_default_na=False``: only empty cells are missing (the text ``NA`` is a value).
    ``trailing_empty_fields``: empty fields after the header's last named column (a spreadsheet's
    export artefact) are dropped; pandas would otherwise take the first column for an index.
    """
    import pandas as pd

    lines, separator = _table_lines(path, what, sep, comment)
    if trailing_empty_fields and header == 0:
        lines = without_trailing_empty_fields(lines, separator)
    try:
        frame = pd.read_csv(
            io.StringIO("\n".join(lines)),
            sep=separator,
            header=header,
            names=names,
            dtype=dtype,
            keep_default_na=keep_default_na,
            skip_blank_lines=True,
        )
    except pd.errors.ParserError as error:
        raise InputError(
            path, "layout", f"{what} with the same number of fields on every line", str(error).strip()
        ) from None
    except pd.errors.EmptyDataError:
        raise InputError(path, "content", what, "no rows") from None
    if header is not None:
        frame.columns = [str(c).strip() for c in frame.columns]
        missing = [c for c in required if c not in frame.columns]
        if missing:
            delimiter = "tab" if separator == "\t" else "comma"
            raise InputError(
                path,
                f"header (read as {delimiter}-separated)",
                f"column(s) {shorten(missing)}",
                f"columns {shorten(frame.columns)}",
            )
    return frame


def _table_lines(
    path: str | os.PathLike[str], what: str, sep: str | None, comment: str | None
) -> tuple[list[str], str]:
    """The lines of a table (comment lines dropped) and its separator (given, or guessed from the first line)."""
    text = read_text(path, what)
    lines = [line for line in text.split("\n") if not (comment and line.startswith(comment))]
    first = next((line for line in lines if line.strip()), "")
    return lines, sep or guess_separator(path, first)


# pandas' default missing-value strings (pandas.io.parsers STR_NA_VALUES): both readers see the same cells as missing.
NA_STRINGS = (
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
    "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
)  # fmt: skip


def read_text_table(
    path: str | os.PathLike[str],
    *,
    sep: str | None = None,
    what: str = "a table",
    comment: str | None = None,
    header: bool = True,
) -> pa.Table:
    """A delimited table (plain or gzipped) as text columns (null where a cell is empty or a missing-value string),
    without pandas: :func:`read_table`'s checks and reading rules (comment lines, blank lines, the separator, quotes)
    for tables that need no type inference. Without ``header`` the columns are named ``0``, ``1`` …; a line with
    fewer fields than the first is filled with nulls, one with more is an error naming it.
    """
    import pyarrow as pa

    text = read_text(path, what)
    lines = text.split("\n", 1000)  # enough to find the first line; all of them only if the text must be mended
    first = next((line for line in lines if line.strip() and not (comment and line.startswith(comment))), None)
    if first is None and len(lines) > 1000:
        lines = text.split("\n")
        first = next((line for line in lines if line.strip() and not (comment and line.startswith(comment))), None)
    if first is None:
        raise InputError(path, "content", what, "no rows")
    separator = sep or guess_separator(path, first)
    names = [str(i) for i in range(len(next(csv.reader([first], delimiter=separator))))]
    # pyarrow reads the text as it is unless a line must be dropped (a comment, blank lines before the first) or
    # filled (fewer fields: pyarrow then fails, and the lines are mended)
    as_is = lines[0] == first and not (comment and (text.startswith(comment) or f"\n{comment}" in text))
    try:
        body = text if as_is else _padded(path, what, text.split("\n"), separator, len(names), comment)
        table = _parse_text(body, names, header, separator)
    except pa.ArrowInvalid:
        try:
            mended = _padded(path, what, text.split("\n"), separator, len(names), comment)
            table = _parse_text(mended, names, header, separator)
        except pa.ArrowInvalid as error:
            expected = f"{what} with the same number of fields on every line"
            raise InputError(path, "layout", expected, str(error).strip().splitlines()[0][:200]) from None
    if header:
        table = table.rename_columns([c.strip() for c in next(csv.reader([first], delimiter=separator))])
    return table


def _padded(
    path: str | os.PathLike[str], what: str, lines: list[str], separator: str, width: int, comment: str | None
) -> str:
    """The table's text without comment and blank lines, short lines filled with empty fields (as pandas reads
    them); a line with more fields than the first is an error naming it."""
    kept = []
    for number, line in enumerate(lines, start=1):
        if not line.strip() or (comment and line.startswith(comment)):
            continue
        if line.count(separator) != width - 1:
            fields = len(next(csv.reader([line], delimiter=separator)))  # a quoted separator is no field boundary
            if fields > width:
                expected = f"{what} with the same number of fields on every line"
                raise InputError(path, f"line {number}", expected, f"{fields} fields ({width} on the first line)")
            line += separator * (width - fields)
        kept.append(line)
    return "\n".join(kept)


def _parse_text(text: str, names: list[str], header: bool, separator: str) -> pa.Table:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    return pacsv.read_csv(
        pa.py_buffer(text.encode("utf-8")),
        read_options=pacsv.ReadOptions(column_names=names, skip_rows=1 if header else 0),
        parse_options=pacsv.ParseOptions(delimiter=separator),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()), null_values=list(NA_STRINGS), strings_can_be_null=True
        ),
    )


def without_trailing_empty_fields(lines: list[str], separator: str) -> list[str]:
    """Lines cut to the header's named columns where every field beyond them is empty; a line with a
    value there is kept whole (and then reported by the reader as a line with too many fields)."""
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        return lines
    names = lines[first].split(separator)
    while len(names) > 1 and not names[-1].strip():
        names.pop()
    width = len(names)
    out = lines[:first] + [separator.join(names)]
    for line in lines[first + 1 :]:
        fields = line.split(separator)
        if len(fields) > width and not any(f.strip() for f in fields[width:]):
            line = separator.join(fields[:width])
        out.append(line)
    return out


def numeric_column(
    frame: pd.DataFrame, column: str, path: str | os.PathLike[str], *, integer: bool = False
) -> pd.Series:
    """A column converted to numbers; the first cell that is not a number is named in the error."""
    import pandas as pd

    values = pd.to_numeric(frame[column], errors="coerce")
    bad = values.isna() & frame[column].notna()
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0])
        raise InputError(path, f"row {row + 2}, column {column!r}", "a number", repr(frame[column].iloc[row]))
    if integer and not (values.dropna() == values.dropna().round()).all():
        row = int((values != values.round()).to_numpy().nonzero()[0][0])
        raise InputError(path, f"row {row + 2}, column {column!r}", "a whole number", repr(frame[column].iloc[row]))
    return values


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it into place only if the block succeeds.

    A failing step thus never leaves a half-written output behind. A job killed outright (SIGKILL)
    cannot clean up: its temporary file is removed when the output is written again (one job owns
    an output, so no other writer's file is touched).
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    stale_name = re.compile(rf"\.{re.escape(target.name)}\.[a-z0-9_]{{8}}\.tmp")  # mkstemp's names below
    for stale in target.parent.glob(f".{glob.escape(target.name)}.*.tmp"):
        if stale_name.fullmatch(stale.name):
            with contextlib.suppress(FileNotFoundError):
                stale.unlink()
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    # The writer creates the file: opening an existing one for writing truncates it (O_TRUNC), which makes ext4 write
    # it back when it is closed (auto_da_alloc), a wait of 0.05 s for a 200 MB MAF. The random name stays reserved.
    os.unlink(tmp)
    try:
        yield Path(tmp)
        if not os.path.exists(tmp):  # nothing written: an empty output, as before
            open(tmp, "wb").close()
        os.chmod(tmp, 0o666 & ~CURRENT_UMASK)  # the usual permissions, whatever the writer made
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_tsv(frame: pd.DataFrame, path: str | os.PathLike[str], *, index: bool = False) -> None:
    """Write a tab-separated table atomically (``NA`` for missing values, ``\\n`` line ends)."""
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, sep="\t", index=index, na_rep="NA", lineterminator="\n")


def write_h5ad(adata: object, path: str | os.PathLike[str]) -> None:
    """Write an AnnData atomically (anndata's HDF5 output is byte-identical for the same data)."""
    with atomic_path(path) as tmp:
        adata.write_h5ad(tmp)  # type: ignore[attr-defined]


def write_text(text: str, path: str | os.PathLike[str]) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
