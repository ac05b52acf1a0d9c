"""Put campaign events on the Kinesis stream: PutRecords, re-sending only failed entries.

A PutRecords response reports failures per entry (`FailedRecordCount`, `ErrorCode` per entry, such as
ProvisionedThroughputExceededException). Only those entries are re-sent, with exponential back-off;
entries still failing after the retry budget are written to the dead-letter prefix of the quarantine
bucket. Every record ends with a newline, like every producer of this project.
"""

from __future__ import annotations

import base64
import json
import logging
import random
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

MAX_PUT_RECORDS = 500
DEAD_LETTER_PREFIX = "kinesis_dead_letter"


def put_events(kinesis: Any, stream: str, events: list[dict[str, Any]], s3: Any = None,
               quarantine_bucket: str | None = None, max_attempts: int = 6, base_delay_s: float = 0.1,
               sleep: Callable[[float], None] = time.sleep) -> dict[str, int]:
    """Send events (partition key: customer_id) and return `sent`, `retried` and `dead_lettered` counts."""
    counts = {"sent": 0, "retried": 0, "dead_lettered": 0}
    entries = [{"Data": json.dumps(event, separators=(",", ":")).encode() + b"\n",
                "PartitionKey": str(event.get("customer_id", event.get("event_id", "")))} for event in events]
    for start in range(0, len(entries), MAX_PUT_RECORDS):
        pending = entries[start:start + MAX_PUT_RECORDS]
        errors: list[str] = []
        for attempt in range(max_attempts):
            if attempt:
                counts["retried"] += len(pending)
                sleep(random.uniform(0, base_delay_s * 2 ** attempt))  # noqa: S311 - jitter, not security
            response = kinesis.put_records(StreamName=stream, Records=pending)
            results = response["Records"]
            failed = [(entry, result) for entry, result in zip(pending, results, strict=True) if result.get("ErrorCode")]
            counts["sent"] += len(pending) - len(failed)
            pending = [entry for entry, _ in failed]
            errors = [f"{result['ErrorCode']}: {result.get('ErrorMessage', '')}" for _, result in failed]
            if not pending:
                break
            log.debug("%s of %s records failed; re-sending only those", len(pending), len(results))
        if pending:
            _dead_letter(s3, quarantine_bucket, stream, pending, errors)
            counts["dead_lettered"] += len(pending)
    return counts


def _dead_letter(s3: Any, bucket: str | None, stream: str, entries: list[dict[str, Any]], errors: list[str]) -> None:
    if s3 is None or bucket is None:
        raise RuntimeError(f"{len(entries)} records to {stream} failed after the retry budget and no dead-letter "
                           "bucket was given")
    now = time.gmtime()
    lines = [json.dumps({"stage": "campaign_producer", "source": stream, "offset": None,
                         "reason": "put_records_failed", "detail": error,
                         "raw_b64": base64.b64encode(entry["Data"]).decode("ascii")})
             for entry, error in zip(entries, errors, strict=True)]
    key = f"{DEAD_LETTER_PREFIX}/dt={time.strftime('%Y-%m-%d', now)}/{stream}-{time.time_ns()}.jsonl"
    s3.put_object(Bucket=bucket, Key=key, Body="\n".join(lines).encode() + b"\n")
    log.warning("wrote %s undeliverable records to s3://%s/%s", len(entries), bucket, key)
