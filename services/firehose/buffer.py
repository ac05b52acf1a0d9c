"""Durable buffers: every acknowledged record is in an fsynced segment file before the response.

One open segment per (stream, partition) collects records until a buffering hint is reached. It is
then sealed (renamed from `.open` to `.sealed`) and handed to delivery, which deletes it only after
the S3 object is written. A segment file is a JSON header line, then frames of
`uint32 length, uint64 arrival epoch ms, data`. After a crash, open segments are cut at their last
complete frame and sealed, so records acknowledged before a kill -9 are delivered after restart.
"""

from __future__ import annotations

import json
import os
import struct
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

FRAME = struct.Struct(">IQ")
OPEN_SUFFIX = ".open"
SEALED_SUFFIX = ".sealed"


@dataclass(frozen=True)
class Partition:
    """Destination of a buffer's records: data with partition keys, or error output of one type."""

    keys: tuple[tuple[str, str], ...] = ()
    error_output_type: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"keys": dict(self.keys), "error_output_type": self.error_output_type}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Partition:
        return cls(tuple(sorted(data["keys"].items())), data["error_output_type"])


@dataclass
class _OpenSegment:
    path: Path
    handle: IO[bytes]
    first_arrival_ms: int
    size: int = 0
    count: int = 0


class StreamBuffers:
    """The open and sealed segments of one delivery stream."""

    def __init__(self, directory: Path, size_limit: int, interval_s: int) -> None:
        self.directory = directory
        self.size_limit = size_limit
        self.interval_s = interval_s
        self._open: dict[Partition, _OpenSegment] = {}
        self._lock = threading.Lock()
        self._counter = 0
        directory.mkdir(parents=True, exist_ok=True)

    def append(self, records: list[tuple[Partition, bytes]], arrival_ms: int) -> None:
        """Append records and fsync them; seal a buffer before it would exceed the size hint."""
        with self._lock:
            touched: dict[Path, _OpenSegment] = {}
            for partition, data in records:
                segment = self._open.get(partition)
                if segment is not None and segment.count and segment.size + len(data) > self.size_limit:
                    self._seal(partition)
                    segment = None
                if segment is None:
                    segment = self._create(partition, arrival_ms)
                segment.handle.write(FRAME.pack(len(data), arrival_ms))
                segment.handle.write(data)
                segment.size += len(data)
                segment.count += 1
                touched[segment.path] = segment
            for segment in touched.values():
                if not segment.handle.closed:
                    segment.handle.flush()
                    os.fsync(segment.handle.fileno())
            for partition in [p for p, s in self._open.items() if s.size >= self.size_limit]:
                self._seal(partition)

    def seal_expired(self, now_ms: int) -> int:
        """Seal every buffer whose oldest record is older than the interval hint; return how many."""
        with self._lock:
            expired = [partition for partition, segment in self._open.items()
                       if now_ms - segment.first_arrival_ms >= self.interval_s * 1000]
            for partition in expired:
                self._seal(partition)
            return len(expired)

    def seal_all(self) -> int:
        with self._lock:
            partitions = list(self._open)
            for partition in partitions:
                self._seal(partition)
            return len(partitions)

    def buffered_records(self) -> int:
        with self._lock:
            return sum(segment.count for segment in self._open.values())

    def sealed(self) -> list[Path]:
        """Return the sealed segments, oldest first (names start with the creation time in ns)."""
        return sorted(self.directory.glob("*" + SEALED_SUFFIX))

    def recover(self) -> int:
        """Cut each open segment left by a crash at its last complete frame and seal it; return how many."""
        recovered = 0
        for path in sorted(self.directory.glob("*" + OPEN_SUFFIX)):
            if not _truncate_partial_frame(path):
                # The header never reached the disk, so no record of this segment was acknowledged.
                path.unlink()
                continue
            os.replace(path, path.with_suffix(SEALED_SUFFIX))
            recovered += 1
        _fsync_directory(self.directory)
        return recovered

    def _create(self, partition: Partition, arrival_ms: int) -> _OpenSegment:
        self._counter += 1
        path = self.directory / f"{time.time_ns():020d}-{self._counter:06d}{OPEN_SUFFIX}"
        handle = path.open("xb")
        handle.write(json.dumps(partition.to_json()).encode() + b"\n")
        _fsync_directory(self.directory)
        segment = _OpenSegment(path, handle, arrival_ms)
        self._open[partition] = segment
        return segment

    def _seal(self, partition: Partition) -> None:
        segment = self._open.pop(partition)
        segment.handle.flush()
        os.fsync(segment.handle.fileno())
        segment.handle.close()
        os.replace(segment.path, segment.path.with_suffix(SEALED_SUFFIX))
        _fsync_directory(self.directory)


def read_segment(path: Path) -> tuple[Partition, list[tuple[int, bytes]]]:
    """Return a segment's partition and its (arrival ms, data) records."""
    with path.open("rb") as handle:
        partition = Partition.from_json(json.loads(handle.readline()))
        records = []
        while True:
            head = handle.read(FRAME.size)
            if len(head) < FRAME.size:
                break
            length, arrival_ms = FRAME.unpack(head)
            data = handle.read(length)
            if len(data) < length:
                break
            records.append((arrival_ms, data))
    return partition, records


def _truncate_partial_frame(path: Path) -> bool:
    """Cut a segment after its last complete frame; return False when even the header is incomplete."""
    with path.open("r+b") as handle:
        if not handle.readline().endswith(b"\n"):
            return False
        end = handle.tell()
        while True:
            head = handle.read(FRAME.size)
            if len(head) < FRAME.size:
                break
            length, _ = FRAME.unpack(head)
            if len(handle.read(length)) < length:
                break
            end = handle.tell()
        handle.truncate(end)
        os.fsync(handle.fileno())
    return True


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
