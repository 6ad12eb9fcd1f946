"""What happened to a patient's records: the accounting (kept, or dropped for one reason) and its log lines."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

from precisionflow.errors import shorten
from precisionflow.variants.filters import FilterSettings

log = logging.getLogger("precisionflow.variants")


@dataclass
class MafSummary:
    """What happened to a patient's records (also logged)."""

    counts: dict[str, int]
    rows: int
    annotation: str
    unknown_contigs: list[str]
    accounting: dict[str, int] = field(default_factory=dict)  # records, kept, dropped_<reason>, not_applied_<filter>


DROP_REASONS = (
    "unknown_contig", "failed_filter", "symbolic_alt", "absent_in_sample", "low_depth", "low_vaf",
    "common_in_population", "duplicate",
)  # fmt: skip
NOT_APPLIED = ("min_depth", "min_vaf", "max_population_af")


def accounting_of(
    records: int, kept: int, dropped: Mapping[str, int], not_applied: Mapping[str, int]
) -> dict[str, int]:
    """One input's accounting row: every record read is kept or dropped for one reason (checked here)."""
    row = {"records": int(records), "kept": int(kept)}
    row |= {f"dropped_{reason}": int(dropped.get(reason, 0)) for reason in DROP_REASONS}
    row |= {f"not_applied_{name}": int(not_applied.get(name, 0)) for name in NOT_APPLIED}
    lost = row["records"] - row["kept"] - sum(row[f"dropped_{r}"] for r in DROP_REASONS)
    if lost:  # a programming error, never a user's: say so loudly rather than write a wrong count
        raise AssertionError(f"variant accounting: {lost} record(s) neither kept nor counted as dropped ({row})")
    return row


def _log_summary(kind: str, summary: MafSummary, has_depth: bool, has_vaf: bool, filters: FilterSettings) -> None:
    """Counts for the rule's log (no file names: they often carry the patient's sheet id)."""
    log.info("%s: %d MAF rows; counts %s; annotation: %s", kind, summary.rows, summary.counts, summary.annotation)
    if summary.unknown_contigs:
        log.warning(
            "%s: %d record(s) on contigs absent from the genes reference dropped (counted as dropped_unknown_contig): "
            "%s",
            kind,
            summary.accounting.get("dropped_unknown_contig", 0),
            shorten(summary.unknown_contigs),
        )
    if not has_depth and filters.min_depth > 0:
        log.warning("%s: no depth field: min_depth not applied", kind)
    if not has_vaf and filters.min_vaf > 0:
        log.warning("%s: no allele-fraction field: min_vaf not applied", kind)
    if summary.accounting.get("not_applied_max_population_af"):
        log.warning("%s: no population frequency field: max_population_af not applied", kind)
    for name, has_field in (("min_depth", has_depth), ("min_vaf", has_vaf)):
        if summary.accounting.get(f"not_applied_{name}") and has_field:
            count = summary.accounting[f"not_applied_{name}"]
            log.warning("%s: %s not applied to %d record(s) without a value (kept)", kind, name, count)
