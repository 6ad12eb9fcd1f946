"""The sample sheet: one row per patient, validated beyond what JSON Schema can express."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd

from precisionflow.actionability.alterations import MSI_STATUSES
from precisionflow.errors import InputError, shorten
from precisionflow.io import read_table, split_paths

FILE_COLUMNS = ("vcf", "maf", "cna", "germline_vcf", "pgx_outside_calls", "fusions", "germline_maf")


def _rows(rows: Sequence[int], limit: int = 5) -> str:
    """Row numbers for a message: ``5, 9`` (the first few, then a count)."""
    shown = ", ".join(str(r) for r in rows[:limit])
    return shown + (f" and {len(rows) - limit} more" if len(rows) > limit else "")


def load_sheet(path: str | Path) -> pd.DataFrame:
    """Read the sheet as text (every cell a string or missing), indexed by ``patient``.

    Only blank cells are missing (``NA`` is a value: a group may be called that); duplicate patient
    ids, also in another letter case, and blank ones are errors naming their rows; empty fields after
    the last column (a spreadsheet's trailing tabs) are ignored.
    """
    sheet = read_table(
        path,
        required=["patient"],
        sep="\t",
        what="a tab-separated sample sheet",
        dtype=str,
        keep_default_na=False,
        trailing_empty_fields=True,
    )
    sheet = sheet.apply(lambda column: column.str.strip())
    sheet = sheet.replace("", pd.NA)
    blank = sheet["patient"].isna()
    if blank.any():
        rows = [i + 2 for i in blank.to_numpy().nonzero()[0]]
        raise InputError(path, f"row(s) {_rows(rows)}, column 'patient'", "a patient id", "a blank cell")
    duplicated = sheet["patient"].duplicated(keep=False)
    if duplicated.any():
        rows = [i + 2 for i in duplicated.to_numpy().nonzero()[0]]
        ids = sorted(set(sheet.loc[duplicated, "patient"]))
        raise InputError(
            path, f"rows {_rows(rows)}, column 'patient'", "unique patient ids", f"duplicates {shorten(ids)}"
        )
    check_ids_differ_beyond_case(sheet["patient"], path)
    return sheet.set_index("patient", drop=False)


def check_ids_differ_beyond_case(ids: pd.Series, path: str | Path) -> None:
    """``DEMO-004`` and ``demo-004`` are one patient to a case-insensitive file system (macOS, Windows)
    and to many tools: ids that differ only in letter case are refused."""
    folded = ids.str.casefold()
    clash = folded.duplicated(keep=False)
    if clash.any():
        rows = [i + 2 for i in clash.to_numpy().nonzero()[0]]
        where = f"rows {_rows(rows)}, column 'patient'"
        raise InputError(path, where, "patient ids that differ in more than letter case", shorten(ids[clash]))


def check_columns(sheet: pd.DataFrame, path: str | Path, columns: dict[str, Iterable[str]]) -> None:
    """Every column the config names (label, protected, identifying ...) must be in the sheet."""
    for key, names in columns.items():
        for name in names:
            if name not in sheet.columns:
                raise InputError(
                    path,
                    "header",
                    f"column {name!r} (named by config key {key!r})",
                    f"columns {shorten(sheet.columns)}",
                )


def check_files(sheet: pd.DataFrame, path: str | Path, columns: Sequence[str] = FILE_COLUMNS) -> None:
    """Files named in the sheet must exist and be files (relative paths: from the working directory)."""
    for column in columns:
        if column not in sheet.columns:
            continue
        for row, (patient, cell) in enumerate(sheet[column].items(), start=2):
            for value in [] if pd.isna(cell) else split_paths(cell) if column in MULTI_FILE_COLUMNS else [cell]:
                _check_file(path, row, patient, column, value)


def _check_file(path: str | Path, row: int, patient: str, column: str, value: str) -> None:
    where = f"row {row} (patient {patient!r}), column {column!r}"
    target = Path(value)
    if not target.exists():
        raise InputError(path, where, "a file that exists", f"no file at {value!r}")
    if target.is_dir():
        raise InputError(path, where, "a file, not a directory", f"the directory {value!r}")
    if target.stat().st_size == 0:
        raise InputError(path, where, "a file with content", f"an empty file at {value!r}")


def check_msi_status(sheet: pd.DataFrame, path: str | Path, column: str = "msi_status") -> None:
    """The ``msi_status`` column (when present): MSI-H, MSI-L, MSS (any letter case) or blank."""
    if column not in sheet.columns:
        return
    for row, (patient, cell) in enumerate(sheet[column].items(), start=2):
        if not pd.isna(cell) and str(cell).strip().upper() not in MSI_STATUSES:
            where = f"row {row} (patient {patient!r}), column {column!r}"
            raise InputError(path, where, f"{', '.join(MSI_STATUSES)} or a blank cell", repr(cell))


def check_matrix_samples(
    samples: Sequence[str], patients: Iterable[str], path: str | Path, drop_unknown: bool
) -> list[str]:
    """Sample ids of a matrix that match no patient are an error, unless the config says to drop them.

    Returns the sample ids that are kept.
    """
    if not len(samples):
        raise InputError(path, "sample ids", "at least one sample (is the delimiter tab, or comma for .csv?)", "none")
    known = set(patients)
    unknown = [s for s in samples if s not in known]
    if unknown and not drop_unknown:
        raise InputError(
            path,
            "sample ids",
            "every sample to be a patient of the sheet (or `unknown_samples: drop` in the config)",
            f"{len(unknown)} unknown: {shorten(unknown)}",
        )
    duplicated = sorted({s for s in samples if list(samples).count(s) > 1}) if len(set(samples)) != len(samples) else []
    if duplicated:
        raise InputError(path, "sample ids", "each sample once", f"duplicates {shorten(duplicated)}")
    return [s for s in samples if s in known]


# Columns whose cell may list several files of one patient, ';'-separated (e.g. SNVs and indels of two callers).
MULTI_FILE_COLUMNS = ("vcf", "maf")


def check_shared_variant_files(sheet: pd.DataFrame, path: str | Path) -> None:
    """Two patients may share a multi-sample VCF or a cohort MAF, never the same tumour in it.

    A VCF with the same (or a blank, so the same chosen) ``tumor_sample`` for two patients, or a MAF with the
    same non-blank ``tumor_sample``, would give both the same variants: an error naming the two rows.
    """
    seen: dict[tuple[str, str, str], tuple[int, str]] = {}
    tumours = sheet["tumor_sample"] if "tumor_sample" in sheet.columns else pd.Series(pd.NA, index=sheet.index)
    for column in MULTI_FILE_COLUMNS:
        if column not in sheet.columns:
            continue
        for row, (patient, cell) in enumerate(sheet[column].items(), start=2):
            if pd.isna(cell):
                continue
            tumour = "" if pd.isna(tumours.iloc[row - 2]) else str(tumours.iloc[row - 2])
            if column == "maf" and not tumour:
                continue  # a cohort MAF: the patient's rows are found by patient id
            for file in split_paths(cell):
                key = (column, str(Path(file)), tumour)
                if key in seen:
                    first_row, first_patient = seen[key]
                    sample = f"sample {tumour!r}" if tumour else "a blank tumor_sample (the same column chosen)"
                    raise InputError(
                        path,
                        f"rows {first_row} and {row} (patients {first_patient!r}, {patient!r}), column {column!r}",
                        "a different tumour sample per patient in a shared file (column tumor_sample)",
                        f"{file!r} with {sample} twice",
                    )
                seen[key] = (row, str(patient))
