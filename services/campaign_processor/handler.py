"""Campaign Lambda: validate Kinesis campaign events, dedupe on event_id, stage them as JSON lines.

Invoked by a Kinesis event source mapping with ReportBatchItemFailures (or the local runner with the
same event). Each batch is written as one object per event date,
`campaign_events/dt=<date>/<shard>-<first seq>-<last seq>.jsonl`, so a re-delivered batch overwrites
its objects. Invalid events go to the quarantine bucket with a reason. Records whose object could not
be written are reported in `batchItemFailures`, so the event source retries them.
"""

from __future__ import annotations

import base64
import json
import os
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.data_classes.kinesis_stream_event import KinesisStreamRecord
from botocore.exceptions import BotoCoreError, ClientError

from services.campaign_processor.events import CampaignEvent, InvalidEvent, parse_event

logger = Logger(service="campaign-processor")
s3 = boto3.client("s3")
processor = BatchProcessor(event_type=EventType.KinesisDataStreams, raise_on_entire_batch_failure=False)

STAGE = "campaign_processor"
# Totals of this execution environment, also logged per invocation; the local runner reads them.
invocation_counts: Counter[str] = Counter()


@dataclass
class _Item:
    sequence_number: str
    shard_id: str
    arrival_ts: str
    data: bytes
    stream: str
    event: CampaignEvent | None = None
    reason: str = ""


@dataclass
class _StagedBatch:
    """Records of one invocation, grouped into the objects they are written to."""

    staged: dict[str, list[_Item]] = field(default_factory=dict)
    quarantined: dict[str, list[_Item]] = field(default_factory=dict)
    seen_event_ids: set[str] = field(default_factory=set)
    duplicates: int = 0

    def collect(self, record: KinesisStreamRecord) -> None:
        """Validate one record (the BatchProcessor's record handler); it raises only on unexpected errors."""
        item = _Item(record.kinesis.sequence_number, record.event_id.split(":", 1)[0],
                     _iso(record.kinesis.approximate_arrival_timestamp), record.kinesis.data_as_bytes(),
                     record.event_source_arn.rsplit("/", 1)[-1])
        try:
            item.event = parse_event(item.data)
        except InvalidEvent as exc:
            item.reason = str(exc)
            self.quarantined.setdefault(item.arrival_ts[:10], []).append(item)
            return
        if item.event.event_id in self.seen_event_ids:
            self.duplicates += 1
            return
        self.seen_event_ids.add(item.event.event_id)
        self.staged.setdefault(item.event.dt, []).append(item)

    def write(self, staging_bucket: str, quarantine_bucket: str) -> list[str]:
        """Write every staged and quarantine object; return the sequence numbers of records not written."""
        failed: list[str] = []
        for dt, items in self.staged.items():
            failed += _put_lines(staging_bucket, f"campaign_events/dt={dt}/{_name(items)}.jsonl",
                                 items, _staged_line)
        for dt, items in self.quarantined.items():
            failed += _put_lines(quarantine_bucket, f"{STAGE}/dt={dt}/{_name(items)}.jsonl", items, _quarantine_line)
        return failed


@logger.inject_lambda_context(log_event=False, clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Stage one Kinesis batch; return `{"batchItemFailures": [{"itemIdentifier": seq}, ...]}`."""
    batch = _StagedBatch()
    records = event.get("Records", [])
    with processor(records=records, handler=batch.collect, lambda_context=context):
        processor.process()
    failed = [str(item["itemIdentifier"]) for item in processor.response()["batchItemFailures"]]
    failed += batch.write(os.environ.get("SHOPLAKE_BUCKETS__STAGING", "shoplake-staging"),
                          os.environ.get("SHOPLAKE_BUCKETS__QUARANTINE", "shoplake-quarantine"))

    counts = {"records": len(records), "failed": len(set(failed)), "duplicates": batch.duplicates,
              "staged": sum(len(items) for items in batch.staged.values()),
              "quarantined": sum(len(items) for items in batch.quarantined.values())}
    invocation_counts.update(counts)
    logger.info("processed batch", extra=counts)
    return {"batchItemFailures": [{"itemIdentifier": sequence} for sequence in sorted(set(failed), key=int)]}


def _put_lines(bucket: str, key: str, items: list[_Item], line: Any) -> list[str]:
    body = b"".join(json.dumps(line(item), separators=(",", ":")).encode() + b"\n" for item in items)
    try:
        s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="application/x-ndjson")
    except (ClientError, BotoCoreError) as exc:
        logger.warning("writing s3://%s/%s failed; reporting %s records as failed: %s", bucket, key, len(items), exc)
        return [item.sequence_number for item in items]
    return []


def _name(items: list[_Item]) -> str:
    sequences = sorted((item.sequence_number for item in items), key=int)
    return f"{items[0].shard_id}-{sequences[0]}-{sequences[-1]}"


def _staged_line(item: _Item) -> dict[str, Any]:
    assert item.event is not None
    fields = {name: value for name, value in item.event._asdict().items() if name != "dt"}
    return {**fields, "kinesis_sequence_number": item.sequence_number, "kinesis_shard_id": item.shard_id,
            "approximate_arrival_ts": item.arrival_ts}


def _quarantine_line(item: _Item) -> dict[str, Any]:
    return {"stage": STAGE, "source": f"{item.stream}/{item.shard_id}", "offset": item.sequence_number, "reason": "invalid_event",
            "detail": item.reason, "raw_b64": base64.b64encode(item.data).decode("ascii")}


def _iso(epoch_seconds: float) -> str:
    moment = datetime.fromtimestamp(epoch_seconds, tz=UTC)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}Z"
