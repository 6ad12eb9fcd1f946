"""Streaming a VCF's records in blocks: decompressed and parsed ahead by pyarrow in a reader thread, then worked on
by a few threads in order (:func:`ordered_map`)."""

from __future__ import annotations

import collections
import contextlib
import os
import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

import pyarrow as pa
import pyarrow.csv as pacsv

from precisionflow.errors import InputError
from precisionflow.variants.vcf_header import VcfHeader, _truncated, open_text

T = TypeVar("T")
U = TypeVar("U")
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


def _native_stream(path: str | os.PathLike[str]) -> pa.NativeFile:
    """The file as a pyarrow stream, gunzipped in C++ (bgzip is gzip: its blocks are gzip members), so that
    decompression and parsing run in the reader thread without Python's lock."""
    with open(path, "rb") as handle:
        gzipped = handle.read(2) == b"\x1f\x8b"
    return pa.input_stream(str(path), compression="gzip" if gzipped else None, buffer_size=1 << 20)


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

    def reader() -> Iterator[pa.RecordBatch]:
        with _native_stream(header.path) as stream:
            yield from pacsv.open_csv(
                stream,
                read_options=pacsv.ReadOptions(
                    column_names=names, block_size=block_bytes, use_threads=True, skip_rows=header.n_lines
                ),
                parse_options=pacsv.ParseOptions(
                    delimiter="\t", quote_char=False, double_quote=False, escape_char=False
                ),
                convert_options=pacsv.ConvertOptions(
                    column_types=types, include_columns=wanted, strings_can_be_null=False, check_utf8=True
                ),
            )

    try:
        for batch in _prefetched(reader):
            batch = batch.rename_columns([rename[n] for n in batch.schema.names])
            yield line, batch
            line += batch.num_rows
    except (pa.ArrowException, OSError) as error:
        if line == header.n_lines + 1 and "Empty CSV file" in str(error):
            return  # a header-only VCF: a valid file without records
        raise _diagnose(header, error) from None


def _prefetched(reader: Callable[[], Iterable[T]], depth: int = 2) -> Iterator[T]:
    """Run ``reader`` (opening the file, decompressing and parsing blocks; pyarrow releases the GIL) in a background
    thread, ``depth`` items ahead of the consumer."""
    slots: queue.Queue = queue.Queue(maxsize=depth)
    done = object()
    stop = threading.Event()

    def produce() -> None:
        try:
            for batch in reader():
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


def ordered_map(function: Callable[[T], U], items: Iterable[T], workers: int) -> Iterator[U]:
    """``function`` of each item, computed by ``workers`` threads (pyarrow and numpy release the GIL), yielded in the
    items' order; an exception is raised when its item's turn comes (earlier items' results first)."""
    if workers <= 1:
        yield from map(function, items)
        return
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="vcf-block")
    pending: collections.deque[Future[U]] = collections.deque()
    try:
        iterator = iter(items)
        while True:
            try:
                item = next(iterator)
            except StopIteration:
                break
            except BaseException:  # e.g. a parsing error: the earlier items' results (or errors) come first
                while pending:
                    yield pending.popleft().result()
                raise
            pending.append(pool.submit(function, item))
            if len(pending) > workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
