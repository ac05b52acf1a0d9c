"""Delivery of sealed segments to S3: one object per segment, under Firehose's key layout.

The object key depends only on the segment: its oldest arrival time, and a UUID derived from the
stream ARN and the segment name. Delivering a segment again after a crash therefore overwrites the
same object instead of adding a duplicate.
"""

from __future__ import annotations

import base64
import gzip
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from services.firehose import prefixes
from services.firehose.buffer import read_segment
from services.firehose.streams import DeliveryStream


def build_object(stream: DeliveryStream, segment: Path) -> tuple[str, bytes, int]:
    """Return the key, body and record count of the object that delivers one sealed segment."""
    partition, records = read_segment(segment)
    oldest = datetime.fromtimestamp(min((arrival for arrival, _ in records), default=0) / 1000, tz=UTC)
    seed = uuid.uuid5(uuid.NAMESPACE_URL, f"{stream.arn}/{segment.name}")
    random_string = seed.hex[:11]

    if partition.error_output_type is None:
        template = prefixes.data_prefix(stream.destination["Prefix"])
        delimiter = b"\n" if stream.appends_delimiter else b""
        body = b"".join(data + delimiter for _, data in records)
    else:
        template = prefixes.error_prefix(stream.destination["Prefix"], stream.destination["ErrorOutputPrefix"])
        body = b"".join(data for _, data in records)
    prefix = prefixes.evaluate(template, oldest, dict(partition.keys), partition.error_output_type, random_string)

    key = prefix + prefixes.object_suffix(stream.name, stream.version, oldest, str(seed), stream.extension)
    if stream.destination["CompressionFormat"] == "GZIP":
        body = gzip.compress(body, mtime=0)
    return key, body, len(records)


def error_record(data: bytes, arrival_ms: int, error_code: str, message: str) -> bytes:
    """Return one error-output line in the shape Firehose writes for records it could not partition."""
    record: dict[str, Any] = {
        "attemptsMade": 1, "arrivalTimestamp": arrival_ms, "errorCode": error_code, "errorMessage": message,
        "attemptEndingTimestamp": arrival_ms, "rawData": base64.b64encode(data).decode("ascii"),
    }
    return json.dumps(record, separators=(",", ":")).encode() + b"\n"
