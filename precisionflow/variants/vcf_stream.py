"""Streaming a VCF's records in blocks: pyarrow's CSV reader over htslib's decompression, parsed ahead in a thread."""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Iterable, Iterator, Sequence

import pyarrow as pa
import pyarrow.csv as pacsv

from precisionflow.errors import InputError
from precisionflow.variants.vcf_header import VcfHeader, _truncated, open_text

BLOCK_BYTES = 4 << 20  # bytes of text per parsed block: memory stays flat, blocks stay large enough to be fast


def _diagnose(header: VcfHeader, error: Exception) -> InputError:
    """Find the line that broke the block parser (wrong field count, bad POS, bad bytes, truncation)."""
    path = header.path
    width = len(header.columns)
    number = 0
    with open_text(path) as handle:
        while True:
            try:
                raw = handle.readline()
            except OSError:
                return _truncated(path, number + 1)
            if not raw:
                break
            number += 1
            if number <= header.n_lines:
                continue
            try:
                text = raw.decode("utf-8").rstrip("\r\n")
            except UnicodeDecodeError:
                return InputError(path, f"line {number}", "UTF-8 text", "bytes that are not UTF-8")
            if not text:
                continue
            fields = text.split("\t")
            if len(fields) != width:
                return InputError(
                    path, f"line {number}", f"{width} tab-separated fields (as the #CHROM line)", f"{len(fields)}"
                )
            if not fields[1].isdigit():
                return InputError(path, f"line {number}, column POS", "a 1-based position", repr(fields[1][:30]))
    return InputError(path, "records", "records readable as VCF", str(error).splitlines()[0][:200])


def iter_blocks(
    header: VcfHeader, columns: Sequence[str], block_bytes: int = BLOCK_BYTES
) -> Iterator[tuple[int, pa.RecordBatch]]:
    """Blocks of records as pyarrow batches of the named columns (POS as int64, the rest as text).

    Yields the line number of each block's first record with the block. Any parsing problem becomes
    an InputError naming the line.
    """
    names = [f"c{i}" for i in range(len(header.columns))]
    position = {name: i for i, name in enumerate(header.columns)}
    wanted = [names[position[c]] for c in columns]
    types = {n: pa.string() for n in wanted}
    types[names[1]] = pa.int64()
    rename = {names[position[c]]: c for c in columns}
    line = header.n_lines + 1
    with open_text(header.path) as handle:
        try:
            for _ in range(header.n_lines):
                handle.readline()
            reader = pacsv.open_csv(
                handle,
                read_options=pacsv.ReadOptions(column_names=names, block_size=block_bytes, use_threads=True),
                parse_options=pacsv.ParseOptions(
                    delimiter="\t", quote_char=False, double_quote=False, escape_char=False
                ),
                convert_options=pacsv.ConvertOptions(
                    column_types=types, include_columns=wanted, strings_can_be_null=False, check_utf8=True
                ),
            )
            for batch in _prefetched(reader):
                batch = batch.rename_columns([rename[n] for n in batch.schema.names])
                yield line, batch
                line += batch.num_rows
        except (pa.ArrowException, OSError) as error:
            if line == header.n_lines + 1 and "Empty CSV file" in str(error):
                return  # a header-only VCF: a valid file without records
            raise _diagnose(header, error) from None


def _prefetched(reader: Iterable[pa.RecordBatch], depth: int = 2) -> Iterator[pa.RecordBatch]:
    """Parse the next blocks in a background thread (pyarrow releases the GIL) while this one is processed."""
    slots: queue.Queue = queue.Queue(maxsize=depth)
    done = object()
    stop = threading.Event()

    def produce() -> None:
        try:
            for batch in reader:
                if stop.is_set():
                    return
                slots.put(batch)
            slots.put(done)
        except BaseException as error:  # handed to the consumer
            slots.put(error)

    thread = threading.Thread(target=produce, name="vcf-reader", daemon=True)
    thread.start()
    try:
        while True:
            item = slots.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while thread.is_alive():  # unblock a producer waiting on a full queue
            with contextlib.suppress(queue.Empty):
                slots.get(timeout=0.05)
        thread.join()
