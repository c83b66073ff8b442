"""Streaming fallback reader for raw files DuckDB's reader refuses.

DuckDB reads clean files in bulk; a file with a truncated gzip stream, invalid UTF-8 bytes or
stray carriage returns makes its reader fail as a whole. This module reads such a file in
chunks, decompressing itself, and yields batches of ``(line_no, text, pre_reason)`` rows:
every complete line before any damage is kept, a line that is not valid UTF-8 gets a reason
(its text decoded with replacement characters), and damage that ends the stream (truncated or
corrupt gzip) becomes one final row with the partial text and the reason. Lines are split on
``\\n`` only (one trailing ``\\r`` is dropped). This loops over lines in Python, so it is used
only for damaged files.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

CHUNK_BYTES = 1 << 20
BATCH_LINES = 100_000
MAX_REJECT_TEXT = 10_000

Row = tuple[int, str | None, str | None]


class UnreadableFile(Exception):
    """The file cannot be read at all (permission, not gzip): one reject for the whole file."""


def _raw_chunks(fh: BinaryIO) -> Iterator[bytes]:
    while chunk := fh.read(CHUNK_BYTES):
        yield chunk


def _gunzip_chunks(fh: BinaryIO) -> Iterator[bytes]:
    """Decompressed chunks of a (possibly multi-member) gzip file. Yields all data before any
    damage, then raises EOFError (truncated) or zlib.error (corrupt); raises UnreadableFile when
    the file is not gzip at all."""
    decomp = zlib.decompressobj(wbits=31)
    in_member = False
    produced = False
    for chunk in _raw_chunks(fh):
        while chunk:
            try:
                out = decomp.decompress(chunk)
            except zlib.error as exc:
                if not produced:
                    raise UnreadableFile(f"not a gzip file ({exc})") from exc
                raise
            in_member = True
            if out:
                produced = True
                yield out
            if decomp.eof:  # end of one member; more members may follow
                chunk = decomp.unused_data
                decomp = zlib.decompressobj(wbits=31)
                in_member = False
            else:
                chunk = b""
    if in_member:
        raise EOFError("gzip stream ends before its end marker (truncated file)")


def _decode(line_no: int, raw: bytes) -> Row:
    if raw.endswith(b"\r"):
        raw = raw[:-1]
    try:
        return line_no, raw.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        return line_no, raw.decode("utf-8", "replace"), f"invalid UTF-8 at byte {exc.start}"


def read_lines(path: Path, *, compressed: bool) -> Iterator[list[Row]]:
    """Batches of ``(line_no, text, pre_reason)`` for every line of ``path`` (1-based line
    numbers of the decompressed text). Raises UnreadableFile when nothing can be read."""
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed in the finally below
    except OSError as exc:
        raise UnreadableFile(f"cannot open file: {exc.strerror or exc}") from exc
    try:
        chunks = _gunzip_chunks(fh) if compressed else _raw_chunks(fh)
        buf = b""
        line_no = 0
        batch: list[Row] = []
        try:
            for chunk in chunks:
                parts = (buf + chunk).split(b"\n")
                buf = parts.pop()
                for raw in parts:
                    line_no += 1
                    batch.append(_decode(line_no, raw))
                if len(batch) >= BATCH_LINES:
                    yield batch
                    batch = []
        except (EOFError, zlib.error, OSError) as exc:
            line_no += 1
            partial = buf.decode("utf-8", "replace")[:MAX_REJECT_TEXT]
            batch.append((line_no, partial, f"damaged file, data lost after line {line_no - 1}: "
                          f"{exc}"))
            yield batch
            return
        if buf:
            line_no += 1
            batch.append(_decode(line_no, buf))
        if batch:
            yield batch
    finally:
        fh.close()
