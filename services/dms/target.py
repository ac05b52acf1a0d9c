"""The S3 side: writing data files and the task's durable checkpoint.

The checkpoint is one JSON object at `<BucketFolder>/_replicator/<slot>/checkpoint.json`
in the same bucket as the files, outside every `<schema>/<table>/` folder. It is
written after the data files of a flush and before the LSN is acknowledged to
the replication slot, so the slot never forgets a change that is not in S3.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from typing import Any

from services.dms.config import S3Target

log = logging.getLogger(__name__)


def format_lsn(lsn: int) -> str:
    """Format an LSN as PostgreSQL prints it (`16/B374D848`)."""
    return f"{lsn >> 32:X}/{lsn & 0xFFFFFFFF:X}"


def parse_lsn(text: str) -> int:
    """Parse a PostgreSQL LSN (`16/B374D848`) into an integer."""
    high, _, low = text.partition("/")
    return (int(high, 16) << 32) | int(low, 16)


@dataclass
class Checkpoint:
    """Durable progress of one replication task (one slot)."""

    slot: str
    full_load_lsn: str | None = None
    full_load_completed_at: str | None = None
    full_load_rows: dict[str, int] = field(default_factory=dict)
    cdc_lsn: str | None = None
    cdc_committed_at: str | None = None
    last_cdc_file: str | None = None
    cdc_changes: dict[str, int] = field(default_factory=dict)

    @property
    def full_load_done(self) -> bool:
        return self.full_load_completed_at is not None

    @property
    def position(self) -> int:
        """Return the LSN up to which every committed change is in S3."""
        text = self.cdc_lsn or self.full_load_lsn
        return parse_lsn(text) if text else 0


class S3Store:
    """Put data files and the checkpoint into one bucket with boto3 (`PutObject`, `ListObjectsV2`)."""

    def __init__(self, client: Any, bucket: str, target: S3Target, slot: str) -> None:
        self.client = client
        self.bucket = bucket
        self.target = target
        self.slot = slot

    @property
    def checkpoint_key(self) -> str:
        folder = f"{self.target.bucket_folder}/" if self.target.bucket_folder else ""
        return f"{folder}_replicator/{self.slot}/checkpoint.json"

    def put(self, key: str, body: bytes) -> None:
        """Write one object (S3 `PutObject` replaces it whole, so readers never see half a file)."""
        self.client.put_object(Bucket=self.bucket, Key=key, Body=body)
        log.debug("wrote s3://%s/%s (%d bytes)", self.bucket, key, len(body))

    def read_checkpoint(self) -> Checkpoint:
        """Return the stored checkpoint, or an empty one when the task never ran."""
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self.checkpoint_key)
        except self.client.exceptions.NoSuchKey:
            return Checkpoint(slot=self.slot)
        return Checkpoint(**json.loads(response["Body"].read()))

    def write_checkpoint(self, checkpoint: Checkpoint) -> None:
        self.put(self.checkpoint_key, json.dumps(asdict(checkpoint), indent=2, sort_keys=True).encode())

    def list_keys(self, prefix: str, start_after: str | None = None) -> list[str]:
        """Return every key under `prefix` (after `start_after`), in S3's lexicographic order."""
        paginator = self.client.get_paginator("list_objects_v2")
        arguments = {"Bucket": self.bucket, "Prefix": prefix}
        if start_after:
            arguments["StartAfter"] = start_after
        return [item["Key"] for page in paginator.paginate(**arguments) for item in page.get("Contents", [])]

    def delete_prefix(self, prefix: str) -> int:
        """Delete every object under `prefix` (S3 `DeleteObjects`, 1,000 keys a call); return the count."""
        keys = self.list_keys(prefix)
        for start in range(0, len(keys), 1000):
            chunk = [{"Key": key} for key in keys[start:start + 1000]]
            self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": chunk, "Quiet": True})
        return len(keys)
