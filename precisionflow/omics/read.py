"""Reading a layer's file: a plain matrix (either orientation) or MaxQuant ``proteinGroups.txt``.

The header is split by :mod:`precisionflow.omics.sample_columns`, the same code that checks the sample ids
against the sheet at parse time, so both always agree on which columns are samples. Every problem
is an :class:`~precisionflow.errors.InputError` that names the file and the row and/or column as
they are in the file (line numbers count the header as line 1).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from precisionflow.errors import InputError, shorten
from precisionflow.io import read_table
from precisionflow.omics.sample_columns import header_fields, maxquant_sample_columns, split_columns
from precisionflow.sheet import check_matrix_samples

log = logging.getLogger(__name__)


@dataclass
class Table:
    """A layer's numbers, samples × features, and where each came from in the file.

    ``row_axis`` says whether the file's rows are features (``"feature"``) or samples
    (``"sample"``); ``rows`` maps the ids on that axis to their line in the file and ``columns`` the
    ids on the other axis to their header field, so that :meth:`where` can name any cell.
    """

    path: str
    values: np.ndarray  # samples × features
    samples: list[str]
    features: list[str]
    annotations: pd.DataFrame  # one row per feature (index: feature ids), from the file
    row_axis: str
    rows: dict[str, int]
    columns: dict[str, str]
    qc: dict[str, object] = field(default_factory=dict)
    feature_word: str = "feature"  # what a feature is called in messages ("protein group" for MaxQuant)

    def where(self, sample: str | None = None, feature: str | None = None) -> str:
        """``row N (...)``, ``column 'X'`` or both, as the cell sits in the file."""
        if self.row_axis == "feature":
            row = (feature, self.feature_word) if feature is not None else None
            column = sample
        else:
            row = (sample, "sample") if sample is not None else None
            column = feature
        parts = []
        if row is not None:
            parts.append(f"row {self.rows[row[0]]} ({row[1]} {row[0]!r})")
        if column is not None:
            parts.append(f"column {self.columns[column]!r}")
        return ", ".join(parts)

    def subset_samples(self, keep: Sequence[str]) -> Table:
        index = {s: i for i, s in enumerate(self.samples)}
        rows = [index[s] for s in keep]
        values = self.values if rows == list(range(len(self.samples))) else self.values[rows]
        return replace(self, values=values, samples=list(keep))

    def take_values(self) -> np.ndarray:
        """Hand the values over (the table keeps none), so that the taker can free them early."""
        values, self.values = self.values, np.empty((0, 0))
        return values

    def with_features(self, mask: np.ndarray, values: np.ndarray) -> Table:
        """The features of ``mask``, with their ``values`` (samples × kept features)."""
        features = self.features if mask.all() else [f for f, k in zip(self.features, mask) if k]
        return replace(self, values=values, features=features, annotations=self.annotations.loc[features])


def lines(numbers: Sequence[int], limit: int = 5) -> str:
    """``2, 4, 9`` (the first few line numbers, then how many more)."""
    shown = ", ".join(str(int(n)) for n in list(numbers)[:limit])
    return shown + (f" and {len(numbers) - limit} more" if len(numbers) > limit else "")


def _duplicated(values: Sequence[str]) -> list[int]:
    series = pd.Series(list(values))
    return series.index[series.duplicated(keep=False)].tolist()


def _check_ids(ids: Sequence[str], path: str, where: str, what: str, line_offset: int = 2) -> list[str]:
    """Ids of one axis: none blank, none twice (positions are reported as file lines)."""
    ids = [("" if pd.isna(i) else str(i).strip()) for i in ids]
    blank = [i + line_offset for i, v in enumerate(ids) if not v]
    if blank:
        raise InputError(path, f"row(s) {lines(blank)}, {where}", f"a {what} id", "a blank cell")
    duplicated = _duplicated(ids)
    if duplicated:
        names = sorted({ids[i] for i in duplicated})
        rows = [i + line_offset for i in duplicated]
        raise InputError(path, f"rows {lines(rows)}, {where}", f"unique {what} ids", f"duplicates {shorten(names)}")
    return ids


def _numeric_columns(
    frame: pd.DataFrame,
    columns: Sequence[str],
    path: str,
    row_names: Sequence[str],
    row_kind: str,
    line_numbers: Sequence[int] | None = None,
) -> None:
    """Every cell of ``columns`` is a number or blank; the first that is not is named (by its file
    line: ``line_numbers`` when rows were removed, else position + 2)."""
    for column in columns:
        series = frame[column]
        if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
            continue
        converted = pd.to_numeric(series, errors="coerce")
        bad = (converted.isna() & series.notna()) if not pd.api.types.is_bool_dtype(series.dtype) else series.notna()
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            line = line_numbers[i] if line_numbers is not None else i + 2
            raise InputError(
                path, f"row {line} ({row_kind} {row_names[i]!r}), column {column!r}", "a number", repr(series.iloc[i])
            )
        frame[column] = converted


def _read_with_header(path: str, header: list[str], what: str, dtype: dict[str, type]) -> pd.DataFrame:
    """The table under the header the parse-time check read (quotes and spaces stripped)."""
    frame = read_table(path, what=what, dtype=dtype)
    if (
        len(frame.columns) != len(header)
        or isinstance(frame.index, pd.MultiIndex)
        or not isinstance(frame.index, pd.RangeIndex)
    ):
        raise InputError(
            path,
            "layout",
            f"{what} with as many fields on every line as in the header ({len(header)})",
            "lines with more fields",
        )
    frame.columns = header
    return frame


def read_matrix(path: str | Path, orientation: str) -> Table:
    """A plain matrix: features × samples (first column the feature id, then known annotation
    columns such as nf-core's ``gene_name``, then one column per sample) or samples × features
    (first column the sample id, then one column per feature). Cells are numbers or blank."""
    path = str(path)
    header, _ = header_fields(path)
    duplicated = sorted({c for c in header if header.count(c) > 1})
    if duplicated:
        what = "feature" if orientation == "samples_by_features" else "sample"
        raise InputError(path, "header", f"each {what} column once", f"duplicates {shorten(duplicated)}")
    id_column = header[0]
    frame = _read_with_header(path, header, "a matrix", {id_column: str})
    if orientation == "samples_by_features":
        samples = _check_ids(frame[id_column].tolist(), path, f"column {id_column!r}", "sample")
        features = header[1:]
        if not features:
            raise InputError(
                path, "header", "a sample id column followed by one column per feature", f"only {id_column!r}"
            )
        _numeric_columns(frame, features, path, samples, "sample")
        values = frame[features].to_numpy(
            dtype=np.float64 if any(frame[c].dtype.kind == "f" for c in features) else None
        )
        annotations = pd.DataFrame(index=pd.Index(features, name="feature"))
        rows = {s: i + 2 for i, s in enumerate(samples)}
        return Table(path, values, samples, list(features), annotations, "sample", rows, {f: f for f in features})
    layout = split_columns(header)
    if not layout.samples:
        raise InputError(
            path, "header", "a feature id column followed by one column per sample", f"columns {shorten(header)}"
        )
    features = _check_ids(frame[layout.feature].tolist(), path, f"column {layout.feature!r}", "feature")
    _numeric_columns(frame, layout.samples, path, features, "feature")
    block = frame[layout.samples]
    dtype = np.float64 if any(block[c].dtype.kind == "f" for c in layout.samples) else None
    values = np.ascontiguousarray(block.to_numpy(dtype=dtype).T)  # pandas keeps one block per dtype: usually a view
    annotations = (
        frame[layout.annotations]
        .astype(str)
        .where(frame[layout.annotations].notna(), "")
        .set_axis(pd.Index(features, name="feature"))
    )
    rows = {f: i + 2 for i, f in enumerate(features)}
    return Table(
        path, values, list(layout.samples), features, annotations, "feature", rows, {s: s for s in layout.samples}
    )


def _canonical(name: str) -> str:
    """`Potential contaminant`, `Potential.contaminant` and `potential_contaminant` are one column."""
    return re.sub(r"[^a-z0-9+]", "", name.lower())


MAXQUANT_FLAGS = {
    "contaminant": ("potentialcontaminant", "contaminant"),
    "reverse": ("reverse",),
    "only_identified_by_site": ("onlyidentifiedbysite",),
}
MAXQUANT_PREFIX = {"contaminant": "CON__", "reverse": "REV__"}


def _maxquant_flagged(frame: pd.DataFrame, ids: pd.Series, by_canonical: dict[str, str], path: str) -> dict:
    """Per flag (contaminant, reverse, only identified by site), the protein groups it removes: by the
    flag column, else (contaminants, reverse hits) by the id prefix, else none (a log line says which)."""
    removed: dict[str, np.ndarray] = {}
    for flag, names in MAXQUANT_FLAGS.items():
        column = next((by_canonical[n] for n in names if n in by_canonical), None)
        if column is not None:
            removed[flag] = (frame[column].fillna("").astype(str).str.strip() == "+").to_numpy()
        elif flag in MAXQUANT_PREFIX:
            removed[flag] = (
                ids.str.split(";")
                .apply(lambda group, p=MAXQUANT_PREFIX[flag]: all(i.startswith(p) for i in group))
                .to_numpy()
            )
            log.warning(
                "%s: no %r column; %s protein groups recognised by their %r id prefix",
                path,
                names[0],
                flag,
                MAXQUANT_PREFIX[flag],
            )
        else:
            removed[flag] = np.zeros(len(frame), dtype=bool)
            log.warning("%s: no %r column; no protein group removed as %s", path, names[0], flag.replace("_", " "))
    return removed


def read_maxquant(path: str | Path) -> Table:
    """MaxQuant ``proteinGroups.txt`` (real column names or R's dotted ones).

    Protein groups flagged as potential contaminants, reverse (decoy) hits or only identified by a
    modification site are removed, and counted in ``qc``; when a flag column is absent, the
    ``CON__``/``REV__`` prefixes of the protein ids are used instead (a log line says so). Features
    are named by the first protein id of the group (the whole group when that first id repeats);
    ``annotations["gene"]`` is the first entry of ``Gene names``.
    """
    path = str(path)
    header, _ = header_fields(path)
    kind, sample_columns = maxquant_sample_columns(header, path)
    samples = list(sample_columns)
    duplicated = sorted(
        {s for s in samples if samples.count(s) > 1} | {c for c in sample_columns.values() if header.count(c) > 1}
    )
    if duplicated:
        raise InputError(path, "header", "each intensity column once", f"duplicates {shorten(duplicated)}")
    by_canonical = {_canonical(c): c for c in reversed(header)}
    ids_column = by_canonical.get("proteinids")
    if ids_column is None:
        raise InputError(
            path, "header", "MaxQuant column 'Protein IDs' (or 'Protein.IDs')", f"columns {shorten(header)}"
        )
    text_columns = [c for c in header if c not in sample_columns.values()]
    frame = _read_with_header(path, header, "a MaxQuant proteinGroups table", {c: str for c in text_columns})
    ids = frame[ids_column].fillna("").astype(str).str.strip()
    blank = np.flatnonzero((ids == "").to_numpy())
    if blank.size:
        raise InputError(
            path, f"row(s) {lines((blank + 2).tolist())}, column {ids_column!r}", "protein ids", "a blank cell"
        )
    first_ids = ids.str.split(";").str[0]

    qc: dict[str, object] = {
        "intensity_columns": "LFQ intensity" if kind.startswith("^LFQ") else "Intensity",
        "protein_groups_read": int(len(frame)),
    }
    removed = _maxquant_flagged(frame, ids, by_canonical, path)
    drop = np.logical_or.reduce(list(removed.values()))
    for flag, mask in removed.items():
        qc[f"removed_{flag}"] = int(mask.sum())
    qc["removed_total"] = int(drop.sum())
    log.info(
        "%s: %d protein groups read; removed %d potential contaminants, %d reverse hits, "
        "%d only identified by site (%d in all); %d kept",
        path,
        len(frame),
        removed["contaminant"].sum(),
        removed["reverse"].sum(),
        removed["only_identified_by_site"].sum(),
        drop.sum(),
        (~drop).sum(),
    )
    keep = np.flatnonzero(~drop)
    if keep.size == 0:
        raise InputError(
            path, "rows", "protein groups that are not contaminants, reverse hits or site-only", "none left"
        )
    frame = frame.iloc[keep]
    ids, first_ids = ids.iloc[keep], first_ids.iloc[keep]
    line_numbers = keep + 2
    repeated = _duplicated(ids.tolist())
    if repeated:
        names = sorted({ids.iloc[i] for i in repeated})
        raise InputError(
            path,
            f"rows {lines(line_numbers[repeated].tolist())}, column {ids_column!r}",
            "unique protein groups",
            f"duplicates {shorten(names)}",
        )
    first_repeats = first_ids.duplicated(keep=False).to_numpy()
    features = np.where(first_repeats, ids.to_numpy(), first_ids.to_numpy()).tolist()
    columns = list(sample_columns.values())
    _numeric_columns(frame, columns, path, features, "protein group", line_numbers)
    values = np.ascontiguousarray(frame[columns].to_numpy(dtype=np.float64).T)

    annotations = pd.DataFrame(index=pd.Index(features, name="feature"))
    annotations["protein_ids"] = ids.to_numpy()
    for name, canonical in (("gene_names", "genenames"), ("protein_names", "proteinnames")):
        column = by_canonical.get(canonical)
        annotations[name] = frame[column].fillna("").astype(str).str.strip().to_numpy() if column else ""
    genes = annotations["gene_names"].str.split(";").str[0].str.strip()
    annotations["gene"] = genes.where(genes != "", None).astype(object)
    rows = {f: int(line) for f, line in zip(features, line_numbers)}
    return Table(
        path, values, samples, features, annotations, "feature", rows, dict(sample_columns), qc, "protein group"
    )


def to_public(table: Table, public_ids: Mapping[str, str], drop_unknown: bool) -> Table:
    """Keep the samples that are patients of the sheet (unknown ones are an error naming them unless
    ``drop_unknown``), renamed to their public ids, in the order of those ids."""
    kept = check_matrix_samples(table.samples, public_ids.keys(), table.path, drop_unknown)
    if len(kept) < len(table.samples):
        log.warning(
            "%s: %d sample(s) not in the sheet dropped (unknown_samples: drop)",
            table.path,
            len(table.samples) - len(kept),
        )
    table.qc["unknown_samples_dropped"] = len(table.samples) - len(kept)
    order = sorted(kept, key=lambda s: public_ids[s])
    subset = table.subset_samples(order)
    public = [public_ids[s] for s in order]
    # where() names cells by the file's own header, so the public ids map back to the raw columns
    columns = {public_ids[s]: table.columns[s] for s in order} if table.row_axis == "feature" else table.columns
    rows = table.rows if table.row_axis == "feature" else {public_ids[s]: table.rows[s] for s in order}
    return replace(subset, samples=public, rows=rows, columns=columns)


def read_layer_file(path: str | Path, file_format: str, orientation: str) -> Table:
    """The layer's file as the config describes it."""
    return read_maxquant(path) if file_format == "maxquant" else read_matrix(path, orientation)
