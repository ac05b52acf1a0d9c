"""Log-processor Lambda: parse access-log objects named by S3 ObjectCreated events, send records to Firehose.

Invoked by S3 event notifications (or the local runner with the same event JSON). For every object it
streams the lines, parses each one, sends the records with PutRecordBatch, quarantines the lines it
cannot parse, and returns counts for which lines_read = records_sent + quarantined + dead_lettered.
Re-invoking it for the same object sends the same `record_id`s again; staging readers dedupe on them.
"""

from __future__ import annotations

import gzip
import re
import zlib
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote_plus

import boto3
from aws_lambda_powertools import Logger

from services.log_processor.config import HandlerConfig
from services.log_processor.parser import AccessLogParser, RejectedLine
from services.log_processor.quarantine import JsonLinesWriter, object_name, quarantine_record
from services.log_processor.reader import Line, open_lines
from services.log_processor.sender import DeadLetter, Entry, FirehoseBatchSender, RetryPolicy

logger = Logger(service="log-processor")
s3 = boto3.client("s3")
firehose = boto3.client("firehose")
retry_policy = RetryPolicy()

# Marks the undecodable rest of a damaged gzip object, which is quarantined as one record.
CORRUPT_TAIL = Line(b"", False, 0, None)
_KEY_DATE = re.compile(r"(?:^|/)dt=(\d{4}-\d{2}-\d{2})(?:/|$)")
_parsers: dict[bytes, AccessLogParser] = {}


@logger.inject_lambda_context(log_event=False, clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Process every object of an S3 event; return per-object and total counts."""
    config = HandlerConfig.from_environment()
    parser = _parsers.get(config.ip_hash_key) or _parsers.setdefault(config.ip_hash_key,
                                                                     AccessLogParser(config.ip_hash_key))
    objects = []
    for record in event.get("Records", []):
        if not str(record.get("eventName", "")).startswith("ObjectCreated"):
            logger.info("skipping event %s", record.get("eventName"))
            continue
        bucket = record["s3"]["bucket"]["name"]
        key = unquote_plus(record["s3"]["object"]["key"])
        objects.append(process_object(bucket, key, str(record.get("eventTime", ""))[:10], config, parser))

    totals = {name: sum(counts[name] for counts in objects)
              for name in ("lines_read", "records_sent", "quarantined", "dead_lettered", "truncated")}
    return {"objects": objects, **totals}


def process_object(bucket: str, key: str, event_date: str, config: HandlerConfig,
                   parser: AccessLogParser) -> dict[str, Any]:
    """Parse one object and send its records; return its counts (they balance)."""
    logger.append_keys(object_key=f"s3://{bucket}/{key}")
    source = f"{bucket}/{key}"
    name = object_name(source)
    partition = _key_date(key) or event_date or "unknown"
    quarantine = JsonLinesWriter(s3, config.quarantine_bucket, "log_processor", name)
    dead_letters = JsonLinesWriter(s3, config.quarantine_bucket, "firehose_dead_letter", name)
    sender = FirehoseBatchSender(firehose, config.delivery_stream,
                                 lambda dead: dead_letters.add(dead.entry.dt, _dead_letter_record(source, dead)),
                                 retry_policy)
    counts: dict[str, Any] = {"source": f"s3://{source}", "lines_read": 0, "records_sent": 0, "quarantined": 0,
                              "dead_lettered": 0, "truncated": 0, "quarantine_reasons": {}}

    body = s3.get_object(Bucket=bucket, Key=key)["Body"]
    for line_number, line in enumerate(_readable_lines(body, source), start=1):
        counts["lines_read"] += 1
        rejected = _rejection(line) if line is not CORRUPT_TAIL else (
            "corrupt_object", "the object ends in bytes that do not decompress; the lines before them were kept")
        if rejected is None:
            try:
                record = parser.encode_line(line.raw.decode("utf-8", "replace"), line.length, source, line_number)
            except RejectedLine as exc:
                rejected = (("truncated_line", f"last line has no newline and does not parse: {exc.detail}")
                            if not line.complete else (exc.reason, exc.detail))
            else:
                counts["truncated"] += record.truncated
                sender.add(Entry(record.data, line_number, record.dt))
                continue
        reason, detail = rejected
        counts["quarantined"] += 1
        counts["quarantine_reasons"][reason] = counts["quarantine_reasons"].get(reason, 0) + 1
        quarantine.add(partition, quarantine_record(source, line_number, reason, detail, line.raw))

    sender.flush()
    quarantine.close()
    dead_letters.close()
    counts["records_sent"] = sender.sent
    counts["dead_lettered"] = sender.dead_lettered
    logger.info("processed object", extra={key: value for key, value in counts.items() if key != "source"})
    return counts


def _readable_lines(body: Any, source: str) -> Iterator[Line]:
    """Yield the object's lines; a corrupt or cut gzip stream ends with one marker line for its tail.

    Without this, one damaged object would stop the whole invocation and the objects after it.
    """
    try:
        yield from open_lines(body)
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        logger.error("corrupt object", extra={"source": source, "error": str(exc)})
        yield CORRUPT_TAIL


def _rejection(line: Line) -> tuple[str, str] | None:
    """Return the quarantine reason of a line that is rejected before parsing, or None."""
    if line.sha256 is not None:
        return "line_too_long", f"line of {line.length} bytes (sha256 {line.sha256}); raw_b64 holds its start"
    if not line.raw.strip():
        return "empty_line", "the line is empty"
    return None


def _dead_letter_record(source: str, dead: DeadLetter) -> dict[str, Any]:
    detail = f"PutRecordBatch failed after the retry budget: {dead.error_code}: {dead.error_message}"
    record = quarantine_record(source, dead.entry.line_number, "firehose_delivery_failed", detail, dead.entry.data)
    return record


def _key_date(key: str) -> str | None:
    match = _KEY_DATE.search(key)
    return match.group(1) if match else None
