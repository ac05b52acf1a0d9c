"""`shoplake logs upload`: put a user's access-log files into the raw zone with the generator's key layout.

Lines are grouped by the UTC hour of their time field and written as
`access_logs/dt=YYYY-MM-DD/hour=HH/<server>.access.log-YYYYMMDDHH.gz`. A line whose time cannot be
read (it will be quarantined by the log processor) goes with the hour of the line before it, or with
the first readable hour when it comes first. Input may be plain text or gzip, Apache or Nginx combined.
"""

from __future__ import annotations

import gzip
import re
import tempfile
from pathlib import Path
from typing import IO, Any

from services.log_processor.timestamps import InvalidTimestamp, TimestampConverter

_TIME = re.compile(rb"\[([^\]]{26})\]")
_SERVER_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def server_name(path: Path) -> str:
    """Return the default `<server>` part of the keys: the file name without log and gzip suffixes."""
    name = path.name
    for suffix in (".gz", ".log", ".access"):
        name = name.removesuffix(suffix)
    return _SERVER_NAME.sub("-", name).strip("-") or "uploaded"


def upload_file(s3: Any, bucket: str, path: Path, server: str | None = None) -> dict[str, Any]:
    """Split one file by UTC hour and upload each hour as a gzipped object; return keys and line counts."""
    server = server or server_name(path)
    converter = TimestampConverter()
    parts: dict[str, tuple[IO[bytes], gzip.GzipFile]] = {}
    unplaced_lines: list[bytes] = []
    current: str | None = None
    lines = 0

    with _open(path) as source:
        for line in source:
            lines += 1
            hour = _hour(line, converter) or current
            if hour is None:
                unplaced_lines.append(line)
                continue
            current = hour
            writer = _writer(parts, hour)
            for early in unplaced_lines:
                writer.write(early)
            unplaced_lines.clear()
            writer.write(line)

    if unplaced_lines:
        raise ValueError(f"{path}: no line has a readable [dd/Mon/yyyy:HH:MM:SS +hhmm] time; is it an access log?")
    keys = []
    for hour, (spool, writer) in sorted(parts.items()):
        writer.close()
        spool.seek(0)
        key = f"access_logs/dt={hour[:4]}-{hour[4:6]}-{hour[6:8]}/hour={hour[8:]}/{server}.access.log-{hour}.gz"
        s3.upload_fileobj(spool, bucket, key)
        spool.close()
        keys.append(key)
    return {"file": str(path), "lines": lines, "keys": keys}


def _open(path: Path) -> IO[bytes]:
    with path.open("rb") as probe:
        magic = probe.read(2)
    if magic == b"\x1f\x8b":
        return gzip.GzipFile(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def _hour(line: bytes, converter: TimestampConverter) -> str | None:
    match = _TIME.search(line)
    if match is None:
        return None
    try:
        ts, _, _ = converter.convert(match.group(1).decode("ascii", "replace"))
    except InvalidTimestamp:
        return None
    return ts[0:4] + ts[5:7] + ts[8:10] + ts[11:13]


def _writer(parts: dict[str, tuple[IO[bytes], gzip.GzipFile]], hour: str) -> gzip.GzipFile:
    if hour not in parts:
        spool = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 - closed after upload
        parts[hour] = (spool, gzip.GzipFile(fileobj=spool, mode="wb", mtime=0))
    return parts[hour][1]
