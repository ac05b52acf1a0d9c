"""Stream the lines of an S3 object, plain or gzipped, without buffering the whole object."""

from __future__ import annotations

import gzip
import hashlib
import io
from collections.abc import Iterator
from typing import IO, Any, NamedTuple

GZIP_MAGIC = b"\x1f\x8b"
READ_BUFFER_BYTES = 1024 * 1024
# Longest line kept whole; longer lines are read through and quarantined with their length and hash.
MAX_LINE_BYTES = 4 * 1024 * 1024
TOO_LONG_SAMPLE_BYTES = 64 * 1024


class Line(NamedTuple):
    """One line: its bytes without the line end, whether a newline ended it, and its full length."""

    raw: bytes
    complete: bool
    length: int
    sha256: str | None


class _BodyStream(io.RawIOBase):
    """Adapt botocore's StreamingBody (or any object with `read(n)`) to a raw binary stream."""

    def __init__(self, body: Any) -> None:
        self._body = body

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._body.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def open_lines(body: Any) -> Iterator[Line]:
    """Yield the lines of an object body; gzip is detected by its magic bytes, not by the key."""
    stream: IO[bytes] = io.BufferedReader(_BodyStream(body), READ_BUFFER_BYTES)
    if stream.peek(2)[:2] == GZIP_MAGIC:  # type: ignore[attr-defined]
        stream = io.BufferedReader(gzip.GzipFile(fileobj=stream, mode="rb"), READ_BUFFER_BYTES)  # type: ignore[arg-type]
    return _lines(stream)


def _lines(stream: IO[bytes]) -> Iterator[Line]:
    while True:
        raw = stream.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            yield _read_through(stream, raw)
            continue
        complete = raw.endswith(b"\n")
        raw = raw[:-1] if complete else raw
        if raw.endswith(b"\r"):
            raw = raw[:-1]
        yield Line(raw, complete, len(raw), None)


def _read_through(stream: IO[bytes], head: bytes) -> Line:
    """Consume the rest of an over-long line; keep a sample, its length and SHA-256."""
    digest = hashlib.sha256(head)
    length = len(head)
    complete = False
    while True:
        chunk = stream.readline(READ_BUFFER_BYTES)
        if not chunk:
            break
        complete = chunk.endswith(b"\n")
        chunk = chunk[:-1] if complete else chunk
        digest.update(chunk)
        length += len(chunk)
        if complete:
            break
    return Line(head[:TOO_LONG_SAMPLE_BYTES], complete, length, digest.hexdigest())
