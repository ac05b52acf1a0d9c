"""Local Kinesis event source mapping for the campaign handler.

Polls each shard like Lambda's event source mapping. It reads batches of up to `batch_size` records,
waiting up to `batching_window_s` to fill one, and checkpoints after each processed batch. A partial
failure is retried from the lowest failed sequence number, and a batch is bisected when the function
raises. After `maximum_retry_attempts`, or when records are older than `maximum_record_age_s`, the
records go to the on-failure destination (JSON lines in the quarantine bucket) and polling moves on.
Checkpoints live in `<data_dir>/runner/campaign_processor.json` and survive a restart.
"""

from __future__ import annotations

import base64
import json
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from services.runner import environment
from services.runner.checkpoints import CheckpointFile, checkpoint_dir
from services.runner.context import LocalLambdaContext
from services.runner.events import kinesis_batch
from shoplake import aws

if TYPE_CHECKING:
    from collections.abc import Callable

    from shoplake.settings import Settings

log = logging.getLogger(__name__)
ON_FAILURE_STAGE = "campaign_esm_on_failure"


@dataclass(frozen=True)
class MappingSettings:
    """The event source mapping options that the runner honours (AWS's names in snake case)."""

    batch_size: int = 100
    batching_window_s: float = 0.0
    maximum_retry_attempts: int = 3
    maximum_record_age_s: int = -1
    bisect_batch_on_function_error: bool = True
    retry_delay_s: float = 0.2


@dataclass
class _Shard:
    shard_id: str
    iterator: str | None
    caught_up: bool = False


