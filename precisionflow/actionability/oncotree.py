"""OncoTree codes (the tumour-type vocabulary of MOAlmanac, cBioPortal and the config's ``tumor_type``).

The resource is OncoTree's flat export as MOAlmanac ships it (``code, main_type, name, tissue``). It has
no parent column, so the hierarchy this module understands is the one level the file holds: two codes
are the same tumour type when they are equal or share their OncoTree *main type* (``IDC`` and ``BRCA``
are both "Breast Cancer"; ``READ`` and ``COADREAD`` both "Colorectal Cancer"). An assertion without a
code (MOAlmanac's "Any solid tumor", tissue-agnostic approvals such as MSI-high → pembrolizumab) applies
to every tumour type.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

import pandas as pd

from precisionflow.errors import InputError, shorten
from precisionflow.io import read_table

COLUMNS = ("code", "main_type", "name", "tissue")

SAME, ANY, OTHER = "same", "any", "other"


def read_oncotree(path: str | os.PathLike[str]) -> pd.DataFrame:
    """``code, main_type, name, tissue``, one row per code (codes upper-case, unique)."""
    frame = read_table(
        path, required=COLUMNS, sep="\t", dtype=str, what="an OncoTree code table (code, main_type, name, tissue)"
    )
    frame = frame[list(COLUMNS)].fillna("")
    frame["code"] = frame["code"].str.strip().str.upper()
    frame = frame[frame["code"] != ""]
    duplicated = frame["code"].duplicated()
    if duplicated.any():
        row = int(duplicated.to_numpy().nonzero()[0][0])
        raise InputError(
            path, f"row {row + 2}, column 'code'", "each OncoTree code once", repr(frame["code"].iloc[row])
        )
    return frame.reset_index(drop=True)


def check_tumour_types(
    types: Mapping[str, str | None], oncotree: pd.DataFrame, source: str, where: str
) -> dict[str, str | None]:
    """patient -> OncoTree code (upper-case; None when not given); an unknown code is an error naming it.

    ``where`` says where the code came from (``"key tumor_type"`` or ``"column 'tumor_type'"``).
    """
    known = set(oncotree["code"])
    out: dict[str, str | None] = {}
    for patient, code in types.items():
        if code is None or (isinstance(code, float) and pd.isna(code)) or str(code).strip() == "":
            out[patient] = None
            continue
        value = str(code).strip().upper()
        if value not in known:
            close = sorted(c for c in known if c.startswith(value[:2]))[:5]
            hint = f" (close: {shorten(close)})" if close else ""
            raise InputError(
                source,
                where if patient == "" else f"patient {patient!r}, {where}",
                f"an OncoTree code{hint}",
                repr(str(code)),
            )
        out[patient] = value
    return out


def relation(patient_code: str | None, assertion_code: str, main_types: Mapping[str, str]) -> str:
    """How an assertion's tumour type relates to the patient's: ``same``, ``any`` (no code) or ``other``."""
    if not assertion_code:
        return ANY
    if patient_code is None:
        return OTHER
    if patient_code == assertion_code:
        return SAME
    main = main_types.get(patient_code)
    return SAME if main and main == main_types.get(assertion_code) else OTHER


def patient_tumour_types(
    oncotree_path: str | os.PathLike[str],
    cohort_code: str | None,
    sheet_codes: Mapping[str, str | None],
    config_source: str,
    sheet_path: str,
) -> dict[str, str | None]:
    """patient -> OncoTree code: the sheet's ``tumor_type`` cell, else the config's ``tumor_type`` (None when
    neither is given). Both are checked against the OncoTree file; the first unknown code is the error."""
    table = read_oncotree(oncotree_path)
    cohort = check_tumour_types({"": cohort_code}, table, config_source, "key tumor_type")[""]
    own = check_tumour_types(dict(sheet_codes), table, sheet_path, "column 'tumor_type'")
    return {patient: own[patient] or cohort for patient in sorted(own)}


def oncotree_main_types(path: str | os.PathLike[str], codes: Iterable[object]) -> dict[str, str]:
    """code -> OncoTree main type for the given codes the file knows (upper-cased; blanks and unknown codes
    left out): what the classifier's scope needs to tell that ``IDC`` and ``BRCA`` are one tumour type."""
    table = read_oncotree(path)
    main = dict(zip(table["code"], table["main_type"], strict=True))
    wanted = {str(c).strip().upper() for c in codes if c is not None and str(c).strip()}
    return {code: main[code] for code in sorted(wanted) if main.get(code)}
