"""Quarantine and dead-letter writers: JSON lines in the quarantine bucket, under deterministic keys.

Each record has the contract's quarantine shape: `stage`, `source`, `offset`, `reason`, `detail`,
`raw_b64`. Keys depend only on the source object, so re-processing an object overwrites its
quarantine files instead of adding new ones.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from typing import Any

STAGE = "log_processor"
PART_MAX_RECORDS = 10_000
PART_MAX_BYTES = 16 * 1024 * 1024
_UNSAFE = re.compile(r"[^A-Za-z0-9._=-]+")


def object_name(source: str) -> str:
    """Return a readable, collision-free file name for the source `bucket/key`."""
    base = _UNSAFE.sub("_", source.rsplit("/", 1)[-1])[:100]
    return f"{base}-{hashlib.sha256(source.encode()).hexdigest()[:12]}"


class JsonLinesWriter:
    """Collect JSON lines for one source object and write them as numbered part files."""

    def __init__(self, s3: Any, bucket: str, prefix: str, name: str) -> None:
        self._s3 = s3
        self._bucket = bucket
        self._prefix = prefix
        self._name = name
        self._lines: dict[str, list[bytes]] = {}
        self._sizes: dict[str, int] = {}
        self._parts: dict[str, int] = {}
        self.keys: list[str] = []

    def add(self, dt: str, record: dict[str, Any]) -> None:
        """Buffer one record for the `dt=` partition; write a part when it is full."""
        line = json.dumps(record, separators=(",", ":")).encode() + b"\n"
        self._lines.setdefault(dt, []).append(line)
        self._sizes[dt] = self._sizes.get(dt, 0) + len(line)
        if len(self._lines[dt]) >= PART_MAX_RECORDS or self._sizes[dt] >= PART_MAX_BYTES:
            self._write(dt)

    def close(self) -> None:
        """Write every buffered part (PutObject)."""
        for dt in list(self._lines):
            self._write(dt)

    def _write(self, dt: str) -> None:
        lines = self._lines.pop(dt, [])
        self._sizes.pop(dt, None)
        if not lines:
            return
        part = self._parts.get(dt, 0) + 1
        self._parts[dt] = part
        key = f"{self._prefix}/dt={dt}/{self._name}-part-{part:05d}.jsonl"
        self._s3.put_object(Bucket=self._bucket, Key=key, Body=b"".join(lines), ContentType="application/x-ndjson")
        self.keys.append(key)


def quarantine_record(source: str, offset: int, reason: str, detail: str, raw: bytes) -> dict[str, Any]:
    """Return one quarantine record of the log-processor stage."""
    return {"stage": STAGE, "source": source, "offset": offset, "reason": reason, "detail": detail,
            "raw_b64": base64.b64encode(raw).decode("ascii")}