class CampaignEventSource:
    """Deliver a Kinesis stream's records to a handler with event source mapping semantics."""

    def __init__(self, settings: Settings, handler: Callable[[dict, Any], dict], mapping: MappingSettings,
                 kinesis: Any, s3: Any, sleep: Callable[[float], None] = time.sleep) -> None:
        self.settings = settings
        self.handler = handler
        self.mapping = mapping
        self.kinesis = kinesis
        self.s3 = s3
        self.sleep = sleep
        self.counts = {"records_read": 0, "batches": 0, "invocations": 0, "function_errors": 0,
                       "partial_failures": 0, "records_to_on_failure_destination": 0, "lag_ms": 0}
        summary = kinesis.describe_stream_summary(StreamName=settings.campaign_stream)["StreamDescriptionSummary"]
        self.stream_arn = summary["StreamARN"]
        # A re-created stream (moto keeps streams in memory) starts over: its old sequence numbers are gone.
        self.stream_key = f"{self.stream_arn}@{summary['StreamCreationTimestamp'].timestamp():.0f}"
        self.checkpoints = CheckpointFile(checkpoint_dir(settings.data_dir) / "campaign_processor.json")

    def run(self, until_caught_up: bool = True, max_seconds: float | None = None) -> dict[str, Any]:
        """Poll every shard until each has no records behind the tip (or until `max_seconds`)."""
        deadline = None if max_seconds is None else time.monotonic() + max_seconds
        shards = [_Shard(shard["ShardId"], self._iterator(shard["ShardId"])) for shard in self._shards()]
        while shards and not all(shard.caught_up for shard in shards):
            for shard in shards:
                if not shard.caught_up:
                    self._poll(shard, until_caught_up)
            if deadline is not None and time.monotonic() > deadline:
                break
        return dict(self.counts)

    def _shards(self) -> list[dict[str, Any]]:
        return list(self.kinesis.list_shards(StreamName=self.settings.campaign_stream)["Shards"])

    def _iterator(self, shard_id: str) -> str:
        checkpoint = self.checkpoints.data.get(self.stream_key, {}).get(shard_id)
        if checkpoint:
            response = self.kinesis.get_shard_iterator(StreamName=self.settings.campaign_stream, ShardId=shard_id,
                                                       ShardIteratorType="AFTER_SEQUENCE_NUMBER",
                                                       StartingSequenceNumber=checkpoint)
        else:
            response = self.kinesis.get_shard_iterator(StreamName=self.settings.campaign_stream, ShardId=shard_id,
                                                       ShardIteratorType="TRIM_HORIZON")
        return str(response["ShardIterator"])

    def _poll(self, shard: _Shard, until_caught_up: bool) -> None:
        records, behind_ms = self._read_batch(shard)
        self.counts["lag_ms"] = max(self.counts["lag_ms"], behind_ms) if records else self.counts["lag_ms"]
        if not records:
            shard.caught_up = until_caught_up and behind_ms == 0
            if not until_caught_up:
                self.sleep(1.0)
            return
        self.counts["records_read"] += len(records)
        self.counts["batches"] += 1
        self._process(shard.shard_id, records)

    def _read_batch(self, shard: _Shard) -> tuple[list[dict[str, Any]], int]:
        """GetRecords until the batch is full, the window has passed, or the shard has nothing more."""
        records: list[dict[str, Any]] = []
        window_end = time.monotonic() + self.mapping.batching_window_s
        behind_ms = 0
        while shard.iterator and len(records) < self.mapping.batch_size:
            response = self.kinesis.get_records(ShardIterator=shard.iterator,
                                                Limit=self.mapping.batch_size - len(records))
            shard.iterator = response.get("NextShardIterator")
            records.extend(response["Records"])
            behind_ms = int(response.get("MillisBehindLatest", 0))
            if behind_ms == 0 and (not response["Records"] or time.monotonic() >= window_end):
                break
            if not response["Records"]:
                self.sleep(min(0.2, max(0.0, window_end - time.monotonic())))
        return records, behind_ms

    def _process(self, shard_id: str, records: list[dict[str, Any]]) -> None:
        """Deliver one batch with retries and bisection, checkpointing as parts of it complete."""
        pending = [records]
        while pending:
            batch = pending.pop(0)
            attempts = 0
            while batch:
                batch = self._drop_expired(shard_id, batch)
                if not batch:
                    break
                failed_from, function_error = self._invoke(shard_id, batch)
                if failed_from is None:
                    self._checkpoint(shard_id, batch[-1]["SequenceNumber"])
                    break
                if failed_from > 0:
                    self._checkpoint(shard_id, batch[failed_from - 1]["SequenceNumber"])
                if function_error and self.mapping.bisect_batch_on_function_error and len(batch) > 1:
                    middle = len(batch) // 2
                    pending[:0] = [batch[:middle], batch[middle:]]
                    break
                batch = batch[failed_from:]
                attempts += 1
                if 0 <= self.mapping.maximum_retry_attempts < attempts:
                    self._to_on_failure_destination(shard_id, batch, "retries_exhausted",
                                                    f"failed after {attempts} attempts")
                    self._checkpoint(shard_id, batch[-1]["SequenceNumber"])
                    break
                self.sleep(self.mapping.retry_delay_s * 2 ** (attempts - 1))

    def _invoke(self, shard_id: str, batch: list[dict[str, Any]]) -> tuple[int | None, bool]:
        """Invoke the handler; return (index of the first record to retry or None, whether it raised)."""
        event = kinesis_batch(batch, shard_id, self.stream_arn, self.settings.region)
        self.counts["invocations"] += 1
        try:
            response = self.handler(event, LocalLambdaContext("shoplake-campaign-processor",
                                                              region=self.settings.region))
        except Exception:  # noqa: BLE001 - a function error: the whole batch is retried, as AWS does
            log.exception("campaign handler raised for %s records of %s", len(batch), shard_id)
            self.counts["function_errors"] += 1
            return 0, True
        failures = [item["itemIdentifier"] for item in (response or {}).get("batchItemFailures") or []]
        if not failures:
            return None, False
        self.counts["partial_failures"] += 1
        sequences = [record["SequenceNumber"] for record in batch]
        known = [sequences.index(sequence) for sequence in failures if sequence in sequences]
        # An unknown identifier makes AWS treat the whole batch as failed.
        return (min(known) if len(known) == len(failures) else 0), False

    def _drop_expired(self, shard_id: str, batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if self.mapping.maximum_record_age_s < 0:
            return batch
        now = datetime.now(UTC)
        expired = [record for record in batch
                   if (now - record["ApproximateArrivalTimestamp"]).total_seconds() > self.mapping.maximum_record_age_s]
        if expired:
            self._to_on_failure_destination(shard_id, expired, "record_expired",
                                            f"older than MaximumRecordAgeInSeconds={self.mapping.maximum_record_age_s}")
        return [record for record in batch if record not in expired]

    def _to_on_failure_destination(self, shard_id: str, records: list[dict[str, Any]], reason: str,
                                   detail: str) -> None:
        """Write the records with the batch description AWS sends to on-failure destinations."""
        first, last = records[0], records[-1]
        batch_info = {"shardId": shard_id, "startSequenceNumber": first["SequenceNumber"],
                      "endSequenceNumber": last["SequenceNumber"], "batchSize": len(records),
                      "approximateArrivalOfFirstRecord": first["ApproximateArrivalTimestamp"].isoformat(),
                      "approximateArrivalOfLastRecord": last["ApproximateArrivalTimestamp"].isoformat(),
                      "streamArn": self.stream_arn}
        lines = [json.dumps({"stage": ON_FAILURE_STAGE, "source": f"{self.settings.campaign_stream}/{shard_id}",
                             "offset": record["SequenceNumber"], "reason": reason,
                             "detail": json.dumps({"message": detail, "KinesisBatchInfo": batch_info}),
                             "raw_b64": base64.b64encode(record["Data"]).decode("ascii")}) for record in records]
        dt = first["ApproximateArrivalTimestamp"].astimezone(UTC).strftime("%Y-%m-%d")
        key = f"{ON_FAILURE_STAGE}/dt={dt}/{shard_id}-{first['SequenceNumber']}-{last['SequenceNumber']}.jsonl"
        self.s3.put_object(Bucket=self.settings.buckets.quarantine, Key=key, Body="\n".join(lines).encode() + b"\n")
        self.counts["records_to_on_failure_destination"] += len(records)
        log.warning("sent %s records of %s to s3://%s/%s (%s)", len(records), shard_id,
                    self.settings.buckets.quarantine, key, reason)

    def _checkpoint(self, shard_id: str, sequence_number: str) -> None:
        self.checkpoints.data.setdefault(self.stream_key, {})[shard_id] = sequence_number
        self.checkpoints.save()


def run_campaign_processor(settings: Settings, until_caught_up: bool = True,
                           mapping: MappingSettings | None = None, max_seconds: float | None = None) -> dict[str, Any]:
    """Consume the campaign stream with the campaign handler; return the runner's and the handler's counts."""
    environment.prepare(settings)
    from services.campaign_processor import handler

    handler.s3 = aws.client("s3", settings)
    before = dict(handler.invocation_counts)
    started = time.monotonic()
    source = CampaignEventSource(settings, handler.lambda_handler, mapping or MappingSettings(),
                                 aws.client("kinesis", settings), handler.s3)
    counts: dict[str, Any] = source.run(until_caught_up, max_seconds)

    elapsed = time.monotonic() - started
    for name in ("staged", "duplicates", "quarantined", "failed"):
        counts[name] = handler.invocation_counts[name] - before.get(name, 0)
    counts["seconds"] = round(elapsed, 3)
    counts["records_per_s"] = round(counts["records_read"] / elapsed, 1) if elapsed > 0 else 0.0
    return counts
