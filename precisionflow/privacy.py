"""Pseudonyms for patient ids: keyed hashes, so that ids cannot be recovered without the key."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from pathlib import Path

from precisionflow.errors import InputError
from precisionflow.io import check_file

PSEUDONYM_PREFIX = "P"
PSEUDONYM_HEX_DIGITS = 12


def read_key(path: str | Path) -> bytes:
    """The secret key: the file's bytes without surrounding whitespace (at least 16 bytes)."""
    key = check_file(path, "a key file").read_bytes().strip()
    if len(key) < 16:
        raise InputError(path, "content", "a secret key of at least 16 bytes", f"{len(key)} bytes")
    return key


def pseudonym(patient: str, key: bytes) -> str:
    """``P`` + the first 12 hex digits of HMAC-SHA256(key, id): stable for a key, one-way without it."""
    digest = hmac.new(key, patient.encode("utf-8"), hashlib.sha256).hexdigest()
    return PSEUDONYM_PREFIX + digest[:PSEUDONYM_HEX_DIGITS]


class PublicIds(dict):
    """The map sheet id -> public id, printed without the sheet ids.

    Rules pass this map to scripts as a param; Snakemake prints a job's params into the report
    (each result's job properties) and its metadata, where a plain dict would pair every raw id with
    its pseudonym. Printed, it shows the number of patients and a digest of the public ids, which
    still changes whenever the map does (so Snakemake's params trigger keeps working).
    """

    def __repr__(self) -> str:
        digest = hashlib.sha256("\n".join(sorted(self.values())).encode("utf-8")).hexdigest()[:16]
        return f"<public ids of {len(self)} patients, sha256 {digest}>"

    __str__ = __repr__


def public_ids(patients: Iterable[str], key: bytes | None) -> PublicIds:
    """Map each sheet id to the id used in outputs: itself, or its pseudonym when a key is given."""
    patients = list(patients)
    if key is None:
        return PublicIds((p, p) for p in patients)
    mapping = PublicIds((p, pseudonym(p, key)) for p in patients)
    if len(set(mapping.values())) != len(mapping):  # 48 bits: a collision is astronomically unlikely
        raise InputError("pseudonym_key", "pseudonyms", "distinct pseudonyms for distinct patients", "a collision")
    return mapping
